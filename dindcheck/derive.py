"""What follows from the facts of one target, across its subjects.

Sources describe each container on its own; this module decides what needs the whole
picture: which daemons share a data root at the same time, the storage driver a
daemon will end up on, and whether each client's DOCKER_HOST agrees with the TLS
mode of the daemon it points at.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from dindcheck.apiversions import client_min_api, daemon_min_api, max_api
from dindcheck.model import Subject
from dindcheck.versions import parse_version

# overlay2 cannot use an overlay filesystem as its backing store; dockerd then falls
# back to the next driver that works, which inside a container is vfs.
LAYER_FALLBACK_DRIVER = "vfs"
DEFAULT_DRIVER = "overlay2"


def link(subjects: list[Subject]) -> None:
    """Fill the cross-subject fields of one target's subjects, in place."""
    daemons = [s for s in subjects if s.get("kind") == "daemon"]
    host = next((s for s in subjects if s.get("kind") == "host"), None)
    for daemon in daemons:
        _expected_driver(daemon)
        _mtu(daemon)
        if host is not None:
            daemon["host_cgroup_version"] = host.get("cgroup_version")
    _sharing(daemons)
    by_name = {d["name"]: d for d in daemons}
    for client in subjects:
        if client.get("kind") == "client":
            target = by_name.get(client.get("daemon") or "")
            _tls_agreement(client, target)
            _api_overlap(client, target)


def _expected_driver(daemon: Subject) -> None:
    driver = daemon["storage_driver"]
    covered_by = daemon["data_root"].get("covered_by")
    if driver.get("configured"):
        driver["expected"] = driver["configured"]
    elif covered_by == "layer":
        driver["expected"] = LAYER_FALLBACK_DRIVER
    elif covered_by == "runtime":
        driver["expected"] = None  # vfs under CRI-O, overlay2 under containerd
    else:
        driver["expected"] = DEFAULT_DRIVER


def _alive(daemon: Subject) -> bool | None:
    state = daemon.get("state")
    if not isinstance(state, dict) or "running" not in state:
        return None
    return bool(state["running"])


def _sharing(daemons: list[Subject]) -> None:
    groups: dict[str, list[Subject]] = defaultdict(list)
    for daemon in daemons:
        key = (daemon["data_root"].get("mount") or {}).get("share_key")
        if key:
            groups[key].append(daemon)
    for daemon in daemons:
        data_root = daemon["data_root"]
        key = (data_root.get("mount") or {}).get("share_key")
        replicas = int(daemon.get("replicas") or 1)
        shared_with: list[str] = []
        if key:
            group = groups[key]
            # Live: a stopped daemon counts when it shares with one that runs (it most
            # likely died on the lock); two stopped daemons share nothing right now.
            if any(_alive(d) is not False for d in group):
                shared_with = [d["name"] for d in group if d is not daemon]
            mount = data_root.get("mount") or {}
            # A ReadWriteOncePod claim is mounted by one pod at a time: the other replicas
            # wait (Pending) instead of sharing it.
            one_pod = "ReadWriteOncePod" in (mount.get("access_modes") or ())
            if not mount.get("per_instance") and not one_pod:
                if replicas > 1:
                    shared_with.append(f"{replicas} replicas of {daemon['name']}")
                if daemon.get("rollout_overlap"):
                    shared_with.append(f"the next pod of {daemon['name']} during a rollout")
        data_root["shared_with"] = sorted(set(shared_with))
        data_root["shared"] = bool(shared_with) and (
            _alive(daemon) is not False or any(_alive(d) for d in groups.get(key or "", [])))


def _tls_agreement(client: Subject, daemon: Subject | None) -> None:
    if daemon is None or client.get("scheme") not in ("tcp", "http", "https", None):
        return
    tls: dict[str, Any] = daemon["tls"]
    mode = tls.get("mode")
    port = client.get("port")
    served = port in (tls.get("tcp_ports") or [])
    expects_tls = client.get("client_expects_tls")
    client["port_served"] = served if mode in ("tls", "plaintext", "unix-only") else None
    mismatch: str | None = None
    if mode == "unix-only":
        mismatch = "the daemon listens on no TCP port (unix socket only)"
    elif mode == "tls":
        if not served:
            mismatch = (f"the daemon serves TLS on {_ports(tls)}, not on {port}")
        elif expects_tls is False:
            mismatch = (f"port {port} speaks TLS but the client would send plain HTTP "
                        "(set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH)")
    elif mode == "plaintext":
        if not served:
            mismatch = f"the daemon serves plain TCP on {_ports(tls)}, not on {port}"
        elif expects_tls:
            mismatch = (f"the client expects TLS ({client.get('client_tls_reason')}) but "
                        f"the daemon serves plain TCP on {port}")
    else:
        return
    client["tls_agrees"] = mismatch is None
    client["mismatch"] = mismatch


def _ports(tls: dict[str, Any]) -> str:
    ports = tls.get("tcp_ports") or []
    return ", ".join(str(p) for p in ports) or "no TCP port"


def _mtu(daemon: Subject) -> None:
    """The inner bridge must not be wider than the container's uplink (packets get dropped)."""
    inner = daemon.get("inner") or {}
    uplink = inner.get("mtu_uplink")
    bridge = inner.get("mtu_bridge") or daemon.get("mtu")
    daemon["mtu_mismatch"] = (isinstance(uplink, int) and isinstance(bridge, int)
                              and bridge > uplink)


def _api_range(low: str | None, high: str | None) -> tuple[Any, Any] | None:
    low_v, high_v = parse_version(low), parse_version(high)
    if low_v is None or high_v is None:
        return None
    return low_v, high_v


def _api_overlap(client: Subject, daemon: Subject | None) -> None:
    """Client and daemon must share an API version (Docker 29 raised both floors to 1.44)."""
    if daemon is None:
        return
    inner = daemon.get("inner") or {}
    version = client.get("client_engine_version")
    client_range = _api_range(client_min_api(version), max_api(version))
    daemon_version = daemon.get("engine_version")
    daemon_range = _api_range(inner.get("min_api_version") or daemon_min_api(daemon_version),
                              inner.get("api_version") or max_api(daemon_version))
    if client_range is None or daemon_range is None:
        client["api_skew"] = None
        return
    client["api"] = {"client_min": str(client_range[0]), "client_max": str(client_range[1]),
                     "daemon_min": str(daemon_range[0]), "daemon_max": str(daemon_range[1])}
    client["api_skew"] = client_range[1] < daemon_range[0] or daemon_range[1] < client_range[0]
