"""A GitHub Actions workflow read into one setup.

Per job (per matrix combination that changes what runs): its job container (``<job>``),
its service containers (``<job>/<service>``), its ``uses: docker://…`` steps and the
``docker run`` lines of its ``run:`` steps (``<job>/<name or line>``), and, where a
docker client's environment is set, the steps themselves as clients: on the runner host
(``host_network``: a service is reached at ``localhost`` through its published port) or
in the job container (which shares the job's network, where a service is reached by
its id). ``${{ … }}`` expressions are kept as written, except ``${{ matrix.KEY }}`` in a
job whose matrix is expanded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from dindcheck.dockerd import words as command_words
from dindcheck.model import DEFAULT_MAX_FILE_SIZE, InputProblem, Location
from dindcheck.redact import redact_argv
from dindcheck.shell.docker import DockerRun, read_options, read_script
from dindcheck.shell.mounts import volume_mount
from dindcheck.shell.positions import Located
from dindcheck.shell.workloads import Naming, parse_port, workload, workloads
from dindcheck.sources.actions import runner
from dindcheck.sources.actions.matrix import (
    expand,
    label,
    referenced,
    scalar_text,
    substituter,
)
from dindcheck.sources.actions.yamltext import value_locator
from dindcheck.workload import EnvVar, Mount, Port, Setup, Workload
from dindcheck.yamlload import Mark, PosDict, PosList, YamlError, load_text, read_text

KIND = "github-actions"
_OTHER_SHELLS = frozenset({"pwsh", "powershell", "cmd", "python"})
_CLIENT_PREFIX = "DOCKER_"
_MAX_STRINGS = 100_000  # strings of one job looked at for matrix references


def load(path: Path, max_size: int = DEFAULT_MAX_FILE_SIZE) -> Setup:
    name = str(path)
    try:
        text = read_text(path, max_size)
        data = load_text(text, name)
    except YamlError as exc:
        return Setup(kind=KIND, name=name, origin=KIND, paths=(name,), problems=(
            InputProblem(path=exc.path, message=exc.message, line=exc.line,
                         column=exc.column),))
    return read(data, text, name)


def read(data: Any, text: str, name: str) -> Setup:
    """A loaded workflow (``text``: its file's text, for locations)."""
    workflow = _Workflow(name, text)
    workflow.read(data)
    # Closed: a job's names (service ids) reach only the containers of that job.
    return Setup(kind=KIND, name=name, origin=KIND, paths=(name,),
                 workloads=tuple(workflow.workloads), problems=tuple(workflow.problems),
                 notes=tuple(workflow.notes), closed=True)


class _Workflow:
    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = text.split("\n")
        self.workloads: list[Workload] = []
        self.problems: list[InputProblem] = []
        self.notes: list[str] = []

    def loc(self, mark: Mark | None) -> Location | None:
        if mark is None:
            return None
        return Location(path=self.path, line=mark.line, column=mark.column)

    def problem(self, mark: Mark | None, message: str) -> None:
        self.problems.append(InputProblem(path=self.path, message=message,
                                          line=mark.line if mark else None,
                                          column=mark.column if mark else None))

    def note(self, mark: Mark | None, message: str) -> None:
        where = f"{self.path}:{mark.line}:{mark.column}" if mark else self.path
        self.notes.append(f"{where}: {message}")

    def located(self, found: list[Located], problems: bool = False) -> None:
        for item in found:
            if problems:
                self.problems.append(InputProblem(path=self.path, message=item.message,
                                                  line=item.line, column=item.column))
            else:
                self.notes.append(f"{self.path}:{item.line}:{item.column}: {item.message}")

    def env(self, owner: PosDict, key: str, where: str,
            subst: Callable[[str], str] = str) -> dict[str, EnvVar]:
        """An ``env:`` mapping; an expression or a wrong type is said, not read."""
        raw = owner.get(key)
        if raw is None:
            return {}
        if isinstance(raw, str):
            self.note(owner.key_mark(key), f"{where}.{key} is an expression: not read")
            return {}
        if not isinstance(raw, PosDict):
            self.problem(owner.key_mark(key), f"{where}.{key} is not a mapping")
            return {}
        env: dict[str, EnvVar] = {}
        for name, value in raw.items():
            text = scalar_text(value)
            if text is None:
                self.problem(raw.key_mark(name), f"{where}.{key}.{name} is not a string")
                continue
            env[name] = EnvVar(value=subst(text), location=self.loc(raw.key_mark(name)))
        return env

    def read(self, data: Any) -> None:
        if not isinstance(data, PosDict):
            self.problem(None, "not a workflow: the file is not a mapping")
            return
        jobs = data.get("jobs")
        if not isinstance(jobs, PosDict):
            self.problem(data.key_mark("jobs") if "jobs" in data else data.mark,
                         "not a workflow: no jobs mapping")
            return
        env = self.env(data, "env", "env")
        shell = _default_shell(data)
        for job_id, job in jobs.items():
            if not isinstance(job, PosDict):
                self.problem(jobs.key_mark(job_id), f"jobs.{job_id} is not a mapping")
                continue
            _Job(self, job_id, job, jobs.key_mark(job_id), env, shell).read()


def _default_shell(owner: PosDict) -> str | None:
    defaults = owner.get("defaults")
    run = defaults.get("run") if isinstance(defaults, PosDict) else None
    shell = run.get("shell") if isinstance(run, PosDict) else None
    return shell if isinstance(shell, str) else None


def _strings(value: Any, budget: list[int]) -> Iterator[str]:
    """Every string in a loaded value, breadth first, within ``budget``."""
    queue = [value]
    while queue and budget[0] > 0:
        item = queue.pop()
        budget[0] -= 1
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            queue.extend(item.values())
        elif isinstance(item, list):
            queue.extend(item)


class _Job:
    def __init__(self, workflow: _Workflow, job_id: str, job: PosDict, mark: Mark | None,
                 env: dict[str, EnvVar], shell: str | None) -> None:
        self.wf = workflow
        self.id = job_id
        self.job = job
        self.mark = mark
        self.workflow_env = env
        self.shell = _default_shell(job) or shell

    def read(self) -> None:
        if "uses" in self.job:
            self.wf.note(self.job.key_mark("uses"), f"job {self.id} calls a reusable "
                                                    "workflow: its jobs are not read here")
            return
        budget = [_MAX_STRINGS]
        keys = referenced(_strings([self.job.get(k) for k in
                                    ("container", "services", "steps", "env")], budget))
        strategy = self.job.get("strategy")
        matrix = strategy.get("matrix") if isinstance(strategy, PosDict) else None
        expansion = expand(matrix, keys)
        for note in expansion.notes:
            self.wf.note(strategy.key_mark("matrix") if isinstance(strategy, PosDict)
                         else self.mark, f"job {self.id}: {note}")
        for combination in expansion.combinations:
            project = f"{self.id} ({label(combination)})" if combination else self.id
            _Run(self, project, substituter(combination)).read()


class _Run:
    """One job with one matrix combination: its workloads."""

    def __init__(self, job: _Job, project: str, subst: Callable[[str], str]) -> None:
        self.job = job
        self.wf = job.wf
        self.spec = job.job
        self.project = project
        self.subst = subst
        self.env = {**job.workflow_env,
                    **self.wf.env(self.spec, "env", f"jobs.{job.id}", subst)}
        self.has_containers = "container" in self.spec or "services" in self.spec
        self.network = runner.network_name(project) if self.has_containers else None
        self.container_image: str | None = None
        self.container_mounts: tuple[Mount, ...] = ()
        self.in_container = False

    def add(self, item: Workload) -> None:
        self.wf.workloads.append(item)

    def read(self) -> None:
        self.container()
        self.services()
        self.steps()

    # ------------------------------------------------------------------ containers

    def options(self, spec: PosDict, name: str) -> Workload:
        """The workload ``options:`` alone describe (flags only)."""
        raw = spec.get("options")
        text = scalar_text(raw) if raw is not None else ""
        if text is None:
            self.wf.problem(spec.key_mark("options"), f"{name}: options is not a string")
            text = ""
        locate = value_locator(self.wf.lines, spec.key_mark("options"), text)
        run, reading = read_options(text, locate)
        self.wf.located(reading.notes)
        self.wf.located(reading.problems, problems=True)
        if "'" in text:
            self.wf.note(spec.key_mark("options"), f"{name}: the runner hands options to "
                         "docker through .NET argument parsing, where single quotes do not "
                         "quote")
        if run.first("--network") is not None and self.network is not None:
            self.wf.note(spec.key_mark("options"), f"{name}: --network in options comes on "
                         f"top of the runner's own --network {self.network}")
        return workload(run, name, Naming(path=self.wf.path, origin=KIND,
                                          project=self.project, subst=self.subst))

    def common(self, spec: Any, name: str, where: str,
               mark: Mark | None) -> tuple[Workload, str | None] | None:
        """Fields every container of a job has: image, options, env, ports, volumes."""
        if isinstance(spec, str):
            spec_map = PosDict(mark)
            spec_map["image"] = spec
            spec = spec_map
        if not isinstance(spec, PosDict):
            self.wf.problem(mark, f"{where} is not a mapping")
            return None
        image_raw = spec.get("image")
        image = scalar_text(image_raw) if image_raw is not None else None
        if image is None:
            self.wf.problem(spec.key_mark("image") if "image" in spec else mark,
                            f"{where} has no image")
            return None
        image = self.subst(image)
        base = self.options(spec, name)
        env = {**base.environment, **self.wf.env(spec, "env", where, self.subst)}
        ports = [*base.ports, *self.ports(spec, where)]
        mounts = [*(base.mounts or ()), *self.volumes(spec, where, name)]
        locations = {**base.locations, "subject": self.wf.loc(mark) or Location(
            path=self.wf.path)}
        locations["image"] = self.wf.loc(spec.key_mark("image")) or locations["subject"]
        if ports and ports[0].location is not None:
            locations.setdefault("ports", ports[0].location)
        if env:
            locations.setdefault("environment", next(iter(env.values())).location
                                 or locations["subject"])
        if "credentials" in spec:
            locations["credentials"] = self.wf.loc(spec.key_mark("credentials")) or \
                locations["subject"]
        built = dataclasses.replace(
            base, name=name, id=f"{self.wf.path}#{name}", image=image, environment=env,
            ports=tuple(ports), mounts=tuple(mounts),
            network_mode=base.network_mode or self.network,
            locations={k: v for k, v in locations.items() if v is not None})
        return built, (scalar_text(spec.get("entrypoint")) if "entrypoint" in spec else None)

    def ports(self, spec: PosDict, where: str) -> list[Port]:
        raw = spec.get("ports")
        if raw is None:
            return []
        if not isinstance(raw, PosList):
            self.wf.note(spec.key_mark("ports"), f"{where}.ports is not a list: not read")
            return []
        ports: list[Port] = []
        for index, item in enumerate(raw):
            text = scalar_text(item)
            port = parse_port(self.subst(text), self.wf.loc(raw.item_mark(index))) \
                if text else None
            if port is None:
                self.wf.note(raw.item_mark(index), f"{where}.ports[{index}] cannot be read")
            elif port.host_port is None:
                # `- 2375`: the runner publishes it on a free port of the host (`-p 2375`),
                # docker's host port 0.
                ports.append(dataclasses.replace(port, host_port="0"))
            else:
                ports.append(port)
        return ports

    def volumes(self, spec: PosDict, where: str, owner: str) -> list[Mount]:
        raw = spec.get("volumes")
        if raw is None:
            return []
        if not isinstance(raw, PosList):
            self.wf.note(spec.key_mark("volumes"), f"{where}.volumes is not a list: not read")
            return []
        mounts: list[Mount] = []
        for index, item in enumerate(raw):
            text = scalar_text(item)
            if not text:
                self.wf.note(raw.item_mark(index), f"{where}.volumes[{index}] cannot be read")
                continue
            mounts.append(volume_mount(self.subst(text), owner, f"volumes[{index}]",
                                       self.wf.loc(raw.item_mark(index))))
        return mounts

    def container(self) -> None:
        if "container" not in self.spec:
            return
        where = f"jobs.{self.job.id}.container"
        mark = self.spec.key_mark("container")
        found = self.common(self.spec["container"], self.project, where, mark)
        if found is None:
            return
        base, _ = found
        notes = [runner.JOB_CONTAINER_NOTE]
        if base.entrypoint is not None:
            notes.append("--entrypoint in options is overridden by the runner's own")
        env = {**base.environment, **self.env}
        self.container_image = base.image
        self.in_container = True
        mounts = (*runner.runner_mounts(runner.JOB_CONTAINER_MOUNTS, self.wf.loc(mark)),
                  *(base.mounts or ()))
        self.container_mounts = mounts
        self.add(dataclasses.replace(
            base, entrypoint=runner.JOB_ENTRYPOINT, command=runner.JOB_COMMAND,
            shown_command=(*runner.JOB_ENTRYPOINT, *runner.JOB_COMMAND), environment=env,
            mounts=mounts, role="job", entrypoint_replaced_by=runner.RUNNER,
            notes=(*base.notes, *notes)))

    def services(self) -> None:
        raw = self.spec.get("services")
        if raw is None:
            return
        where = f"jobs.{self.job.id}.services"
        if not isinstance(raw, PosDict):
            self.wf.problem(self.spec.key_mark("services"), f"{where} is not a mapping")
            return
        for service, spec in raw.items():
            mark = raw.key_mark(service)
            if isinstance(spec, PosDict) and scalar_text(spec.get("image")) == "":
                self.wf.note(mark, f"{where}.{service} has an empty image: the runner does "
                                   "not start it")
                continue
            found = self.common(spec, f"{self.project}/{service}", f"{where}.{service}", mark)
            if found is None:
                continue
            base, entrypoint = found
            command = None
            if isinstance(spec, PosDict) and "command" in spec:
                text = scalar_text(spec.get("command"))
                command = tuple(command_words(self.subst(text))) if text else None
            shown = redact_argv([*(base.entrypoint or ()), *(command or ())])
            self.add(dataclasses.replace(
                base, aliases=frozenset({*base.aliases, service}),
                entrypoint=(self.subst(entrypoint),) if entrypoint else base.entrypoint,
                command=command, shown_command=tuple(shown), role="service"))

    # ------------------------------------------------------------------ steps

    def steps(self) -> None:
        raw = self.spec.get("steps")
        step_runs: list[tuple[DockerRun, str]] = []
        if isinstance(raw, PosList):
            for index, step in enumerate(raw):
                if not isinstance(step, PosDict):
                    self.wf.problem(raw.item_mark(index),
                                    f"jobs.{self.job.id}.steps[{index}] is not a mapping")
                    continue
                self.step(step, index, raw.item_mark(index), step_runs)
        elif raw is not None:
            self.wf.problem(self.spec.key_mark("steps"), f"jobs.{self.job.id}.steps is not "
                                                         "a list")
        if step_runs:
            notes = {id(run): why for run, why in step_runs}
            naming = Naming(path=self.wf.path, origin=KIND, prefix=f"{self.project}/",
                            project=self.project, subst=self.subst)
            for item in workloads([run for run, _ in step_runs], naming,
                                  lambda run: (notes[id(run)],)):
                self.add(item)
        if not self.in_container and _is_client(self.env):
            self.add(self.client(self.project, self.env, self.wf.loc(self.job.mark),
                                 "the job's steps on the runner host"))

    def step(self, step: PosDict, index: int, mark: Mark | None,
             step_runs: list[tuple[DockerRun, str]]) -> None:
        where = f"jobs.{self.job.id}.steps[{index}]"
        step_id = step.get("id")
        name = f"{self.project}/{step_id if isinstance(step_id, str) else f'steps[{index}]'}"
        own_env = self.wf.env(step, "env", where, self.subst)
        env = {**self.env, **own_env}
        uses = step.get("uses")
        if isinstance(uses, str) and uses.startswith("docker://"):
            self.add(self.container_action(step, name, self.subst(uses[len("docker://"):]),
                                           env, mark))
            return
        if "run" not in step:
            return
        script = scalar_text(step.get("run"))
        if script is None:
            self.wf.problem(step.key_mark("run"), f"{where}.run is not a string")
            return
        shell = step.get("shell") if isinstance(step.get("shell"), str) else self.job.shell
        if shell and shell.split()[0].rsplit("/", 1)[-1] in _OTHER_SHELLS:
            if "docker" in script:
                self.wf.note(step.key_mark("shell"), f"{where} runs in {shell.split()[0]}: "
                                                     "not read as shell")
            return
        if _is_client(own_env):
            self.add(self.client(name, env, self.wf.loc(mark), "a step's environment"))
        if "docker" not in script:
            return
        locate = value_locator(self.wf.lines, step.key_mark("run"), script)
        environ = {k: v.value for k, v in env.items() if v.value is not None}
        reading = read_script(script, locate, environ)
        self.wf.located(reading.notes)
        self.wf.located(reading.problems, problems=True)
        why = ("docker run in a step of the job container: the runner host's engine "
               "creates it (through the mounted socket), so its -v paths are the host's"
               if self.in_container else
               "docker run in a step on the runner host: the host's engine creates it")
        step_runs.extend((run, why) for run in reading.runs)

    def container_action(self, step: PosDict, name: str, image: str,
                         env: Mapping[str, EnvVar], mark: Mark | None) -> Workload:
        with_ = step.get("with")
        entrypoint = command = None
        if isinstance(with_, PosDict):
            ep = scalar_text(with_.get("entrypoint")) if "entrypoint" in with_ else None
            entrypoint = (self.subst(ep),) if ep else None
            args = scalar_text(with_.get("args")) if "args" in with_ else None
            command = tuple(command_words(self.subst(args))) if args else None
        location = self.wf.loc(mark) or Location(path=self.wf.path)
        return Workload(
            name=name, id=f"{self.wf.path}#{name}", origin=KIND, project=self.project,
            image=image, entrypoint=entrypoint, command=command,
            shown_command=tuple(redact_argv([*(entrypoint or ()), *(command or ())])),
            environment=dict(env),
            mounts=runner.runner_mounts(runner.CONTAINER_ACTION_MOUNTS, location),
            network_mode=self.network, replicas=1,
            notes=("a container step (uses: docker://): the runner binds the host's "
                   "/var/run/docker.sock and the workspace into it",),
            locations={"subject": location,
                       "image": self.wf.loc(step.key_mark("uses")) or location})

    def client(self, name: str, env: Mapping[str, EnvVar], location: Location | None,
               what: str) -> Workload:
        """Steps as a docker client: in the job container (its network namespace), or on
        the runner host (its network: services through their published ports)."""
        location = location or Location(path=self.wf.path)
        if self.in_container:
            # `docker exec` of the step's shell: the image's entrypoint does not run, and
            # the step sees the job container's files (the host socket the runner binds).
            return Workload(
                name=name, id=f"{self.wf.path}#{name}", origin=KIND, project=self.project,
                image=self.container_image, entrypoint=runner.STEP_SHELL,
                environment=dict(env), network_mode=f"container:{self.project}",
                netns=self.project, mounts=self.container_mounts, role="step",
                notes=(f"{what}: runs in the job container {self.project} (docker exec), "
                       "which shares the job's network with the services",),
                locations={"subject": location})
        return Workload(
            name=name, id=f"{self.wf.path}#{name}", origin=KIND, project=self.project,
            image=None, environment=dict(env), network_mode="host", host_network=True,
            mounts=(), role="step",
            notes=(f"{what}: runs on the runner host, not in a container; a service is "
                   "reached at localhost through its published port",),
            locations={"subject": location})


def _is_client(env: Mapping[str, EnvVar]) -> bool:
    return any(k.startswith(_CLIENT_PREFIX) for k in env)
