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
from dindcheck.knowledge import load
from dindcheck.model import Subject
from dindcheck.versions import parse_version, version_matches

# overlay2 cannot use an overlay filesystem as its backing store; dockerd then falls
# back to the next driver that works, which inside a container is vfs.
LAYER_FALLBACK_DRIVER = "vfs"
DEFAULT_DRIVER = "overlay2"
_STORE: dict[str, Any] = load("image_store.json")
_NEEDS: dict[str, Any] = load("privileges.json")
CONTAINERD, GRAPH_DRIVER = "containerd", "graph-driver"
# Causes in the log block (knowledge/daemon_log.json).
NOT_PRIVILEGED, SHARED_DATA_ROOT = "not_privileged", "shared_data_root"
STORE_DRIVER = "containerd_store_driver"


def link(subjects: list[Subject]) -> None:
    """Fill the cross-subject fields of one target's subjects, in place."""
    daemons = [s for s in subjects if s.get("kind") == "daemon"]
    host = next((s for s in subjects if s.get("kind") == "host"), None)
    for daemon in daemons:
        _expected_driver(daemon)
        _image_store(daemon)
        _mtu(daemon)
        if host is not None:
            daemon["host_cgroup_version"] = host.get("cgroup_version")
    _sharing(daemons)
    _privileges(daemons)
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
    elif covered_by in ("runtime", "unknown"):
        driver["expected"] = None  # runtime: vfs under CRI-O, overlay2 under containerd
    else:
        driver["expected"] = DEFAULT_DRIVER


def _image_store(daemon: Subject) -> None:
    """Which image store the daemon picks, whether by choice, and whether a forced driver
    name is taken as a containerd snapshotter that does not exist (image_store.json)."""
    driver = daemon["storage_driver"]
    store, choice = _store_choice(daemon)
    observed = (daemon.get("inner") or {}).get("containerd_snapshotter")
    if isinstance(observed, bool):
        store = CONTAINERD if observed else GRAPH_DRIVER
    forced = driver.get("configured")
    failed = _log_line(daemon, STORE_DRIVER) is not None  # the daemon said so itself
    driver["image_store"] = CONTAINERD if failed else store
    driver["image_store_choice"] = choice
    driver["not_a_snapshotter"] = failed or bool(store == CONTAINERD and forced
                                                 and forced not in _STORE["snapshotters"])


def _store_choice(daemon: Subject) -> tuple[str | None, str | None]:
    """``(store, "explicit" | "default")`` as moby decides it; None where the engine
    version decides and is not known."""
    feature = (daemon.get("features") or {}).get(_STORE["feature"])
    version = daemon.get("engine_version")
    forced = daemon["storage_driver"].get("configured")

    def since(key: str) -> bool | None:
        return None if version is None else version_matches(_newest_of_line(str(version)),
                                                            f">={_STORE[key]}")

    if feature is True and since("feature_since") is not False:
        return CONTAINERD, "explicit"
    if feature is False:
        return GRAPH_DRIVER, "explicit"
    default = since("default_since")
    if forced:
        if default is False:
            return GRAPH_DRIVER, "explicit"
        if forced in _STORE["graph_drivers_29_0_0"]:
            return GRAPH_DRIVER, "explicit"  # every version takes these as graph drivers
        registered = since("registered_since")
        if registered is None:
            return None, "explicit"
        taken = _STORE["graph_drivers"] if registered else _STORE["graph_drivers_29_0_0"]
        return (GRAPH_DRIVER if forced in taken else CONTAINERD), "explicit"
    if default is None:
        return None, "default"
    return (CONTAINERD if default else GRAPH_DRIVER), "default"


def _newest_of_line(version: str) -> str:
    """A tag that names a major or a minor only (``29``, ``29.0``) brings the newest release
    of that line: compare as such."""
    parts = version.split("-", 1)[0].split(".")
    if len(parts) >= 3 or not all(p.isdigit() for p in parts):
        return version
    return ".".join([*parts, *["9999"] * (3 - len(parts))])


def _log_line(daemon: Subject, cause: str) -> str | None:
    """The last line of the daemon's log that names ``cause``, if its log was read."""
    lines = (daemon.get("log") or {}).get("cause_lines") or {}
    line = lines.get(cause)
    return str(line) if line else None


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
        shared = bool(shared_with) and (
            _alive(daemon) is not False or any(_alive(d) for d in groups.get(key or "", [])))
        host = _host_engine(data_root.get("mount") or {})
        others = [*([host] if host else []), *sorted(set(shared_with))]
        log = daemon.get("log") or {}
        locked = log.get("stopped_line") if log.get("stopped_by") == SHARED_DATA_ROOT else None
        if not others and locked:
            others = [f"another daemon, by its log: {locked}"]
        data_root["shared_with"] = others
        data_root["shared"] = shared or host is not None or bool(locked)


