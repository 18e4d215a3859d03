"""Turn a pipeline (and, when given, a runner's ``config.toml``) into a
:class:`~dindcheck.workload.Setup`: one workload per job container (``<job>``) and one per
service container (``<job>/<hostname>``, ``project`` = the job).

What only the runner knows stays unknown without its configuration: ``privileged`` is
None and ``mounts`` is None (never guessed from the pipeline). With it: privilege as the
executor decides it (allowlists included), the runner's volumes in every container of
the job, on the Kubernetes executor one network namespace per job (each service's
``netns`` is the job container), and ``replicas`` as the jobs the runner runs at once
(without it: ``parallel``). The job container runs the job's script as a shell
command (``sh -c``); the Docker executor keeps the image's entrypoint (the ``docker``
image's ``docker-entrypoint.sh`` picks ``DOCKER_HOST`` itself), the Kubernetes executor
replaces it unless ``FF_KUBERNETES_HONOR_ENTRYPOINT`` is on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dindcheck.dockerd import tcp_port
from dindcheck.images import classify_image
from dindcheck.model import DEFAULT_MAX_FILE_SIZE, Location
from dindcheck.redact import redact_argv, redact_text
from dindcheck.shell.docker import DockerRun
from dindcheck.shell.workloads import Naming, workloads
from dindcheck.sources.gitlab.hostnames import is_dns_subdomain
from dindcheck.sources.gitlab.jobs import SUPPRESS_VARIABLE
from dindcheck.sources.gitlab.model import Job, Pipeline, Service, Variable
from dindcheck.sources.gitlab.pipeline import jobs_for, load
from dindcheck.sources.gitlab.runner import (
    Runner,
    RunnerConfig,
    RunnerVolume,
    allowed,
    load_runner_config,
)
from dindcheck.sources.gitlab.runs import FileLines, script_runs
from dindcheck.sources.gitlab.variables import Expander
from dindcheck.workload import (
    ANONYMOUS_VOLUME,
    BIND,
    EMPTYDIR,
    IMAGE_VOLUMES_CREATED,
    IMAGE_VOLUMES_RUNTIME,
    PVC,
    TMPFS,
    UNKNOWN,
    VOLUME,
    EnvVar,
    Healthcheck,
    Mount,
    Setup,
    SuppressionSource,
    Workload,
    normalise,
)

KIND = ORIGIN = "gitlab-ci"
HONOR_ENTRYPOINT = "FF_KUBERNETES_HONOR_ENTRYPOINT"
SUPPRESS_REASON_VARIABLE = "DINDCHECK_IGNORE_REASON"
_LOCAL = ("localhost", "127.0.0.1", "::1", "[::1]")
_IMAGE_VOLUMES = {
    "docker": "Docker executor: Docker creates each image-declared VOLUME (the dind "
              "image's /var/lib/docker) as a new anonymous volume for every job",
    "kubernetes": "Kubernetes executor: image-declared VOLUMEs get no pod volume; the "
                  "container runtime decides (containerd: a host directory outside the "
                  "pod's volumes; CRI-O: inside the container's own filesystem)",
}


def load_setups(pipeline: Path, *, runner_config: Path | None = None, root: Path | None = None,
                max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> list[Setup]:
    """One setup per runner of ``runner_config`` (one with privilege unknown without it)."""
    loaded = load(pipeline, root=root, max_file_size=max_file_size)
    lines = FileLines(max_file_size)
    if runner_config is None:
        return [build_setup(jobs_for(loaded), lines=lines)]
    config = load_runner_config(runner_config, max_file_size)
    if not config.runners:
        return [build_setup(jobs_for(loaded), config=config, lines=lines)]
    return [build_setup(jobs_for(loaded, runner.environment, runner.services), runner, config,
                        lines=lines)
            for runner in config.runners]


def build_setup(pipeline: Pipeline, runner: Runner | None = None,
                config: RunnerConfig | None = None, *,
                lines: FileLines | None = None) -> Setup:
    """The setup of one pipeline on one runner (None: the runner is not known).

    Closed: a job's names reach only its own services. ``docker run`` lines of a job's
    script become workloads too, created by the engine the job's ``DOCKER_HOST`` names.
    """
    name = pipeline.name
    if runner is not None and config is not None and len(config.runners) > 1:
        name = f"{name} on {runner.name}"
    notes = list(pipeline.notes)
    paths = list(pipeline.files)
    problems = list(pipeline.problems)
    if config is not None:
        paths.append(config.path)
        problems.extend(config.problems)
    family = runner.family if runner is not None else None
    if runner is None:
        said = "given" if config is None else "read"
        notes.append(f"no GitLab Runner config.toml {said}: privilege, the runner's volumes "
                     "and the executor are unknown (hostnames as the Docker executor gives "
                     "them)")
    else:
        notes.extend(runner.notes)
        if family in _IMAGE_VOLUMES:
            notes.append(_IMAGE_VOLUMES[family])
    workloads: list[Workload] = []
    if family == "none" and runner is not None:
        notes.append(f"runner {runner.name} uses the {runner.executor} executor: jobs run on "
                     "its machine, image and services are ignored")
    else:
        for job in pipeline.jobs:
            if job.trigger:
                notes.append(f"{job.name}: a trigger job runs no container")
                continue
            built = _JobWorkloads(job, name, runner, config,
                                  lines or FileLines(DEFAULT_MAX_FILE_SIZE))
            workloads.extend(built.build())
            notes.extend(built.run_notes)
    if not workloads and not problems and family != "none":
        notes.append(f"{pipeline.name}: no job runs a container, nothing was linted")
    return Setup(kind=KIND, name=name, origin=ORIGIN, paths=tuple(paths),
                 workloads=tuple(workloads), problems=tuple(problems), notes=tuple(notes),
                 unresolved=pipeline.unresolved, closed=True,
                 image_volumes=IMAGE_VOLUMES_RUNTIME if family == "kubernetes"
                 else IMAGE_VOLUMES_CREATED)


def _env(variables: Sequence[Variable]) -> dict[str, EnvVar]:
    return {v.name: EnvVar(value=v.value, location=v.location) for v in variables}


class _JobWorkloads:
    """The containers of one job: the job container, then its services in order."""

    def __init__(self, job: Job, setup: str, runner: Runner | None,
                 config: RunnerConfig | None, lines: FileLines) -> None:
        self.job = job
        self.lines = lines
        self.run_notes: list[str] = []
        self.setup = setup
        self.runner = runner
        self.family = runner.family if runner is not None else None
        self.replicas = job.instances
        if runner is not None:
            # Up to `concurrent` jobs (capped by the runner's `limit`) run side by side, and
            # any of them may be this job: `parallel` copies or other pipelines' runs.
            concurrent = (config.concurrent if config is not None else None) or 1
            self.replicas = min(concurrent, runner.limit or concurrent)

    def build(self) -> list[Workload]:
        names = self.service_names()
        taken: set[str] = set()
        services = [self.service(s, names[i], taken) for i, s in enumerate(self.job.services)]
        links = {alias: svc.name for svc in services for alias in sorted(svc.aliases)}
        depends = {svc.name: ("service_healthy" if svc.healthcheck else "service_started")
                   for svc in services}
        job = self.job_container(links, depends)
        return [job, *services, *self.script_containers(job, services)]

    def service_names(self) -> list[str]:
        used: set[str] = set()
        names: list[str] = []
        for service in self.job.services:
            first = next(iter((*service.aliases, *service.derived)), "")
            name = first or f"service-{service.index}"
            if name in used:
                name = f"{name}-{service.index}"
            used.add(name)
            names.append(name)
        return names

    # --- privilege -------------------------------------------------------------

    def privileged(self, image: str | None, service: bool) -> tuple[bool | None, Location | None,
                                                                    str | None]:
        runner = self.runner
        if runner is None or self.family not in ("docker", "kubernetes"):
            return None, None, None
        loc = runner.locations
        if self.family == "kubernetes":
            keys = (("kubernetes.service_container_security_context.privileged",
                     "kubernetes.privileged") if service else
                    ("kubernetes.build_container_security_context.privileged",
                     "kubernetes.privileged"))
            value = runner.services_privileged if service else runner.privileged
            return bool(value), _first(loc, *keys), None
        base = runner.privileged
        where = _first(loc, "docker.privileged")
        if service and runner.services_privileged is not None:
            base = runner.services_privileged
            where = _first(loc, "docker.services_privileged")
        if not base:
            return False, where, None
        allowlist = (runner.allowed_privileged_services if service
                     else runner.allowed_privileged_images)
        passes = allowed(image or "", allowlist)
        if passes is None:
            return None, where, (f"whether {image} is in the runner's privileged allowlist "
                                 "depends on an unresolved variable")
        if not passes:
            return False, where, f"{image} is not in the runner's privileged allowlist"
        return True, where, None

    # --- mounts -------------------------------------------------------------------

    def mounts(self, service: bool) -> tuple[Mount, ...] | None:
        if self.runner is None or self.family not in ("docker", "kubernetes"):
            return None
        return tuple(m for v in self.runner.volumes
                     if not (v.job_only and service) and not (v.services_only and not service)
                     and (m := self.mount(v)) is not None)

    def mount(self, volume: RunnerVolume) -> Mount:
        runner = self.runner
        assert runner is not None
        job = self.job.name
        kind = volume.kind

        def make(mount_kind: str, **extra: Any) -> Mount:
            return Mount(kind=mount_kind, target=volume.target, read_only=volume.read_only,
                         field=volume.field, location=volume.location, **extra)

        if kind == "bind" or kind == "host_path":
            source = normalise(volume.source or volume.target)
            return make(BIND, source=source, storage=f"bind:{source}", persistent=True)
        if kind == "volume":
            return make(VOLUME, source=volume.source, storage=f"volume:{volume.source}",
                         persistent=True)
        if kind == "cache":
            # One volume per concurrent job slot, reused by later jobs (or per job, with
            # disable_cache; a host folder with cache_dir): never two jobs at once.
            slot = f"{runner.name}/{job}:{normalise(volume.target)}"
            if runner.disable_cache:
                return make(ANONYMOUS_VOLUME, storage=f"anonymous:{slot}",
                             per_instance=True)
            if runner.cache_dir:
                return make(BIND, source=runner.cache_dir,
                             storage=f"bind:{runner.cache_dir}#{slot}", persistent=True,
                             per_instance=True)
            return make(VOLUME, storage=f"volume:gitlab-runner-cache:{slot}",
                         persistent=True, per_instance=True)
        if kind == "tmpfs" or (kind == "empty_dir" and volume.memory):
            return make(TMPFS, storage=None, per_instance=True)
        if kind == "empty_dir":
            return make(EMPTYDIR, source=volume.source,
                         storage=f"emptydir:{job}:{volume.source}", per_instance=True)
        if kind == "pvc":
            return make(PVC, source=volume.source, storage=f"pvc:{volume.source}",
                         persistent=True)
        return make(UNKNOWN, source=volume.source,
                     storage=f"{kind}:{volume.source}")

    # --- containers ---------------------------------------------------------------

    def entrypoint_replaced(self) -> bool:
        """The Kubernetes executor runs its own shell instead of the image's entrypoint."""
        if self.family != "kubernetes":
            return False
        var = self.job.variable(HONOR_ENTRYPOINT)
        flag = self.runner.feature_flags.get(HONOR_ENTRYPOINT) if self.runner else None
        honored = (var.value.lower() in ("true", "1")) if var is not None else bool(flag)
        return not honored

    def job_container(self, links: dict[str, str], depends: dict[str, str]) -> Workload:
        job = self.job
        runner = self.runner
        image = job.image.name if job.image else (runner.image if runner else None)
        body = [line.text for line in job.script if line.section != "after_script"]
        shell = ("sh", "-c", "\n".join(body))
        entrypoint = job.image.entrypoint if job.image else None
        command: tuple[str, ...] | None = shell
        notes = list(job.notes)
        if self.entrypoint_replaced():
            entrypoint, command = shell, ()
            notes.append(f"{job.name}: the Kubernetes executor replaces the image's "
                         "entrypoint (docker-entrypoint.sh does not run)")
        privileged, where, why = self.privileged(image, service=False)
        if why:
            notes.append(f"{job.name}: {why}")
        if job.image is None:
            notes.append(f"{job.name}: no image in the pipeline"
                         + (": the runner's default image" if image else ""))
        if job.services and job.variable("DOCKER_HOST") is None:
            notes.append(self.client_default(image, entrypoint))
        notes.extend(self.script_notes())
        locations: dict[str, Location] = {}
        if job.location is not None:
            locations["subject"] = job.location
        for key, loc in (("image", job.image.location if job.image else None),
                         ("entrypoint", job.image.entrypoint_location if job.image else None),
                         ("command", job.locations.get("script")
                          or job.locations.get("before_script")),
                         ("environment", job.locations.get("variables")),
                         ("replicas", job.locations.get("parallel")),
                         ("privileged", where)):
            if loc is not None:
                locations[key] = loc
        return Workload(
            name=job.name, id=f"{self.setup}/{job.name}", origin=ORIGIN, project=job.name,
            image=image, entrypoint=entrypoint, command=command,
            shown_command=tuple(redact_text(text) for text in body),
            environment=_env(job.variables), privileged=privileged,
            cap_add=runner.cap_add if runner else (),
            security_opt=runner.security_opt if runner else (),
            runtime=runner.runtime if runner else None,
            network_mode=runner.network_mode if runner else None,
            host_network=bool(runner and runner.network_mode == "host"),
            links=links, mounts=self.mounts(service=False), depends_on=depends,
            polls_daemon=job.facts.wait_location if job.facts.waits_for_daemon else None,
            role="job", must_complete=True,
            replicas=self.replicas, suppress=job.suppress,
            suppress_source=suppress_source(job), notes=tuple(notes), locations=locations)

    def client_default(self, image: str | None, entrypoint: tuple[str, ...] | None) -> str:
        """Where a client without DOCKER_HOST goes: the docker image's entrypoint decides
        (docker-library/docker docker-entrypoint.sh), unless it does not run."""
        name = self.job.name
        family = classify_image(image)
        if family and family["official_docker"] and entrypoint is None:
            return (f"{name}: no DOCKER_HOST; the docker image's entrypoint sets "
                    "tcp://docker:2376 when $DOCKER_TLS_CERTDIR/client holds certificates "
                    "(or DOCKER_TLS_VERIFY is set), else tcp://docker:2375")
        return (f"{name}: no DOCKER_HOST, and no docker image entrypoint sets one: "
                "docker clients use unix:///var/run/docker.sock")

    def script_notes(self) -> list[str]:
        facts = self.job.facts
        notes = []
        if facts.waits_for_daemon and facts.wait_location is not None:
            notes.append(f"{self.job.name}: waits for the Docker daemon at "
                         f"{facts.wait_location}")
        for var, value, loc in facts.exports:
            action = f"sets {var}={redact_text(value)}" if value is not None else f"unsets {var}"
            notes.append(f"{self.job.name}: the script {action} at {loc}")
        return notes

    def service(self, service: Service, name: str, taken: set[str]) -> Workload:
        job = self.job
        notes = list(service.notes)
        aliases: list[str] = []
        for alias in (*service.derived, *service.aliases):
            if self.family == "kubernetes" and not is_dns_subdomain(alias):
                if alias in service.aliases:
                    notes.append(f"{job.name}/{name}: alias {alias!r} is not a valid DNS name; "
                                 "the Kubernetes executor fails the job")
                continue
            if alias in taken:
                notes.append(f"{job.name}/{name}: {alias!r} is already the name of an earlier "
                             "service; GitLab Runner skips it")
                continue
            taken.add(alias)
            aliases.append(alias)
        privileged, where, why = self.privileged(service.name, service=True)
        if why:
            notes.append(f"{job.name}/{name}: {why}")
        port = service.healthcheck_port
        env = _env(job.variables)
        env.update(_env(service.variables))
        locations = dict(service.locations)
        if service.location is not None:
            locations["subject"] = service.location
        if where is not None:
            locations["privileged"] = where
        if "variables" in locations:
            locations["environment"] = locations.pop("variables")
        workload_name = f"{job.name}/{name}"
        argv = (*(service.entrypoint or ()), *(service.command or ()))
        return Workload(
            name=workload_name, id=f"{self.setup}/{workload_name}", origin=ORIGIN,
            project=job.name, image=service.name, entrypoint=service.entrypoint,
            command=service.command, shown_command=tuple(redact_argv(list(argv))),
            environment=env, privileged=privileged,
            cap_add=self.runner.cap_add if self.runner else (),
            security_opt=(self.runner.services_security_opt if self.runner else ()),
            runtime=self.runner.runtime if self.runner else None,
            network_mode=self.runner.network_mode if self.runner else None,
            host_network=bool(self.runner and self.runner.network_mode == "host"),
            netns=job.name if self.family == "kubernetes" else None,
            aliases=frozenset(aliases), mounts=self.mounts(service=True),
            healthcheck=Healthcheck(test=f"gitlab-runner wait-for-service tcp/{port}")
            if port else None,
            role="service", replicas=self.replicas, suppress=job.suppress,
            suppress_source=suppress_source(job), notes=tuple(notes), locations=locations)

    # --- containers the script starts ---------------------------------------------

    def script_containers(self, job: Workload, services: list[Workload]) -> list[Workload]:
        """The ``docker run``/``docker create`` lines of the job's script, as workloads
        created by the engine the job's client reaches (its binds are that engine's)."""
        found = script_runs(self.job.script, job.env_values(), self.lines)
        expander = Expander(job.env_values(), set())

        def expand(text: str) -> str:
            return expander.expand(text) or text

        made: list[Workload] = []
        for path, runs in found.items():
            self.run_notes.extend(f"{where}:{note.line}:{note.column}: {note.message}"
                                  for where, note in runs.notes)
            if not runs.runs:
                continue
            engines = {id(run): self.engine(run, job, services) for run in runs.runs}
            naming = Naming(path=path or self.job.name, origin=ORIGIN,
                            prefix=f"{self.job.name}/", project=self.job.name,
                            subst=expand)
            for run, built in zip(runs.runs, workloads(runs.runs, naming), strict=True):
                engine = engines[id(run)]
                why = (f"docker {run.subcommand} in the job's script: created by the daemon "
                       f"of {engine}, so its -v paths are that daemon's, not the host's"
                       if engine else f"docker {run.subcommand} in the job's script")
                made.append(dataclasses.replace(
                    built, id=f"{self.setup}/{built.id}", created_by=engine,
                    replicas=self.replicas, suppress=self.job.suppress,
                    suppress_source=suppress_source(self.job), notes=(*built.notes, why)))
        return made

    def engine(self, run: DockerRun, job: Workload, services: list[Workload]) -> str | None:
        """The service whose daemon a run line's docker CLI talks to: its ``-H`` or the
        job's ``DOCKER_HOST``, else where the docker image's entrypoint points it
        (``tcp://docker:…``); None for a unix socket or a name no service has.

        ``localhost`` reaches the services only on the Kubernetes executor (one pod); on
        another, a script that exports it does so for the Kubernetes case (GitLab's
        templates), so the job's own setting is taken.
        """
        host = self.endpoint_host(run.endpoint, job)
        if host in _LOCAL and self.family != "kubernetes":
            host = self.endpoint_host(job.env("DOCKER_HOST") or None, job)
        if host in _LOCAL:
            if self.family != "kubernetes":
                return None
            dind = [s.name for s in services
                    if (image := classify_image(s.image))
                    and image["variant"] in ("dind", "dind-rootless")]
            return dind[0] if dind else None
        return job.links.get(host) if host else None

    @staticmethod
    def endpoint_host(endpoint: str | None, job: Workload) -> str | None:
        """The host an endpoint names (None: a unix socket); with no endpoint, the docker
        image's entrypoint default (``docker``) when the job runs it."""
        if endpoint is None:
            family = classify_image(job.image)
            official = bool(family and family["official_docker"])
            return "docker" if official and job.entrypoint is None else None
        address = tcp_port(endpoint)
        return None if address is None else (address[0] or "")


def _first(locations: dict[str, Location], *keys: str) -> Location | None:
    for key in keys:
        if key in locations:
            return locations[key]
    return locations.get("runner")


def suppress_source(job: Job) -> SuppressionSource | None:
    """Where a job's ``DINDCHECK_IGNORE`` is written, with ``DINDCHECK_IGNORE_REASON``."""
    if not job.suppress:
        return None
    by_name = {v.name: v for v in job.variables}
    written = by_name.get(SUPPRESS_VARIABLE)
    reason = by_name.get(SUPPRESS_REASON_VARIABLE)
    return SuppressionSource(
        by=f"variable {SUPPRESS_VARIABLE}",
        location=(written.location if written else None) or job.locations.get("variables")
        or job.location, reason=reason.value.strip() or None if reason else None)
