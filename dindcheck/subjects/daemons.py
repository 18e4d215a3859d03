"""Which workloads run a Docker daemon, and the ``daemon`` subject of each."""

from __future__ import annotations

import dataclasses
from typing import Any

from dindcheck.daemonlog import log_facts
from dindcheck.dockerd import (
    ROOTLESS_PROGRAMS,
    DaemonArgs,
    daemon_json_features,
    default_port,
    parse_daemon_args,
    plan_tls,
    tcp_port,
    words,
)
from dindcheck.images import default_data_root
from dindcheck.model import Subject
from dindcheck.redact import docker_env, redact_argv, redact_text
from dindcheck.subjects.detection import Detection, detect
from dindcheck.subjects.header import header
from dindcheck.subjects.images import ImageFacts
from dindcheck.subjects.sockets import socket_engine
from dindcheck.subjects.storage import data_root, unresolved_image
from dindcheck.workload import BIND, Mount, Setup, Workload, covering

__all__ = ["daemon_hosts", "daemon_subject", "data_root_path", "detect"]


def _observed_args(w: Workload) -> DaemonArgs | None:
    obs = w.observation
    return parse_daemon_args(obs.daemon_argv) if obs and obs.daemon_argv else None


def data_root_path(w: Workload) -> str:
    """Where the daemon of ``w`` keeps its data, as far as known."""
    image = ImageFacts.of(w)
    detection = detect(w, image)
    return _data_root_path(w, image, detection.args if detection else DaemonArgs())


def daemon_hosts(w: Workload) -> list[str]:
    """The ``-H`` addresses the daemon of ``w`` listens on, by its flags and, once seen
    running, by its process."""
    image = ImageFacts.of(w)
    detection = detect(w, image)
    observed = _observed_args(w)
    return [*(detection.args.hosts if detection else ()), *(observed.hosts if observed else ())]


def _data_root_path(w: Workload, image: ImageFacts, args: DaemonArgs) -> str:
    """The inner daemon's own answer, else its flags, the running dockerd's flags,
    daemon.json, or the image's default."""
    obs = w.observation
    observed = _observed_args(w)
    configured = obs.daemon_json.get("data-root") if obs else None
    answer = obs.data_root if obs else None
    return str(answer or args.data_root or (observed.data_root if observed else None)
               or configured or default_data_root(image.family))


