"""Pods of CI systems that run on Kubernetes: Argo Workflows, Tekton, Prow.

Each becomes the pod its controller creates. Argo runs a template's ``container`` or
``script`` as ``main`` next to its ``sidecars`` and kills the sidecars once ``main`` exits;
a sidecar with ``mirrorVolumeMounts`` gets ``main``'s mounts. Tekton runs a task's
``steps`` one after another next to its ``sidecars``, starts the steps once the sidecars
are ready, and stops the sidecars after the last step. Prow runs each job's ``spec`` as a
pod that has to end by itself (a ProwJob is done when its pod is).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dindcheck.model import Location
from dindcheck.sources.kubernetes.catalog import Catalog, Ref, dig
from dindcheck.sources.kubernetes.documents import Document
from dindcheck.sources.kubernetes.pods import (
    CONTROLLER,
    EMPTY,
    INIT,
    JOB,
    MAIN,
    SIDECAR,
    Container,
    Pod,
    Source,
    item_location,
    locate,
    mapping,
    reindex,
    sequence,
)
from dindcheck.sources.kubernetes.scalars import safe_name
from dindcheck.yamlload import PosDict

_ARGO = {"Workflow": ("spec",), "WorkflowTemplate": ("spec",),
         "ClusterWorkflowTemplate": ("spec",), "CronWorkflow": ("spec", "workflowSpec")}
_TEKTON_TASKS = {"Task": ("spec",), "ClusterTask": ("spec",), "TaskRun": ("spec", "taskSpec")}
_TEKTON_PIPELINES = {"Pipeline": ("spec",), "PipelineRun": ("spec", "pipelineSpec")}
_PROW_SECTIONS = ("presubmits", "postsubmits", "periodics")


def read_pipeline_kind(ref: Ref) -> bool:
    """Read an Argo or Tekton resource; False when ``ref`` is neither."""
    if ref.kind in _ARGO and "argoproj.io" in str(ref.obj.get("apiVersion", "")):
        _read_argo(ref, _ARGO[ref.kind])
    elif ref.kind in _TEKTON_TASKS and "tekton.dev" in str(ref.obj.get("apiVersion", "")):
        path = _TEKTON_TASKS[ref.kind]
        spec = dig(ref.obj, path)
        if isinstance(spec, dict):
            _tekton_task(ref, spec, ".".join(path), ref.name, _tekton_pod_template(ref))
        elif ref.kind == "TaskRun":
            ref.catalog.note(ref.where, f"TaskRun {ref.namespace}/{ref.name}: its task is "
                                        "referenced (taskRef), not embedded; not read")
    elif ref.kind in _TEKTON_PIPELINES and "tekton.dev" in str(ref.obj.get("apiVersion", "")):
        _read_tekton_pipeline(ref, _TEKTON_PIPELINES[ref.kind])
    else:
        return False
    return True


def _name(value: Any, fallback: str) -> str:
    return safe_name(value, fallback)


# --------------------------------------------------------------------------- Argo


def _read_argo(ref: Ref, path: tuple[str, ...]) -> None:
    spec = dig(ref.obj, path)
    if not isinstance(spec, dict):
        return
    dotted = ".".join(path)
    pod_spec = Source(spec, ref.prefix + dotted, ref.at(dig(ref.obj, path[:-1]), path[-1],
                                                        dotted))
    items = spec.get("templates")
    for i, template in enumerate(sequence(items)):
        if not isinstance(template, dict):
            continue
        field = f"{ref.prefix}{dotted}.templates[{i}]"
        at = item_location(items, i, field, ref.where)
        main_key = next((k for k in ("container", "script") if isinstance(template.get(k), dict)),
                        None)
        if main_key is None and not isinstance(mapping(template.get("containerSet"))
                                               .get("containers"), list):
            continue  # steps, dag, resource, suspend: no pod of their own
        name = _name(template.get("name"), f"template-{i}")
        containers: list[Container] = []
        containers.extend(_listed(template, "initContainers", field, at, INIT))
        main_mounts: Any = None
        if main_key is not None:
            main = _argo_main(template[main_key], main_key)
            main_mounts = main.get("volumeMounts")
            containers.append(Container(Source(main, f"{field}.{main_key}",
                                               locate(template, main_key, f"{field}.{main_key}",
                                                      at)), MAIN, 0))
        else:
            containers.extend(_listed(mapping(template["containerSet"]), "containers",
                                      f"{field}.containerSet", at, MAIN))
        for sidecar in _listed(template, "sidecars", field, at, SIDECAR):
            if sidecar.spec.get("mirrorVolumeMounts") is True and main_mounts is not None:
                mirrored = PosDict(getattr(sidecar.spec, "mark", None))
                mirrored.update(sidecar.spec)
                mirrored.key_marks.update(getattr(sidecar.spec, "key_marks", {}))
                mirrored["volumeMounts"] = [*sequence(sidecar.spec.get("volumeMounts")),
                                            *sequence(main_mounts)]
                sidecar = Container(Source(mirrored, sidecar.source.field,
                                           sidecar.source.fallback), SIDECAR, 0)
            containers.append(sidecar)
        volumes = [*_volumes(spec, f"{ref.prefix}{dotted}", pod_spec.fallback),
                   *_volumes(template, field, at)]
        pod = Pod(ref.namespace, f"{ref.name}.{name}", ref.kind, ref.document, at, pod_spec,
                  reindex(containers), volumes, completion=CONTROLLER,
                  labels=mapping(mapping(template.get("metadata")).get("labels")),
                  annotations=mapping(mapping(template.get("metadata")).get("annotations")))
        pod.claim_templates = _argo_claims(ref, spec, dotted)
        pod.notes.append(f"Argo {ref.kind}: sidecars run next to the template's main "
                         "container and are killed when it exits")
        ref.catalog.pods.append(pod)


def _argo_main(spec: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """A template's main container (named ``main``); a script's source becomes its last
    argument, as Argo passes the file it writes."""
    result = PosDict(getattr(spec, "mark", None))
    result.update(spec)
    result.key_marks.update(getattr(spec, "key_marks", {}))
    result.setdefault("name", "main")
    if key == "script" and isinstance(spec.get("source"), str):
        result["args"] = [*sequence(spec.get("args")), spec["source"]]
        if "source" in result.key_marks:
            result.key_marks["args"] = result.key_marks["source"]
        if not spec.get("command"):
            result["command"] = ["sh"]
    return result


def _argo_claims(ref: Ref, spec: Mapping[str, Any], dotted: str) -> dict[str, Source]:
    items = spec.get("volumeClaimTemplates")
    result: dict[str, Source] = {}
    for i, item in enumerate(sequence(items)):
        name = mapping(mapping(item).get("metadata")).get("name")
        if isinstance(name, str):
            field = f"{ref.prefix}{dotted}.volumeClaimTemplates[{i}]"
            result[name] = Source(item, field, item_location(items, i, field, ref.where))
    return result


def _listed(holder: Mapping[str, Any], key: str, field: str, at: Location,
            role: str) -> list[Container]:
    items = holder.get(key)
    return [Container(Source(item, f"{field}.{key}[{i}]",
                             item_location(items, i, f"{field}.{key}[{i}]", at)), role, 0)
            for i, item in enumerate(sequence(items)) if isinstance(item, dict)]


def _volumes(holder: Mapping[str, Any], field: str, at: Location) -> list[Source]:
    items = holder.get("volumes")
    return [Source(item, f"{field}.volumes[{i}]",
                   item_location(items, i, f"{field}.volumes[{i}]", at))
            for i, item in enumerate(sequence(items)) if isinstance(item, dict)]


# --------------------------------------------------------------------------- Tekton


def _tekton_pod_template(ref: Ref) -> Source:
    """The run's pod template (pod-level fields and volumes), or an empty one."""
    for path in (("spec", "podTemplate"), ("spec", "taskRunTemplate", "podTemplate")):
        value = dig(ref.obj, path)
        if isinstance(value, dict):
            return Source(value, ref.prefix + ".".join(path),
                          ref.at(dig(ref.obj, path[:-1]), path[-1], ".".join(path)))
    return Source(EMPTY, ref.prefix + "spec.podTemplate", ref.where)


