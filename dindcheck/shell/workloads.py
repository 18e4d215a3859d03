"""``docker run`` lines as workloads: one per line, names resolved between them.

The ``docker run`` lines of one file are one setup: ``--name``, ``--network
container:X``, ``--volumes-from`` and ``--link`` name each other, and a reference
resolves to the nearest line before it that created that name (else the first after
it; a name no line creates stays as written: a container started elsewhere).
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dindcheck.model import Location
from dindcheck.redact import redact_argv
from dindcheck.shell.docker import DockerRun, Flag
from dindcheck.shell.lexer import Word
from dindcheck.shell.mounts import api_socket_mount, mount_flag, tmpfs_mount, volume_mount
from dindcheck.workload import EnvVar, Healthcheck, Mount, Port, VolumesFrom, Workload

_PORT = re.compile(r"^(?:(?P<ip>\[[^\]]*\]|[^:]*):)??(?:(?P<host>[^:]*):)?"
                   r"(?P<container>[^:/]+)(?:/(?P<proto>\w+))?$")
_BUILTIN_NETWORKS = frozenset({"bridge", "default", "none", "host"})
# The workload-level location key of a flag (every flag is also kept under its own name).
_LOCATION_KEYS = {"--privileged": "privileged", "--cap-add": "cap_add",
                  "--security-opt": "security_opt", "--name": "name",
                  "--restart": "restart", "--link": "links"}


def _same(text: str) -> str:
    return text


@dataclass(frozen=True, slots=True)
class Naming:
    """How one source names the workloads of its run lines: ``prefix`` before every name
    (``job/``), the file's short name for lines without ``--name``, the project."""

    path: str
    origin: str
    prefix: str = ""
    project: str | None = None
    short: str | None = None
    subst: Callable[[str], str] = _same
    project_of: Callable[[DockerRun], str | None] | None = None

    @property
    def file_label(self) -> str:
        return self.short if self.short is not None else posixpath.basename(self.path)


def workloads(runs: Sequence[DockerRun], naming: Naming,
              notes: Callable[[DockerRun], tuple[str, ...]] | None = None) -> list[Workload]:
    """The workloads of one file's run lines, in order, names unique and resolved."""
    names = _unique_names(runs, naming)
    written: dict[str, list[int]] = {}
    for index, run in enumerate(runs):
        flag = run.first("--name")
        if flag is not None and flag.value:
            written.setdefault(naming.subst(flag.value), []).append(index)

    def resolve(reference: str, index: int) -> str:
        found = written.get(reference)
        if not found:
            return reference
        before = [i for i in found if i < index]
        return names[before[-1] if before else found[0]]

    return [_Builder(run, names[i], naming, functools.partial(_resolve_at, resolve, i),
                     notes(run) if notes else ()).build()
            for i, run in enumerate(runs)]


def _resolve_at(resolve: Callable[[str, int], str], index: int, reference: str) -> str:
    return resolve(reference, index)


def _unique_names(runs: Sequence[DockerRun], naming: Naming) -> list[str]:
    names: list[str] = []
    taken: set[str] = set()
    for run in runs:
        line, _ = run.where(run.docker)
        flag = run.first("--name")
        base = naming.subst(flag.value) if flag is not None and flag.value else (
            f"{naming.file_label}:{line}")
        name = naming.prefix + base
        if name in taken:
            name = f"{name}@{line}"
            suffix = 2
            while name in taken:
                name = f"{naming.prefix}{base}@{line}.{suffix}"
                suffix += 1
        taken.add(name)
        names.append(name)
    return names


