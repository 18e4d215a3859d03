"""The source-neutral description of planned or running containers.

Every source (compose files, a live engine, CI pipelines, Kubernetes manifests, shell
lines) turns its input into a :class:`Setup` of :class:`Workload` values; nothing after
this point knows the input format. One subject builder (:mod:`dindcheck.subjects`)
turns workloads into the fact model's subjects.

Values are immutable. Sources fill what their format says and leave the rest at the
defaults, which mean "not said" (``None``), never a guess.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dindcheck.model import InputProblem, Location

# Mount kinds. A source computes each mount's storage identity: equal identities are the
# same storage, seen from two containers.
VOLUME = "volume"                      # a named volume (compose, docker -v name:/path)
ANONYMOUS_VOLUME = "anonymous_volume"  # a volume the engine names (-v /path, compose `- /path`)
IMAGE_VOLUME = "image_volume"          # the image's VOLUME, created by the runtime
BIND = "bind"                          # a host path (compose, docker, Kubernetes hostPath)
TMPFS = "tmpfs"
VOLUMES_FROM = "volumes_from"          # the mounts of another container
EMPTYDIR = "emptydir"                  # Kubernetes emptyDir: per pod
PVC = "pvc"                            # Kubernetes persistentVolumeClaim (or a claim template)
UNKNOWN = "unknown"

# What the runtime does with a bind whose host path does not exist.
MISSING_CREATES_DIRECTORY = "create-directory"  # an empty folder appears there (docker -v,
                                                # a Kubernetes hostPath without a type)
MISSING_CREATES_FILE = "create-file"
MISSING_FAILS = "fail"                          # the container does not start


@dataclass(frozen=True, slots=True, kw_only=True)
class Mount:
    """Storage mounted at ``target`` in a container.

    ``storage`` identifies the storage behind it (``volume:NAME``, ``bind:/abs/path``,
    ``anonymous:…``); two mounts with one identity share storage. ``per_instance``: each
    replica (or run) gets its own copy (anonymous volumes, emptyDir, claim templates), so
    replicas do not share it. ``field`` names the entry in the input (``volumes[2]``,
    ``Mounts[0]``), for subject ids.
    """

    kind: str
    target: str
    source: str | None = None
    storage: str | None = None
    read_only: bool = False
    persistent: bool = False
    per_instance: bool = False
    field: str = ""
    location: Location | None = None
    driver: str | None = None             # a volume driver other than local
    into_outer_root: bool = False         # a bind that shows the outer engine's data root
                                          # (a folder in it, or one that holds it)
    size_limit: int | None = None         # bytes: the most it may hold (emptyDir sizeLimit)
    access_modes: tuple[str, ...] | None = None  # a claim's access modes (None: not known)
    missing_source: str | None = None     # a bind whose host path is missing: MISSING_*


@dataclass(frozen=True, slots=True, kw_only=True)
class VolumesFrom:
    """``volumes_from`` / ``--volumes-from``: all mounts of another workload."""

    workload: str
    read_only: bool = False
    location: Location | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EnvVar:
    """One environment variable: its value (None: declared without one) and where it is set."""

    value: str | None
    location: Location | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Port:
    """A published port (``host_port`` as written: it may be a range or empty)."""

    container_port: int | None
    host_port: str | None = None
    host_ip: str | None = None
    protocol: str = "tcp"
    location: Location | None = None

    def to_json(self) -> dict[str, Any]:
        return {"host_ip": self.host_ip, "host_port": self.host_port,
                "container_port": self.container_port, "protocol": self.protocol}


@dataclass(frozen=True, slots=True, kw_only=True)
class Healthcheck:
    """A health or readiness check: the command as one string, and whether a CMD-SHELL
    check was given several words (only the first runs)."""

    test: str
    split: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class State:
    """A container's observed state (live audit, cluster state)."""

    status: str | None = None
    running: bool = False
    exit_code: int | None = None
    restart_count: int | None = 0
    error: str | None = None
    oom_killed: bool = False
    started_at: str | None = None
    finished_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "running": self.running, "exit_code": self.exit_code,
                "restart_count": self.restart_count, "error": self.error,
                "oom_killed": self.oom_killed, "started_at": self.started_at,
                "finished_at": self.finished_at}


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """What was seen of a running (or stopped) container: the overlay on its plan.

    ``processes``: command lines running in it (None: not read). ``daemon_argv``: the
    argv of the dockerd found among them. ``inner``: what the inner daemon and the
    read-only probes reported, in the fact model's ``inner`` shape (None: nothing read).
    ``daemon_json``: the few keys of its /etc/docker/daemon.json that matter. ``log``: the
    tail of its log, redacted (None: not read).
    """

    state: State | None = None
    processes: tuple[str, ...] | None = None
    daemon_argv: tuple[str, ...] | None = None
    inner: Mapping[str, Any] | None = None
    data_root: str | None = None
    data_root_fs: str | None = None
    daemon_json: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    log: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Listener:
    """How the audit itself reached an engine (the one listener it can be sure of)."""

    url: str
    tls: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Workload:
    """One planned or running container, as a source understood it.

    ``entrypoint``/``command``: None means the image's own. ``shown_command`` is the
    command as the user sees it (written, or observed), secrets redacted. ``aliases`` are
    the names other workloads of the setup reach it by; ``links`` map a name this
    workload uses to another workload; ``netns`` names the workload whose network
    namespace it joins (compose ``network_mode: service:X``, ``--network container:X``,
    the containers of one pod). ``mounts`` None: not visible (an audited engine that
    runs in a container, a CI job whose runner configuration was not given).
    ``depends_on``: the workloads it waits for, and the condition (compose's
    ``service_started``/``service_healthy``). ``declared_daemon``: the input format itself
    says the container runs dockerd (actions-runner-controller's
    ``dockerdWithinRunnerContainer``), in words. ``entrypoint_replaced_by``: the platform
    that replaces the image's entrypoint (a GitHub Actions job container), so an image's
    own daemon never starts. ``created_by``: the workload whose daemon creates this
    container (``docker run`` in a CI job's script goes to the job's dind service), so
    its binds are paths on that daemon's filesystem, not the host's.
    """

    name: str
    id: str
    origin: str
    project: str | None = None
    image: str | None = None
    built_from: str | None = None           # the final FROM of a local Dockerfile
    image_entrypoint: tuple[str, ...] | None = None  # the Dockerfile's ENTRYPOINT (None:
    image_command: tuple[str, ...] | None = None     # not set there, or not read) and CMD
    image_volumes: tuple[str, ...] | None = ()       # its VOLUMEs; None: a built image
                                                     # whose Dockerfile was not read
    entrypoint: tuple[str, ...] | None = None
    command: tuple[str, ...] | None = None
    shown_command: tuple[str, ...] = ()
    environment: Mapping[str, EnvVar] = field(default_factory=dict)
    privileged: bool | None = False
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    security_opt: tuple[str, ...] = ()
    runtime: str | None = None
    network_mode: str | None = None
    host_network: bool = False
    netns: str | None = None
    aliases: frozenset[str] = frozenset()
    links: Mapping[str, str] = field(default_factory=dict)
    mounts: tuple[Mount, ...] | None = ()
    volumes_from: tuple[VolumesFrom, ...] = ()
    ports: tuple[Port, ...] = ()
    healthcheck: Healthcheck | None = None
    depends_on: Mapping[str, str] | None = None   # None: the source cannot say
    polls_daemon: Location | None = None  # its own command waits for the daemon (a loop)
    replicas: int = 1
    rollout_overlap: bool = False         # a rolling update runs a new copy beside the old
    role: str | None = None               # main, init, sidecar, service, job, step
    must_complete: bool | None = None     # its group finishes only when it exits (a Job)
    ended_by: str | None = None           # who ends its group once the work is done (a CI
                                          # system, a runner controller); None: it runs
                                          # until stopped, or ends by itself
    declared_daemon: str | None = None    # the input says it runs dockerd, and where
    entrypoint_replaced_by: str | None = None  # a platform replaces the image's entrypoint
    created_by: str | None = None         # the workload whose daemon creates it
    memory_limit: int | None = None       # bytes
    ephemeral_storage_limit: int | None = None  # bytes: its writable layer and emptyDirs
    pre_stop: bool = False                # a hook runs before it is stopped (Kubernetes
                                          # preStop): it can outlast the containers it serves
    pod_security: str | None = None       # the PodSecurity level its namespace enforces
    suppress: tuple[str, ...] = ()        # rule ids or names, as written
    suppress_source: SuppressionSource | None = None
    profiles: tuple[str, ...] = ()        # compose profiles the service belongs to
    notes: tuple[str, ...] = ()
    locations: Mapping[str, Location] = field(default_factory=dict)
    observation: Observation | None = None
    engine: Listener | None = None          # the audited engine itself runs here

    def env(self, name: str) -> str | None:
        var = self.environment.get(name)
        return None if var is None else var.value

    def env_values(self) -> dict[str, str]:
        """The variables that have a value."""
        return {k: v.value for k, v in self.environment.items() if v.value is not None}

    def location(self, *keys: str) -> Location:
        """The location of the first of ``keys`` the source recorded, else the workload's."""
        for key in keys:
            found = self.locations.get(key)
            if found is not None:
                return found
        return self.locations.get("subject") or Location()

    def env_location(self, name: str) -> Location:
        var = self.environment.get(name)
        if var is not None and var.location is not None:
            return var.location
        return self.location("environment")


