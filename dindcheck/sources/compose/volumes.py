"""Compose volume, tmpfs and port entries in one shape, short and long syntax alike.

The short volume syntax (``SOURCE:TARGET:MODE``) and the short port syntax
(``[IP:][HOST:]CONTAINER[/PROTO]``) are parsed here, once, the way compose-go parses them
(``format.ParseVolume``, docker's ``nat.ParsePortSpec``); the loader's merge rules and the
mount model use the same parsers.
"""

from __future__ import annotations

import functools
import ipaddress
import posixpath
from dataclasses import dataclass
from typing import Any

from dindcheck.sources.compose.interpolate import Interpolated
from dindcheck.yamlload import Mark, PosDict, PosList


class SpecError(ValueError):
    """A short-syntax volume or port that compose refuses."""


@dataclass(frozen=True, slots=True)
class Mount:
    type: str  # volume | anonymous_volume | bind | tmpfs
    source: str | None
    target: str
    read_only: bool
    mark: Mark | None
    field: str  # volumes[2], tmpfs[0]


@dataclass(frozen=True, slots=True)
class ShortVolume:
    """A short-syntax volume: ``source`` is None for an anonymous volume."""

    source: str | None
    target: str
    modes: tuple[str, ...]

    @property
    def read_only(self) -> bool:
        read_only = False
        for mode in self.modes:
            if mode in ("ro", "rw"):
                read_only = mode == "ro"
        return read_only

    @property
    def type(self) -> str:
        if self.source is None:
            return "anonymous_volume"
        return "bind" if is_file_path(self.source) else "volume"

    def text(self) -> str:
        """Back to the short syntax."""
        parts = [self.target] if self.source is None else [self.source, self.target]
        if self.modes:
            parts.append(",".join(self.modes))
        return ":".join(parts)


@functools.lru_cache(maxsize=4096)
def parse_short_volume(spec: str) -> ShortVolume:
    """compose-go's ``ParseVolume``: ``:`` separates sections, except after a one-letter
    section (a Windows drive) and inside ``${...}``; SpecError for an invalid spec."""
    if not spec:
        raise SpecError("invalid empty volume spec")
    if len(spec) <= 2:
        return ShortVolume(None, spec, ())
    if "${" not in spec:
        return _volume_of(_split_sections(spec))
    sections: list[str] = []
    buffer: list[str] = []
    nesting = 0
    for i, char in enumerate(spec):
        if char == "$" and spec[i + 1:i + 2] == "{":
            nesting += 1
        elif char == "}" and nesting:
            nesting -= 1
        elif char == ":" and not nesting and not _drive(buffer):
            _section(sections, buffer, last=False)
            buffer = []
            continue
        buffer.append(char)
    _section(sections, buffer, last=True)
    return _volume_of(sections)


def _split_sections(spec: str) -> list[str]:
    """The sections of a spec without ``${``: a one-letter section joins the next one."""
    sections: list[str] = []
    parts = spec.split(":")
    current = parts[0]
    for part in parts[1:]:
        if len(current) == 1 and current.isalpha():
            current = f"{current}:{part}"
            continue
        _section(sections, list(current), last=False)
        current = part
    _section(sections, list(current), last=True)
    return sections


def _volume_of(sections: list[str]) -> ShortVolume:
    if len(sections) == 1:
        return ShortVolume(None, sections[0], ())
    modes = tuple(sections[2].split(",")) if len(sections) > 2 else ()
    return ShortVolume(sections[0], sections[1], modes)


def _drive(buffer: list[str]) -> bool:
    return len(buffer) == 1 and buffer[0].isalpha()


def _section(sections: list[str], buffer: list[str], *, last: bool) -> None:
    if not buffer:
        raise SpecError("empty section between colons")
    if len(sections) == 2 and not last:
        raise SpecError("too many colons")
    sections.append("".join(buffer))


def is_file_path(source: str) -> bool:
    """A bind source: ``.``, ``/``, ``~``, a Windows drive or named pipe."""
    if not source:
        return False
    if source[0] in "./~" or source.startswith("\\\\"):
        return True
    return len(source) > 1 and source[1] == ":" and source[0].isalpha()


def volume_target(item: Any) -> str | None:
    """The container path of a service volume (short or long syntax); compose keeps one
    volume per target."""
    if isinstance(item, dict):
        target = item.get("target")
        return clean_target(target) if isinstance(target, str) else None
    if not isinstance(item, str):
        return None
    try:
        return clean_target(parse_short_volume(item).target)
    except SpecError:
        return None


def clean_target(path: str) -> str:
    """Go's ``path.Clean`` (compose cleans targets)."""
    return posixpath.normpath(path).replace("//", "/") if path else path


def parse_volume(entry: Any, index: int, mark: Mark | None) -> Mount | None:
    field = f"volumes[{index}]"
    if isinstance(entry, str):
        return _short_volume(entry, mark, field)
    if isinstance(entry, dict):
        return _long_volume(entry, mark, field)
    return None