def _host_engine(mount: dict[str, Any]) -> str | None:
    """The host's own engine as the other party of a data root bound from its data root
    (it always runs: it runs the container)."""
    if not mount.get("into_outer_root"):
        return None
    root = mount.get("outer_root") or "its data root"
    if mount.get("outer_root_assumed"):
        return (f"the host's Docker engine (assumed: {mount.get('source')} on the host lies in "
                f"{root}, the host engine's data root; if the host keeps it elsewhere, ignore "
                "DIND004 for this container)")
    return f"the host's Docker engine (its data root is {root})"


def _capability(name: str) -> str:
    name = name.strip().upper()
    return name[4:] if name.startswith("CAP_") else name


def _security_option(option: str) -> str:
    """``seccomp:unconfined`` (old compose syntax) and ``seccomp=unconfined`` alike."""
    return option.strip().lower().replace(":", "=", 1)


def _profile(daemon: Subject) -> tuple[Any, ...]:
    """What a container is allowed, as far as the input shows it: two containers with one
    profile get the same privileges from the same engine."""
    return (daemon.get("privileged"), daemon.get("runtime"), bool(daemon.get("rootless")),
            frozenset(_capability(c) for c in daemon.get("cap_add") or ()),
            frozenset(_capability(c) for c in daemon.get("cap_drop") or ()),
            frozenset(_security_option(o) for o in daemon.get("security_opt") or ()))


def _missing(daemon: Subject) -> list[str]:
    """What the profile lacks for dockerd (privileges.json), predicted."""
    needs = _NEEDS["rootless" if daemon.get("rootless") else "rootful"]
    added = {_capability(c) for c in daemon.get("cap_add") or ()}
    dropped = {_capability(c) for c in daemon.get("cap_drop") or ()}
    options = {_security_option(o) for o in daemon.get("security_opt") or ()}
    missing = [f"capability {c}" for c in needs["capabilities"]
               if c in dropped or "ALL" in dropped or (c not in added and "ALL" not in added)]
    missing += [f"security option {o}" for o in needs["security_opt"] if o not in options]
    return missing


def _daemon_seen(daemon: Subject) -> bool:
    """Its dockerd was seen: the inner daemon answered, or it runs among the processes."""
    inner = daemon.get("inner")
    return (isinstance(inner, dict) and bool(inner.get("driver"))) or bool(
        daemon.get("observed_command"))


def _runs(daemon: Subject) -> bool:
    """The container runs, or its daemon was seen."""
    state = daemon.get("state")
    return (isinstance(state, dict) and bool(state.get("running"))) or _daemon_seen(daemon)


def _privileges(daemons: list[Subject]) -> None:
    """Whether each container has what dockerd needs: from what it is given (privileged,
    sysbox), then from what was seen (it runs; another container with the same profile
    runs a daemon; its own log says why it stopped), then by prediction from its
    capabilities and security options."""
    seen: dict[tuple[Any, ...], str] = {}
    for daemon in daemons:
        if _daemon_seen(daemon) and daemon.get("privileged") is not None:
            seen.setdefault(_profile(daemon), daemon["name"])
    for daemon in daemons:
        missing = _missing(daemon)
        twin = seen.get(_profile(daemon))
        sufficient: bool | None
        log = daemon.get("log") or {}
        if daemon.get("privileged"):
            sufficient, decided_by = True, "privileged"
        elif daemon.get("sysbox"):
            sufficient, decided_by = True, "sysbox"
        elif daemon.get("privileged") is None:
            sufficient, decided_by = None, None
        elif log.get("stopped_by") == NOT_PRIVILEGED:
            sufficient, decided_by = False, "log"
        elif _runs(daemon):
            sufficient, decided_by = True, "seen-running"
        elif twin is not None:
            sufficient, decided_by = True, "same-profile-runs"
        elif log.get("stopped_by"):
            sufficient, decided_by = None, "log"  # it stopped for another reason
        else:
            sufficient, decided_by = not missing, "profile"
        daemon["privileges"] = {"sufficient": sufficient, "decided_by": decided_by,
                                "missing": [] if sufficient else missing,
                                "same_profile_runs": twin if decided_by ==
                                "same-profile-runs" else None}


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
