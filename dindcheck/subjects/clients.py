"""Containers whose DOCKER_HOST reaches a dind daemon of the same setup: ``client`` subjects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dindcheck.dockerd import client_tls, tcp_port
from dindcheck.model import Subject
from dindcheck.redact import redact_text
from dindcheck.subjects.header import header
from dindcheck.subjects.images import ImageFacts
from dindcheck.workload import Workload, covering

_PLANNED_LOCAL = ("localhost", "127.0.0.1")
_LIVE_LOCAL = (None, "", "localhost", "127.0.0.1", "::1")


def resolve_daemon(w: Workload, host: str | None, daemons: Mapping[str, Subject],
                   workloads: Mapping[str, Workload]) -> str | None:
    """The daemon (by workload name) that ``host`` reaches from ``w``, or None."""
    if w.origin == "live" and host in _LIVE_LOCAL:
        return w.netns if w.netns in daemons else None
    linked = w.links.get(host or "")
    for name in daemons:
        if name == w.name:
            continue
        other = workloads.get(name)
        if linked == name or (host and other is not None and host in other.aliases):
            return name
    if w.origin != "live" and host in _PLANNED_LOCAL and w.netns in daemons:
        return w.netns
    return None


def client_subject(w: Workload, image: ImageFacts, daemons: Mapping[str, Subject],
                   workloads: Mapping[str, Workload]) -> Subject | None:
    docker_host = w.env("DOCKER_HOST")
    if not docker_host:
        return None
    endpoint = tcp_port(docker_host)
    if endpoint is None:
        return None
    host, port = endpoint
    target = resolve_daemon(w, host, daemons, workloads)
    if target is None:
        return None
    daemon = daemons[target]
    daemon["clients"].append(w.name)
    expects_tls, reason = client_tls(
        w.env_values(), official_image=image.official,
        has_file=lambda path: covering(w.mounts or (), path) is not None)
    live = w.origin == "live"
    subject = header("client", f"{w.id}#client" if live else w.id, w)
    subject.update({
        "docker_host": redact_text(docker_host) if live else docker_host,
        "scheme": docker_host.split("://", 1)[0] if "://" in docker_host else None,
        "host": host,
        "port": port if port is not None else (2376 if expects_tls else 2375),
        "daemon": target,
        "daemon_tls_mode": daemon["tls"]["mode"],
        "daemon_tcp_ports": daemon["tls"]["tcp_ports"],
        "client_expects_tls": expects_tls,
        "client_tls_reason": reason,
        "client_image": image.image["ref"] if image.image else None,
        "client_engine_version": image.version if image.official else None,
        "api_skew": None,
        "port_served": None,
        "tls_agrees": None,
        "mismatch": None,
    })
    if not live:
        subject.update(_waits(w, target, daemon))
    subject["locations"]["docker_host"] = w.env_location("DOCKER_HOST").to_json()
    if "depends_on" in w.locations:
        subject["locations"]["depends_on"] = w.location("depends_on").to_json()
    return subject


def _waits(w: Workload, target: str, daemon: Subject) -> dict[str, Any]:
    """Whether the client waits until the daemon answers (depends_on service_healthy on
    a daemon whose healthcheck asks dockerd)."""
    condition = w.depends_on.get(target)
    check = daemon.get("healthcheck")
    asks_daemon = bool(check and "docker" in check and not check.startswith("NONE"))
    return {
        "depends_on_condition": condition,
        "daemon_healthcheck": check,
        "waits_for_daemon": condition == "service_healthy" and asks_daemon,
    }
