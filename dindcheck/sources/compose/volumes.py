"""Compose volume, tmpfs and port entries in one shape, short and long syntax alike."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from dindcheck.yamlload import Mark, PosDict, PosList

SOCKET_NAMES = {"docker.sock": "docker", "containerd.sock": "containerd",
                "podman.sock": "podman", "crio.sock": "cri-o", "dockershim.sock": "docker"}
SOCKET_DIRS = {"/var/run", "/run", "/var/run/docker", "/run/docker", "/run/containerd",
               "/var/run/containerd", "/run/podman", "/var/run/podman", "/run/crio",
               "/var/run/crio", "/run/user"}


@dataclass(frozen=True, slots=True)
class Mount:
    type: str  # volume | anonymous_volume | bind | tmpfs
    source: str | None
    target: str
    read_only: bool
    mark: Mark | None
    field: str  # volumes[2], tmpfs[0]


def _is_bind_source(source: str) -> bool:
    return source.startswith(("/", ".", "~", "$")) or (len(source) > 1 and source[1] == ":")


def parse_volume(entry: Any, index: int, mark: Mark | None) -> Mount | None:
    field = f"volumes[{index}]"
    if isinstance(entry, str):
        return _short_volume(entry, mark, field)
    if isinstance(entry, dict):
        return _long_volume(entry, mark, field)
    return None


def _short_volume(entry: str, mark: Mark | None, field: str) -> Mount:
    parts = entry.split(":")
    if len(parts) >= 2 and len(parts[0]) == 1 and parts[0].isalpha():  # C:\path
        parts = [parts[0] + ":" + parts[1], *parts[2:]]
    if len(parts) == 1:
        return Mount("anonymous_volume", None, _norm(parts[0]), False, mark, field)
    source, target = parts[0], parts[1]
    modes = set(parts[2].split(",")) if len(parts) > 2 else set()
    kind = "bind" if _is_bind_source(source) else "volume"
    return Mount(kind, source, _norm(target), "ro" in modes, mark, field)


def _long_volume(entry: dict[str, Any], mark: Mark | None, field: str) -> Mount | None:
    target = entry.get("target")
    if not isinstance(target, str):
        return None
    kind = str(entry.get("type") or "volume")
    source = entry.get("source")
    if kind == "volume" and not source:
        kind = "anonymous_volume"
    if kind == "tmpfs" or source is None:
        source = None
    read_only = entry.get("read_only") in (True, "true", "yes")
    return Mount(kind, None if source is None else str(source), _norm(target), read_only,
                 mark, field)


def _norm(path: str) -> str:
    return posixpath.normpath(path) if path.startswith("/") else path


def service_mounts(service: PosDict) -> list[Mount]:
    mounts: list[Mount] = []
    volumes = service.get("volumes")
    if isinstance(volumes, list):
        for i, entry in enumerate(volumes):
            mark = volumes.item_mark(i) if isinstance(volumes, PosList) else None
            mount = parse_volume(entry, i, mark)
            if mount is not None:
                mounts.append(mount)
    tmpfs = service.get("tmpfs")
    entries = [tmpfs] if isinstance(tmpfs, str) else tmpfs if isinstance(tmpfs, list) else []
    for i, entry in enumerate(entries):
        if isinstance(entry, str):
            mark = tmpfs.item_mark(i) if isinstance(tmpfs, PosList) else service.key_mark("tmpfs")
            mounts.append(Mount("tmpfs", None, _norm(entry.split(":", 1)[0]), False, mark,
                                f"tmpfs[{i}]"))
    return mounts


def covering(mounts: list[Mount], path: str) -> Mount | None:
    """The mount whose target is ``path`` or its nearest parent."""
    best: Mount | None = None
    for mount in mounts:
        target = mount.target
        if (path == target or path.startswith(target.rstrip("/") + "/")) and (
                best is None or len(target) > len(best.target)):
            best = mount
    return best


def engine_of_socket(path: str | None) -> str | None:
    """The engine whose socket a path names (``…/docker.sock`` → docker), or None."""
    if not path:
        return None
    return SOCKET_NAMES.get(path.rstrip("/").rpartition("/")[2])


def socket_engine(mount: Mount) -> str | None:
    """The engine whose socket this mount hands over, or None."""
    for candidate in (mount.source, mount.target):
        engine = engine_of_socket(candidate)
        if engine is not None:
            return engine
    if mount.type == "bind" and mount.source and _norm(mount.source).rstrip("/") in SOCKET_DIRS:
        return "docker"
    return None


@dataclass(frozen=True, slots=True)
class Port:
    host_ip: str | None
    host_port: str | None
    container_port: int | None
    protocol: str
    mark: Mark | None


def _port_number(text: str) -> int | None:
    first = text.split("-", 1)[0]
    return int(first) if first.isdigit() else None


def parse_ports(service: PosDict) -> list[Port]:
    ports = service.get("ports")
    if not isinstance(ports, list):
        return []
    result: list[Port] = []
    for i, entry in enumerate(ports):
        mark = ports.item_mark(i) if isinstance(ports, PosList) else None
        if isinstance(entry, int):
            result.append(Port(None, None, entry, "tcp", mark))
        elif isinstance(entry, str):
            spec, _, protocol = entry.partition("/")
            host_ip = None
            if spec.startswith("["):
                host_ip, _, spec = spec[1:].partition("]:")
            parts = spec.rsplit(":", 2) if host_ip is None else spec.split(":")
            if len(parts) == 3:
                host_ip, host, container = parts
            elif len(parts) == 2:
                host, container = parts
            else:
                host, container = "", parts[0]
            result.append(Port(host_ip or None, host or None, _port_number(container),
                               protocol or "tcp", mark))
        elif isinstance(entry, dict):
            target = entry.get("target")
            published = entry.get("published")
            result.append(Port(entry.get("host_ip"), str(published) if published else None,
                               int(target) if isinstance(target, int | str) and
                               str(target).isdigit() else None,
                               str(entry.get("protocol") or "tcp"), mark))
    return result