def _storage_driver(w: Workload, args: DaemonArgs,
                    data_root_location: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``storage_driver`` block and where it is configured."""
    observed = _observed_args(w)
    obs = w.observation
    flag = args.storage_driver or (observed.storage_driver if observed else None)
    daemon_json = obs.daemon_json.get("storage-driver") if obs else None
    env = w.env("DOCKER_DRIVER")
    location: dict[str, Any] = {}
    if flag:
        configured, via = flag, "flag"
        location = w.location("command", "entrypoint").to_json()
    elif env:
        configured, via = env, "env"
        location = w.env_location("DOCKER_DRIVER").to_json()
    elif daemon_json:
        configured, via = str(daemon_json), "daemon.json"
        location = w.location("daemon_json").to_json()
    else:
        configured, via = None, None
        location = data_root_location  # the daemon chooses by what lies under its data root
    inner = obs.inner if obs else None
    return ({"configured": configured, "configured_via": via, "expected": None,
             "observed": (inner or {}).get("driver")}, location)


def _features(w: Workload, args: DaemonArgs) -> dict[str, bool | str]:
    """``--feature`` flags over daemon.json's ``features`` (dockerd refuses a feature set
    in both; the flag is what was written last)."""
    obs = w.observation
    observed = _observed_args(w)
    return {**daemon_json_features(obs.daemon_json.get("features") if obs else None),
            **(observed.features if observed else {}), **args.features}


def _rootless(w: Workload, image: ImageFacts, argv: tuple[str, ...]) -> bool:
    """A rootless daemon: the inner daemon says so (live), the image's family or variant
    is rootless, or a rootless launcher starts dockerd (in its command or among its
    processes; dockerd.json ``rootless_programs``)."""
    obs = w.observation
    inner = (obs.inner if obs else None) or {}
    if any("name=rootless" in str(o) for o in inner.get("security_options") or ()):
        return True
    if image.rootless:
        return True
    programs = list(argv)
    if obs is not None:
        programs += [*(obs.daemon_argv or ()),
                     *[ws[0] for p in (obs.processes or ()) if (ws := words(p))]]
    return any(p.rsplit("/", 1)[-1] in ROOTLESS_PROGRAMS for p in programs)


def _sysbox(w: Workload) -> bool:
    """The sysbox runtime (registered as ``sysbox-runc``; some hosts alias it)."""
    return bool(w.runtime and w.runtime.startswith("sysbox"))


def _tls(w: Workload, image: ImageFacts, detection: Detection,
         ports: list[dict[str, Any]]) -> dict[str, Any]:
    plan = plan_tls(detection.args, w.env_values(),
                    official_entrypoint=detection.official_entrypoint,
                    image_version=image.version)
    if detection.official_entrypoint and unresolved_image(w) and \
            "DOCKER_TLS_CERTDIR" not in w.environment:
        # The entrypoint's default depends on the image's DOCKER_TLS_CERTDIR, unknown here.
        plan = dataclasses.replace(plan, mode="unknown", certdir=None, tcp_ports=[],
                                   plaintext_ports=[], tcp_hosts=[])
    published = any(p["container_port"] in plan.plaintext_ports and p["host_port"]
                    for p in ports)
    return {"mode": plan.mode, "certdir": plan.certdir, "unix_sockets": plan.unix_sockets,
            "plaintext_tcp": bool(plan.plaintext_ports), "tcp_ports": plan.tcp_ports,
            "plaintext_ports": plan.plaintext_ports, "tcp_hosts": plan.tcp_hosts,
            "plaintext_published": published or (w.host_network
                                                 and bool(plan.plaintext_ports))}


def _tls_location(w: Workload, tls: dict[str, Any], published: bool) -> dict[str, Any]:
    """Where the TLS mode is decided or exposed: a published plaintext port, the host's
    network, ``DOCKER_TLS_CERTDIR``, the command (empty: the workload itself)."""
    if published and "ports" in w.locations:
        return w.location("ports").to_json()
    if tls["plaintext_published"] and w.host_network and "network_mode" in w.locations:
        return w.location("network_mode").to_json()
    if "DOCKER_TLS_CERTDIR" in w.environment:
        return w.env_location("DOCKER_TLS_CERTDIR").to_json()
    if "command" in w.locations:
        return w.location("command").to_json()
    return {}


def _foreground(detection: Detection) -> bool | None:
    """Whether dockerd is what keeps the container running (it never exits on its own):
    the official image's entrypoint, or a command that runs it in the foreground. False
    when a script starts it in the background and goes on; None when the entrypoint that
    starts it is not known (another image's, a declared or observed daemon)."""
    if detection.detected_by == "image" and detection.official_entrypoint:
        return True
    if detection.detected_by in ("command", "dockerfile") and detection.args.is_daemon:
        return not detection.args.background
    return None


def _host_socket_at_own(w: Workload, sockets: list[str]) -> Mount | None:
    """A bind of the host's docker socket where the daemon creates its own socket (GitLab
    Runner binds its volumes into service containers too): dockerd cannot listen there."""
    if w.created_by is not None:
        return None  # its binds are another daemon's paths
    for path in sockets:
        mount = covering(w.mounts or (), path)
        if mount is not None and mount.kind == BIND and \
                (found := socket_engine(mount, None)) is not None and found[0] == "docker":
            return mount
    return None


# The keys a daemon finding may point at, when the source recorded where they are.
_LOCATION_KEYS = ("privileged", "image", "runtime", "network_mode", "ports", "healthcheck",
                  "replicas", "command", "state", "resources")


def daemon_subject(w: Workload, image: ImageFacts, setup: Setup) -> Subject | None:
    """The ``daemon`` subject of ``w``, or None when it runs no Docker daemon."""
    detection = detect(w, image)
    if detection is None:
        return None
    if detection.detected_by == "engine":
        return engine_daemon_subject(w)
    args = detection.args
    obs = w.observation
    sysbox = _sysbox(w)
    path = _data_root_path(w, image, args)
    root, root_location = data_root(w, image, path, sysbox, setup)
    driver, driver_location = _storage_driver(w, args, root_location)
    ports = [p.to_json() for p in w.ports]
    tls = _tls(w, image, detection, ports)
    published = any(p["container_port"] in tls["plaintext_ports"] and p["host_port"]
                    for p in ports)
    inner = dict(obs.inner) if obs and obs.inner is not None else None
    subject = header("daemon", w.id, w)
    subject.update({
        "detected_by": detection.detected_by,
        "confidence": detection.confidence,
        "detection_basis": [redact_text(b) for b in detection.basis],
        "image": image.block,
        "command": list(w.shown_command),
        "replicas": w.replicas,
        "privileged": w.privileged,
        "runtime": w.runtime,
        "sysbox": sysbox,
        "rootless": _rootless(w, image, detection.argv),
        "cap_add": list(w.cap_add),
        "cap_drop": list(w.cap_drop),
        "security_opt": list(w.security_opt),
        "network_mode": w.network_mode,
        "host_network": w.host_network,
        "data_root": root,
        "storage_driver": driver,
        "tls": tls,
        "mtu": args.mtu,
        "registry_mirrors": [redact_text(m) for m in args.registry_mirrors],
        "legacy_daemon_subcommand": args.legacy_daemon_subcommand,
        "features": _features(w, args),
        "published_ports": ports,
        "engine_version": (inner or {}).get("version") or image.version,
        "healthcheck": w.healthcheck.test if w.healthcheck else None,
        "healthcheck_split": bool(w.healthcheck and w.healthcheck.split),
        "clients": [],
        "inner": inner,
        "state": obs.state.to_json() if obs and obs.state else None,
        "log": log_facts(obs.log if obs else None,
                         running=obs.state.running if obs and obs.state else None),
        "observed_command": redact_argv(list(obs.daemon_argv))
        if obs and obs.daemon_argv else None,
        "environment": docker_env(w.env_values()),
        "starts": detection.starts,
        "role": w.role,
        "must_complete": w.must_complete,
        "rollout_overlap": w.rollout_overlap,
        "memory_limit": w.memory_limit,
        "ephemeral_storage_limit": w.ephemeral_storage_limit,
        "foreground": _foreground(detection),
        "peers": [],  # filled once the setup's containers are known (build_subjects)
        "pre_stop": w.pre_stop,
        "ended_by": w.ended_by,
        "pod_security": w.pod_security,
    })
    taken = _host_socket_at_own(w, tls["unix_sockets"])
    subject["host_socket_at_own_socket"] = taken is not None
    locations = subject["locations"]
    if taken is not None and taken.location is not None:
        locations["socket"] = taken.location.to_json()
    locations["data_root"] = root_location or locations["subject"]
    for key in _LOCATION_KEYS:
        if key in w.locations:
            locations[key] = w.location(key).to_json()
    if driver_location:
        locations["storage_driver"] = driver_location
    tls_location = _tls_location(w, tls, published)
    if tls_location:
        locations["tls"] = tls_location
    subject["notes"] = [*w.notes, *(obs.notes if obs else ())]
    if not detection.starts:
        subject["notes"].append(f"{w.entrypoint_replaced_by} replaces the image's entrypoint: "
                                "its dockerd never starts")
    if w.declared_daemon:
        subject["notes"].append(w.declared_daemon)
    return subject


def engine_daemon_subject(w: Workload) -> Subject:
    """The audited engine itself as a dind daemon (it runs in a container).

    What its container looks like from outside (privileged, mounts) cannot be seen
    from inside: those facts are null, and only what the engine reports is filled.
    """
    assert w.engine is not None
    obs = w.observation
    inner = dict(obs.inner) if obs and obs.inner is not None else {}
    subject = header("daemon", w.id, w)
    endpoint = w.engine.url
    subject.update({
        "notes": list(w.notes),
        "detected_by": "engine",
        "confidence": "certain",
        "detection_basis": ["the audited engine reports running in a container"],
        "image": None,
        "command": [],
        "replicas": 1,
        "privileged": None,
        "runtime": None,
        "sysbox": False,
        "rootless": "name=rootless" in " ".join(inner.get("security_options") or ()),
        "cap_add": [],
        "cap_drop": [],
        "security_opt": [],
        "network_mode": None,
        "host_network": False,
        "data_root": {"path": obs.data_root if obs else None, "mount": None,
                      "covered_by": "unknown", "persistent": False, "shared": False,
                      "shared_with": [], "backing_fs": obs.data_root_fs if obs else None,
                      "backing_fs_d_type": inner.get("d_type")},
        "storage_driver": {"configured": None, "configured_via": None, "expected": None,
                           "observed": inner.get("driver")},
        "tls": _listener_tls(endpoint, w.engine.tls),
        "mtu": None,
        "registry_mirrors": list(inner.get("registry_mirrors") or []),
        "published_ports": [],
        "engine_version": inner.get("version"),
        "healthcheck": None,
        "healthcheck_split": False,
        "clients": [],
        "inner": inner,
        "state": obs.state.to_json() if obs and obs.state else None,
    })
    subject["locations"].update({
        "data_root": {"endpoint": endpoint, "field": "info.DockerRootDir"},
        "storage_driver": {"endpoint": endpoint, "field": "info.Driver"}})
    return subject


def _listener_tls(endpoint: str, uses_tls: bool) -> dict[str, Any]:
    """What the audit's own connection shows of the engine's listeners (one of them)."""
    address = tcp_port(endpoint)
    if address is None:
        return {"mode": "unknown", "certdir": None, "plaintext_tcp": False, "tcp_ports": [],
                "plaintext_ports": [], "tcp_hosts": [], "plaintext_published": False,
                "unix_sockets": [endpoint[len("unix://"):]]
                if endpoint.startswith("unix://") else []}
    port = address[1] or default_port(uses_tls)
    return {"mode": "tls" if uses_tls else "plaintext", "certdir": None,
            "plaintext_tcp": not uses_tls, "tcp_ports": [port],
            "plaintext_ports": [] if uses_tls else [port], "tcp_hosts": [endpoint],
            "plaintext_published": False, "unix_sockets": []}
