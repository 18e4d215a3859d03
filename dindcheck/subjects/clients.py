"""Containers whose DOCKER_HOST reaches a dind daemon of the same setup: ``client`` subjects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dindcheck.dockerd import client_tls, default_port, tcp_port
from dindcheck.model import Subject
from dindcheck.redact import redact_text
from dindcheck.subjects.header import header
from dindcheck.subjects.images import ImageFacts
from dindcheck.subjects.sockets import socket_engine
from dindcheck.workload import BIND, Workload, covering

# Addresses that stay inside the client's own network namespace.
LOCAL_HOSTS = (None, "", "localhost", "127.0.0.1", "::1", "[::1]")


def _netns(w: Workload) -> str:
    return w.netns or w.name


def resolve_daemon(w: Workload, host: str | None, daemons: Mapping[str, Subject],
                   workloads: Mapping[str, Workload]) -> str | None:
    """The daemon (by workload name) that ``host`` reaches from ``w``, or None.

    A local address reaches a daemon in the same network namespace (compose
    ``network_mode: service:X``, ``--network container:X``, one Kubernetes pod); any other
    name reaches the workload it is an alias of, or the one a link names.
    """
    if host in LOCAL_HOSTS:
        for name in daemons:
            other = workloads.get(name)
            if name != w.name and other is not None and _netns(other) == _netns(w):
                return name
        return None
    linked = w.links.get(host or "")
    for name in daemons:
        other = workloads.get(name)
        if name != w.name and (linked == name or (other is not None and host in other.aliases)):
            return name
    return None


def _in_scope(w: Workload, daemons: Mapping[str, Subject],
              workloads: Mapping[str, Workload]) -> list[str]:
    """The daemons of ``w``'s project (where its names resolve), but ``w`` itself."""
    return [name for name in daemons if name != w.name
            and (other := workloads.get(name)) is not None and other.project == w.project]


def _expects_tls(w: Workload, image: ImageFacts) -> tuple[bool | None, str]:
    if w.mounts is None and w.env("DOCKER_TLS_VERIFY") is None and image.official:
        return None, ("unknown: whether client certificates are mounted is not visible "
                      "(the runner's configuration was not given)")
    return client_tls(w.env_values(), official_image=image.official,
                      has_file=lambda path: covering(w.mounts or (), path) is not None)


def client_subject(w: Workload, image: ImageFacts, daemons: Mapping[str, Subject],
                   workloads: Mapping[str, Workload], *, closed: bool) -> Subject | None:
    """The client subject of ``w`` when its DOCKER_HOST reaches a daemon of the setup, or,
    in a setup where names reach nothing else (``closed``), names a host that no daemon
    of its project answers to."""
    docker_host = w.env("DOCKER_HOST")
    if not docker_host:
        return None
    endpoint = tcp_port(docker_host)
    if endpoint is None:
        return None
    host, port = endpoint
    target = resolve_daemon(w, host, daemons, workloads)
    in_scope = _in_scope(w, daemons, workloads)
    if target is None and not (closed and in_scope):
        return None
    daemon = daemons[target] if target is not None else None
    if daemon is not None:
        daemon["clients"].append(w.name)
    expects_tls, reason = _expects_tls(w, image)
    subject = header("client", f"{w.id}#client", w)
    subject.update({
        "docker_host": redact_text(docker_host),
        "scheme": docker_host.split("://", 1)[0] if "://" in docker_host else None,
        "host": host,
        "port": port if port is not None else default_port(expects_tls),
        "daemon": target,
        "reachable_as": {name: sorted(workloads[name].aliases) for name in in_scope}
        if target is None else {},
        "daemon_tls_mode": daemon["tls"]["mode"] if daemon else None,
        "daemon_tcp_ports": daemon["tls"]["tcp_ports"] if daemon else [],
        "client_expects_tls": expects_tls,
        "client_tls_reason": reason,
        "client_image": image.image["ref"] if image.image else None,
        "client_engine_version": image.version if image.official else None,
        "api_skew": None,
        "port_served": None,
        "tls_agrees": None,
        "mismatch": None,
    })
    subject.update(_waits(w, target, daemon))
    subject["host_socket_mounted"] = any(
        m.kind == BIND and (found := socket_engine(m, None)) is not None
        and found[0] == "docker" for m in w.mounts or ())
    subject["locations"]["docker_host"] = w.env_location("DOCKER_HOST").to_json()
    if w.polls_daemon is not None:
        subject["locations"]["depends_on"] = w.polls_daemon.to_json()
    elif "depends_on" in w.locations:
        subject["locations"]["depends_on"] = w.location("depends_on").to_json()
    return subject


def _waits(w: Workload, target: str | None, daemon: Subject | None) -> dict[str, Any]:
    """Whether the client waits until the daemon answers: it polls it itself, or it
    depends on it with service_healthy and the daemon's healthcheck asks dockerd; None
    when the source cannot say."""
    check = daemon.get("healthcheck") if daemon else None
    if w.polls_daemon is not None:
        return {"depends_on_condition": (w.depends_on or {}).get(target or ""),
                "daemon_healthcheck": check, "waits_for_daemon": True}
    if w.depends_on is None or target is None:
        return {"depends_on_condition": None, "daemon_healthcheck": check,
                "waits_for_daemon": None}
    condition = w.depends_on.get(target)
    asks_daemon = bool(check and "docker" in check and not check.startswith("NONE"))
    return {
        "depends_on_condition": condition,
        "daemon_healthcheck": check,
        "waits_for_daemon": condition == "service_healthy" and asks_daemon,
    }
