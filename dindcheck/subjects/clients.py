"""Containers whose DOCKER_HOST reaches a dind daemon of the same setup, or in a closed
setup misses the daemons of its project: ``client`` subjects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dindcheck.dockerd import DEFAULT_SOCKET, client_tls, default_port, tcp_port
from dindcheck.images import OFFICIAL
from dindcheck.model import Subject
from dindcheck.redact import redact_text
from dindcheck.subjects.header import header
from dindcheck.subjects.images import ImageFacts
from dindcheck.subjects.sockets import socket_engine
from dindcheck.workload import BIND, Mount, Workload, covering, normalise, within

DEFAULT_SOCKET_PATH = DEFAULT_SOCKET[len("unix://"):]

# Addresses that stay inside the client's own network namespace.
LOCAL_HOSTS = (None, "", "localhost", "127.0.0.1", "::1", "[::1]")


def _netns(w: Workload) -> str:
    return w.netns or w.name


class Reach:
    """The daemons of one setup indexed by what reaches them: network namespace, alias,
    project (built once, so that resolving every client stays linear in big setups)."""

    def __init__(self, daemons: Mapping[str, Subject], workloads: Mapping[str, Workload]) -> None:
        self.daemons = daemons
        self.workloads = workloads
        self.by_netns: dict[str, list[str]] = {}
        self.by_alias: dict[str, list[str]] = {}
        self.by_project: dict[str | None, list[str]] = {}
        for name in daemons:
            other = workloads.get(name)
            if other is None:
                continue
            self.by_netns.setdefault(_netns(other), []).append(name)
            self.by_project.setdefault(other.project, []).append(name)
            for alias in other.aliases:
                self.by_alias.setdefault(alias, []).append(name)

    def resolve(self, w: Workload, host: str | None, *, closed: bool = False) -> str | None:
        """The daemon (by workload name) that ``host`` reaches from ``w``, or None.

        A local address reaches a daemon in the same network namespace (compose
        ``network_mode: service:X``, ``--network container:X``, one Kubernetes pod); any
        other name reaches the workload a link names, else the first one it is an alias of
        (in a ``closed`` setup, only within ``w``'s project: a CI job reaches its own
        services).
        """
        if host in LOCAL_HOSTS:
            return next((n for n in self.by_netns.get(_netns(w), ()) if n != w.name), None)
        linked = w.links.get(host or "")
        if linked in self.daemons and linked != w.name:
            return linked
        for name in self.by_alias.get(host or "", ()):
            if name != w.name and (not closed or self.workloads[name].project == w.project):
                return name
        return None

    def published(self, w: Workload, port: int | None) -> tuple[str, int] | None:
        """``(daemon, its container port)`` that a client on the host's network reaches
        at ``localhost:port``: a daemon of its project that publishes that host port (a
        GitHub Actions step on the runner, a compose service with ``network_mode: host``).
        """
        if not w.host_network or port is None:
            return None
        for name in self.in_scope(w):
            for published in self.workloads[name].ports:
                if published.host_port == str(port) and published.container_port is not None \
                        and published.host_ip in (None, "", "0.0.0.0", "127.0.0.1", "::"):
                    return name, published.container_port
        return None

    def in_scope(self, w: Workload) -> list[str]:
        """The daemons of ``w``'s project (where its names resolve), but ``w`` itself."""
        return [n for n in self.by_project.get(w.project, ()) if n != w.name]


def _expects_tls(w: Workload, image: ImageFacts) -> tuple[bool | None, str]:
    if w.mounts is None and w.env("DOCKER_TLS_VERIFY") is None and image.official:
        return None, ("unknown: whether client certificates are mounted is not visible "
                      "(the runner's configuration was not given)")
    return client_tls(w.env_values(), official_image=image.official,
                      has_file=lambda path: covering(w.mounts or (), path) is not None)


def _socket_mounted(w: Workload) -> Mount | None:
    """A mount that puts an engine's socket at the default path."""
    mount = covering(w.mounts or (), DEFAULT_SOCKET_PATH)
    if mount is not None and socket_engine(mount, None) is not None:
        return mount
    return None


