"""What a live engine showed, as workloads: one per container, plus the engine itself when
it runs in a container, and the ``host`` facts.

Pure: it takes an :class:`EngineObservation` (the Engine API's JSON and the probes'
outputs). Secrets: the workloads carry the containers' whole environment (the subject
builder shows only ``DOCKER_*`` variables, redacted), command lines are redacted here,
probe outputs and notes too.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Mapping
from typing import Any

from dindcheck.model import Location
from dindcheck.redact import redact_argv, redact_text
from dindcheck.sources.live.inspect import (
    config_of,
    container_env,
    container_name,
    healthcheck_of,
    host_config_of,
    is_anonymous_volume,
    process_daemon_argv,
    published_ports,
)
from dindcheck.sources.live.observation import (
    ContainerObservation,
    EngineObservation,
    Inner,
    read_probes,
)
from dindcheck.sources.live.probes import (
    ProbeResult,
    driver_status,
    inner_facts,
    normalize_fs,
    uses_containerd_snapshotter,
)
from dindcheck.sources.live.shapes import INFO, INSPECT, VERSION, conformed
from dindcheck.subjects import ImageFacts, data_root_path
from dindcheck.suppress import from_labels
from dindcheck.workload import (
    ANONYMOUS_VOLUME,
    BIND,
    TMPFS,
    UNKNOWN,
    VOLUME,
    EnvVar,
    Healthcheck,
    Host,
    Listener,
    Mount,
    Observation,
    Port,
    Setup,
    State,
    SuppressionSource,
    Workload,
    within,
)

ORIGIN = "live"
# Programs a user puts in front of a command (`--entrypoint sh`); any other entrypoint of
# a running container is taken to be the image's own.
_USER_ENTRYPOINTS = frozenset({"sh", "bash", "ash", "dash", "zsh", "env", "tail", "sleep",
                               "cat", "tini", "dumb-init", "dockerd", "dockerd-rootless.sh",
                               "docker", "containerd"})
ENGINE_NOTE = ("the audited engine runs in a container; its container (privileged, mounts) "
               "is not visible from this endpoint")


def _where(endpoint: str, inspect: Mapping[str, Any], field_name: str) -> Location:
    return Location(endpoint=endpoint, container=container_name(inspect),
                    container_id=str(inspect.get("Id", "")), field=field_name)


def _mounts(endpoint: str, inspect: Mapping[str, Any], outer_root: str | None,
            ) -> tuple[Mount, ...]:
    mounts: list[Mount] = []
    declared = config_of(inspect).get("Volumes") or {}
    for index, raw in enumerate(inspect.get("Mounts") or []):
        kind = str(raw.get("Type") or "unknown")
        target = str(raw.get("Destination") or "")
        read_only = not raw.get("RW", True)
        field_name = f"Mounts[{index}]"
        where = field_name
        if kind == VOLUME:
            name = str(raw.get("Name") or "")
            anonymous = is_anonymous_volume(inspect, name)
            if anonymous and target in declared:
                where = "Config.Volumes"
            driver = raw.get("Driver")
            mounts.append(Mount(kind=ANONYMOUS_VOLUME if anonymous else VOLUME, target=target,
                                source=name, storage=f"volume:{name}" if name else None,
                                read_only=read_only, persistent=not anonymous,
                                per_instance=anonymous, field=field_name,
                                location=_where(endpoint, inspect, where),
                                driver=str(driver) if driver and driver != "local" else None))
        elif kind == BIND:
            source = str(raw.get("Source") or "")
            mounts.append(Mount(kind=BIND, target=target, source=source,
                                storage=f"bind:{posixpath.normpath(source)}" if source else None,
                                read_only=read_only, persistent=True, field=field_name,
                                location=_where(endpoint, inspect, where),
                                into_outer_root=within(source, outer_root)))
        elif kind == TMPFS:
            mounts.append(Mount(kind=TMPFS, target=target, read_only=read_only,
                                field=field_name, location=_where(endpoint, inspect, where)))
        else:
            source = raw.get("Source")
            mounts.append(Mount(kind=UNKNOWN, target=target,
                                source=str(source) if source else None, read_only=read_only,
                                field=field_name, location=_where(endpoint, inspect, where)))
    for target in host_config_of(inspect).get("Tmpfs") or {}:
        mounts.append(Mount(kind=TMPFS, target=str(target), field="HostConfig.Tmpfs",
                            location=_where(endpoint, inspect, "HostConfig.Tmpfs")))
    return tuple(mounts)


def _aliases(inspect: Mapping[str, Any]) -> frozenset[str]:
    names = {container_name(inspect), str(config_of(inspect).get("Hostname") or "")}
    networks = (inspect.get("NetworkSettings") or {}).get("Networks") or {}
    for net in networks.values():
        names.update(str(a) for a in (net or {}).get("Aliases") or [])
    names.add(str(inspect.get("Id", ""))[:12])
    return frozenset(n for n in names if n)


def _links(inspect: Mapping[str, Any]) -> dict[str, str]:
    """``--link dind:docker`` → ``{"docker": "dind"}`` (HostConfig.Links: /dind:/me/docker)."""
    result: dict[str, str] = {}
    for link in host_config_of(inspect).get("Links") or []:
        target, _, alias = str(link).partition(":")
        result[alias.rsplit("/", 1)[-1]] = target.lstrip("/")
    return result


def _state(inspect: Mapping[str, Any]) -> State:
    state = inspect.get("State") or {}
    return State(status=state.get("Status"), running=bool(state.get("Running")),
                 exit_code=state.get("ExitCode"),
                 restart_count=inspect.get("RestartCount", 0),
                 error=state.get("Error") or None, oom_killed=bool(state.get("OOMKilled")),
                 started_at=state.get("StartedAt"), finished_at=state.get("FinishedAt"))


def _any_ok(probes: Mapping[str, ProbeResult]) -> bool:
    return any(p.ok for p in probes.values())


def _notes(obs: ContainerObservation, inner: Inner, *, exec_probes: bool) -> tuple[str, ...]:
    """What could not be seen inside the container (shown on its daemon subject)."""
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
    return tuple(notes)


def _observation(obs: ContainerObservation, data_root: str | None,
                 *, exec_probes: bool) -> Observation:
    """The overlay of what was seen; ``data_root``: the daemon's data root as far as known
    (for reading the filesystem under it from /proc/self/mounts)."""
    inner = read_probes(obs.probes, data_root or "/var/lib/docker")
    answer = (inner.info or {}).get("DockerRootDir")
    status = driver_status(inner.info or {})
    daemon_argv = process_daemon_argv(obs.processes)
    return Observation(
        state=_state(obs.inspect),
        processes=tuple(obs.processes) if obs.processes is not None else None,
        daemon_argv=tuple(daemon_argv) if daemon_argv else None,
        inner=inner.facts if (inner.info or _any_ok(obs.probes)) else None,
        data_root=str(answer) if answer else None,
        data_root_fs=normalize_fs(status.get("Backing Filesystem")) or inner.fs,
        daemon_json=inner.daemon_json,
        notes=_notes(obs, inner, exec_probes=exec_probes),
        log=tuple(redact_text(line) for line in obs.log) if obs.log is not None else None,
    )


def _entrypoint(path: str, image: str | None) -> tuple[str, ...] | None:
    """``(Path,)`` when the container's entrypoint was chosen by its user, None when it is
    the image's own (so that the subject builder applies what it knows of the image)."""
    if not path:
        return None
    name = path.rsplit("/", 1)[-1]
    known = ImageFacts.of(Workload(name="", id="", origin=ORIGIN, image=image)).entrypoint
    if known is not None:
        return None if name == known else (path,)
    return (path,) if name in _USER_ENTRYPOINTS else None