class _Builder:
    def __init__(self, run: DockerRun, name: str, naming: Naming,
                 resolve: Callable[[str], str], extra_notes: tuple[str, ...]) -> None:
        self.run = run
        self.name = name
        self.naming = naming
        self.resolve = resolve
        self.notes: list[str] = [*run.notes, *extra_notes]
        self.locations: dict[str, Location] = {}
        line, column = run.where(run.docker)
        self.id = f"{naming.prefix}{naming.path}:{line}:{column}"

    def at(self, word: Word) -> Location:
        line, column = self.run.where(word)
        return Location(path=self.naming.path, line=line, column=column)

    def mark(self, key: str, word: Word) -> Location:
        location = self.at(word)
        self.locations.setdefault(key, location)
        return location

    def build(self) -> Workload:
        run, subst = self.run, self.naming.subst
        self.mark("subject", run.docker)
        for flag in run.flags:
            self.mark(flag.name, flag.word)
            if flag.name in _LOCATION_KEYS:
                self.mark(_LOCATION_KEYS[flag.name], flag.word)
        image = subst(run.image.text) if run.image is not None else None
        if run.image is not None:
            self.mark("image", run.image)
        command = tuple(subst(w.text) for w in run.args) if run.args else None
        if run.args:
            self.mark("command", run.args[0])
        entrypoint = self.entrypoint()
        if run.inside is not None:
            self.notes.append(f"created by the daemon inside {self.resolve(run.inside)} "
                              "(docker exec): its binds and ports are that daemon's")
        if run.endpoint is not None:
            self.notes.append(f"created through the engine at {subst(run.endpoint)}, not "
                              "the local socket")
        network_mode, host_network, netns = self.network()
        name_flag = run.first("--name")
        aliases = {subst(f.value) for f in run.all("--network-alias") if f.value}
        if name_flag is not None and name_flag.value and network_mode is not None and \
                network_mode not in _BUILTIN_NETWORKS and not network_mode.startswith(
                    "container:"):
            aliases.add(subst(name_flag.value))
        if run.enabled("--publish-all"):
            self.notes.append("-P publishes every port the image exposes, on random host "
                              "ports")
        for flag in run.all("--env-file"):
            self.notes.append(f"variables from --env-file {flag.value} are not read")
        replicas = self.replicas()
        shown = redact_argv([*(entrypoint or ()), *(command or ())])
        return Workload(
            name=self.name, id=self.id, origin=self.naming.origin,
            project=(self.naming.project_of(run) if self.naming.project_of is not None
                     else self.naming.project), image=image, entrypoint=entrypoint,
            command=command, shown_command=tuple(shown), environment=self.environment(),
            privileged=run.enabled("--privileged"),
            cap_add=tuple(subst(f.value) for f in run.all("--cap-add") if f.value),
            cap_drop=tuple(subst(f.value) for f in run.all("--cap-drop") if f.value),
            security_opt=tuple(subst(f.value) for f in run.all("--security-opt") if f.value),
            runtime=self.value("--runtime", "runtime"), network_mode=network_mode,
            host_network=host_network, netns=netns, aliases=frozenset(aliases),
            links=self.links(), mounts=self.mounts(), volumes_from=self.volumes_from(),
            ports=self.ports(), healthcheck=self.healthcheck(), replicas=replicas,
            created_by=self.resolve(run.inside) if run.inside is not None else None,
            notes=tuple(self.notes), locations=dict(self.locations))

    def replicas(self) -> int:
        """How many of these containers run at once: one per pass of the loops around a
        detached run (a run in the foreground ends before the next pass starts)."""
        passes = self.run.passes
        if (passes is not None and passes <= 1) or not self.run.enabled("--detach"):
            return 1
        if passes is None:
            self.notes.append("started detached on each pass of a loop whose count is not "
                              "written: counted as two at once")
            return 2
        self.notes.append(f"started detached on each of {passes} passes of a loop: "
                          f"{passes} at once")
        return max(passes, 1)

    def value(self, name: str, key: str) -> str | None:
        flag = self.last(name)
        if flag is None or flag.value is None:
            return None
        self.mark(key, flag.word)
        return self.naming.subst(flag.value)

    def last(self, name: str) -> Flag | None:
        found = self.run.all(name)
        return found[-1] if found else None

    def entrypoint(self) -> tuple[str, ...] | None:
        flag = self.last("--entrypoint")
        if flag is None or flag.value is None:
            return None
        self.mark("entrypoint", flag.word)
        return (self.naming.subst(flag.value),) if flag.value else ()

    def network(self) -> tuple[str | None, bool, str | None]:
        found = self.run.all("--network")
        if not found or found[0].value is None:
            return None, False, None
        flag = found[0]
        if len(found) > 1:
            self.notes.append("several --network options: the first is the network mode, "
                              "the others are networks joined too")
        self.mark("network_mode", flag.word)
        value = self.naming.subst(flag.value or "")
        if value == "host":
            return "host", True, None
        if value.startswith("container:"):
            target = self.resolve(value.split(":", 1)[1])
            return f"container:{target}", False, target
        return value, False, None

    def environment(self) -> dict[str, EnvVar]:
        env: dict[str, EnvVar] = {}
        for flag in self.run.all("--env"):
            if flag.value is None:
                continue
            location = self.mark("environment", flag.word)
            key, eq, value = flag.value.partition("=")
            if not key:
                continue
            env[key] = EnvVar(value=self.naming.subst(value) if eq else None,
                              location=location)
        return env

    def links(self) -> dict[str, str]:
        links: dict[str, str] = {}
        for flag in self.run.all("--link"):
            if not flag.value:
                continue
            target, _, alias = self.naming.subst(flag.value).partition(":")
            links[alias or target] = self.resolve(target)
        return links

    def mounts(self) -> tuple[Mount, ...]:
        mounts: list[Mount] = []
        counts: dict[str, int] = {}
        for flag in self.run.flags:
            if flag.name not in ("--volume", "--mount", "--tmpfs", "--use-api-socket"):
                continue
            index = counts.get(flag.name, 0)
            counts[flag.name] = index + 1
            field = f"{flag.name}[{index}]"
            location = self.at(flag.word)
            self.locations.setdefault("volumes", location)
            spec = self.naming.subst(flag.value or "")
            if flag.name == "--use-api-socket":
                if self.run.enabled("--use-api-socket"):
                    mounts.append(api_socket_mount(field, location))
            elif flag.name == "--volume":
                mounts.append(volume_mount(spec, self.name, field, location))
            elif flag.name == "--tmpfs":
                mounts.append(tmpfs_mount(spec, self.name, field, location))
            else:
                mount, why = mount_flag(spec, self.name, field, location)
                if mount is not None:
                    mounts.append(mount)
                elif why:
                    self.notes.append(why)
        return tuple(mounts)

    def volumes_from(self) -> tuple[VolumesFrom, ...]:
        found: list[VolumesFrom] = []
        for flag in self.run.all("--volumes-from"):
            if not flag.value:
                continue
            location = self.mark("volumes_from", flag.word)
            source, _, mode = self.naming.subst(flag.value).partition(":")
            found.append(VolumesFrom(workload=self.resolve(source), read_only=mode == "ro",
                                     location=location))
        return tuple(found)

    def ports(self) -> tuple[Port, ...]:
        ports: list[Port] = []
        for flag in self.run.all("--publish"):
            if not flag.value:
                continue
            location = self.mark("ports", flag.word)
            port = parse_port(self.naming.subst(flag.value), location)
            if port is None:
                self.notes.append(f"cannot read the port {flag.value!r}")
            else:
                ports.append(port)
        return tuple(ports)

    def healthcheck(self) -> Healthcheck | None:
        if self.run.enabled("--no-healthcheck"):
            return None
        flag = self.last("--health-cmd")
        if flag is None or not flag.value:
            return None
        self.mark("healthcheck", flag.word)
        return Healthcheck(test=self.naming.subst(flag.value))


def parse_port(spec: str, location: Location | None = None) -> Port | None:
    """``[ip:][host:]container[/proto]`` (``-p``, Actions ``ports:``); None if unreadable."""
    match = _PORT.match(spec.strip())
    if match is None:
        return None
    container = match.group("container")
    first = container.split("-", 1)[0]
    host_ip = match.group("ip")
    if host_ip is not None:
        host_ip = host_ip.strip("[]")
    return Port(container_port=int(first) if first.isdigit() else None,
                host_port=match.group("host") or None, host_ip=host_ip or None,
                protocol=(match.group("proto") or "tcp").lower(), location=location)


def workload(run: DockerRun, name: str, naming: Naming) -> Workload:
    """One run line (or an option string read as one) as a workload named ``name``;
    references to other containers stay as written."""
    return _Builder(run, name, naming, _same, ()).build()