def _endpoint(w: Workload, image: ImageFacts) -> tuple[str, str, str | None] | None:
    """``(DOCKER_HOST, where it comes from, why)``: the workload's variable, or, for a CI
    job container whose image is the docker image with its entrypoint left alone, what
    that entrypoint picks (docker-library/docker ``docker-entrypoint.sh``): the socket
    when one is at /var/run/docker.sock, else ``tcp://docker:2376`` when client
    certificates are under ``$DOCKER_TLS_CERTDIR/client`` (or ``DOCKER_TLS_VERIFY`` is
    set), else ``tcp://docker:2375``. None when there is none, or it cannot be known
    (the job's mounts are not visible)."""
    value = w.env("DOCKER_HOST")
    if value:
        return value, "environment", None
    if w.role != "job" or not image.official or w.entrypoint is not None or w.mounts is None:
        return None
    if _socket_mounted(w) is not None:
        return (f"unix://{DEFAULT_SOCKET_PATH}", "entrypoint",
                f"DOCKER_HOST is not set and a socket is at {DEFAULT_SOCKET_PATH}: the docker "
                "image's entrypoint uses it")
    certdir = w.env("DOCKER_TLS_CERTDIR")
    if certdir is None:
        certdir = str(OFFICIAL["tls_certdir_default"])
    if certdir and covering(w.mounts, f"{certdir}/client/ca.pem") is not None:
        return ("tcp://docker:2376", "entrypoint",
                f"DOCKER_HOST is not set: the docker image's entrypoint picks TLS on 2376, as "
                f"client certificates are mounted under {certdir}/client")
    if w.env("DOCKER_TLS_VERIFY"):
        return ("tcp://docker:2376", "entrypoint",
                "DOCKER_HOST is not set: the docker image's entrypoint picks 2376, as "
                "DOCKER_TLS_VERIFY is set")
    where = f"under {certdir}/client" if certdir else "(DOCKER_TLS_CERTDIR is empty)"
    return ("tcp://docker:2375", "entrypoint",
            f"DOCKER_HOST is not set: the docker image's entrypoint picks plain TCP on 2375, "
            f"as no client certificates are mounted {where}")


def _socket_target(w: Workload, path: str, daemons: Mapping[str, Subject],
                   workloads: Mapping[str, Workload],
                   scope: list[str]) -> tuple[str | None, str | None]:
    """``(daemon, reaches)`` for a unix socket path: a daemon of the project whose socket
    lies on storage this container mounts at the same place (``daemon``), the host's
    engine through a bind (``host``), or ``nothing``; ``(None, None)`` when unknown."""
    if not path.startswith("/") or w.mounts is None:
        return None, None
    mount = covering(w.mounts, path)
    if mount is None:
        return None, "nothing"
    inside = normalise(path)[len(normalise(mount.target)):]
    for name in scope:
        other = workloads[name]
        for socket in daemons[name]["tls"].get("unix_sockets") or ():
            theirs = covering(other.mounts or (), socket)
            if theirs is not None and theirs.storage and theirs.storage == mount.storage \
                    and normalise(socket)[len(normalise(theirs.target)):] == inside:
                return name, "daemon"
    if mount.kind == BIND and w.created_by is None and socket_engine(mount, None) is not None:
        return None, "host"
    return None, "nothing"


