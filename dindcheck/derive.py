"""What follows from the facts of one target, across its subjects.

Sources describe each container on its own; this module decides what needs the whole
picture: which daemons share a data root at the same time, the storage driver a
daemon will end up on, and whether each client's DOCKER_HOST agrees with the TLS
mode of the daemon it points at.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from dindcheck.model import Subject

# overlay2 cannot use an overlay filesystem as its backing store; dockerd then falls
# back to the next driver that works, which inside a container is vfs.
LAYER_FALLBACK_DRIVER = "vfs"
DEFAULT_DRIVER = "overlay2"


def link(subjects: list[Subject]) -> None:
    """Fill the cross-subject fields of one target's subjects, in place."""
    daemons = [s for s in subjects if s.get("kind") == "daemon"]
    for daemon in daemons:
        _expected_driver(daemon)
    _sharing(daemons)
    by_name = {d["name"]: d for d in daemons}
    for client in subjects:
        if client.get("kind") == "client":
            _tls_agreement(client, by_name.get(client.get("daemon") or ""))


def _expected_driver(daemon: Subject) -> None:
    driver = daemon["storage_driver"]
    if driver.get("configured"):
        driver["expected"] = driver["configured"]
    elif daemon["data_root"].get("covered_by") == "layer":
        driver["expected"] = LAYER_FALLBACK_DRIVER
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
            if replicas > 1 and not key.startswith("anonymous:"):
                shared_with.append(f"{replicas} replicas of {daemon['name']}")
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
        elif not expects_tls:
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
