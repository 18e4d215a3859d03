"""Reading one container's ``docker inspect`` (and ``top``): pure functions over the
Engine API's JSON, for the live source's workloads."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from dindcheck.dockerd import words

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_DAEMONS = ("dockerd", "dockerd-rootless.sh")


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


def process_daemon_argv(processes: Sequence[str] | None) -> list[str] | None:
    """The argv of the first ``dockerd`` in a ``top`` listing."""
    for cmd in processes or ():
        argv = words(cmd)
        if argv and argv[0].rsplit("/", 1)[-1] in _DAEMONS:
            return argv
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


def healthcheck_of(inspect: Mapping[str, Any]) -> tuple[str | None, bool]:
    check = config_of(inspect).get("Healthcheck") or {}
    test = [str(t) for t in check.get("Test") or []]
    if not test or test[0] == "NONE":
        return None, False
    return " ".join(test), len(test) > 2 and test[0] == "CMD-SHELL"

