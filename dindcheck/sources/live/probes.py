"""The read-only probes a live audit may run inside a dind container, and what they mean.

Every command the audit can ``exec`` is listed in :data:`PROBES`; nothing else is
ever run. The only parameters are paths that come from the container itself (its
data root, an inner unix socket), never from the user. A probe that cannot run (no
docker CLI, no ``stat``) yields nothing and a note; it never fails the audit.

This module does not import ``docker``: it parses outputs into facts, and
:class:`ProbeResult` values travel through recorded audits unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dindcheck.redact import redact_text

DATA_ROOT = "{data_root}"  # replaced by the daemon's data root
SOCKET = "{socket}"  # replaced by a unix:// address the inner daemon listens on

INFO_FORMAT = "{{json .}}"
VERSION_FORMAT = "{{json .Server}}"

# name -> argv. Read-only: they print state, change nothing, and start no daemon.
PROBES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("docker_info", ("docker", "info", "--format", INFO_FORMAT)),
    ("docker_info_socket", ("docker", "-H", SOCKET, "info", "--format", INFO_FORMAT)),
    ("docker_version", ("docker", "version", "--format", VERSION_FORMAT)),
    ("docker_version_socket", ("docker", "-H", SOCKET, "version", "--format", VERSION_FORMAT)),
    ("data_root_fs", ("stat", "-f", "-c", "%T", DATA_ROOT)),
    ("mounts", ("cat", "/proc/self/mounts")),
    ("mtu_uplink", ("cat", "/sys/class/net/eth0/mtu")),
    ("mtu_bridge", ("cat", "/sys/class/net/docker0/mtu")),
    ("iptables", ("iptables", "--version")),
    ("daemon_json", ("cat", "/etc/docker/daemon.json")),
)
PROBE_COMMANDS: Mapping[str, tuple[str, ...]] = dict(PROBES)

# Sockets tried, in order, when a plain `docker info` in the container does not answer.
DEFAULT_SOCKETS = ("unix:///var/run/docker.sock", "unix:///run/user/1000/docker.sock")

MAX_OUTPUT = 256 * 1024
_NOT_FOUND = ("executable file not found", "no such file or directory: unknown")


def probe_argv(name: str, *, data_root: str = "/var/lib/docker",
               socket: str = DEFAULT_SOCKETS[0]) -> list[str]:
    """The argv of probe ``name`` with its placeholders filled in."""
    return [data_root if word == DATA_ROOT else socket if word == SOCKET else word
            for word in PROBE_COMMANDS[name]]


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What one exec printed. ``error`` is set when the exec itself failed (timeout, API)."""

    argv: tuple[str, ...]
    exit_code: int | None
    stdout: str = ""
    stderr: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.exit_code == 0

    @property
    def missing_program(self) -> bool:
        """The program is not in the container (the runtime could not exec it)."""
        if self.exit_code not in (126, 127):
            return False
        text = (self.stdout + self.stderr).lower()
        return any(marker in text for marker in _NOT_FOUND) or self.exit_code == 127

    def to_json(self) -> dict[str, Any]:
        return {"argv": list(self.argv), "exit_code": self.exit_code, "stdout": self.stdout,
                "stderr": self.stderr, "error": self.error}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProbeResult:
        return cls(argv=tuple(data.get("argv") or ()), exit_code=data.get("exit_code"),
                   stdout=data.get("stdout") or "", stderr=data.get("stderr") or "",
                   error=data.get("error"))

    def first_line(self) -> str:
        """The first meaningful line of what went wrong, for a note."""
        if self.error:
            return self.error
        for text in (self.stderr, self.stdout):
            for line in text.splitlines():
                if line.strip():
                    return line.strip()
        return f"exit code {self.exit_code}"


# --------------------------------------------------------------------------- parsers


def parse_json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def parse_int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


_IPTABLES = re.compile(r"iptables v(?P<version>[\w.]+)(?:\s+\((?P<backend>[\w-]+)\))?")


def parse_iptables(text: str) -> tuple[str | None, str | None]:
    """``(version, backend)`` from ``iptables --version``: ``('1.8.9', 'nf_tables')``.

    Before 1.8 there is no backend in the output: that is the legacy backend.
    """
    match = _IPTABLES.search(text)
    if match is None:
        return None, None
    return match.group("version"), match.group("backend") or "legacy"