def container_workload(endpoint: str, obs: ContainerObservation, *, outer_root: str | None,
                       exec_probes: bool, data_root: str | None = None,
                       names: Mapping[str, str] | None = None) -> Workload:
    """One container as a workload. ``names`` maps container ids to names (for
    ``--network container:<id>``); ``data_root``: the daemon's data root as far as known."""
    inspect = obs.inspect
    host = host_config_of(inspect)
    path = str(inspect.get("Path") or "")
    args = tuple(str(a) for a in inspect.get("Args") or [])
    env_where = _where(endpoint, inspect, "Config.Env")
    ports, ports_field = published_ports(inspect)
    check, split = healthcheck_of(inspect)
    network_mode = host.get("NetworkMode")
    netns = None
    if isinstance(network_mode, str) and network_mode.startswith("container:"):
        ref = network_mode.split(":", 1)[1]
        netns = (names or {}).get(ref, ref)
    locations = {key: _where(endpoint, inspect, field_name) for key, field_name in (
        ("subject", "Name"), ("privileged", "HostConfig.Privileged"), ("image", "Config.Image"),
        ("runtime", "HostConfig.Runtime"), ("network_mode", "HostConfig.NetworkMode"),
        ("ports", ports_field), ("healthcheck", "Config.Healthcheck"), ("command", "Args"),
        ("state", "State"), ("environment", "Config.Env"), ("volumes", "Mounts"),
        ("daemon_json", "/etc/docker/daemon.json"))}
    ignored, reason = from_labels(config_of(inspect).get("Labels") or {})
    return Workload(
        name=container_name(inspect),
        id=str(inspect.get("Id")),
        origin=ORIGIN,
        project=endpoint,
        image=config_of(inspect).get("Image"),
        entrypoint=_entrypoint(path, config_of(inspect).get("Image")),
        command=args,
        shown_command=tuple(redact_argv([path, *args])),
        environment={k: EnvVar(value=v, location=env_where)
                     for k, v in container_env(inspect).items()},
        privileged=bool(host.get("Privileged")),
        cap_add=tuple(str(c) for c in host.get("CapAdd") or []),
        cap_drop=tuple(str(c) for c in host.get("CapDrop") or []),
        security_opt=tuple(str(s) for s in host.get("SecurityOpt") or []),
        runtime=host.get("Runtime"),
        network_mode=network_mode,
        host_network=network_mode == "host",
        netns=netns,
        aliases=_aliases(inspect),
        links=_links(inspect),
        mounts=_mounts(endpoint, inspect, outer_root),
        ports=tuple(Port(container_port=p["container_port"], host_port=p["host_port"],
                         host_ip=p["host_ip"], protocol=p["protocol"],
                         location=_where(endpoint, inspect, ports_field)) for p in ports),
        healthcheck=Healthcheck(test=check, split=split) if check else None,
        suppress=ignored,
        suppress_source=SuppressionSource(
            by="label", location=_where(endpoint, inspect, "Config.Labels"),
            reason=reason) if ignored else None,
        locations=locations,
        observation=_observation(obs, data_root, exec_probes=exec_probes),
    )