def _short_volume(entry: str, mark: Mark | None, field: str) -> Mount | None:
    try:
        volume = parse_short_volume(entry)
    except SpecError:
        volume = None
    if (volume is None or volume.source == "") and isinstance(entry, Interpolated):
        # A variable without a value left nothing where the source was: read the text
        # as written so that the mount is still seen (its source is the variable).
        return _written_volume(entry.written, mark, field)
    if volume is None:
        return None
    return Mount(volume.type, volume.source, _norm(volume.target), volume.read_only, mark,
                 field)


def _written_volume(written: str, mark: Mark | None, field: str) -> Mount | None:
    try:
        volume = parse_short_volume(written)
    except SpecError:
        return None
    if volume.source is None:
        return Mount("anonymous_volume", None, _norm(volume.target), False, mark, field)
    kind = "bind" if is_file_path(volume.source) or volume.source.startswith("$") else "volume"
    return Mount(kind, volume.source, _norm(volume.target), volume.read_only, mark, field)


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
    read_only = entry.get("read_only") is True
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


# --- ports -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Port:
    host_ip: str | None
    host_port: str | None
    container_port: int | None
    protocol: str
    mark: Mark | None


@dataclass(frozen=True, slots=True)
class PortMapping:
    """One published port as compose expands a short-syntax entry (a range gives several)."""

    target: int
    published: str | None
    host_ip: str | None
    protocol: str


_PROTOCOLS = ("tcp", "udp", "sctp")


def parse_port_spec(spec: str) -> list[PortMapping]:
    """docker's ``nat.ParsePortSpec`` as compose uses it; SpecError when invalid."""
    parts = spec.split(":")
    container = parts[-1]
    if len(parts) == 1:
        raw_ip, host = "", ""
    elif len(parts) == 2:
        raw_ip, host = "", parts[0]
    else:
        raw_ip, host = ":".join(parts[:-2]), parts[-2]
    protocol, container = _split_protocol(container)
    ip = _host_ip(raw_ip)
    if not container:
        raise SpecError("no container port")
    start, end = _port_range(container, "container port")
    host_start = host_end = 0
    if host:
        host_start, host_end = _port_range(host, "host port")
        if end - start != host_end - host_start and end != start:
            raise SpecError("the container and host port ranges differ in size")
    if protocol.lower() not in _PROTOCOLS:
        raise SpecError(f"unknown protocol {protocol!r}")
    mappings = []
    for offset in range(end - start + 1):
        published: str | None = None
        if host:
            published = str(host_start + offset)
            if start == end and host_start != host_end:
                published = f"{host_start}-{host_end}"
        mappings.append(PortMapping(start + offset, published, ip or None, protocol.lower()))
    return mappings


def _split_protocol(text: str) -> tuple[str, str]:
    parts = text.split("/")
    if not text or not parts[0]:
        return "", ""
    if len(parts) == 1 or not parts[1]:
        return "tcp", parts[0]
    return parts[1], parts[0]


def _host_ip(raw: str) -> str:
    ip = raw[1:-1] if raw.startswith("[") and raw.endswith("]") else raw
    if ip:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise SpecError("invalid IP address") from None
    return ip


def _port_range(text: str, what: str) -> tuple[int, int]:
    first, sep, last = text.partition("-")
    start = port_number(first)
    end = port_number(last.split("-", 1)[0]) if sep else start
    if start is None or end is None:
        raise SpecError(f"invalid {what}")
    if end < start:
        raise SpecError(f"invalid {what} range")
    return start, end


def port_number(text: str) -> int | None:
    """A port (0-65535) written in ASCII digits, else None (no Unicode digits, no
    thousand-digit numbers)."""
    if not text or len(text) > 5 or not all("0" <= c <= "9" for c in text):
        return None
    value = int(text)
    return value if value <= 65535 else None


def parse_ports(service: PosDict) -> list[Port]:
    ports = service.get("ports")
    if not isinstance(ports, list):
        return []
    result: list[Port] = []
    for i, entry in enumerate(ports):
        mark = ports.item_mark(i) if isinstance(ports, PosList) else None
        if isinstance(entry, int) and not isinstance(entry, bool):
            result.append(Port(None, None, entry, "tcp", mark))
        elif isinstance(entry, str):
            try:
                mappings = parse_port_spec(entry)
            except SpecError:
                continue
            result.extend(Port(m.host_ip, m.published, m.target, m.protocol, mark)
                          for m in mappings)
        elif isinstance(entry, dict):
            target = entry.get("target")
            published = entry.get("published")
            number = target if isinstance(target, int) and not isinstance(target, bool) \
                else port_number(target) if isinstance(target, str) else None
            result.append(Port(entry.get("host_ip"), str(published) if published else None,
                               number, str(entry.get("protocol") or "tcp"), mark))
    return result
