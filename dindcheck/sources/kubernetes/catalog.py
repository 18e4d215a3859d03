"""What one group of inputs holds, and the object being read.

:class:`Catalog` collects the pods to run and the objects they refer to (claims,
ConfigMaps, Services, RuntimeClasses, autoscalers, Namespaces); :class:`Ref` is one API
object while a reader turns it into pods.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dindcheck.model import InputProblem, Location
from dindcheck.sources.kubernetes.documents import Document
from dindcheck.sources.kubernetes.pods import (
    Pod,
    Source,
    locate,
    mapping,
    pod_containers,
    pod_volumes,
    sequence,
)
from dindcheck.sources.kubernetes.scalars import Unknown, count, show


@dataclass(frozen=True, slots=True)
class Service:
    namespace: str
    name: str
    selector: Mapping[str, Any]
    ports: list[Source]
    headless: bool


@dataclass(slots=True)
class Catalog:
    """Everything read from one group of inputs."""

    pods: list[Pod] = field(default_factory=list)
    claims: dict[tuple[str, str], Source] = field(default_factory=dict)
    config_maps: dict[tuple[str, str], Source] = field(default_factory=dict)
    services: list[Service] = field(default_factory=list)
    runtime_classes: dict[str, tuple[str, Location]] = field(default_factory=dict)
    autoscalers: dict[tuple[str, str, str], tuple[int, Location, str]] = field(
        default_factory=dict)
    namespaces: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    problems: list[InputProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def problem(self, where: Location, message: str) -> None:
        """A located problem; without a line (JSON), the field path says where."""
        if where.line is None and where.field:
            message = f"{where.field}: {message}"
        self.problems.append(InputProblem(path=where.path or "", message=message,
                                          line=where.line, column=where.column))

    def note(self, where: Location, message: str) -> None:
        self.notes.append(f"{place(where)}: {message}")


def place(where: Location) -> str:
    """``path:line`` (or ``path`` and the field path) for a note."""
    if where.line is not None:
        return f"{where.path}:{where.line}"
    return f"{where.path} {where.field}" if where.field else str(where.path)


@dataclass(frozen=True, slots=True)
class Ref:
    """One object being read, and what every reader needs of it."""

    catalog: Catalog
    document: Document
    obj: Mapping[str, Any]
    prefix: str
    where: Location
    kind: str
    namespace: str
    name: str

    def source(self, value: Any, holder: Any, key: str, path: str) -> Source:
        return Source(value, self.prefix + path,
                      locate(holder, key, self.prefix + path, self.where))

    def at(self, holder: Any, key: str, path: str) -> Location:
        return locate(holder, key, self.prefix + path, self.where)

    def pod(self, spec: Source, template: Mapping[str, Any], completion: str) -> Pod:
        meta = mapping(template.get("metadata"))
        return Pod(self.namespace, self.name, self.kind, self.document, self.where, spec,
                   pod_containers(spec), pod_volumes(spec),
                   labels=mapping(meta.get("labels")),
                   annotations=mapping(meta.get("annotations")), completion=completion)

    def replicas(self, pod: Pod, path: tuple[str, ...] | None, default: int = 1) -> None:
        """Set ``pod.replicas`` from the count at ``path`` (a located problem if it is none)."""
        pod.replicas = default
        if path is None:
            return
        holder, value = dig(self.obj, path[:-1]), None
        if isinstance(holder, dict):
            value = holder.get(path[-1])
        if value is None:
            return
        at = self.at(holder, path[-1], ".".join(path))
        number = count(value, path[-1])
        if isinstance(number, Unknown):
            self.catalog.note(at, f"{path[-1]} is a placeholder ({show(number.text)}); "
                                  f"read as {default}")
        elif isinstance(number, str):
            self.catalog.problem(at, number)
        else:
            pod.replicas, pod.replicas_at = number, at


def dig(value: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def template_pod(ref: Ref, path: tuple[str, ...], completion: str) -> Pod | None:
    """The pod of the template at ``path``; a template or spec of the wrong shape is a
    located problem, a missing one a note."""
    template = dig(ref.obj, path)
    dotted = ".".join(path)
    what = f"{ref.kind} {ref.namespace}/{ref.name}"
    if not isinstance(template, dict):
        if template is not None:
            ref.catalog.problem(ref.at(dig(ref.obj, path[:-1]), path[-1], dotted),
                                f"{dotted} must be a mapping, not {show(template)}")
        else:
            ref.catalog.note(ref.where, f"{what}: no pod template at {dotted}; not read")
        return None
    spec = template.get("spec")
    if not isinstance(spec, dict):
        at = ref.at(template, "spec", f"{dotted}.spec")
        if spec is not None:
            ref.catalog.problem(at, f"{dotted}.spec must be a mapping, not {show(spec)}")
        else:
            ref.catalog.note(at, f"{what}: its pod template has no spec; not read")
        return None
    return ref.pod(ref.source(spec, template, "spec", f"{dotted}.spec"), template, completion)


def claim_templates(ref: Ref) -> dict[str, Source]:
    """``volumeClaimTemplates`` by name: each replica gets its own claim."""
    spec = mapping(ref.obj.get("spec"))
    items = spec.get("volumeClaimTemplates")
    result: dict[str, Source] = {}
    for i, item in enumerate(sequence(items)):
        name = mapping(mapping(item).get("metadata")).get("name")
        if isinstance(name, str):
            path = f"spec.volumeClaimTemplates[{i}]"
            result[name] = Source(item, ref.prefix + path,
                                  locate(item, None, ref.prefix + path, ref.where))
    return result
