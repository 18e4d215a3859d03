"""What one container's ``docker inspect`` (and ``top``) says, in the fact model's terms.

Pure functions over the Engine API's JSON: whether a container runs a Docker daemon,
its effective command, the mount that covers a path, published ports, state.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from typing import Any

from dindcheck.dockerd import parse_daemon_args, words
from dindcheck.images import classify_image, default_data_root
from dindcheck.sources.compose.volumes import SOCKET_DIRS, engine_of_socket
from dindcheck.sources.live.probes import DEFAULT_SOCKETS, covers

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
OFFICIAL_ENTRYPOINTS = ("dockerd-entrypoint.sh", "docker-entrypoint.sh")


def container_env(inspect: Mapping[str, Any]) -> dict[str, str]:
    """The full ``Config.Env`` (never put in a subject as is: see ``redact.docker_env``)."""
    env: dict[str, str] = {}
    for item in config_of(inspect).get("Env") or []:
        name, _, value = str(item).partition("=")
        env[name] = value
    return env


def container_name(inspect: Mapping[str, Any]) -> str:
    return str(inspect.get("Name") or inspect.get("Id", "")[:12]).lstrip("/")


def config_of(inspect: Mapping[str, Any]) -> dict[str, Any]:
    return inspect.get("Config") or {}


def host_config_of(inspect: Mapping[str, Any]) -> dict[str, Any]:
    return inspect.get("HostConfig") or {}


def is_running(inspect: Mapping[str, Any]) -> bool:
    return bool((inspect.get("State") or {}).get("Running"))


def location(endpoint: str, inspect: Mapping[str, Any], field_name: str) -> dict[str, Any]:
    return {"endpoint": endpoint, "container": container_name(inspect),
            "container_id": str(inspect.get("Id", "")), "field": field_name}


def basename(word: str) -> str:
    return word.rsplit("/", 1)[-1]


def effective_command(inspect: Mapping[str, Any]) -> tuple[list[str], bool]:
    """``(argv to parse, runs the official entrypoint)``.

    The official entrypoints prepend ``dockerd`` only when the first argument is
    empty or a flag; otherwise they exec the arguments (``sh``, ``dockerd …``).
    """
    path = str(inspect.get("Path") or "")
    args = [str(a) for a in inspect.get("Args") or []]
    if basename(path) in OFFICIAL_ENTRYPOINTS:
        official = True
        if args and not args[0].startswith("-"):
            return args, official
        return ["dockerd-entrypoint.sh", *args], official
    return ([path, *args] if path else args), False


def process_daemon_argv(processes: Sequence[str] | None) -> list[str] | None:
    """The argv of the first ``dockerd`` in a ``top`` listing."""
    for cmd in processes or ():
        argv = words(cmd)
        if argv and basename(argv[0]) in ("dockerd", "dockerd-rootless.sh"):
            return argv
    return None


def data_root_guess(inspect: Mapping[str, Any], processes: Sequence[str] | None,
                    daemon_json: Mapping[str, Any] | None = None) -> str:
    """The data root from the command, the running dockerd, daemon.json or the default."""
    args = parse_daemon_args(effective_command(inspect)[0])
    observed = process_daemon_argv(processes)
    observed_root = parse_daemon_args(observed).data_root if observed else None
    configured = (daemon_json or {}).get("data-root")
    image = classify_image(config_of(inspect).get("Image"))
    return str(args.data_root or observed_root or configured or default_data_root(image))


def unix_sockets(inspect: Mapping[str, Any], processes: Sequence[str] | None) -> list[str]:
    """The unix sockets the inner daemon listens on per its flags, then the defaults."""
    argvs = [effective_command(inspect)[0], process_daemon_argv(processes) or []]
    hosts = [h for argv in argvs for h in parse_daemon_args(argv).hosts
             if h.startswith("unix://")]
    return list(dict.fromkeys([*hosts, *DEFAULT_SOCKETS]))


def classify(inspect: Mapping[str, Any], processes: Sequence[str] | None) -> str | None:
    """How a container shows it runs a Docker daemon: image, command, process; or None.

    A running container of a dind image whose command is not a daemon and in which no
    dockerd runs is a client that happens to use the image (a CI job container).
    """
    image = classify_image(config_of(inspect).get("Image"))
    argv, _official = effective_command(inspect)
    by_command = parse_daemon_args(argv).is_daemon
    by_process = process_daemon_argv(processes) is not None
    if image and image["variant"] in ("dind", "dind-rootless"):
        if is_running(inspect) and processes is not None and not by_command \
                and not by_process:
            return None
        return "image"
    if by_command:
        return "command"
    if by_process:
        return "process"
    return None


# --------------------------------------------------------------------------- mounts


def _referenced_volume_names(inspect: Mapping[str, Any]) -> set[str]:
    """Volume names the user wrote (``-v name:/path``, ``--mount source=name``)."""
    host = host_config_of(inspect)
    names: set[str] = set()
    for bind in host.get("Binds") or []:
        source = str(bind).split(":", 1)[0]
        if source and not source.startswith("/"):
            names.add(source)
    for mount in host.get("Mounts") or []:
        if mount.get("Type") == "volume" and mount.get("Source"):
            names.add(str(mount["Source"]))
    return names


def is_anonymous_volume(inspect: Mapping[str, Any], name: str) -> bool:
    """A volume Docker named itself (64 hex digits) that the user never referenced:
    an image ``VOLUME``, ``-v /path`` or a compose volume without a source."""
    return bool(_HEX64.match(name)) and name not in _referenced_volume_names(inspect)


def within(path: str, root: str | None) -> bool:
    if not root:
        return False
    path = posixpath.normpath(path)
    root = posixpath.normpath(root)
    return path == root or path.startswith(root.rstrip("/") + "/")


def covering_mount(inspect: Mapping[str, Any], path: str) -> tuple[int | None, dict[str, Any]]:
    """``(index in Mounts, mount)`` of the mount deepest above ``path``; ``HostConfig.Tmpfs``
    entries come back with index None and ``Type`` tmpfs; ``(None, {})`` when none."""
    best: tuple[int | None, dict[str, Any]] = (None, {})
    best_len = -1
    for i, mount in enumerate(inspect.get("Mounts") or []):
        target = str(mount.get("Destination") or "")
        if target and covers(target, path) and len(target) > best_len:
            best, best_len = (i, mount), len(target)
    for target in (host_config_of(inspect).get("Tmpfs") or {}):
        if covers(target, path) and len(target) > best_len:
            best = (None, {"Type": "tmpfs", "Destination": target, "RW": True})
            best_len = len(target)
    return best


def data_root_mount(inspect: Mapping[str, Any], path: str,
                    outer_root: str | None) -> tuple[dict[str, Any], str]:
    """The ``data_root.mount`` block and the inspect field that shows it."""
    index, mount = covering_mount(inspect, path)
    if not mount:
        return ({"type": "layer", "source": None, "target": None, "share_key": None,
                 "persistent": False, "read_only": False}, "Mounts")
    kind = str(mount.get("Type") or "unknown")
    target = str(mount.get("Destination"))
    read_only = not mount.get("RW", True)
    field_name = f"Mounts[{index}]" if index is not None else "HostConfig.Tmpfs"
    if kind == "volume":
        name = str(mount.get("Name") or "")
        anonymous = is_anonymous_volume(inspect, name)
        if anonymous and target in (config_of(inspect).get("Volumes") or {}):
            field_name = "Config.Volumes"
        block = {"type": "anonymous_volume" if anonymous else "volume", "source": name,
                 "target": target, "share_key": f"volume:{name}" if name else None,
                 "persistent": not anonymous, "read_only": read_only}
        if mount.get("Driver") and mount.get("Driver") != "local":
            block["driver"] = mount["Driver"]
        return block, field_name
    if kind == "bind":
        source = str(mount.get("Source") or "")
        block = {"type": "bind", "source": source, "target": target,
                 "share_key": f"bind:{posixpath.normpath(source)}" if source else None,
                 "persistent": True, "read_only": read_only}
        if within(source, outer_root):
            block["into_outer_root"] = True
        return block, field_name
    if kind == "tmpfs":
        return ({"type": "tmpfs", "source": None, "target": target, "share_key": None,
                 "persistent": False, "read_only": read_only}, field_name)
    return ({"type": "unknown", "source": mount.get("Source"), "target": target,
             "share_key": None, "persistent": False, "read_only": read_only}, field_name)


# --------------------------------------------------------------------------- more fields


def published_ports(inspect: Mapping[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """Ports published on the host, in the compose source's shape, and their field."""
    ports = (inspect.get("NetworkSettings") or {}).get("Ports") or {}
    field_name = "NetworkSettings.Ports"
    if not ports or not any(ports.values()):
        ports = host_config_of(inspect).get("PortBindings") or {}
        field_name = "HostConfig.PortBindings"
    result: list[dict[str, Any]] = []
    for key, bindings in sorted(ports.items()):
        number, _, protocol = str(key).partition("/")
        for binding in bindings or []:
            result.append({"host_ip": binding.get("HostIp") or None,
                           "host_port": binding.get("HostPort") or None,
                           "container_port": int(number) if number.isdigit() else None,
                           "protocol": protocol or "tcp"})
    return result, field_name