@dataclass(frozen=True, slots=True, kw_only=True)
class SuppressionSource:
    """Where a workload's ``suppress`` list is written (``by``: ``x-dindcheck``,
    ``label``, ``annotation``, ``variable``), and the reason given with it."""

    by: str
    location: Location | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Host:
    """The engine a live audit talks to, in the fact model's ``host`` terms."""

    endpoint: str
    name: str
    facts: Mapping[str, Any]


# What becomes of an image's declared VOLUME: the engine creates an anonymous volume for it
# (Docker, compose, the GitLab docker executor), or it is left to a container runtime
# (Kubernetes: containerd backs it with a folder outside the pod's volumes, CRI-O creates it
# inside the container's own filesystem).
IMAGE_VOLUMES_CREATED = "created"
IMAGE_VOLUMES_RUNTIME = "runtime"


@dataclass(frozen=True, slots=True, kw_only=True)
class Setup:
    """What one source read from one group of inputs (a compose project, an engine, a
    pipeline, a set of manifests): its workloads, and what could not be read."""

    kind: str
    name: str
    origin: str
    paths: tuple[str, ...] = ()
    workloads: tuple[Workload, ...] = ()
    image_volumes: str = IMAGE_VOLUMES_CREATED
    closed: bool = False  # a name a workload uses reaches only workloads of its project
    host: Host | None = None
    problems: tuple[InputProblem, ...] = ()
    notes: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()
    warnings: tuple[InputProblem, ...] = ()  # never fail the run (a malformed suppression)


# --------------------------------------------------------------------------- paths


def normalise(path: str) -> str:
    """A container path without ``.``, ``..``, repeated or trailing slashes."""
    return posixpath.normpath(path) if path.startswith("/") else path


def within(path: str, root: str | None) -> bool:
    """Whether ``path`` is ``root`` or lies under it (``/`` holds every absolute path)."""
    if not root:
        return False
    path, root = normalise(path), normalise(root)
    return root == "/" or path == root or path.startswith(root.rstrip("/") + "/")


def covering(mounts: Iterable[Mount], path: str) -> Mount | None:
    """The mount whose target is ``path`` or its nearest parent (the first of equal ones)."""
    best: Mount | None = None
    for mount in mounts:
        if within(path, mount.target) and (
                best is None or len(normalise(mount.target)) > len(normalise(best.target))):
            best = mount
    return best