def _tekton_task(ref: Ref, spec: Mapping[str, Any], dotted: str, name: str,
                 pod_template: Source) -> None:
    field = ref.prefix + dotted
    at = locate(spec, None, field, ref.where)
    step_template = mapping(spec.get("stepTemplate"))
    containers = [*_listed(spec, "sidecars", field, at, SIDECAR)]
    for step in _listed(spec, "steps", field, at, MAIN):
        containers.append(Container(Source(_tekton_step(step.spec, step_template),
                                           step.source.field, step.source.fallback), MAIN, 0))
    volumes = [*_volumes(spec, field, at), *_volumes(pod_template.spec, pod_template.field,
                                                     pod_template.fallback)]
    pod = Pod(ref.namespace, name, ref.kind, ref.document, at, pod_template,
              reindex(containers), volumes, completion=CONTROLLER)
    pod.notes.append("Tekton: steps run one after another once the sidecars are ready; the "
                     "sidecars are stopped after the last step")
    ref.catalog.pods.append(pod)


def _tekton_step(step: Mapping[str, Any], template: Mapping[str, Any]) -> Mapping[str, Any]:
    """A step over its task's ``stepTemplate``; ``script`` runs as ``sh -c``."""
    result = PosDict(getattr(step, "mark", None))
    for key, value in template.items():
        if key not in step:
            result[key] = value
    result.update(step)
    result.key_marks.update(getattr(step, "key_marks", {}))
    if "env" in template and "env" in step:
        names = {mapping(e).get("name") for e in sequence(step["env"])}
        result["env"] = [*(e for e in sequence(template["env"])
                           if mapping(e).get("name") not in names), *sequence(step["env"])]
    if "computeResources" in step and "resources" not in step:
        result["resources"] = step["computeResources"]
    script = step.get("script")
    if isinstance(script, str) and not step.get("command"):
        result["command"] = ["sh", "-c", script]
        if "script" in result.key_marks:
            result.key_marks["command"] = result.key_marks["script"]
    return result