def engine_workload(obs: EngineObservation) -> Workload:
    """The audited engine itself, when it reports running in a container."""
    info, endpoint = obs.info, obs.endpoint
    status = driver_status(info)
    return Workload(
        name=str(info.get("Name") or endpoint),
        id=f"{endpoint}#engine",
        origin=ORIGIN,
        project=endpoint,
        privileged=None,
        mounts=None,
        notes=(ENGINE_NOTE,),
        locations={"subject": Location(endpoint=endpoint, field="info")},
        engine=Listener(url=endpoint, tls=obs.endpoint_tls),
        observation=Observation(
            state=State(status="running", running=True),
            inner=inner_facts(info, obs.version),
            data_root=info.get("DockerRootDir"),
            data_root_fs=normalize_fs(status.get("Backing Filesystem"))),
    )


def host(obs: EngineObservation) -> Host:
    """The facts of the engine the audit talks to."""
    info, version = obs.info, obs.version
    status = driver_status(info)
    security = [str(s) for s in info.get("SecurityOptions") or []]
    os_name = info.get("OperatingSystem")
    return Host(endpoint=obs.endpoint, name=str(info.get("Name") or obs.endpoint), facts={
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
    })


def _conformed(obs: EngineObservation) -> EngineObservation:
    """The observation with every answer in the shape this module reads (a recorded
    observation is input too)."""
    containers = []
    for container in obs.containers:
        inspect, _ = conformed(container.inspect, INSPECT)
        containers.append(dataclasses.replace(container, inspect=inspect))
    return dataclasses.replace(obs, info=conformed(obs.info, INFO)[0],
                               version=conformed(obs.version, VERSION)[0],
                               containers=containers)


def setup(obs: EngineObservation) -> Setup:
    """Everything one endpoint showed, as a setup the subject builder reads."""
    obs = _conformed(obs)
    engine_host = host(obs)
    names = {str(c.inspect.get("Id")): container_name(c.inspect) for c in obs.containers}
    workloads = [engine_workload(obs)] if engine_host.facts["containerized"] else []
    outer_root = engine_host.facts["root_dir"]
    for container in obs.containers:
        preliminary = container_workload(obs.endpoint, container, outer_root=outer_root,
                                         exec_probes=obs.exec_probes, names=names)
        workloads.append(container_workload(
            obs.endpoint, container, outer_root=outer_root, exec_probes=obs.exec_probes,
            data_root=data_root_path(preliminary), names=names))
    return Setup(kind="engine", name=obs.endpoint, origin=ORIGIN, workloads=tuple(workloads),
                 host=engine_host)