def client_subject(w: Workload, image: ImageFacts, daemons: Mapping[str, Subject],
                   workloads: Mapping[str, Workload], reach: Reach, *,
                   closed: bool) -> Subject | None:
    """The client subject of ``w`` when its DOCKER_HOST reaches a daemon of the setup, or,
    in a setup where names reach nothing else (``closed``), when its project has a daemon
    that its DOCKER_HOST (a name, or a unix socket) does not reach."""
    found = _endpoint(w, image)
    if found is None:
        return None
    docker_host, source, why = found
    in_scope = reach.in_scope(w)
    endpoint = tcp_port(docker_host)
    host: str | None = None
    port: int | None = None
    socket: str | None = None
    through: str | None = None
    if endpoint is not None:
        host, port = endpoint
        target = reach.resolve(w, host, closed=closed)
        published = reach.published(w, port) if target is None and host in LOCAL_HOSTS \
            else None
        if published is not None:
            target, container_port = published
            through = (f"localhost:{port} is {target}'s port {container_port}, published on "
                       "the host whose network this client uses")
            port = container_port
        reaches = "daemon" if target is not None else "nothing"
    elif docker_host.startswith("unix://") and closed and in_scope:
        socket = docker_host[len("unix://"):]
        target, maybe = _socket_target(w, socket, daemons, workloads, in_scope)
        if maybe is None:
            return None
        reaches = maybe
    else:
        return None
    if target is None and not (closed and in_scope):
        return None
    daemon = daemons[target] if target is not None else None
    if daemon is not None:
        daemon["clients"].append(w.name)
    expects_tls, reason = _expects_tls(w, image)
    subject = header("client", f"{w.id}#client", w)
    subject.update({
        "docker_host": redact_text(docker_host),
        "docker_host_source": source,
        "scheme": docker_host.split("://", 1)[0] if "://" in docker_host else None,
        "host": host,
        "port": None if socket is not None
        else port if port is not None else default_port(expects_tls),
        "socket_path": socket,
        "daemon": target,
        "reaches": reaches,
        "reachable_as": {name: sorted(workloads[name].aliases) for name in in_scope}
        if target is None else {},
        "reachable_names": sorted({a for name in in_scope for a in workloads[name].aliases})
        if target is None else [],
        "daemon_tls_mode": daemon["tls"]["mode"] if daemon else None,
        "daemon_tcp_ports": daemon["tls"]["tcp_ports"] if daemon else [],
        "client_expects_tls": expects_tls,
        "client_tls_reason": reason,
        **_certs(w, image, expects_tls, daemon),
        "client_image": image.image["ref"] if image.image else None,
        "client_engine_version": image.version if image.official else None,
        "api_skew": None,
        "port_served": None,
        "tls_agrees": None,
        "mismatch": None,
    })
    subject.update(_waits(w, target, daemon))
    subject["host_socket_mounted"] = any(
        m.kind == BIND and w.created_by is None
        and socket_engine(m, None) in (("docker", "bind"), ("docker", "directory"))
        for m in w.mounts or ())
    for note in (why, through):
        if note:
            subject["notes"].append(note)
    subject["locations"]["docker_host"] = (
        w.env_location("DOCKER_HOST") if source == "environment"
        else w.location("image")).to_json()
    if w.polls_daemon is not None:
        subject["locations"]["depends_on"] = w.polls_daemon.to_json()
    elif "depends_on" in w.locations:
        subject["locations"]["depends_on"] = w.location("depends_on").to_json()
    return subject


def _certs(w: Workload, image: ImageFacts, expects_tls: bool | None,
           daemon: Subject | None) -> dict[str, Any]:
    """Where a TLS client reads its certificates, and whether a mount provides them.

    ``DOCKER_CERT_PATH``, else what the docker image's entrypoint sets (certificates
    under ``$DOCKER_TLS_CERTDIR/client``, when ``DOCKER_TLS_VERIFY`` was not set), else
    the CLI's default ``~/.docker``. Not mounted is only said where nothing else can
    hold them: the docker image (it carries none), or a path under the daemon's own
    certificate folder (written when the daemon starts).
    """
    if not expects_tls:
        return {"cert_path": None, "certs_mounted": None}
    path = w.env("DOCKER_CERT_PATH")
    certdir = w.env("DOCKER_TLS_CERTDIR")
    if certdir is None and image.official:
        certdir = str(OFFICIAL["tls_certdir_default"])
    if not path and image.official and w.entrypoint is None and certdir \
            and not w.env("DOCKER_TLS_VERIFY") \
            and covering(w.mounts or (), f"{certdir}/client/ca.pem") is not None:
        path = f"{certdir}/client"
    shown = path or "~/.docker"
    if w.mounts is None:
        return {"cert_path": shown, "certs_mounted": None}
    probe = f"{path or '/root/.docker'}/ca.pem"
    if covering(w.mounts, probe) is not None:
        return {"cert_path": shown, "certs_mounted": True}
    daemon_certs = (daemon or {}).get("tls", {}).get("certdir")
    certain = image.official or bool(path and daemon_certs and within(path, daemon_certs))
    return {"cert_path": shown, "certs_mounted": False if certain else None}


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
