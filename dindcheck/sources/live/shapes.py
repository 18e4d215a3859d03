"""Engine answers in the shape the live source reads, whatever the engine sent.

An engine is untrusted input like a file: a proxy, a fake or a broken daemon may answer
``"State": "running"`` or ``"Mounts": [1]``. Each answer is copied through a declared
shape: a value of the wrong type is dropped (as if the engine had not said it) and its
path is returned, so that the audit can say what it could not read. Only the fields the
live source reads are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# A shape: a type (str, int, bool), a list of one shape, a dict of field → shape, or
# ``("map", shape)`` for a mapping of any keys to one shape. ``None`` in a value is kept.
Shape = Any
_STRINGS = [str]

_MOUNT: Shape = {"Type": str, "Name": str, "Source": str, "Destination": str, "RW": bool,
                 "Driver": str, "Mode": str}
_BINDING: Shape = {"HostIp": str, "HostPort": str}
INSPECT: Shape = {
    "Id": str, "Name": str, "Path": str, "Args": _STRINGS, "RestartCount": int,
    "State": {"Status": str, "Running": bool, "Paused": bool, "ExitCode": int,
              "Error": str, "OOMKilled": bool, "StartedAt": str, "FinishedAt": str},
    "Config": {"Image": str, "Env": _STRINGS, "Hostname": str, "Volumes": ("map", dict),
               "Entrypoint": _STRINGS, "Cmd": _STRINGS, "Labels": ("map", str),
               "Healthcheck": {"Test": _STRINGS}, "Tty": bool},
    "HostConfig": {"Privileged": bool, "CapAdd": _STRINGS, "CapDrop": _STRINGS,
                   "SecurityOpt": _STRINGS,
                   "Runtime": str, "NetworkMode": str, "Binds": _STRINGS,
                   "Mounts": [{"Type": str, "Source": str, "Target": str}],
                   "Tmpfs": ("map", str), "Links": _STRINGS,
                   "PortBindings": ("map", [_BINDING])},
    "Mounts": [_MOUNT],
    "NetworkSettings": {"Ports": ("map", [_BINDING]),
                        "Networks": ("map", {"Aliases": _STRINGS})},
}
SUMMARY: Shape = {"Id": str, "Names": _STRINGS}
INFO: Shape = {
    "Name": str, "ServerVersion": str, "Driver": str, "DriverStatus": [[str]],
    "DockerRootDir": str, "OperatingSystem": str, "KernelVersion": str,
    "CgroupVersion": str, "CgroupDriver": str, "SecurityOptions": _STRINGS,
    "Runtimes": ("map", dict), "DefaultRuntime": str, "Images": int, "Containers": int,
    "ContainersRunning": int, "RegistryConfig": {"Mirrors": _STRINGS},
}
VERSION: Shape = {"Version": str, "ApiVersion": str, "MinAPIVersion": str}
TOP: Shape = {"Titles": _STRINGS, "Processes": [_STRINGS]}


def _fits(value: Any, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def conform(value: Any, shape: Shape, path: str = "",
            dropped: list[str] | None = None) -> Any:
    """``value`` with what does not fit ``shape`` left out (paths appended to ``dropped``);
    None when ``value`` itself does not fit."""
    dropped = [] if dropped is None else dropped
    if value is None:
        return None
    if isinstance(shape, type):
        if _fits(value, shape):
            return value
        dropped.append(path or "$")
        return None
    if isinstance(shape, list):
        if not isinstance(value, list):
            dropped.append(path or "$")
            return None
        items = []
        for i, item in enumerate(value):
            kept = conform(item, shape[0], f"{path}[{i}]", dropped)
            if kept is not None:
                items.append(kept)
        return items
    if isinstance(shape, tuple):
        if not isinstance(value, Mapping):
            dropped.append(path or "$")
            return None
        out = {}
        for key, item in value.items():
            kept = conform(item, shape[1], f"{path}.{key}", dropped)
            if isinstance(key, str) and (kept is not None or item is None):
                out[key] = kept
        return out
    if not isinstance(value, Mapping):
        dropped.append(path or "$")
        return None
    out = {}
    for key, sub in shape.items():
        if key in value:
            kept = conform(value[key], sub, f"{path}.{key}" if path else key, dropped)
            if kept is not None or value[key] is None:
                out[key] = kept
    return out


def conformed(value: Any, shape: Shape) -> tuple[dict[str, Any], list[str]]:
    """An answer in ``shape`` (an empty mapping when it is not one at all) and the paths
    of what was left out."""
    dropped: list[str] = []
    kept = conform(value, shape, "", dropped)
    return (kept if isinstance(kept, dict) else {}), dropped
