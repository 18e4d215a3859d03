"""Pods as the kubelet will run them, before they become workloads.

Every reader (core workload kinds, the runner controllers, CI pipelines, cluster
state) produces :class:`Pod` values: the pod spec that holds the pod-level fields, its
containers with their role, its volumes, how many run at once and whether the pod is
expected to finish. Containers and volumes that a controller adds (the runner
controllers' docker sidecar, their emptyDirs) are plain mappings, located at the field
that makes the controller add them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from dindcheck.model import Location
from dindcheck.sources.kubernetes.documents import Document
from dindcheck.sources.kubernetes.scalars import safe_name
from dindcheck.yamlload import Mark, PosDict, PosList

# Container roles.
MAIN = "main"          # spec.containers: runs for the pod's life
INIT = "init"          # spec.initContainers: runs to completion, in order, before the rest
SIDECAR = "sidecar"    # an init container with restartPolicy: Always (native sidecar), or a
                       # CI system's sidecar (Argo, Tekton) that it stops when the steps end

# What ends a pod.
SERVICE = "service"        # never expected to end (Deployment, StatefulSet, restartPolicy Always)
JOB = "job"                # must end on its own: every container has to exit (Job, CronJob,
                           # a bare pod with restartPolicy Never/OnFailure, Prow jobs)
CONTROLLER = "controller"  # ended by its controller once the main work exits (Argo, Tekton,
                           # Jenkins agents, runner controllers)

EMPTY: Mapping[str, Any] = {}


@dataclass(frozen=True, slots=True)
class Source:
    """A mapping of the input (or added by a controller) and where it is."""

    spec: Mapping[str, Any]
    field: str          # its field path: ``spec.template.spec.containers[1]``
    fallback: Location  # where to point for what carries no position of its own
    added_by: str | None = None  # who adds it when it is not written in the input

    def at(self, key: str | None = None) -> Location:
        """The location of ``key`` in this mapping (or of the mapping), with its field path."""
        path = self.field if key is None else f"{self.field}.{key}"
        return locate(self.spec, key, path, self.fallback)


@dataclass(frozen=True, slots=True)
class Container:
    source: Source
    role: str
    index: int  # position in the pod's start order
    daemon: str | None = None  # what says it runs dockerd, when the format says so

    @property
    def spec(self) -> Mapping[str, Any]:
        return self.source.spec

    @property
    def name(self) -> str:
        return safe_name(self.source.spec.get("name"), f"container-{self.index}")


@dataclass(slots=True)
class Pod:
    """One pod template (or running pod) and what decides how it runs."""

    namespace: str
    name: str                 # the workload: controller or pod name
    kind: str                 # Deployment, Job, RunnerDeployment, Workflow, Pod, …
    document: Document
    where: Location           # the object
    spec: Source              # the mapping with the pod-level fields
    containers: list[Container] = field(default_factory=list)
    volumes: list[Source] = field(default_factory=list)
    claim_templates: dict[str, Source] = field(default_factory=dict)
    labels: Mapping[str, Any] = field(default_factory=dict)
    annotations: Mapping[str, Any] = field(default_factory=dict)
    replicas: int = 1
    replicas_at: Location | None = None
    completion: str = SERVICE
    status: Mapping[str, Any] | None = None   # a running pod's status (cluster state)
    node: str | None = None                   # spec.nodeName of a scheduled pod
    owner: str | None = None                  # "Deployment ns/name" for pods of a controller
    ended_by: str | None = None               # the CI system that ends it (CONTROLLER pods)
    rollout_overlap: bool = False             # a rolling update starts a new pod before the
                                              # old one stops (Deployment with a surge)
    notes: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The pod's identity: its containers' project and shared network namespace."""
        return f"{self.namespace}/{self.name}"


_LOCATION_FIELDS = {f.name: f.default for f in fields(Location)}
_SET = {name: getattr(Location, name).__set__ for name in _LOCATION_FIELDS}
_SET_PATH, _SET_LINE, _SET_COLUMN, _SET_FIELD = (
    _SET["path"], _SET["line"], _SET["column"], _SET["field"])
_UNSET = tuple((setter, _LOCATION_FIELDS[name]) for name, setter in _SET.items()
               if name not in ("path", "line", "column", "field"))


def position(path: str | None, line: int | None, column: int | None, field: str) -> Location:
    """``Location(path=…, line=…, column=…, field=…)`` without its 1-based check, which
    marks and fallbacks pass by construction: a cluster dump makes a dozen locations per
    container, and this builds them four times faster."""
    location = object.__new__(Location)
    _SET_PATH(location, path)
    _SET_LINE(location, line)
    _SET_COLUMN(location, column)
    _SET_FIELD(location, field)
    for setter, default in _UNSET:
        setter(location, default)
    return location


def locate(holder: Any, key: str | None, path: str, fallback: Location) -> Location:
    """Where ``holder[key]`` (or ``holder``) was written; ``fallback``'s position otherwise."""
    mark: Mark | None = None
    if isinstance(holder, PosDict):
        mark = holder.key_marks.get(key) if key is not None else None
        mark = mark or holder.mark
    elif isinstance(holder, PosList):
        mark = holder.mark
    if mark is not None:
        return position(mark.path, mark.line, mark.column, path)
    return position(fallback.path, fallback.line, fallback.column, path)


def item_location(items: Any, index: int, path: str, fallback: Location) -> Location:
    """Where item ``index`` of a sequence was written."""
    item = items[index] if isinstance(items, list) and index < len(items) else None
    if isinstance(item, PosDict) and item.mark is not None:
        mark: Mark | None = item.mark
    elif isinstance(items, PosList):
        mark = items.item_mark(index)
    else:
        mark = None
    if mark is not None:
        return position(mark.path, mark.line, mark.column, path)
    return position(fallback.path, fallback.line, fallback.column, path)


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else EMPTY


def sequence(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def pod_containers(spec: Source, *, sidecars: str = "native") -> list[Container]:
    """The containers of a pod spec in start order: init containers (native sidecars among
    them), then the main containers."""
    result: list[Container] = []
    raw = spec.spec
    for key, role in (("initContainers", INIT), ("containers", MAIN)):
        items = raw.get(key)
        for i, item in enumerate(sequence(items)):
            if not isinstance(item, dict):
                continue
            this_role = role
            if role == INIT and item.get("restartPolicy") == "Always" and sidecars == "native":
                this_role = SIDECAR
            source = Source(item, f"{spec.field}.{key}[{i}]",
                            item_location(items, i, f"{spec.field}.{key}[{i}]", spec.fallback),
                            spec.added_by)
            result.append(Container(source, this_role, len(result)))
    return result


def pod_volumes(spec: Source) -> list[Source]:
    items = spec.spec.get("volumes")
    return [Source(item, f"{spec.field}.volumes[{i}]",
                   item_location(items, i, f"{spec.field}.volumes[{i}]", spec.fallback),
                   spec.added_by)
            for i, item in enumerate(sequence(items)) if isinstance(item, dict)]


def reindex(containers: list[Container]) -> list[Container]:
    """The containers with their start order renumbered."""
    return [Container(c.source, c.role, i, c.daemon) for i, c in enumerate(containers)]
