"""Subjects from what a live engine showed: info, version, container inspects, probes.

Everything here is pure: it takes the JSON the Engine API returned (and the outputs
of the read-only probes) and builds the fact model's subjects. The audit gathers an
:class:`EngineObservation`; tests replay recorded ones without an engine.

Secrets (see :mod:`dindcheck.redact`): of a container's environment
only ``DOCKER_*`` variables are kept, secret-looking values are redacted, and
command lines and probe outputs pass through ``redact_text`` before they reach a
subject.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dindcheck.dockerd import (
    DaemonArgs,
    client_tls,
    parse_daemon_args,
    plan_tls,
    tcp_port,
    words,
)
from dindcheck.images import classify_image
from dindcheck.model import Subject
from dindcheck.redact import docker_env, redact_argv, redact_text
from dindcheck.sources.compose.volumes import SOCKET_DIRS
from dindcheck.sources.live.inspect import (
    basename,
    classify,
    config_of,
    container_env,
    container_name,
    covering_mount,
    data_root_guess,
    data_root_mount,
    effective_command,
    healthcheck_of,
    host_config_of,
    is_running,
    location,
    process_daemon_argv,
    published_ports,
    socket_mount_engine,
    state_block,
)
from dindcheck.sources.live.probes import (
    ProbeResult,
    daemon_json_facts,
    driver_status,
    fs_from_mounts,
    inner_facts,
    normalize_fs,
    parse_int,
    parse_iptables,
    parse_json_object,
    uses_containerd_snapshotter,
)

# --------------------------------------------------------------------------- observations


@dataclass(slots=True)
class ContainerObservation:
    """One container as the audit saw it."""

    inspect: dict[str, Any]
    processes: list[str] | None = None  # CMD column of `top`; None: not read
    probes: dict[str, ProbeResult] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"inspect": self.inspect, "processes": self.processes,
                "probes": {k: v.to_json() for k, v in self.probes.items()},
                "notes": list(self.notes)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ContainerObservation:
        return cls(inspect=dict(data["inspect"]), processes=data.get("processes"),
                   probes={k: ProbeResult.from_json(v)
                           for k, v in (data.get("probes") or {}).items()},
                   notes=list(data.get("notes") or []))


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

    def to_json(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "info": self.info, "version": self.version,
                "client_api_version": self.client_api_version,
                "exec_probes": self.exec_probes, "endpoint_tls": self.endpoint_tls,
                "containers": [c.to_json() for c in self.containers]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EngineObservation:
        return cls(endpoint=data["endpoint"], info=dict(data["info"]),
                   version=dict(data.get("version") or {}),
                   client_api_version=data.get("client_api_version"),
                   exec_probes=bool(data.get("exec_probes", True)),
                   endpoint_tls=bool(data.get("endpoint_tls", False)),
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


# --------------------------------------------------------------------------- subjects


def _common(kind: str, endpoint: str, inspect: Mapping[str, Any], subject_id: str,
            ) -> Subject:
    return {
        "kind": kind,
        "id": subject_id,
        "name": container_name(inspect),
        "origin": "live",
        "project": endpoint,
        "notes": [],
        "locations": {"subject": location(endpoint, inspect, "Name")},
    }


def _storage_driver(args: DaemonArgs, observed_argv: list[str] | None, env: Mapping[str, str],
                    inner: Inner) -> tuple[dict[str, Any], str | None]:
    """The ``storage_driver`` block and the inspect field that configures it (None:
    nothing does, the daemon chose by itself)."""
    observed = parse_daemon_args(observed_argv).storage_driver if observed_argv else None
    configured: str | None
    if args.storage_driver or observed:
        configured, via, where = args.storage_driver or observed, "flag", "Args"
    elif env.get("DOCKER_DRIVER"):
        configured, via, where = env["DOCKER_DRIVER"], "env", "Config.Env"
    elif inner.daemon_json.get("storage-driver"):
        configured, via, where = (str(inner.daemon_json["storage-driver"]), "daemon.json",
                                  "/etc/docker/daemon.json")
    else:
        configured, via, where = None, None, None
    return ({"configured": configured, "configured_via": via, "expected": None,
             "observed": (inner.info or {}).get("Driver")}, where)


def _data_root(obs: ContainerObservation, inner: Inner,
               outer_root: str | None) -> tuple[dict[str, Any], str]:
    """The ``data_root`` block (the inner daemon's own answer wins over flags and defaults)
    and the inspect field of the mount that covers it."""
    inspect = obs.inspect
    guess = data_root_guess(inspect, obs.processes, inner.daemon_json)
    path = str((inner.info or {}).get("DockerRootDir") or guess)
    mounts = obs.probes.get("mounts")
    if path != guess and mounts is not None and mounts.ok:
        inner.fs = fs_from_mounts(mounts.stdout, path) or inner.fs
    mount, where = data_root_mount(inspect, path, outer_root)
    status = driver_status(inner.info or {})
    return ({"path": path, "mount": mount, "covered_by": mount["type"],
             "persistent": mount["persistent"], "shared": False, "shared_with": [],
             "backing_fs": normalize_fs(status.get("Backing Filesystem")) or inner.fs,
             "backing_fs_d_type": inner.facts.get("d_type")}, where)


def _tls(args: DaemonArgs, env: Mapping[str, str], image: Mapping[str, Any] | None,
         official_entrypoint: bool, ports: list[dict[str, Any]],
         host_network: bool) -> dict[str, Any]:
    plan = plan_tls(args, env,
                    official_entrypoint=official_entrypoint and bool(
                        image and image["official_docker"]),
                    image_version=image["version"] if image else None)
    published = any(p["container_port"] in plan.plaintext_ports and p["host_port"]
                    for p in ports)
    return {"mode": plan.mode, "certdir": plan.certdir,
            "plaintext_tcp": bool(plan.plaintext_ports), "tcp_ports": plan.tcp_ports,
            "plaintext_ports": plan.plaintext_ports, "tcp_hosts": plan.tcp_hosts,
            "plaintext_published": published or (host_network and bool(plan.plaintext_ports))}


def _rootless(image: Mapping[str, Any] | None, argvs: list[list[str]],
              processes: list[str] | None) -> bool:
    programs = [w for argv in argvs for w in argv]
    programs += [words(p)[0] for p in processes or [] if words(p)]
    return bool(image and image["variant"] == "dind-rootless") or any(
        basename(w).startswith(("dockerd-rootless", "rootlesskit")) for w in programs)


def daemon_subject(endpoint: str, obs: ContainerObservation, detected_by: str,
                   outer_root: str | None, *, exec_probes: bool) -> Subject:
    """The ``daemon`` subject of a dind container."""
    inspect = obs.inspect
    host = host_config_of(inspect)
    image = classify_image(config_of(inspect).get("Image"))
    argv, official_entrypoint = effective_command(inspect)
    args = parse_daemon_args(argv)
    observed_argv = process_daemon_argv(obs.processes)
    env = container_env(inspect)
    inner = read_probes(obs.probes, data_root_guess(inspect, obs.processes))
    data_root, data_root_field = _data_root(obs, inner, outer_root)
    storage_driver, driver_field = _storage_driver(args, observed_argv, env, inner)
    ports, ports_field = published_ports(inspect)
    host_network = host.get("NetworkMode") == "host"
    tls = _tls(args, env, image, official_entrypoint, ports, host_network)
    healthcheck, healthcheck_split = healthcheck_of(inspect)
    subject = _common("daemon", endpoint, inspect, str(inspect.get("Id")))
    subject.update({
        "detected_by": detected_by,
        "image": image,
        "command": redact_argv([str(inspect.get("Path") or ""),
                                *[str(a) for a in inspect.get("Args") or []]]),
        "observed_command": redact_argv(observed_argv) if observed_argv else None,
        "environment": docker_env(env),
        "replicas": 1,
        "privileged": bool(host.get("Privileged")),
        "runtime": host.get("Runtime"),
        "sysbox": host.get("Runtime") == "sysbox-runc",
        "rootless": _rootless(image, [argv, observed_argv or []], obs.processes),
        "cap_add": [str(c) for c in host.get("CapAdd") or []],
        "security_opt": [str(s) for s in host.get("SecurityOpt") or []],
        "network_mode": host.get("NetworkMode"),
        "host_network": host_network,
        "data_root": data_root,
        "storage_driver": storage_driver,
        "tls": tls,
        "mtu": args.mtu,
        "registry_mirrors": [redact_text(m) for m in args.registry_mirrors],
        "legacy_daemon_subcommand": args.legacy_daemon_subcommand,
        "published_ports": ports,
        "engine_version": inner.facts.get("version") or (image["version"] if image else None),
        "healthcheck": healthcheck,
        "healthcheck_split": healthcheck_split,
        "clients": [],
        "inner": inner.facts if (inner.info or _any_ok(obs.probes)) else None,
        "state": state_block(inspect),
    })
    tls_field = (ports_field if tls["plaintext_published"] else
                 "Config.Env" if "DOCKER_TLS_CERTDIR" in env else "Args")
    subject["locations"].update({
        key: location(endpoint, inspect, name) for key, name in (
            ("privileged", "HostConfig.Privileged"), ("data_root", data_root_field),
            ("storage_driver", driver_field or data_root_field), ("tls", tls_field),
            ("ports", ports_field),
            ("network_mode", "HostConfig.NetworkMode"), ("image", "Config.Image"),
            ("runtime", "HostConfig.Runtime"), ("command", "Args"),
            ("state", "State"), ("healthcheck", "Config.Healthcheck"))})
    subject["notes"] = _daemon_notes(obs, inner, exec_probes=exec_probes)
    return subject


def _any_ok(probes: Mapping[str, ProbeResult]) -> bool:
    return any(p.ok for p in probes.values())


def _daemon_notes(obs: ContainerObservation, inner: Inner, *, exec_probes: bool) -> list[str]:
    notes = [redact_text(n) for n in obs.notes]
    state = obs.inspect.get("State") or {}
    if state.get("Status") == "created":
        notes.append("created but never started: the inner daemon was not probed")
    elif not state.get("Running"):
        notes.append(f"not running ({state.get('Status')}, exit code {state.get('ExitCode')}):"
                     " the inner daemon was not probed")
    elif not exec_probes:
        notes.append("probes off (--no-exec): the inner daemon was not probed")
    elif inner.info is None and not any("docker CLI" in n for n in notes):
        notes.append("the inner daemon did not answer `docker info`")
    return notes


def _socket_subject(endpoint: str, inspect: Mapping[str, Any], index: int, engine: str,
                    via: str) -> Subject:
    mount = (inspect.get("Mounts") or [])[index]
    kind = str(mount.get("Type"))
    subject = _common("socket_mount", endpoint, inspect, f"{inspect.get('Id')}#Mounts[{index}]")
    subject.update({
        "source": str(mount.get("Name") if kind == "volume" else mount.get("Source") or ""),
        "target": str(mount.get("Destination") or ""),
        "engine": engine,
        "read_only": not mount.get("RW", True),
        "host_socket": kind == "bind",
        "via": via,
        "image": classify_image(config_of(inspect).get("Image")),
        "privileged": bool(host_config_of(inspect).get("Privileged")),
        "running": is_running(inspect),
    })
    subject["locations"].update({
        "mount": location(endpoint, inspect, f"Mounts[{index}]"),
        "image": location(endpoint, inspect, "Config.Image"),
        "privileged": location(endpoint, inspect, "HostConfig.Privileged")})
    return subject


def socket_subjects(endpoint: str, inspect: Mapping[str, Any],
                    endpoint_socket: str | None) -> list[Subject]:
    """One ``socket_mount`` subject per engine socket (or socket folder) bound in."""
    subjects: list[Subject] = []
    for i, mount in enumerate(inspect.get("Mounts") or []):
        found = socket_mount_engine(mount, endpoint_socket)
        if found is not None:
            subjects.append(_socket_subject(endpoint, inspect, i, *found))
    return subjects


def host_subject(obs: EngineObservation) -> Subject:
    """The ``host`` subject: the engine the audit talks to."""
    info, version, endpoint = obs.info, obs.version, obs.endpoint
    status = driver_status(info)
    security = [str(s) for s in info.get("SecurityOptions") or []]
    os_name = info.get("OperatingSystem")
    return {
        "kind": "host",
        "id": endpoint,
        "name": str(info.get("Name") or endpoint),
        "origin": "live",
        "project": endpoint,
        "notes": [],
        "locations": {"subject": {"endpoint": endpoint, "field": "info"}},
        "endpoint": endpoint,
        "version": version.get("Version") or info.get("ServerVersion"),
        "api_version": version.get("ApiVersion"),
        "min_api_version": version.get("MinAPIVersion"),
        "client_api_version": obs.client_api_version,
        "storage_driver": info.get("Driver"),
        "backing_fs": normalize_fs(status.get("Backing Filesystem")),
        "containerd_snapshotter": uses_containerd_snapshotter(info),
        "cgroup_version": info.get("CgroupVersion"),
        "cgroup_driver": info.get("CgroupDriver"),
        "kernel": info.get("KernelVersion"),
        "os": os_name,
        "containerized": str(os_name or "").endswith("(containerized)"),
        "rootless": any("name=rootless" in s for s in security),
        "runtimes": sorted((info.get("Runtimes") or {}).keys()),
        "default_runtime": info.get("DefaultRuntime"),
        "security_options": security,
        "root_dir": info.get("DockerRootDir"),
        "registry_mirrors": [redact_text(str(m)) for m in
                             (info.get("RegistryConfig") or {}).get("Mirrors") or []],
        "containers": info.get("Containers"),
        "containers_running": info.get("ContainersRunning"),
    }


def engine_daemon_subject(obs: EngineObservation) -> Subject:
    """The audited engine itself as a dind daemon (it runs in a container).

    What its container looks like from outside (privileged, mounts) cannot be seen
    from inside: those facts are null, and only what the engine reports is filled.
    """
    info, endpoint = obs.info, obs.endpoint
    status = driver_status(info)
    facts = inner_facts(info, obs.version)
    security = [str(s) for s in info.get("SecurityOptions") or []]
    tls = _endpoint_tls(endpoint, obs.endpoint_tls)
    return {
        "kind": "daemon",
        "id": f"{endpoint}#engine",
        "name": str(info.get("Name") or endpoint),
        "origin": "live",
        "project": endpoint,
        "notes": ["the audited engine runs in a container; its container (privileged, "
                  "mounts) is not visible from this endpoint"],
        "locations": {"subject": {"endpoint": endpoint, "field": "info"},
                      "data_root": {"endpoint": endpoint, "field": "info.DockerRootDir"},
                      "storage_driver": {"endpoint": endpoint, "field": "info.Driver"}},
        "detected_by": "engine",
        "image": None,
        "command": [],
        "replicas": 1,
        "privileged": None,
        "runtime": None,
        "sysbox": False,
        "rootless": any("name=rootless" in s for s in security),
        "cap_add": [],
        "security_opt": [],
        "network_mode": None,
        "host_network": False,
        "data_root": {"path": info.get("DockerRootDir"), "mount": None,
                      "covered_by": "unknown", "persistent": False, "shared": False,
                      "shared_with": [],
                      "backing_fs": normalize_fs(status.get("Backing Filesystem")),
                      "backing_fs_d_type": facts.get("d_type")},
        "storage_driver": {"configured": None, "configured_via": None, "expected": None,
                           "observed": info.get("Driver")},
        "tls": tls,
        "mtu": None,
        "registry_mirrors": facts.get("registry_mirrors") or [],
        "published_ports": [],
        "engine_version": facts.get("version"),
        "healthcheck": None,
        "healthcheck_split": False,
        "clients": [],
        "inner": facts,
        "state": {"status": "running", "running": True},
    }


def _endpoint_tls(endpoint: str, uses_tls: bool) -> dict[str, Any]:
    """What the audit's own connection shows of the engine's listeners (one of them)."""
    address = tcp_port(endpoint)
    if address is None:
        return {"mode": "unknown", "certdir": None, "plaintext_tcp": False, "tcp_ports": [],
                "plaintext_ports": [], "tcp_hosts": [], "plaintext_published": False}
    port = address[1] or (2376 if uses_tls else 2375)
    return {"mode": "tls" if uses_tls else "plaintext", "certdir": None,
            "plaintext_tcp": not uses_tls, "tcp_ports": [port],
            "plaintext_ports": [] if uses_tls else [port], "tcp_hosts": [endpoint],
            "plaintext_published": False}


# --------------------------------------------------------------------------- clients


def _aliases(inspect: Mapping[str, Any]) -> set[str]:
    names = {container_name(inspect), str(config_of(inspect).get("Hostname") or "")}
    networks = (inspect.get("NetworkSettings") or {}).get("Networks") or {}
    for net in networks.values():
        names.update(str(a) for a in (net or {}).get("Aliases") or [])
    names.add(str(inspect.get("Id", ""))[:12])
    return {n for n in names if n}


def _links(inspect: Mapping[str, Any]) -> dict[str, str]:
    """``--link dind:docker`` → ``{"docker": "dind"}`` (HostConfig.Links: /dind:/me/docker)."""
    result: dict[str, str] = {}
    for link in host_config_of(inspect).get("Links") or []:
        target, _, alias = str(link).partition(":")
        result[alias.rsplit("/", 1)[-1]] = target.lstrip("/")
    return result


def client_subject(endpoint: str, inspect: Mapping[str, Any],
                   daemons: Mapping[str, tuple[Subject, Mapping[str, Any]]]) -> Subject | None:
    """A container whose DOCKER_HOST names a dind daemon of this engine, or None."""
    env = container_env(inspect)
    docker_host = env.get("DOCKER_HOST")
    address = tcp_port(docker_host) if docker_host else None
    if not docker_host or address is None:
        return None
    host, port = address
    target = _resolve_daemon(inspect, host, daemons)
    if target is None:
        return None
    daemon = daemons[target][0]
    daemon["clients"].append(container_name(inspect))
    image = classify_image(config_of(inspect).get("Image"))
    expects_tls, reason = _client_tls(inspect, env, image)
    subject = _common("client", endpoint, inspect, f"{inspect.get('Id')}#client")
    subject.update({
        "docker_host": redact_text(docker_host),
        "scheme": docker_host.split("://", 1)[0],
        "host": host,
        "port": port if port is not None else (2376 if expects_tls else 2375),
        "daemon": target,
        "daemon_tls_mode": daemon["tls"]["mode"],
        "daemon_tcp_ports": daemon["tls"]["tcp_ports"],
        "client_expects_tls": expects_tls,
        "client_tls_reason": reason,
        "client_image": image["ref"] if image else None,
        "client_engine_version": image["version"] if image and image["official_docker"]
        else None,
        "api_skew": None,
        "port_served": None,
        "tls_agrees": None,
        "mismatch": None,
    })
    subject["locations"]["docker_host"] = location(endpoint, inspect, "Config.Env")
    return subject


def _resolve_daemon(inspect: Mapping[str, Any], host: str | None,
                    daemons: Mapping[str, tuple[Subject, Mapping[str, Any]]]) -> str | None:
    me = container_name(inspect)
    if host in (None, "", "localhost", "127.0.0.1", "::1"):
        mode = str(host_config_of(inspect).get("NetworkMode") or "")
        if mode.startswith("container:"):
            ref = mode.split(":", 1)[1]
            for name, (_, other) in daemons.items():
                if ref in (name, other.get("Id")):
                    return name
        return None
    linked = _links(inspect).get(host)
    for name, (_, other) in daemons.items():
        if name != me and (linked == name or host in _aliases(other)):
            return name
    return None


def _client_tls(inspect: Mapping[str, Any], env: Mapping[str, str],
                image: Mapping[str, Any] | None) -> tuple[bool, str]:
    return client_tls(env, official_image=bool(image and image["official_docker"]),
                      has_file=lambda path: bool(covering_mount(inspect, path)[1]))


# --------------------------------------------------------------------------- all together


def build_subjects(obs: EngineObservation) -> list[Subject]:
    """All subjects of one endpoint, cross-linked (``derive.link``)."""
    from dindcheck.derive import link

    endpoint = obs.endpoint
    host = host_subject(obs)
    subjects: list[Subject] = [host]
    if host["containerized"]:
        subjects.append(engine_daemon_subject(obs))
    socket_path = endpoint[len("unix://"):] if endpoint.startswith("unix://") else None
    daemons: dict[str, tuple[Subject, Mapping[str, Any]]] = {}
    for container in obs.containers:
        detected_by = classify(container.inspect, container.processes)
        if detected_by is not None:
            daemon = daemon_subject(endpoint, container, detected_by, host["root_dir"],
                                    exec_probes=obs.exec_probes)
            daemons[daemon["name"]] = (daemon, container.inspect)
            subjects.append(daemon)
        subjects.extend(socket_subjects(endpoint, container.inspect, socket_path))
    subjects.extend(_shared_socket_subjects(endpoint, obs, daemons))
    for container in obs.containers:
        client = client_subject(endpoint, container.inspect, daemons)
        if client is not None:
            subjects.append(client)
    link(subjects)
    return subjects


def _shared_socket_subjects(endpoint: str, obs: EngineObservation,
                            daemons: Mapping[str, tuple[Subject, Mapping[str, Any]]],
                            ) -> list[Subject]:
    """A dind daemon's socket folder shared with another container through a volume.

    Not the host's socket (``host_socket`` false), but still full control of that
    daemon for whoever runs in the other container.
    """
    socket_volumes: dict[str, str] = {}
    for name, (_, inspect) in daemons.items():
        for mount in inspect.get("Mounts") or []:
            if mount.get("Type") == "volume" and mount.get("Destination") in SOCKET_DIRS:
                socket_volumes[str(mount.get("Name"))] = name
    subjects: list[Subject] = []
    for container in obs.containers:
        inspect = container.inspect
        me = container_name(inspect)
        for i, mount in enumerate(inspect.get("Mounts") or []):
            owner = socket_volumes.get(str(mount.get("Name")))
            if mount.get("Type") != "volume" or owner is None or owner == me:
                continue
            subject = _socket_subject(endpoint, inspect, i, "docker", "volume")
            subject["daemon"] = owner
            subjects.append(subject)
    return subjects