# Filesystem names as `docker info` prints them ("Backing Filesystem").
_FS_NAMES = {
    "ext2/ext3": "extfs", "ext2": "extfs", "ext3": "extfs", "ext4": "extfs", "extfs": "extfs",
    "overlay": "overlayfs", "overlayfs": "overlayfs", "xfs": "xfs", "btrfs": "btrfs",
    "tmpfs": "tmpfs", "ramfs": "ramfs", "zfs": "zfs", "nfs": "nfs", "nfs4": "nfs",
    "cifs": "cifs", "smb2": "cifs", "ceph": "ceph", "aufs": "aufs", "f2fs": "f2fs",
    "fuse.fuse-overlayfs": "fuse-overlayfs", "squashfs": "squashfs",
}


def normalize_fs(name: str | None) -> str | None:
    """A filesystem type (from ``stat -f``, /proc/mounts or docker info) in docker's words.

    ``None`` when unknown (busybox ``stat`` prints ``UNKNOWN`` for overlay).
    """
    if not name:
        return None
    name = name.strip()
    if not name or name.upper() == "UNKNOWN" or name == "<unknown>":
        return None
    return _FS_NAMES.get(name.lower(), name.lower())


def fs_from_mounts(mounts: str, path: str) -> str | None:
    """The type of the filesystem mounted deepest above ``path`` in /proc/self/mounts."""
    best: tuple[int, str] | None = None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        target = fields[1].replace("\\040", " ")
        if covers(target, path) and (best is None or len(target) >= best[0]):
            best = (len(target), fields[2])
    return normalize_fs(best[1]) if best else None


def covers(mount_point: str, path: str) -> bool:
    """Whether ``mount_point`` is ``path`` or one of its parent folders."""
    mount_point = mount_point.rstrip("/") or "/"
    path = path.rstrip("/") or "/"
    return (mount_point == "/" or path == mount_point
            or path.startswith(mount_point + "/"))


def driver_status(info: Mapping[str, Any]) -> dict[str, str]:
    """``DriverStatus`` (a list of pairs) as a dict."""
    pairs = info.get("DriverStatus") or []
    return {str(p[0]): str(p[1]) for p in pairs
            if isinstance(p, list | tuple) and len(p) == 2}


def uses_containerd_snapshotter(info: Mapping[str, Any]) -> bool:
    status = driver_status(info)
    return status.get("driver-type", "").startswith("io.containerd.snapshotter")


def inner_facts(info: Mapping[str, Any] | None,
                version: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``inner`` block's daemon part from the inner ``docker info`` / ``version``."""
    facts: dict[str, Any] = {}
    if info:
        status = driver_status(info)
        mirrors = (info.get("RegistryConfig") or {}).get("Mirrors") or []
        facts.update({
            "driver": info.get("Driver"),
            "backing_fs": normalize_fs(status.get("Backing Filesystem")),
            "d_type": _bool_text(status.get("Supports d_type")),
            "images": info.get("Images"),
            "containers": info.get("Containers"),
            "version": info.get("ServerVersion"),
            "cgroup_version": info.get("CgroupVersion"),
            "cgroup_driver": info.get("CgroupDriver"),
            "containerd_snapshotter": uses_containerd_snapshotter(info),
            "registry_mirrors": [redact_text(str(m)) for m in mirrors],
            "root_dir": info.get("DockerRootDir"),
            "os": info.get("OperatingSystem"),
            "security_options": list(info.get("SecurityOptions") or []),
        })
    if version:
        facts["version"] = version.get("Version") or facts.get("version")
        facts["api_version"] = version.get("ApiVersion")
        facts["min_api_version"] = version.get("MinAPIVersion")
    return facts


def _bool_text(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.strip().lower() == "true"


def daemon_json_facts(text: str) -> dict[str, Any]:
    """The few keys of /etc/docker/daemon.json the audit uses (nothing else is kept)."""
    data = parse_json_object(text) or {}
    keys = ("storage-driver", "data-root", "mtu", "registry-mirrors", "tls", "tlsverify",
            "hosts", "features")
    return {k: data[k] for k in keys if k in data}