def state_block(inspect: Mapping[str, Any]) -> dict[str, Any]:
    state = inspect.get("State") or {}
    return {"status": state.get("Status"), "running": bool(state.get("Running")),
            "exit_code": state.get("ExitCode"),
            "restart_count": inspect.get("RestartCount", 0),
            "error": state.get("Error") or None, "oom_killed": bool(state.get("OOMKilled")),
            "started_at": state.get("StartedAt"), "finished_at": state.get("FinishedAt")}


def healthcheck_of(inspect: Mapping[str, Any]) -> tuple[str | None, bool]:
    check = config_of(inspect).get("Healthcheck") or {}
    test = [str(t) for t in check.get("Test") or []]
    if not test or test[0] == "NONE":
        return None, False
    return " ".join(test), len(test) > 2 and test[0] == "CMD-SHELL"

def socket_mount_engine(mount: Mapping[str, Any],
                        endpoint_socket: str | None) -> tuple[str, str] | None:
    """``(engine, via)`` when a mount hands a container an engine socket, else None."""
    kind = mount.get("Type")
    for candidate in (mount.get("Source"), mount.get("Destination")):
        engine = engine_of_socket(str(candidate) if candidate else None)
        if engine is not None and kind in ("bind", "volume"):
            return engine, "bind" if kind == "bind" else "volume"
    source = posixpath.normpath(str(mount.get("Source") or "/")).rstrip("/")
    if kind == "bind" and source in SOCKET_DIRS:
        engine = "docker" if endpoint_socket is None or within(endpoint_socket, source) \
            else "unknown"
        return engine, "directory"
    return None
