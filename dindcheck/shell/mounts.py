"""Storage written on a docker command line: ``-v``, ``--mount``, ``--tmpfs``.

Each becomes a :class:`~dindcheck.workload.Mount` with a storage identity: equal
identities are the same storage. Sources are kept as written: ``$HOME:/x`` is a bind of
``$HOME`` (two lines that write the same ``$VAR`` name the same storage), a bare
``$CACHE:/x`` may be a volume name or a host path, and says so.
"""

from __future__ import annotations

import re

from dindcheck.model import Location
from dindcheck.workload import (
    ANONYMOUS_VOLUME,
    BIND,
    TMPFS,
    UNKNOWN,
    VOLUME,
    Mount,
    normalise,
)

_VOLUME_MODES = frozenset({"ro", "rw", "z", "Z", "shared", "rshared", "slave", "rslave",
                           "private", "rprivate", "nocopy", "consistent", "cached",
                           "delegated"})
# A source that is only a variable naming a folder, not a volume.
_PATH_VARIABLES = re.compile(
    r"^(?:\$\{?(?:PWD|HOME|TMPDIR|OLDPWD|RUNNER_TEMP|RUNNER_WORKSPACE|GITHUB_WORKSPACE|"
    r"CI_PROJECT_DIR|CI_BUILDS_DIR|WORKSPACE|WORKDIR|BUILD_DIR|SRC_DIR)\b[^:]*"
    r"|\$\(\s*pwd\s*\)|`pwd`)", re.IGNORECASE)
_NAMED_VOLUME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_SOCKET_MOUNT_TARGET = "/var/run/docker.sock"


def split_colons(spec: str) -> list[str]:
    """``src:dst:mode`` split on the colons outside ``${…}`` and ``$(…)``."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for i, ch in enumerate(spec):
        if ch in "{(" and i and spec[i - 1] == "$":
            depth += 1
        elif ch in "})" and depth:
            depth -= 1
        elif ch == ":" and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def source_kind(source: str) -> str:
    """Whether ``-v SOURCE:…`` binds a host path or names a volume (as written)."""
    if source.startswith(("/", ".", "~")) or "/" in source or "\\" in source:
        return BIND
    if _PATH_VARIABLES.match(source):
        return BIND
    if "$" in source or "`" in source:
        return UNKNOWN
    return VOLUME if _NAMED_VOLUME.match(source) else UNKNOWN


def storage(kind: str, source: str | None, owner: str, target: str) -> str:
    if kind == BIND:
        return f"bind:{normalise(source or '')}"
    if kind == VOLUME:
        return f"volume:{source}"
    if kind == UNKNOWN:
        return f"unknown:{source}"
    return f"{kind}:{owner}:{normalise(target)}"


def volume_mount(spec: str, owner: str, field: str, location: Location | None) -> Mount:
    """``-v``/``--volume`` (and the same ``src:dst[:mode]`` form elsewhere)."""
    parts = split_colons(spec)
    if len(parts) >= 3 and len(parts[0]) == 1 and parts[0].isalpha() and \
            parts[1].startswith("\\"):
        parts = [f"{parts[0]}:{parts[1]}", *parts[2:]]  # C:\path
    mode = ""
    if len(parts) == 1 or (len(parts) == 2 and parts[1] in _VOLUME_MODES
                           and parts[0].startswith("/")):
        target = parts[0]
        mode = parts[1] if len(parts) == 2 else ""
        return Mount(kind=ANONYMOUS_VOLUME, target=normalise(target),
                     storage=storage(ANONYMOUS_VOLUME, None, owner, target),
                     read_only="ro" in mode.split(","), per_instance=True, field=field,
                     location=location)
    source, target = parts[0], parts[1]
    mode = ":".join(parts[2:])
    kind = source_kind(source)
    return Mount(kind=kind, target=normalise(target), source=source,
                 storage=storage(kind, source, owner, target),
                 read_only="ro" in mode.split(","), persistent=kind in (BIND, VOLUME),
                 field=field, location=location)


def csv_fields(spec: str) -> list[str]:
    """``--mount``'s comma-separated ``key=value`` fields (``"…"`` may hold commas)."""
    fields: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in spec:
        if ch == '"':
            quoted = not quoted
            continue
        if ch == "," and not quoted:
            fields.append("".join(current))
            current = []
            continue
        current.append(ch)
    fields.append("".join(current))
    return [f.strip() for f in fields if f.strip()]


def mount_flag(spec: str, owner: str, field: str,
               location: Location | None) -> tuple[Mount | None, str | None]:
    """``--mount type=…,source=…,target=…``: the mount, or None and why."""
    values: dict[str, str] = {}
    for item in csv_fields(spec):
        key, eq, value = item.partition("=")
        values[key.strip().lower()] = value if eq else "true"
    kind_name = values.get("type", "volume")
    target = values.get("target") or values.get("dst") or values.get("destination")
    source = values.get("source") or values.get("src")
    read_only = any(values.get(k, "false").lower() in ("true", "1")
                    for k in ("readonly", "ro"))
    if not target:
        return None, f"--mount {spec!r} has no target"
    driver = values.get("volume-driver")
    if kind_name == "bind":
        kind = BIND
    elif kind_name == "tmpfs":
        kind = TMPFS
    elif kind_name == "volume":
        kind = VOLUME if source else ANONYMOUS_VOLUME
    else:
        kind = UNKNOWN
    persistent = kind in (BIND, VOLUME)
    return Mount(kind=kind, target=normalise(target), source=source,
                 storage=storage(kind, source, owner, target), read_only=read_only,
                 persistent=persistent, per_instance=kind in (ANONYMOUS_VOLUME, TMPFS),
                 field=field, location=location,
                 driver=driver if driver and driver != "local" else None), None


def tmpfs_mount(spec: str, owner: str, field: str, location: Location | None) -> Mount:
    target = spec.split(":", 1)[0]
    return Mount(kind=TMPFS, target=normalise(target), storage=storage(TMPFS, None, owner,
                                                                        target),
                 per_instance=True, field=field, location=location)


def api_socket_mount(field: str, location: Location | None) -> Mount:
    """``--use-api-socket``: the CLI binds the engine's socket at the same path."""
    return Mount(kind=BIND, target=_SOCKET_MOUNT_TARGET, source=_SOCKET_MOUNT_TARGET,
                 storage=f"bind:{_SOCKET_MOUNT_TARGET}", persistent=True, field=field,
                 location=location)
