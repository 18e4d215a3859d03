"""A loaded compose project as workloads: one per service, in compose's own terms resolved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dindcheck.dockerd import words
from dindcheck.model import InputProblem, Location
from dindcheck.sources.compose.files import ComposeProject
from dindcheck.sources.compose.suppressions import service_suppressions
from dindcheck.sources.compose.volumes import Mount as ComposeMount
from dindcheck.sources.compose.volumes import parse_ports, service_mounts
from dindcheck.workload import (
    ANONYMOUS_VOLUME,
    BIND,
    VOLUME,
    EnvVar,
    Healthcheck,
    Mount,
    Port,
    Setup,
    VolumesFrom,
    Workload,
)
from dindcheck.yamlload import Mark, PosDict

ORIGIN = "compose"
TRUE = {True, "true", "yes", "True", "TRUE", "on"}
# Keys whose location a finding may point at.
_LOCATED = ("privileged", "image", "runtime", "network_mode", "ports", "healthcheck",
            "command", "entrypoint", "volumes", "depends_on", "environment")


def location(mark: Mark | None) -> Location:
    if mark is None:
        return Location()
    return Location(path=mark.path, line=mark.line, column=mark.column)


def project_dir(project: ComposeProject) -> Path:
    return Path(project.project_dir)


def setup(project: ComposeProject) -> Setup:
    """The project's services as workloads (problems and notes carried over)."""
    base = project_dir(project)
    marks = getattr(project.services, "key_marks", {})
    warnings: list[InputProblem] = []
    workloads = tuple(_workload(project, name, spec, marks.get(name) or spec.mark, base,
                                warnings)
                      for name, spec in project.services.items()
                      if isinstance(spec, PosDict))
    return Setup(kind="compose", name=project.name, origin=ORIGIN, paths=tuple(project.files),
                 workloads=workloads, closed=True, problems=tuple(project.problems),
                 notes=tuple(project.notes), unresolved=tuple(project.unresolved),
                 warnings=tuple(warnings))


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _environment(spec: PosDict) -> dict[str, EnvVar]:
    raw = spec.get("environment")
    env: dict[str, EnvVar] = {}
    fallback = spec.key_mark("environment")
    if isinstance(raw, dict):
        marks = getattr(raw, "key_marks", {})
        for key, value in raw.items():
            if value is not None:
                env[str(key)] = EnvVar(value=_scalar(value),
                                       location=location(marks.get(key) or fallback))
    elif isinstance(raw, list):
        for index, item in enumerate(raw):
            if isinstance(item, str) and "=" in item:
                key, value = item.split("=", 1)
                mark = raw.item_mark(index) if hasattr(raw, "item_mark") else fallback
                env[key] = EnvVar(value=value, location=location(mark or fallback))
    return env


def _replicas(spec: PosDict) -> tuple[int, Mark | None]:
    deploy = spec.get("deploy")
    if isinstance(deploy, PosDict) and "replicas" in deploy:
        value = deploy["replicas"]
        return (int(value) if str(value).isdigit() else 1), deploy.key_mark("replicas")
    if "scale" in spec:
        value = spec["scale"]
        return (int(value) if str(value).isdigit() else 1), spec.key_mark("scale")
    return 1, None


def _storage(project: ComposeProject, mount: ComposeMount, base: Path,
             owner: str) -> str | None:
    """Identity of the storage behind a mount; equal identities are the same storage."""
    if mount.type == "anonymous_volume":
        return f"anonymous:{project.name}/{owner}:{mount.target}"
    if mount.source is None:
        return None
    if mount.type == "bind":
        source = mount.source
        if source.startswith(("$", "~")):
            return f"bind:{source}"
        if source.startswith("/"):
            return f"bind:{Path(source).as_posix()}"
        return f"bind:{(base / source).resolve(strict=False).as_posix()}"
    if mount.type == "volume":
        spec = project.volumes.get(mount.source) if isinstance(project.volumes, dict) else None
        name = f"{project.name}_{mount.source}"
        if isinstance(spec, dict):
            external = spec.get("external")
            if spec.get("name"):
                name = str(spec["name"])
            elif external in TRUE or isinstance(external, dict):
                name = str(external.get("name")) if isinstance(external, dict) and \
                    external.get("name") else mount.source
        return f"volume:{name}"
    return None


def _mount(project: ComposeProject, mount: ComposeMount, base: Path, owner: str) -> Mount:
    return Mount(kind=mount.type, target=mount.target, source=mount.source,
                 storage=_storage(project, mount, base, owner), read_only=mount.read_only,
                 persistent=mount.type in (VOLUME, BIND),
                 per_instance=mount.type == ANONYMOUS_VOLUME, field=mount.field,
                 location=location(mount.mark))


def _volumes_from(spec: PosDict) -> tuple[VolumesFrom, ...]:
    sources = spec.get("volumes_from")
    if not isinstance(sources, list):
        return ()
    entries = []
    for index, entry in enumerate(sources):
        name = str(entry).split(":", 1)[0]
        if name.startswith("container"):
            continue
        mark = sources.item_mark(index) if hasattr(sources, "item_mark") else None
        entries.append(VolumesFrom(workload=name, read_only=str(entry).endswith(":ro"),
                                   location=location(mark) if mark else None))
    return tuple(entries)


