"""Containers given an engine socket: the host's (a bind) or a dind daemon's (shared
through a volume)."""

from __future__ import annotations

from collections.abc import Mapping

from dindcheck.model import Subject
from dindcheck.subjects.header import header
from dindcheck.subjects.images import ImageFacts
from dindcheck.workload import BIND, TMPFS, Mount, Setup, Workload, normalise, within

SOCKET_NAMES = {"docker.sock": "docker", "containerd.sock": "containerd",
                "podman.sock": "podman", "crio.sock": "cri-o", "dockershim.sock": "docker"}
DATA_ROOT_VIA = "data_root"
SOCKET_DIRS = frozenset({"/var/run", "/run", "/var/run/docker", "/run/docker",
                         "/run/containerd", "/var/run/containerd", "/run/podman",
                         "/var/run/podman", "/run/crio", "/var/run/crio", "/run/user"})


def engine_of_socket(path: str | None) -> str | None:
    """The engine whose socket a path names (``…/docker.sock`` → docker), or None."""
    if not path:
        return None
    return SOCKET_NAMES.get(path.rstrip("/").rpartition("/")[2])


def socket_engine(mount: Mount, host_socket: str | None) -> tuple[str, str] | None:
    """``(engine, via)`` when ``mount`` hands a container an engine socket, else None.

    A socket file (by name) through a bind or a volume; or a bind of a folder that holds
    the host's sockets (``/var/run``, ``/run``, …: ``via`` directory) — the docker socket,
    unless the audited engine's socket is known to live elsewhere (then ``unknown``); or a
    bind of the outer engine's data root (``via`` data_root): not a socket, but its
    images, containers and volumes.
    """
    if mount.kind == TMPFS:
        return None
    if mount.kind == BIND and mount.into_outer_root:
        return "docker", DATA_ROOT_VIA
    via = "bind" if mount.kind == BIND else "volume"
    for candidate in (mount.source, mount.target):
        engine = engine_of_socket(candidate)
        if engine is not None:
            return engine, via
    source = normalise(mount.source or "/").rstrip("/")
    if mount.kind == BIND and source in SOCKET_DIRS:
        engine = "docker" if host_socket is None or within(host_socket, source) else "unknown"
        return engine, "directory"
    return None


def _socket_subject(w: Workload, image: ImageFacts, mount: Mount, engine: str,
                    via: str) -> Subject:
    subject = header("socket_mount", f"{w.id}#{mount.field}", w)
    subject.update({
        "source": mount.source or "",
        "target": mount.target,
        "engine": engine,
        "read_only": mount.read_only,
        # A bind is a host path, unless a dind daemon creates the container: then it is
        # a path on that daemon's filesystem (its own socket, not the host's).
        "host_socket": mount.kind == BIND and w.created_by is None,
        "via": via,
        "image": image.image,
        "privileged": bool(w.privileged),
        "missing_source": mount.missing_source,
    })
    if w.created_by is not None:
        subject["daemon"] = w.created_by
    obs = w.observation
    if obs is not None and obs.state is not None:
        subject["running"] = obs.state.running
    locations = subject["locations"]
    locations["mount"] = mount.location.to_json() if mount.location else {}
    for key in ("image", "privileged"):
        if key in w.locations:
            locations[key] = w.location(key).to_json()
    return subject


def _host_socket(setup: Setup) -> str | None:
    """The socket path of the audited engine, when the audit talks to it over one."""
    endpoint = setup.host.endpoint if setup.host else ""
    return endpoint[len("unix://"):] if endpoint.startswith("unix://") else None


def socket_subjects(w: Workload, image: ImageFacts, setup: Setup,
                    data_root: str | None = None) -> list[Subject]:
    """One ``socket_mount`` subject per engine socket (or socket folder, or outer data root)
    bound in; ``data_root``: the target of the mount that is the workload's own daemon's
    data root (its daemon subject says what that mount is)."""
    subjects: list[Subject] = []
    if w.role == "step" and w.netns is not None and any(
            o.name == w.netns and o.mounts == w.mounts for o in setup.workloads):
        return subjects  # a step exec'd in another container: its mounts are reported there
    for mount in w.mounts or ():
        found = socket_engine(mount, _host_socket(setup))
        if found is not None and not (found[1] == DATA_ROOT_VIA and mount.target == data_root):
            subjects.append(_socket_subject(w, image, mount, *found))
    return subjects


def shared_socket_subjects(setup: Setup, daemons: Mapping[str, Subject],
                           images: Mapping[str, ImageFacts]) -> list[Subject]:
    """A dind daemon's socket folder shared with another container through storage
    mounted in both (a named volume, an emptyDir of one pod).

    Not the host's socket (``host_socket`` false), but still full control of that daemon
    for whoever runs in the other container.
    """
    owners: dict[str, str] = {}
    for w in setup.workloads:
        if w.name in daemons:
            for mount in w.mounts or ():
                if mount.kind != BIND and mount.storage and \
                        normalise(mount.target) in SOCKET_DIRS:
                    owners[mount.storage] = w.name
    subjects: list[Subject] = []
    for w in setup.workloads:
        for mount in w.mounts or ():
            owner = owners.get(mount.storage or "")
            if owner is None or owner == w.name or mount.kind == BIND:
                continue
            subject = _socket_subject(w, images[w.name], mount, "docker", "volume")
            subject["daemon"] = owner
            subjects.append(subject)
    return subjects
