"""What the audit read from one engine, as it read it: info, version, container
inspects, ``top`` listings and probe outputs (JSON round-trips, so recorded audits replay
without an engine), and what the probes' outputs mean."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dindcheck.sources.live.probes import (
    ProbeResult,
    daemon_json_facts,
    fs_from_mounts,
    inner_facts,
    normalize_fs,
    parse_int,
    parse_iptables,
    parse_json_object,
)

# --------------------------------------------------------------------------- observations


@dataclass(slots=True)
class ContainerObservation:
    """One container as the audit saw it."""

    inspect: dict[str, Any]
    processes: list[str] | None = None  # CMD column of `top`; None: not read
    probes: dict[str, ProbeResult] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    log: list[str] | None = None  # the tail of its log, redacted; None: not read

    def to_json(self) -> dict[str, Any]:
        return {"inspect": self.inspect, "processes": self.processes,
                "probes": {k: v.to_json() for k, v in self.probes.items()},
                "notes": list(self.notes), "log": self.log}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ContainerObservation:
        log = data.get("log")
        return cls(inspect=dict(data["inspect"]), processes=data.get("processes"),
                   probes={k: ProbeResult.from_json(v)
                           for k, v in (data.get("probes") or {}).items()},
                   notes=list(data.get("notes") or []),
                   log=[str(line) for line in log] if isinstance(log, list) else None)


@dataclass(slots=True)
class EngineObservation:
    """Everything read from one endpoint; JSON round-trips for recorded tests."""

    endpoint: str
    info: dict[str, Any]
    version: dict[str, Any]
    client_api_version: str | None = None
    containers: list[ContainerObservation] = field(default_factory=list)
    exec_probes: bool = True
    endpoint_tls: bool = False
    unread: list[str] = field(default_factory=list)  # containers that could not be read

    def to_json(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "info": self.info, "version": self.version,
                "client_api_version": self.client_api_version,
                "exec_probes": self.exec_probes, "endpoint_tls": self.endpoint_tls,
                "unread": list(self.unread),
                "containers": [c.to_json() for c in self.containers]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EngineObservation:
        return cls(endpoint=data["endpoint"], info=dict(data["info"]),
                   version=dict(data.get("version") or {}),
                   client_api_version=data.get("client_api_version"),
                   exec_probes=bool(data.get("exec_probes", True)),
                   endpoint_tls=bool(data.get("endpoint_tls", False)),
                   unread=[str(u) for u in data.get("unread") or []],
                   containers=[ContainerObservation.from_json(c)
                               for c in data.get("containers") or []])


# --------------------------------------------------------------------------- probes → facts


@dataclass(slots=True)
class Inner:
    """What the probes showed of one dind container."""

    info: dict[str, Any] | None = None
    version: dict[str, Any] | None = None
    fs: str | None = None
    daemon_json: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)


def read_probes(probes: Mapping[str, ProbeResult], data_root: str) -> Inner:
    """Turn probe outputs into facts; missing or failed probes leave None behind."""
    inner = Inner()
    for name in ("docker_info", "docker_info_socket"):
        result = probes.get(name)
        if result is not None and result.ok:
            inner.info = parse_json_object(result.stdout)
            if inner.info and inner.info.get("ServerVersion"):
                break
            inner.info = None
    for name in ("docker_version", "docker_version_socket"):
        result = probes.get(name)
        if result is not None and result.ok and inner.version is None:
            inner.version = parse_json_object(result.stdout)
    stat = probes.get("data_root_fs")
    if stat is not None and stat.ok:
        inner.fs = normalize_fs(stat.stdout)
    mounts = probes.get("mounts")
    if inner.fs is None and mounts is not None and mounts.ok:
        inner.fs = fs_from_mounts(mounts.stdout, data_root)
    daemon_json = probes.get("daemon_json")
    if daemon_json is not None and daemon_json.ok:
        inner.daemon_json = daemon_json_facts(daemon_json.stdout)
    facts = inner_facts(inner.info, inner.version)
    for key, probe in (("mtu_uplink", "mtu_uplink"), ("mtu_bridge", "mtu_bridge")):
        result = probes.get(probe)
        facts[key] = parse_int(result.stdout) if result is not None and result.ok else None
    result = probes.get("iptables")
    version, backend = parse_iptables(result.stdout + result.stderr) \
        if result is not None and result.ok else (None, None)
    facts["iptables"] = f"{version} ({backend})" if version else None
    facts["iptables_backend"] = backend
    facts["data_root_fs"] = inner.fs
    inner.facts = facts
    return inner