def _read_tekton_pipeline(ref: Ref, path: tuple[str, ...]) -> None:
    spec = dig(ref.obj, path)
    if not isinstance(spec, dict):
        if ref.kind == "PipelineRun":
            ref.catalog.note(ref.where, f"PipelineRun {ref.namespace}/{ref.name}: its "
                                        "pipeline is referenced (pipelineRef); not read")
        return
    pod_template = _tekton_pod_template(ref)
    dotted = ".".join(path)
    referenced = 0
    for section in ("tasks", "finally"):
        for i, task in enumerate(sequence(spec.get(section))):
            task = mapping(task)
            task_spec = task.get("taskSpec")
            if not isinstance(task_spec, dict):
                referenced += 1
                continue
            name = f"{ref.name}.{_name(task.get('name'), f'{section}-{i}')}"
            _tekton_task(ref, task_spec, f"{dotted}.{section}[{i}].taskSpec", name,
                         pod_template)
    if referenced:
        ref.catalog.note(ref.where, f"{ref.kind} {ref.namespace}/{ref.name}: {referenced} "
                                    "task(s) referenced by taskRef; not read")


# --------------------------------------------------------------------------- Prow


def read_prow(catalog: Catalog, document: Document, obj: Mapping[str, Any],
              where: Location) -> bool:
    """A Prow job config (``presubmits``, ``postsubmits``, ``periodics``); False when
    ``obj`` is not one."""
    if not any(isinstance(obj.get(k), dict | list) for k in _PROW_SECTIONS):
        return False
    for section in _PROW_SECTIONS:
        value = obj.get(section)
        groups: list[tuple[str, Any]] = []
        if isinstance(value, dict):
            groups = [(f"{section}.{repo}", jobs) for repo, jobs in value.items()]
        elif isinstance(value, list):
            groups = [(section, value)]
        for field, jobs in groups:
            for i, job in enumerate(sequence(jobs)):
                if isinstance(job, dict):
                    _prow_job(catalog, document, obj, job, f"{field}[{i}]",
                              item_location(jobs, i, f"{field}[{i}]", where))
    return True


def _prow_job(catalog: Catalog, document: Document, obj: Mapping[str, Any],
              job: Mapping[str, Any], field: str, at: Location) -> None:
    spec = job.get("spec")
    if not isinstance(spec, dict):
        return
    name = _name(job.get("name"), field)
    ref = Ref(catalog, document, obj, "", at, "ProwJob", "default", name)
    pod = ref.pod(Source(spec, f"{field}.spec", locate(job, "spec", f"{field}.spec", at)),
                  EMPTY, JOB)
    pod.notes.append("Prow job: the job ends when its pod ends; every container has to exit")
    catalog.pods.append(pod)