def _aliases(name: str, spec: PosDict) -> frozenset[str]:
    names = {name}
    for key in ("container_name", "hostname"):
        if isinstance(spec.get(key), str):
            names.add(spec[key])
    networks = spec.get("networks")
    if isinstance(networks, dict):
        for net in networks.values():
            if isinstance(net, dict) and isinstance(net.get("aliases"), list):
                names.update(str(a) for a in net["aliases"])
    return frozenset(names)


def _links(spec: PosDict) -> dict[str, str]:
    """``links: [dind:docker]`` makes the service ``dind`` reachable as ``docker``."""
    result: dict[str, str] = {}
    links = spec.get("links")
    if isinstance(links, list):
        for link in links:
            target, _, alias = str(link).partition(":")
            result[alias or target] = target
    return result


def _healthcheck(spec: PosDict) -> Healthcheck | None:
    check = spec.get("healthcheck")
    if not isinstance(check, dict) or check.get("disable") in TRUE:
        return None
    test = check.get("test")
    if test is None:
        return None
    if isinstance(test, list):
        split = len(test) > 2 and test[0] == "CMD-SHELL"
        return Healthcheck(test=" ".join(str(t) for t in test), split=split)
    return Healthcheck(test=str(test))


def _depends_on(spec: PosDict) -> dict[str, str]:
    depends = spec.get("depends_on")
    if isinstance(depends, list):
        return {str(d): "service_started" for d in depends}
    if isinstance(depends, dict):
        return {str(name): str(entry.get("condition", "service_started"))
                if isinstance(entry, dict) else "service_started"
                for name, entry in depends.items()}
    return {}


def _workload(project: ComposeProject, name: str, spec: PosDict, key_mark: Mark | None,
              base: Path, warnings: list[InputProblem]) -> Workload:
    ref = spec.get("image")
    image = ref if isinstance(ref, str) and ref else None
    dockerfile = project.dockerfiles.get(name) if image is None else None
    built_from = dockerfile.base if dockerfile else None
    # A service built from a Dockerfile that was not read: what its image declares is unknown.
    image_volumes = dockerfile.volumes if dockerfile else (
        None if image is None and "build" in spec else ())
    entrypoint = tuple(words(spec.get("entrypoint"))) if "entrypoint" in spec else None
    command = tuple(words(spec.get("command"))) if "command" in spec else None
    network_mode = spec.get("network_mode")
    network_mode = network_mode if isinstance(network_mode, str) else None
    runtime = spec.get("runtime")
    replicas, replicas_mark = _replicas(spec)
    locations = {"subject": location(key_mark)}
    for key in _LOCATED:
        if key in spec:
            locations[key] = location(spec.key_marks.get(key) or key_mark)
    if replicas_mark is not None:
        locations["replicas"] = location(replicas_mark)
    notes = (f"image built locally from {built_from}",) if built_from else ()
    suppress, suppress_source, suppress_warnings = service_suppressions(name, spec)
    warnings += suppress_warnings
    return Workload(
        name=name,
        id=f"{project.name}/{name}",
        origin=ORIGIN,
        project=project.name,
        image=image,
        built_from=built_from,
        image_entrypoint=dockerfile.entrypoint if dockerfile else None,
        image_command=dockerfile.cmd if dockerfile else None,
        image_volumes=image_volumes,
        entrypoint=entrypoint,
        command=command,
        shown_command=(*(entrypoint or ()), *(command or ())),
        environment=_environment(spec),
        privileged=spec.get("privileged") in TRUE,
        cap_add=tuple(str(c) for c in spec.get("cap_add") or [] if c is not None),
        cap_drop=tuple(str(c) for c in spec.get("cap_drop") or [] if c is not None),
        security_opt=tuple(str(c) for c in spec.get("security_opt") or [] if c is not None),
        runtime=runtime if isinstance(runtime, str) else None,
        network_mode=network_mode,
        host_network=network_mode == "host",
        netns=network_mode.split(":", 1)[1] if network_mode and
        network_mode.startswith("service:") else None,
        aliases=_aliases(name, spec),
        links=_links(spec),
        mounts=tuple(_mount(project, m, base, name) for m in service_mounts(spec)),
        volumes_from=_volumes_from(spec),
        ports=tuple(Port(container_port=p.container_port, host_port=p.host_port,
                         host_ip=p.host_ip, protocol=p.protocol, location=location(p.mark))
                    for p in parse_ports(spec)),
        healthcheck=_healthcheck(spec),
        depends_on=_depends_on(spec),
        replicas=replicas,
        suppress=suppress,
        suppress_source=suppress_source,
        profiles=tuple(str(p) for p in spec.get("profiles") or () if isinstance(p, str)),
        notes=notes,
        locations=locations,
    )
