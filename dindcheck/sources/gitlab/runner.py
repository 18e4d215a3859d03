"""GitLab Runner's ``config.toml``: per runner, the executor and what it gives containers.

What changes a dind verdict (GitLab Runner ``common/config.go``, ``executors/docker``,
``executors/kubernetes``): ``[runners.docker]`` ``privileged`` (job containers, and
services unless ``services_privileged`` says otherwise), the allowlists
``allowed_privileged_images``/``allowed_privileged_services``, ``volumes`` (bound into
the job container *and* every service: a ``/var/run/docker.sock`` bind reaches the dind
service too; a bare container path is a volume the runner creates per concurrent job
slot and keeps between jobs, or per job with ``disable_cache``), ``tmpfs`` and
``services_tmpfs``, ``network_mode``, ``runtime``, ``[[runners.docker.services]]``
(started before the job's own services), the runner's ``environment``; and
``[runners.kubernetes]`` ``privileged`` with the per-container security contexts and
``[[runners.kubernetes.volumes.*]]``, mounted into every container of the pod.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dindcheck.model import DEFAULT_MAX_FILE_SIZE, InputProblem, Location
from dindcheck.reading import ReadError, read_text
from dindcheck.sources.gitlab.model import Variable
from dindcheck.sources.gitlab.tomllines import TomlLines
from dindcheck.sources.gitlab.variables import read_assignments
from dindcheck.yamlload import Mark, PosDict

DOCKER_EXECUTORS = frozenset({"docker", "docker+machine", "docker-autoscaler",
                              "docker-windows", "docker-ssh", "docker-ssh+machine"})
KUBERNETES_EXECUTORS = frozenset({"kubernetes"})
# Executors that run jobs on a machine or VM, without images or service containers.
NO_CONTAINER_EXECUTORS = frozenset({"shell", "ssh", "virtualbox", "parallels", "custom",
                                    "instance"})
_K8S_VOLUME_KINDS = ("host_path", "pvc", "empty_dir", "secret", "config_map", "csi", "nfs")
_AT = re.compile(r"at line (\d+), column (\d+)")


@dataclass(frozen=True, slots=True, kw_only=True)
class RunnerVolume:
    """A volume the runner gives containers.

    ``kind``: ``bind`` (a host path), ``volume`` (a named Docker volume), ``cache`` (a
    bare container path: a volume the runner creates), ``tmpfs``, or a Kubernetes volume
    kind (``empty_dir``, ``host_path``, ``pvc``, ``secret``, ``config_map``, ``csi``,
    ``nfs``). ``services_only``/``job_only``: ``services_tmpfs``/``tmpfs``.
    """

    kind: str
    target: str
    source: str | None = None
    read_only: bool = False
    memory: bool = False
    job_only: bool = False
    services_only: bool = False
    field: str = ""
    location: Location | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Runner:
    """One ``[[runners]]`` entry.

    ``family``: ``docker``, ``kubernetes``, ``none`` (shell and the like: no containers)
    or None (an executor dindcheck does not know). ``privileged``: what job containers get
    before the allowlist (False when the file does not set it: the runner's default).
    """

    name: str
    index: int
    path: str
    executor: str | None = None
    family: str | None = None
    image: str | None = None
    limit: int | None = None
    privileged: bool = False
    services_privileged: bool | None = None
    allowed_privileged_images: tuple[str, ...] = ()
    allowed_privileged_services: tuple[str, ...] = ()
    volumes: tuple[RunnerVolume, ...] = ()
    disable_cache: bool = False
    cache_dir: str | None = None
    network_mode: str | None = None
    runtime: str | None = None
    cap_add: tuple[str, ...] = ()
    security_opt: tuple[str, ...] = ()
    services_security_opt: tuple[str, ...] = ()
    services: tuple[PosDict, ...] = ()
    environment: tuple[Variable, ...] = ()
    feature_flags: dict[str, bool] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RunnerConfig:
    path: str
    concurrent: int | None = None
    runners: tuple[Runner, ...] = ()
    problems: tuple[InputProblem, ...] = ()


def load_runner_config(path: Path, max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> RunnerConfig:
    name = str(path)
    try:
        text = read_text(path, max_file_size)
    except ReadError as err:
        return _failed(name, err.message, err.line, err.column)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _AT.search(str(exc))
        message = str(exc).split(" (at ", 1)[0]
        return _failed(name, f"not a valid TOML file: {message}",
                       int(found.group(1)) if found else None,
                       int(found.group(2)) if found else None)
    except RecursionError:
        return _failed(name, "not a TOML file dindcheck reads: values nest too deep", 1, 1)
    return read_config(data, name, TomlLines(text))


def _failed(path: str, message: str, line: int | None = None,
            column: int | None = None) -> RunnerConfig:
    return RunnerConfig(path=path, problems=(InputProblem(path=path, message=message, line=line,
                                                          column=column),))


def read_config(data: dict[str, Any], path: str, lines: TomlLines) -> RunnerConfig:
    problems: list[InputProblem] = []
    runners_value = data.get("runners", [])
    if not isinstance(runners_value, list):
        problems.append(InputProblem(path=path, message="runners must be an array of tables "
                                     "([[runners]])", line=lines.line(("runners",))))
        runners_value = []
    runners = []
    for index, entry in enumerate(runners_value):
        where = ("runners", index)
        if not isinstance(entry, dict):
            problems.append(InputProblem(path=path, message="each [[runners]] must be a table",
                                         line=lines.line(where)))
            continue
        runners.append(_Reader(entry, index, path, lines, problems).runner())
    if not runners and not problems:
        problems.append(InputProblem(path=path, message="no [[runners]] in this file"))
    concurrent = data.get("concurrent")
    return RunnerConfig(path=path, runners=tuple(runners), problems=tuple(problems),
                        concurrent=concurrent if isinstance(concurrent, int) else None)


class _Reader:
    def __init__(self, entry: dict[str, Any], index: int, path: str, lines: TomlLines,
                 problems: list[InputProblem]) -> None:
        self.entry = entry
        self.index = index
        self.path = path
        self.lines = lines
        self.problems = problems
        self.locations: dict[str, Location] = {}
        self.notes: list[str] = []

    def at(self, *keys: str | int) -> Location:
        line = self.lines.line(("runners", self.index, *keys))
        if line is None:
            line = self.lines.line(("runners", self.index))
        return Location(path=self.path, line=line, column=1 if line else None)

    def bad(self, message: str, *keys: str | int) -> None:
        loc = self.at(*keys)
        self.problems.append(InputProblem(path=self.path, message=message, line=loc.line,
                                          column=loc.column))

    def table(self, *keys: str) -> dict[str, Any]:
        value: Any = self.entry
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.bad(f"[runners.{'.'.join(keys)}] must be a table", *keys)
            return {}
        return value

    def strings(self, table: dict[str, Any], key: str, *where: str) -> tuple[str, ...]:
        value = table.get(key)
        if value is None:
            return ()
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        self.bad(f"{key} must be a list of strings", *where, key)
        return ()

    def flag(self, table: dict[str, Any], key: str, *where: str) -> bool | None:
        value = table.get(key)
        if value is None or isinstance(value, bool):
            if value is not None:
                self.locations[".".join((*where, key))] = self.at(*where, key)
            return value
        self.bad(f"{key} must be true or false", *where, key)
        return None

    def text(self, table: dict[str, Any], key: str) -> str | None:
        value = table.get(key)
        return value if isinstance(value, str) and value else None

    def runner(self) -> Runner:
        entry = self.entry
        executor = self.text(entry, "executor")
        docker = self.table("docker")
        kubernetes = self.table("kubernetes")
        family = _family(executor, docker, kubernetes)
        if executor is None:
            self.notes.append(f"runner {self.name}: no executor set; read as "
                              f"{family or 'unknown'} from its tables")
        elif family is None:
            self.notes.append(f"runner {self.name}: executor {executor!r} is not one dindcheck "
                              "knows; privilege and volumes are left unknown")
        self.locations["runner"] = self.at()
        if family == "kubernetes":
            return self.kubernetes_runner(executor, kubernetes)
        return self.docker_runner(executor, family, docker)

    @property
    def name(self) -> str:
        name = self.entry.get("name")
        return name if isinstance(name, str) and name else f"runner {self.index + 1}"

    def common(self) -> dict[str, Any]:
        environment = self.strings(self.entry, "environment")
        where = {item: Location(path=self.path,
                                line=self.lines.item_line(("runners", self.index,
                                                           "environment"), item), column=1)
                 for item in environment}
        flags = {k: v for k, v in self.table("feature_flags").items() if isinstance(v, bool)}
        for item in environment:
            key, _, value = item.partition("=")
            if key.startswith("FF_"):
                flags[key] = value.lower() in ("true", "1")
        limit = self.entry.get("limit")
        return {"name": self.name, "index": self.index, "path": self.path,
                "limit": limit if isinstance(limit, int) and limit > 0 else None,
                "environment": tuple(read_assignments(environment, "runner", where)),
                "feature_flags": flags}

    def docker_runner(self, executor: str | None, family: str | None,
                      docker: dict[str, Any]) -> Runner:
        w = ("docker",)
        privileged = self.flag(docker, "privileged", *w)
        volumes = [self.docker_volume(item, i) for i, item in
                   enumerate(self.strings(docker, "volumes", *w))]
        volumes.extend(self.tmpfs(docker, "tmpfs", job_only=True))
        volumes.extend(self.tmpfs(docker, "services_tmpfs", services_only=True))
        services = self.docker_services(docker)
        return Runner(
            **self.common(), executor=executor, family=family,
            image=self.text(docker, "image"),
            privileged=bool(privileged),
            services_privileged=self.flag(docker, "services_privileged", *w),
            allowed_privileged_images=self.strings(docker, "allowed_privileged_images", *w),
            allowed_privileged_services=self.strings(docker, "allowed_privileged_services",
                                                     *w),
            volumes=tuple(v for v in volumes if v is not None),
            disable_cache=bool(self.flag(docker, "disable_cache", *w)),
            cache_dir=self.text(docker, "cache_dir"),
            network_mode=self.text(docker, "network_mode"),
            runtime=self.text(docker, "runtime"),
            cap_add=self.strings(docker, "cap_add", *w),
            security_opt=self.strings(docker, "security_opt", *w),
            services_security_opt=self.strings(docker, "services_security_opt", *w),
            services=tuple(services), locations=self.locations, notes=tuple(self.notes))

    def docker_volume(self, item: str, index: int) -> RunnerVolume | None:
        """``host:container[:mode]``, ``name:container``, or a bare container path."""
        loc = Location(path=self.path, line=self.lines.item_line(
            ("runners", self.index, "docker", "volumes"), item), column=1)
        parts = item.split(":")
        field_name = f"runners.docker.volumes[{index}]"
        if len(parts) == 1 and parts[0].startswith("/"):
            return RunnerVolume(kind="cache", target=parts[0], field=field_name, location=loc)
        if len(parts) in (2, 3) and parts[1].startswith("/"):
            mode = parts[2] if len(parts) == 3 else ""
            kind = "bind" if parts[0].startswith("/") else "volume"
            return RunnerVolume(kind=kind, target=parts[1], source=parts[0],
                                read_only="ro" in mode.split(","), field=field_name,
                                location=loc)
        self.problems.append(InputProblem(path=self.path, message=f"volume {item!r} is not "
                                          "HOST:CONTAINER[:MODE] or a container path",
                                          line=loc.line, column=loc.column))
        return None

    def tmpfs(self, docker: dict[str, Any], key: str, *, job_only: bool = False,
              services_only: bool = False) -> list[RunnerVolume]:
        value = docker.get(key)
        if value is None:
            return []
        if not isinstance(value, dict):
            self.bad(f"{key} must be a table of paths", "docker", key)
            return []
        line = self.lines.line(("runners", self.index, "docker", key))
        loc = Location(path=self.path, line=line, column=1 if line else None)
        return [RunnerVolume(kind="tmpfs", target=str(target), field=f"runners.docker.{key}",
                             location=loc, job_only=job_only, services_only=services_only)
                for target in value]

    def docker_services(self, docker: dict[str, Any]) -> list[PosDict]:
        value = docker.get("services")
        if value is None:
            return []
        if not isinstance(value, list):
            self.bad("[[runners.docker.services]] must be an array of tables", "docker",
                     "services")
            return []
        out: list[PosDict] = []
        for i, item in enumerate(value):
            where = ("docker", "services", i)
            loc = self.at(*where)
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                self.bad("a [[runners.docker.services]] entry needs a name", *where)
                continue
            spec = PosDict(Mark(self.path, loc.line or 1, 1))
            for key in ("name", "alias", "entrypoint", "command"):
                if key in item:
                    spec[key] = item[key]
                    key_loc = self.at(*where, key)
                    spec.key_marks[key] = Mark(self.path, key_loc.line or 1, 1)
            env = item.get("environment")
            if isinstance(env, list):
                spec["environment"] = [str(e) for e in env]
            out.append(spec)
        return out

    def kubernetes_runner(self, executor: str | None, kubernetes: dict[str, Any]) -> Runner:
        w = ("kubernetes",)
        privileged = self.flag(kubernetes, "privileged", *w)
        build = self.table("kubernetes", "build_container_security_context")
        service = self.table("kubernetes", "service_container_security_context")
        build_privileged = self.flag(build, "privileged", *w, "build_container_security_context")
        service_privileged = self.flag(service, "privileged", *w,
                                       "service_container_security_context")
        volumes: list[RunnerVolume] = []
        table = self.table("kubernetes", "volumes")
        for kind in _K8S_VOLUME_KINDS:
            entries = table.get(kind)
            if entries is None:
                continue
            if not isinstance(entries, list):
                self.bad(f"[[runners.kubernetes.volumes.{kind}]] must be an array of tables",
                         *w, "volumes", kind)
                continue
            for i, item in enumerate(entries):
                volume = self.k8s_volume(kind, item, i)
                if volume is not None:
                    volumes.append(volume)
        runtime = kubernetes.get("runtime_class_name")
        return Runner(
            **self.common(), executor=executor, family="kubernetes",
            image=self.text(kubernetes, "image"),
            privileged=bool(build_privileged if build_privileged is not None else privileged),
            services_privileged=service_privileged if service_privileged is not None
            else bool(privileged),
            volumes=tuple(volumes),
            runtime=runtime if isinstance(runtime, str) and runtime else None,
            cap_add=self.strings(kubernetes, "cap_add", *w),
            locations=self.locations, notes=tuple(self.notes))

    def k8s_volume(self, kind: str, item: Any, index: int) -> RunnerVolume | None:
        where = ("kubernetes", "volumes", kind, index)
        if not isinstance(item, dict) or not isinstance(item.get("mount_path"), str):
            self.bad(f"a volumes.{kind} entry needs a mount_path", *where)
            return None
        name = item.get("name") if isinstance(item.get("name"), str) else None
        source = item.get("host_path") if kind == "host_path" else name
        if kind == "host_path" and not isinstance(source, str):
            source = item["mount_path"]
        read_only = item.get("read_only") is True or kind in ("secret", "config_map")
        return RunnerVolume(kind=kind, target=item["mount_path"],
                            source=source if isinstance(source, str) else None,
                            read_only=read_only, memory=item.get("medium") == "Memory",
                            field=f"runners.kubernetes.volumes.{kind}[{index}]",
                            location=self.at(*where))


def _family(executor: str | None, docker: dict[str, Any], kubernetes: dict[str, Any]) -> \
        str | None:
    if executor is None:
        if kubernetes and not docker:
            return "kubernetes"
        return "docker" if docker else None
    if executor in DOCKER_EXECUTORS:
        return "docker"
    if executor in KUBERNETES_EXECUTORS:
        return "kubernetes"
    if executor in NO_CONTAINER_EXECUTORS:
        return "none"
    return None


# --------------------------------------------------------------------------- privilege


def _doublestar(pattern: str) -> re.Pattern[str]:
    """A ``doublestar`` glob (GitLab Runner's allowlists): ``**`` crosses ``/``, ``*`` and
    ``?`` do not, ``{a,b}`` alternates, ``[...]`` is a class."""
    out: list[str] = []
    i = 0
    depth = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "{":
            out.append("(?:")
            depth += 1
        elif ch == "}" and depth:
            out.append(")")
            depth -= 1
        elif ch == "," and depth:
            out.append("|")
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end > i + 1:
                body = pattern[i + 1:end].replace("\\", "\\\\")
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = end + 1
                continue
            out.append(re.escape(ch))
        else:
            out.append(re.escape(ch))
        i += 1
    out.append(")" * depth)
    try:
        return re.compile("".join(out))
    except re.error:
        return re.compile(re.escape(pattern))


def allowed(image: str, allowlist: tuple[str, ...]) -> bool | None:
    """Whether ``image`` passes an allowlist (an empty one allows all); None: the image
    name still holds a variable, so it cannot be told."""
    if not allowlist:
        return True
    if "$" in image:
        return None
    return any(_doublestar(p).fullmatch(image) for p in allowlist)
