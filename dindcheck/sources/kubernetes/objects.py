"""From documents to API objects: pods to run, and the objects that change how they run.

``kind: List`` (what ``kubectl get -o json|yaml`` prints) is expanded. Pod templates are
read from the core workload kinds, the runner controllers' resources
(:mod:`~dindcheck.sources.kubernetes.runners`) and CI pipelines
(:mod:`~dindcheck.sources.kubernetes.pipelines`); an unknown kind that carries a pod
template is read too, and says so. Claims, ConfigMaps, Services, RuntimeClasses,
autoscalers and Namespaces are kept in a :class:`Catalog` for the pods to refer to.

Cluster state: a running pod stands for its controller. A Deployment, StatefulSet, Job…
whose pods are in the input is read through its pods (each with its observed status),
not a second time through its template.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from dindcheck.model import Location
from dindcheck.sources.kubernetes import pipelines, runners
from dindcheck.sources.kubernetes.catalog import (
    Catalog,
    Ref,
    Service,
    claim_templates,
    dig,
    template_pod,
)
from dindcheck.sources.kubernetes.documents import Document
from dindcheck.sources.kubernetes.pods import (
    CONTROLLER,
    JOB,
    SERVICE,
    Pod,
    Source,
    locate,
    mapping,
    sequence,
)
from dindcheck.sources.kubernetes.scalars import count, safe_name, show

DEFAULT_NAMESPACE = "default"

# kind: (path to the pod template (metadata + spec), path to the replica count, completion)
_TEMPLATES: dict[str, tuple[tuple[str, ...], tuple[str, ...] | None, str]] = {
    "Deployment": (("spec", "template"), ("spec", "replicas"), SERVICE),
    "ReplicaSet": (("spec", "template"), ("spec", "replicas"), SERVICE),
    "ReplicationController": (("spec", "template"), ("spec", "replicas"), SERVICE),
    "StatefulSet": (("spec", "template"), ("spec", "replicas"), SERVICE),
    "DaemonSet": (("spec", "template"), None, SERVICE),
    "Job": (("spec", "template"), ("spec", "parallelism"), JOB),
    "CronJob": (("spec", "jobTemplate", "spec", "template"),
                ("spec", "jobTemplate", "spec", "parallelism"), JOB),
    "PodTemplate": (("template",), None, SERVICE),
    "AutoscalingRunnerSet": (("spec", "template"), ("spec", "maxRunners"), CONTROLLER),
    "EphemeralRunnerSet": (("spec", "ephemeralRunnerSpec"), ("spec", "replicas"), CONTROLLER),
    "EphemeralRunner": (("spec",), None, CONTROLLER),
}
# Owners whose pods a controller ends, or that must end by themselves.
_OWNER_COMPLETION = {"Job": JOB, "ReplicaSet": SERVICE, "StatefulSet": SERVICE,
                     "DaemonSet": SERVICE, "ReplicationController": SERVICE,
                     "EphemeralRunner": CONTROLLER, "Runner": CONTROLLER,
                     "Workflow": CONTROLLER, "TaskRun": CONTROLLER}
_UNKNOWN_TEMPLATES = (("spec", "template"), ("spec", "jobTemplate", "spec", "template"))


def read_documents(documents: list[Document]) -> Catalog:
    catalog = Catalog()
    for document in documents:
        for obj, prefix in _objects(document):
            _read_object(catalog, document, obj, prefix)
    _prefer_running_pods(catalog)
    _apply_autoscalers(catalog)
    return catalog


def _objects(document: Document) -> Iterator[tuple[Any, str]]:
    data = document.data
    if isinstance(data, dict) and isinstance(data.get("kind"), str) \
            and data["kind"].endswith("List") and isinstance(data.get("items"), list):
        for i, item in enumerate(data["items"]):
            yield item, f"items[{i}]."
    else:
        yield data, ""


def _where(document: Document, obj: Any, prefix: str) -> Location:
    fallback = Location(path=document.path, line=document.line)
    return locate(obj, None, prefix.rstrip(".") or "(document)", fallback)


def _read_object(catalog: Catalog, document: Document, obj: Any, prefix: str) -> None:
    where = _where(document, obj, prefix)
    if not isinstance(obj, dict):
        if obj is not None:
            what = f"{prefix.rstrip('.')} of the list" if prefix else \
                f"document {document.index + 1}"
            catalog.note(where, f"{what} is not a mapping; not read")
        return
    kind = obj.get("kind")
    if kind is None:
        if not runners.read_values(catalog, document, obj, where) \
                and not pipelines.read_prow(catalog, document, obj, where):
            catalog.note(where, "no `kind`: not a Kubernetes object, not read")
        return
    if not isinstance(kind, str):
        catalog.problem(locate(obj, "kind", f"{prefix}kind", where),
                        f"kind must be a string, not {show(kind)}")
        return
    if not isinstance(obj.get("metadata", {}), dict):
        catalog.problem(locate(obj, "metadata", f"{prefix}metadata", where),
                        f"metadata must be a mapping, not {show(obj['metadata'])}")
    meta = mapping(obj.get("metadata"))
    namespace = safe_name(meta.get("namespace"), DEFAULT_NAMESPACE)
    stem = os.path.splitext(os.path.basename(document.path))[0]
    name = safe_name(meta.get("name") or meta.get("generateName"),
                     stem if document.index == 0 else f"{stem}-{document.index + 1}")
    ref = Ref(catalog, document, obj, prefix, where, kind, namespace, name)
    reader = _READERS.get(kind)
    if reader is not None:
        reader(ref)
    elif kind in _TEMPLATES:
        _read_template_kind(ref)
    elif not runners.read_runner_kind(ref) and not pipelines.read_pipeline_kind(ref):
        _read_unknown(ref)


def _read_template_kind(ref: Ref) -> None:
    path, replicas, completion = _TEMPLATES[ref.kind]
    pod = template_pod(ref, path, completion)
    if pod is None:
        return
    owner = _controller_owner(mapping(ref.obj.get("metadata")))
    if owner is not None:
        pod.owner = f"{owner[0]} {ref.namespace}/{owner[1]}"
    ref.replicas(pod, replicas)
    if ref.kind == "Deployment":
        pod.rollout_overlap = _surges(mapping(dig(ref.obj, ("spec", "strategy"))))
    elif ref.kind == "StatefulSet":
        pod.claim_templates = claim_templates(ref)
    elif ref.kind == "DaemonSet":
        pod.notes.append("DaemonSet: one pod on every node it selects; its hostPath "
                         "volumes are each node's own")
    elif ref.kind == "AutoscalingRunnerSet" and pod.replicas_at is None:
        pod.notes.append("no maxRunners: as many runners as jobs are queued; read as 1")
    elif ref.kind == "CronJob":
        policy = dig(ref.obj, ("spec", "concurrencyPolicy"))
        if policy in (None, "Allow"):
            pod.notes.append("CronJob with concurrencyPolicy Allow: a run may start while "
                             "the previous one still runs")
    ref.catalog.pods.append(pod)


def _gitlab_job_pod(meta: Mapping[str, Any]) -> bool:
    """A pod of GitLab Runner's Kubernetes executor, by the annotations and labels it
    sets (``job.runner.gitlab.com/id``, ``project.runner.gitlab.com/id``, …)."""
    return any(isinstance(key, str) and ".runner.gitlab.com/" in key
               for key in (*mapping(meta.get("annotations")), *mapping(meta.get("labels"))))


def _read_pod(ref: Ref) -> None:
    spec = ref.obj.get("spec")
    if not isinstance(spec, dict):
        ref.catalog.note(ref.where, f"Pod {ref.namespace}/{ref.name}: no spec; not read")
        return
    restart = spec.get("restartPolicy")
    completion = JOB if restart in ("Never", "OnFailure") else SERVICE
    jenkins = ref.document.path.lower().endswith(".groovy") \
        or os.path.basename(ref.document.path).lower().startswith("jenkinsfile")
    gitlab = _gitlab_job_pod(mapping(ref.obj.get("metadata")))
    if jenkins or gitlab:
        completion = CONTROLLER
    pod = ref.pod(ref.source(spec, ref.obj, "spec", "spec"), ref.obj, completion)
    pod.ended_by = "Jenkins" if jenkins else "GitLab Runner" if gitlab else None
    if jenkins:
        pod.notes.append("Jenkins agent pod: Jenkins adds its jnlp container, runs the steps "
                         "in the containers the pipeline names, and deletes the pod when the "
                         "build ends")
    if gitlab:
        pod.notes.append("GitLab Runner job pod (Kubernetes executor): the runner runs the "
                         "job's script in the build container and deletes the pod when the "
                         "job ends")
    meta = mapping(ref.obj.get("metadata"))
    owner = _controller_owner(meta)
    if owner is not None:
        pod.owner = f"{owner[0]} {ref.namespace}/{owner[1]}"
        pod.completion = _OWNER_COMPLETION.get(owner[0], pod.completion)
    status = ref.obj.get("status")
    if isinstance(status, dict):
        pod.status = status
    node = spec.get("nodeName")
    if isinstance(node, str) and node:
        pod.node = safe_name(node, "")
    ref.catalog.pods.append(pod)


def _surges(strategy: Mapping[str, Any]) -> bool:
    """Whether a Deployment's rolling update runs a new pod beside an old one: the default
    strategy (RollingUpdate, maxSurge 25%, at least one pod) does; Recreate and a zero
    surge do not."""
    if strategy.get("type") == "Recreate":
        return False
    surge = mapping(strategy.get("rollingUpdate")).get("maxSurge", "25%")
    return surge not in (0, "0", "0%")


def _controller_owner(meta: Mapping[str, Any]) -> tuple[str, str] | None:
    for owner in sequence(meta.get("ownerReferences")):
        owner = mapping(owner)
        if owner.get("controller") is True and isinstance(owner.get("kind"), str) \
                and isinstance(owner.get("name"), str):
            return owner["kind"], owner["name"]
    return None


def _read_unknown(ref: Ref) -> None:
    for path in _UNKNOWN_TEMPLATES:
        template = dig(ref.obj, path)
        if isinstance(template, dict) and isinstance(mapping(template.get("spec"))
                                                     .get("containers"), list):
            pod = template_pod(ref, path, SERVICE)
            break
    else:
        spec = ref.obj.get("spec")
        if not isinstance(mapping(spec).get("containers"), list):
            return
        pod = ref.pod(ref.source(spec, ref.obj, "spec", "spec"), ref.obj, SERVICE)
    if pod is None:
        return
    ref.replicas(pod, ("spec", "replicas"))
    message = (f"{ref.kind} is not a kind dindcheck knows; its pod template "
               f"({pod.spec.field}) was read as a pod that runs until stopped")
    pod.notes.append(message)
    ref.catalog.note(ref.where, f"{ref.kind} {ref.namespace}/{ref.name}: {message}")
    ref.catalog.pods.append(pod)


# --------------------------------------------------------------------------- the catalog


def _read_claim(ref: Ref) -> None:
    ref.catalog.claims[(ref.namespace, ref.name)] = Source(
        mapping(ref.obj.get("spec")), ref.prefix + "spec", ref.where)


def _read_config_map(ref: Ref) -> None:
    data = ref.obj.get("data")
    if isinstance(data, dict):
        ref.catalog.config_maps[(ref.namespace, ref.name)] = Source(
            data, ref.prefix + "data", ref.at(ref.obj, "data", "data"))


def _read_service(ref: Ref) -> None:
    spec = mapping(ref.obj.get("spec"))
    selector = spec.get("selector")
    if not isinstance(selector, dict) or not selector:
        return
    items = spec.get("ports")
    ports = [Source(item, f"{ref.prefix}spec.ports[{i}]",
                    locate(item, None, f"{ref.prefix}spec.ports[{i}]", ref.where))
             for i, item in enumerate(sequence(items)) if isinstance(item, dict)]
    ref.catalog.services.append(Service(ref.namespace, ref.name, selector, ports,
                                        spec.get("clusterIP") == "None"))


def _read_runtime_class(ref: Ref) -> None:
    handler = ref.obj.get("handler")
    if isinstance(handler, str):
        ref.catalog.runtime_classes[ref.name] = (handler, ref.at(ref.obj, "handler",
                                                                 "handler"))


def _read_autoscaler(ref: Ref) -> None:
    spec = mapping(ref.obj.get("spec"))
    target = mapping(spec.get("scaleTargetRef"))
    name = target.get("name")
    if not isinstance(name, str):
        return
    kind = target.get("kind")
    if not isinstance(kind, str):
        kind = "RunnerDeployment" if ref.kind == "HorizontalRunnerAutoscaler" else ""
    value = spec.get("maxReplicas")
    if value is None:
        return
    at = ref.at(spec, "maxReplicas", "spec.maxReplicas")
    number = count(value, "maxReplicas")
    if isinstance(number, str):
        ref.catalog.problem(at, number)
    elif isinstance(number, int):
        ref.catalog.autoscalers[(ref.namespace, kind, name)] = (number, at,
                                                                f"{ref.kind} {ref.name}")


def _read_namespace(ref: Ref) -> None:
    labels = mapping(mapping(ref.obj.get("metadata")).get("labels"))
    ref.catalog.namespaces[ref.name] = labels


_READERS = {
    "Pod": _read_pod,
    "PersistentVolumeClaim": _read_claim,
    "ConfigMap": _read_config_map,
    "Service": _read_service,
    "RuntimeClass": _read_runtime_class,
    "HorizontalPodAutoscaler": _read_autoscaler,
    "HorizontalRunnerAutoscaler": _read_autoscaler,
    "Namespace": _read_namespace,
}


# --------------------------------------------------------------------------- cluster state


def _prefer_running_pods(catalog: Catalog) -> None:
    """Drop the templates of controllers whose pods are in the input (a Job's CronJob too,
    when the Job is in the input)."""
    owners = {(p.kind, p.namespace, p.name): _split_owner(p.owner)
              for p in catalog.pods if p.kind != "Pod" and p.owner is not None}
    covered: dict[tuple[str, str, str], int] = {}
    for pod in catalog.pods:
        if pod.kind != "Pod" or pod.owner is None:
            continue
        chain = _owner_chain(*_split_owner(pod.owner), pod.labels)
        while chain[-1] in owners and owners[chain[-1]] not in chain and len(chain) < 8:
            chain.append(owners[chain[-1]])
        for key in chain:
            covered[key] = covered.get(key, 0) + 1
    if not covered:
        return
    kept: list[Pod] = []
    for pod in catalog.pods:
        key = (pod.kind, pod.namespace, pod.name)
        if pod.kind != "Pod" and key in covered:
            catalog.note(pod.where, f"{pod.kind} {pod.namespace}/{pod.name}: read from its "
                                    f"{covered[key]} pod(s) in the input, not its template")
            continue
        kept.append(pod)
    catalog.pods = kept


def _split_owner(owner: str) -> tuple[str, str, str]:
    kind, _, rest = owner.partition(" ")
    namespace, _, name = rest.partition("/")
    return kind, namespace, name


def _owner_chain(kind: str, namespace: str, name: str,
                 labels: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    keys = [(kind, namespace, name)]
    suffix = labels.get("pod-template-hash")
    if kind == "ReplicaSet" and isinstance(suffix, str) and name.endswith("-" + suffix):
        keys.append(("Deployment", namespace, name[:-len(suffix) - 1]))
    return keys


def _apply_autoscalers(catalog: Catalog) -> None:
    for pod in catalog.pods:
        found = catalog.autoscalers.get((pod.namespace, pod.kind, pod.name))
        if found is None:
            continue
        maximum, at, by = found
        if maximum > pod.replicas:
            pod.notes.append(f"{by} scales it from {pod.replicas} up to {maximum} replicas")
            pod.replicas, pod.replicas_at = maximum, at
