"""Pods become workloads: one per container, named ``namespace/workload/container``.

What the pod shares reaches every container: its network namespace (``netns`` and
``project`` are the pod, so ``localhost`` and names resolve inside it), its volumes (one
storage identity per pod volume, :mod:`~dindcheck.sources.kubernetes.volumes`), its
security context (a container's own wins), its runtime class, host namespaces and
replica count. ``command`` is the entrypoint and ``args`` the command, ``$(VAR)``
expanded as the kubelet does; ``valueFrom`` variables are recorded, not resolved
(ConfigMaps in the input are read, Secrets never). Start-up order becomes
``depends_on``: a native sidecar (an init container with ``restartPolicy: Always``) starts
before the main containers and holds them until its startup probe passes
(``service_healthy``); a plain init container runs to completion first
(``service_completed_successfully``); plain containers of one pod start together.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dindcheck.model import Location
from dindcheck.redact import redact_argv
from dindcheck.sources.kubernetes.catalog import Catalog, Service
from dindcheck.sources.kubernetes.facts import ContainerFacts
from dindcheck.sources.kubernetes.pods import (
    CONTROLLER,
    INIT,
    JOB,
    MAIN,
    SIDECAR,
    Container,
    Pod,
    item_location,
    locate,
    mapping,
    sequence,
)
from dindcheck.sources.kubernetes.scalars import (
    Unknown,
    count,
    flag,
    quantity,
    show,
    string,
    text,
)
from dindcheck.sources.kubernetes.status import observation, statuses
from dindcheck.sources.kubernetes.volumes import container_mounts, pod_volumes_by_name
from dindcheck.workload import EnvVar, Healthcheck, Port, SuppressionSource, Workload

ORIGIN = "kubernetes"
# What a format's own switch means, for a container it says runs dockerd.
DECLARED = {"dockerdWithinRunnerContainer": "dockerdWithinRunnerContainer: the runner image "
                                            "runs dockerd itself, beside the runner"}
IGNORE_ANNOTATION = "dindcheck.io/ignore"
IGNORE_REASON_ANNOTATION = "dindcheck.io/ignore-reason"
_SHELLS = {"sh", "bash", "ash", "dash", "zsh"}
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
_VARIABLE = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")
# A command that loops until a daemon answers (`until docker info`, `while ! nc -z …`).
_POLLS = re.compile(r"\b(?:until|while)\b[^;\n]*?(?:\bdocker\s+(?:info|ps|version|system)\b"
                    r"|\bnc\b[^;\n]*-z|_ping\b|docker\.sock)")
_APPARMOR = "container.apparmor.security.beta.kubernetes.io/"
_SECCOMP_POD = "seccomp.security.alpha.kubernetes.io/pod"
_SECCOMP = "container.seccomp.security.alpha.kubernetes.io/"
_PSA = "pod-security.kubernetes.io/enforce"
_SHAPES: dict[str, tuple[type, str]] = {
    "name": (str, "a string"), "image": (str, "a string"), "command": (list, "a list"),
    "args": (list, "a list"), "env": (list, "a list"), "envFrom": (list, "a list"),
    "volumeMounts": (list, "a list"), "ports": (list, "a list"),
    "securityContext": (dict, "a mapping"), "resources": (dict, "a mapping")}
_TEKTON = {"Task", "ClusterTask", "TaskRun", "Pipeline", "PipelineRun"}
_ARGO = {"Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"}


@dataclass(slots=True)
class Built:
    workloads: list[Workload] = field(default_factory=list)
    facts: dict[str, ContainerFacts] = field(default_factory=dict)
    unresolved: set[str] = field(default_factory=set)


def build(catalog: Catalog) -> Built:
    built = Built()
    ids: dict[str, int] = {}
    for pod in catalog.pods:
        _Pod(pod, catalog, built, ids).build()
    return built


class _Pod:
    """One pod's containers as workloads."""

    def __init__(self, pod: Pod, catalog: Catalog, built: Built, ids: dict[str, int]) -> None:
        self.pod = pod
        self.catalog = catalog
        self.built = built
        self.ids = ids
        self.spec = pod.spec.spec
        self.volumes = pod_volumes_by_name(pod, catalog)
        self.statuses = statuses(pod.status) if pod.status is not None else None
        self.names = {c.index: f"{pod.namespace}/{pod.name}/{c.name}" for c in pod.containers}
        self.container_notes: list[str] = []
        # What the pod shares with every container, read once.
        self._check_pod()
        self.host_network = self._switch("hostNetwork")
        self.host_pid, self.host_ipc = self._switch("hostPID"), self._switch("hostIPC")
        self.runtime, self.runtime_note = self._runtime()
        self.context = mapping(self.spec.get("securityContext"))
        self.exposure = _exposure(pod, catalog.services)
        self.loopback_names = _loopback_aliases(self.spec)
        self.suppress = tuple(_suppressions(pod))
        self.suppress_source = SuppressionSource(
            by=f"annotation {IGNORE_ANNOTATION}", location=pod.where,
            reason=_suppression_reason(pod)) if self.suppress else None
        level = catalog.namespaces.get(pod.namespace, {}).get(_PSA)
        self.pod_security = level if isinstance(level, str) else None

    def build(self) -> None:
        for container in self.pod.containers:
            self._container(container)

    # --- pod level -------------------------------------------------------------------

    def _check_pod(self) -> None:
        """Lists of the pod spec that the API server would refuse, as located problems."""
        source = self.pod.spec
        for key in ("containers", "initContainers", "volumes"):
            if key not in self.spec:
                continue
            items = self.spec[key]
            if not isinstance(items, list):
                self.catalog.problem(source.at(key), f"{key} must be a list, not {show(items)}")
                continue
            for i, item in enumerate(items):
                if not isinstance(item, dict):
                    self.catalog.problem(
                        item_location(items, i, f"{source.field}.{key}[{i}]", source.fallback),
                        f"{key}[{i}] must be a mapping, not {show(item)}")

    def _check_container(self, container: Container) -> None:
        """Container fields of the wrong shape, as located problems (then ignored)."""
        spec = container.spec
        for key, (kind, words) in _SHAPES.items():
            value = spec.get(key)
            if value is None:
                continue
            if not isinstance(value, kind):
                self.catalog.problem(container.source.at(key),
                                     f"{key} must be {words}, not {show(value)}")
            elif key in ("command", "args"):
                bad = [w for w in sequence(value) if not isinstance(w, str)]
                if bad:
                    self.catalog.problem(container.source.at(key),
                                         f"{key} must hold strings, not {show(bad[0])} "
                                         "(quote it)")

    def _switch(self, key: str) -> bool:
        """A boolean of the pod spec (``hostNetwork``…); false when absent or unreadable."""
        if key not in self.spec:
            return False
        value = flag(self.spec[key], key)
        if isinstance(value, str):
            self.catalog.problem(self.pod.spec.at(key), value)
            return False
        if isinstance(value, Unknown):
            self.pod.notes.append(f"{key} is a placeholder ({show(value.text)}): read as false")
            return False
        return value

    def _runtime(self) -> tuple[str | None, str | None]:
        name = self.spec.get("runtimeClassName")
        if not isinstance(name, str) or not name:
            return None, None
        found = self.catalog.runtime_classes.get(name)
        if found is None or found[0] == name:
            return name, None
        return found[0], f"runtimeClassName {name} runs the handler {found[0]}"

    # --- one container ---------------------------------------------------------------

    def _container(self, container: Container) -> None:
        pod, spec, source = self.pod, container.spec, container.source
        pod_context, pod_security = self.context, self.pod_security
        name = self.names[container.index]
        workload_id = f"{pod.namespace}/{pod.kind}/{pod.name}/{container.name}"
        seen = self.ids.get(workload_id, 0)
        self.ids[workload_id] = seen + 1
        if seen:
            workload_id = f"{workload_id}#{seen + 1}"
        self.container_notes = []
        self._check_container(container)
        env, env_sources, env_from, field_refs = self._environment(container)
        values = {k: v.value for k, v in env.items() if v.value is not None}
        entrypoint = _words(spec, "command", values)
        command = _words(spec, "args", values)
        context = mapping(spec.get("securityContext"))
        privileged = self._privileged(container, context)
        probes = {k: check for k in ("startupProbe", "readinessProbe", "livenessProbe")
                  if (check := _probe(spec.get(k))) is not None}
        healthcheck = probes.get("startupProbe") or probes.get("readinessProbe")
        mounts, mount_facts = container_mounts(container, pod, self.volumes, self.catalog,
                                               field_refs)
        resources = mapping(spec.get("resources"))
        limits, requests = mapping(resources.get("limits")), mapping(resources.get("requests"))
        aliases, service_ports = self.exposure.get(container.index, (frozenset(), ()))
        aliases |= self.loopback_names
        depends_on, depends_at = self._depends_on(container)
        polls = _polls(container, entrypoint, command, env)
        notes = [*pod.notes, *self.container_notes]
        if pod.kind == "Pod" and pod.owner is not None:
            notes.append(f"a pod of {pod.owner}")
        if source.added_by:
            notes.append(f"not written in the input: added by {source.added_by}")
        if self.runtime_note:
            notes.append(self.runtime_note)
        if privileged and pod_security in ("baseline", "restricted"):
            notes.append(f"namespace {pod.namespace} enforces PodSecurity {pod_security}: "
                         "a privileged container is rejected at admission")
        if pod.document.template:
            notes.append(f"rendered from {pod.document.template}")
        if env_from:
            notes.append("environment also from " + ", ".join(env_from) + " (not read)")
        observed = None
        if self.statuses is not None and pod.status is not None:
            observed = observation(self.statuses.get(container.name), pod.status)
        locations = self._locations(container, context, probes, depends_at)
        self.built.workloads.append(Workload(
            name=name, id=workload_id, origin=ORIGIN, project=pod.key,
            image=text(spec.get("image")),
            entrypoint=entrypoint, command=command,
            shown_command=tuple(redact_argv([*_raw(spec, "command"), *_raw(spec, "args")])),
            environment=env, privileged=privileged,
            cap_add=tuple(c for c in sequence(mapping(context.get("capabilities")).get("add"))
                          if isinstance(c, str)),
            security_opt=_security_options(container, context, pod_context, pod),
            runtime=self.runtime, network_mode="host" if self.host_network else None,
            host_network=self.host_network, netns=pod.key, aliases=aliases,
            mounts=mounts, ports=(*_host_ports(container), *service_ports),
            healthcheck=healthcheck, depends_on=depends_on, polls_daemon=polls,
            replicas=pod.replicas, rollout_overlap=pod.rollout_overlap, role=container.role,
            must_complete=self._must_complete(container), ended_by=_ended_by(pod),
            declared_daemon=DECLARED.get(container.daemon or ""),
            memory_limit=quantity(limits.get("memory")),
            ephemeral_storage_limit=quantity(limits.get("ephemeral-storage")),
            pre_stop=bool(mapping(mapping(spec.get("lifecycle")).get("preStop"))),
            pod_security=pod_security,
            suppress=self.suppress, suppress_source=self.suppress_source,
            notes=tuple(dict.fromkeys(notes)), locations=locations,
            observation=observed))
        self.built.facts[workload_id] = ContainerFacts(
            completion=pod.completion, controller=pod.kind,
            restart_policy=text(self.spec.get("restartPolicy")),
            memory_request=quantity(requests.get("memory")),
            run_as_user=_user(context, pod_context),
            run_as_non_root=_first_bool("runAsNonRoot", context, pod_context),
            read_only_root=_first_bool("readOnlyRootFilesystem", context),
            allow_privilege_escalation=_first_bool("allowPrivilegeEscalation", context),
            host_pid=self.host_pid, host_ipc=self.host_ipc,
            host_users=self.spec.get("hostUsers") if isinstance(self.spec.get("hostUsers"),
                                                                bool) else None,
            probes=probes, env_sources=env_sources, env_from=tuple(env_from),
            mounts=mount_facts, template=pod.document.template, added_by=source.added_by)

    def _must_complete(self, container: Container) -> bool:
        """Whether the pod goes on only once this container exits: an init container
        (before the others start), a Job's or Prow job's container, an Argo or Tekton step
        (before the next one and the run's end). Not a sidecar, nor the containers of a
        long-running pod, a Jenkins agent or a runner pod (their controller ends them)."""
        if container.role == INIT:
            return True
        if container.role != MAIN:
            return False
        return self.pod.completion == JOB or self.pod.kind in _ARGO or self.pod.kind in _TEKTON

    def _privileged(self, container: Container, context: Mapping[str, Any]) -> bool | None:
        if "privileged" not in context:
            return False
        value = flag(context["privileged"], "privileged")
        at = locate(context, "privileged", f"{container.source.field}.securityContext"
                                           ".privileged", container.source.fallback)
        if isinstance(value, str):
            self.catalog.problem(at, value)
            return None
        if isinstance(value, Unknown):
            self.container_notes.append(f"privileged is a placeholder ({show(value.text)}): "
                                        "unknown")
            return None
        return value

    def _locations(self, container: Container, context: Mapping[str, Any],
                   probes: Mapping[str, Healthcheck],
                   depends_at: Location | None) -> dict[str, Location]:
        source, spec, pod = container.source, container.spec, self.pod
        field = source.field
        subject = locate(None, None, field, source.fallback) if not isinstance(
            spec, dict) else source.at()
        locations = {"subject": subject, "image": source.at("image")}
        if "privileged" in context:
            locations["privileged"] = locate(context, "privileged",
                                             f"{field}.securityContext.privileged",
                                             source.fallback)
        if "capabilities" in context:
            locations["cap_add"] = locate(context, "capabilities",
                                          f"{field}.securityContext.capabilities",
                                          source.fallback)
        for key in ("command", "args"):
            if key in spec:
                locations.setdefault("command", source.at(key))
                locations.setdefault("entrypoint" if key == "command" else "args",
                                     source.at(key))
        if "env" in spec:
            locations["environment"] = source.at("env")
        for key in ("startupProbe", "readinessProbe"):
            if key in probes:
                locations["healthcheck"] = source.at(key)
                break
        if depends_at is not None:
            locations["depends_on"] = depends_at
        pod_spec = pod.spec
        if "runtimeClassName" in pod_spec.spec:
            locations["runtime"] = pod_spec.at("runtimeClassName")
        if "hostNetwork" in pod_spec.spec:
            locations["network_mode"] = pod_spec.at("hostNetwork")
        locations["replicas"] = pod.replicas_at or pod.where
        if "securityContext" in spec:
            locations["security_opt"] = source.at("securityContext")
        if "ports" in spec:
            locations["ports"] = source.at("ports")
        if "resources" in spec:
            locations["resources"] = source.at("resources")
        return locations

    def _depends_on(self, container: Container) -> tuple[dict[str, str], Location | None]:
        """What the kubelet (or a CI controller) makes this container wait for."""
        pod = self.pod
        result: dict[str, str] = {}
        at: Location | None = None
        tekton = pod.kind in _TEKTON
        if pod.kind in _ARGO:
            return result, at  # Argo starts sidecars and main together
        for other in pod.containers:
            before = other.index < container.index
            if other is container or (not before and not tekton):
                continue
            spec = other.spec
            if other.role == SIDECAR and (before or (tekton and container.role == MAIN)):
                ready = spec.get("startupProbe") or (tekton and spec.get("readinessProbe"))
                result[self.names[other.index]] = ("service_healthy" if ready
                                                   else "service_started")
                at = at or other.source.at("restartPolicy" if "restartPolicy" in spec
                                           else None)
            elif before and (other.role == INIT or (tekton and other.role == MAIN)):
                result[self.names[other.index]] = "service_completed_successfully"
        return result, at

    def _environment(self, container: Container) -> tuple[
            dict[str, EnvVar], dict[str, str], list[str], dict[str, str]]:
        """Variables (envFrom first, ``env`` over it, ``$(VAR)`` expanded in order), where
        ``valueFrom`` ones come from, envFrom sources not in the input, and fieldRefs."""
        source = container.source
        env: dict[str, EnvVar] = {}
        sources: dict[str, str] = {}
        missing: list[str] = []
        field_refs: dict[str, str] = {}
        items = source.spec.get("envFrom")
        for i, item in enumerate(sequence(items)):
            self._env_from(mapping(item), item_location(items, i, f"{source.field}.envFrom[{i}]",
                                                        source.fallback), env, missing)
        items = source.spec.get("env")
        for i, item in enumerate(sequence(items)):
            if not isinstance(item, dict):
                continue
            at = item_location(items, i, f"{source.field}.env[{i}]", source.fallback)
            name = item.get("name")
            if not isinstance(name, str) or not name:
                self.catalog.problem(at, "an environment variable needs a name")
                continue
            value, origin, location = self._env_value(item, at, env, name)
            if origin is not None:
                sources[name] = origin
                if origin.startswith("field "):
                    field_refs[name] = origin[len("field "):]
            env[name] = EnvVar(value=value, location=location)
        self.built.unresolved.update(missing)
        return env, sources, missing, field_refs

    def _env_value(self, item: Mapping[str, Any], at: Location, env: Mapping[str, EnvVar],
                   name: str) -> tuple[str | None, str | None, Location]:
        if "valueFrom" not in item:
            value = item.get("value", "")
            if not isinstance(value, str):
                self.catalog.problem(at, f"the value of {show(name)} must be a string, not "
                                         f"{show(value)} (quote it)")
                return None, None, at
            return _expand(value, {k: v.value for k, v in env.items()
                                   if v.value is not None}), None, at
        source = mapping(item.get("valueFrom"))
        ref = mapping(source.get("configMapKeyRef"))
        if ref:
            found = self.catalog.config_maps.get((self.pod.namespace, str(ref.get("name"))))
            key = ref.get("key")
            if found is not None and isinstance(key, str) and isinstance(found.spec.get(key),
                                                                           str):
                return found.spec[key], None, found.at(key)
            origin = f"configMap {ref.get('name')} key {key}"
            self.built.unresolved.add(f"configMap {self.pod.namespace}/{ref.get('name')}")
            return None, origin, at
        for kind, label in (("secretKeyRef", "secret"), ("fieldRef", "field"),
                            ("resourceFieldRef", "resource")):
            ref = mapping(source.get(kind))
            if ref:
                what = (ref.get("fieldPath") if kind == "fieldRef" else
                        ref.get("resource") if kind == "resourceFieldRef" else
                        f"{ref.get('name')} key {ref.get('key')}")
                return None, f"{label} {what}", at
        return None, "valueFrom", at

    def _env_from(self, item: Mapping[str, Any], at: Location, env: dict[str, EnvVar],
                  missing: list[str]) -> None:
        prefix = string(item.get("prefix"), "")
        ref = mapping(item.get("configMapRef"))
        if ref:
            found = self.catalog.config_maps.get((self.pod.namespace, str(ref.get("name"))))
            if found is None:
                missing.append(f"configMap {self.pod.namespace}/{ref.get('name')}")
                return
            for key, value in found.spec.items():
                if isinstance(key, str) and _ENV_NAME.match(prefix + key) \
                        and isinstance(value, str):
                    env[prefix + key] = EnvVar(value=value, location=found.at(key))
            return
        ref = mapping(item.get("secretRef"))
        if ref:
            missing.append(f"secret {self.pod.namespace}/{ref.get('name')}")


# --------------------------------------------------------------------------- helpers


def _raw(spec: Mapping[str, Any], key: str) -> list[str]:
    return [str(w) for w in sequence(spec.get(key)) if isinstance(w, str | int | float)]


def _words(spec: Mapping[str, Any], key: str,
           values: Mapping[str, str]) -> tuple[str, ...] | None:
    """``command``/``args`` with ``$(VAR)`` expanded; None when not given (the image's)."""
    if key not in spec or not isinstance(spec[key], list):
        return None
    return tuple(_expand(w, values) for w in _raw(spec, key))


def _expand(value: str, values: Mapping[str, str]) -> str:
    """The kubelet's expansion: ``$(NAME)`` of a known variable, ``$$`` is ``$``; an unknown
    reference stays as written."""
    if "$" not in value:
        return value

    def replace(match: re.Match[str]) -> str:
        if match.group() == "$$":
            return "$"
        found = values.get(match.group(1))
        return match.group() if found is None else found

    return _VARIABLE.sub(replace, value)


def _polls(container: Container, entrypoint: tuple[str, ...] | None,
           command: tuple[str, ...] | None, env: Mapping[str, EnvVar]) -> Location | None:
    """Where the container's own command waits until a daemon answers, if it does."""
    for key, words in (("command", entrypoint), ("args", command)):
        if words and _POLLS.search(" ".join(words)):
            return container.source.at(key)
    if _POLLS.search(" ".join([*(entrypoint or ()), *(command or ())])):
        return container.source.at("command")
    # The runner images of actions-runner-controller wait for the daemon themselves.
    for name in ("RUNNER_WAIT_FOR_DOCKER_IN_SECONDS", "WAIT_FOR_DOCKER_SECONDS"):
        wait = env.get(name)
        if wait is not None and env.get("DISABLE_WAIT_FOR_DOCKER",
                                        EnvVar(value=None)).value != "true":
            return wait.location or container.source.at("env")
    return None


def _probe(value: Any) -> Healthcheck | None:
    probe = mapping(value)
    if not probe:
        return None
    command = [str(w) for w in sequence(mapping(probe.get("exec")).get("command"))
               if isinstance(w, str | int)]
    if command:
        shell = command[0].rsplit("/", 1)[-1] in _SHELLS and len(command) > 1 \
            and command[1] == "-c"
        return Healthcheck(test="CMD " + " ".join(command), split=shell and len(command) > 3)
    for kind, label in (("httpGet", "HTTP GET"), ("tcpSocket", "TCP"), ("grpc", "GRPC")):
        target = mapping(probe.get(kind))
        if target:
            host = string(target.get("host"), "")
            path = string(target.get("path"), "")
            return Healthcheck(test=f"{label} {host}:{target.get('port')}{path}")
    return None


def _first_bool(key: str, *contexts: Mapping[str, Any]) -> bool | None:
    for context in contexts:
        if isinstance(context.get(key), bool):
            return bool(context[key])
    return None


def _user(*contexts: Mapping[str, Any]) -> int | None:
    for context in contexts:
        if "runAsUser" in context:
            value = count(context["runAsUser"], "runAsUser")
            return value if isinstance(value, int) else None
    return None


def _security_options(container: Container, context: Mapping[str, Any],
                      pod_context: Mapping[str, Any], pod: Pod) -> tuple[str, ...]:
    """seccomp, AppArmor and SELinux settings in ``docker run --security-opt`` words."""
    options: list[str] = []
    annotations = pod.annotations
    seccomp = mapping(context.get("seccompProfile")) or mapping(pod_context.get("seccompProfile"))
    legacy_seccomp = annotations.get(_SECCOMP + container.name, annotations.get(_SECCOMP_POD))
    if seccomp.get("type") == "Unconfined" or legacy_seccomp == "unconfined":
        options.append("seccomp=unconfined")
    elif seccomp.get("type") == "Localhost" and isinstance(seccomp.get("localhostProfile"), str):
        options.append(f"seccomp={seccomp['localhostProfile']}")
    apparmor = mapping(context.get("appArmorProfile")) or mapping(
        pod_context.get("appArmorProfile"))
    legacy_apparmor = annotations.get(_APPARMOR + container.name)
    if apparmor.get("type") == "Unconfined" or legacy_apparmor == "unconfined":
        options.append("apparmor=unconfined")
    elif apparmor.get("type") == "Localhost" and isinstance(apparmor.get("localhostProfile"),
                                                            str):
        options.append(f"apparmor={apparmor['localhostProfile']}")
    elif isinstance(legacy_apparmor, str) and legacy_apparmor.startswith("localhost/"):
        options.append(f"apparmor={legacy_apparmor[len('localhost/'):]}")
    selinux = mapping(context.get("seLinuxOptions")) or mapping(pod_context.get("seLinuxOptions"))
    if isinstance(selinux.get("type"), str):
        options.append(f"label=type:{selinux['type']}")
    return tuple(options)


def _host_ports(container: Container) -> list[Port]:
    ports: list[Port] = []
    items = container.spec.get("ports")
    for i, item in enumerate(sequence(items)):
        item = mapping(item)
        host = item.get("hostPort")
        number = item.get("containerPort")
        if not isinstance(host, int) or isinstance(host, bool) or host <= 0:
            continue
        protocol = string(item.get("protocol"), "TCP")
        ports.append(Port(
            container_port=number if isinstance(number, int) else None, host_port=str(host),
            host_ip=item.get("hostIP") if isinstance(item.get("hostIP"), str) else None,
            protocol=protocol.lower(),
            location=item_location(items, i, f"{container.source.field}.ports[{i}]",
                                   container.source.fallback)))
    return ports


def _exposure(pod: Pod, services: list[Service]) -> dict[
        int, tuple[frozenset[str], tuple[Port, ...]]]:
    """Service names (aliases) and Service ports (reachable from the whole cluster) of the
    containers that serve a selecting Service's target port."""
    found: dict[int, tuple[set[str], list[Port]]] = {}
    for service in services:
        if service.namespace != pod.namespace or not all(
                pod.labels.get(k) == v for k, v in service.selector.items()):
            continue
        names = {service.name, f"{service.name}.{service.namespace}",
                 f"{service.name}.{service.namespace}.svc",
                 f"{service.name}.{service.namespace}.svc.cluster.local"}
        for port in service.ports:
            number = port.spec.get("port")
            target = port.spec.get("targetPort", number)
            protocol = string(port.spec.get("protocol"), "TCP")
            serving = _serving(pod, target)
            for container, container_port in serving:
                aliases, ports = found.setdefault(container.index, (set(), []))
                aliases.update(names)
                if not service.headless and isinstance(number, int):
                    ports.append(Port(container_port=container_port, host_port=str(number),
                                      protocol=protocol.lower(), location=port.at("port")))
    return {k: (frozenset(a), tuple(p)) for k, (a, p) in found.items()}


def _serving(pod: Pod, target: Any) -> list[tuple[Container, int | None]]:
    """The containers behind a Service target port (all of them when none declares it)."""
    declared = []
    for container in pod.containers:
        if container.role == INIT:
            continue
        for item in sequence(container.spec.get("ports")):
            item = mapping(item)
            number = item.get("containerPort")
            if (isinstance(target, int) and number == target) or (
                    isinstance(target, str) and item.get("name") == target):
                declared.append((container, number if isinstance(number, int) else None))
    if declared or not isinstance(target, int):
        return declared
    return [(c, target) for c in pod.containers if c.role in (MAIN, SIDECAR)]


_ARC = {"AutoscalingRunnerSet", "EphemeralRunnerSet", "EphemeralRunner", "RunnerDeployment",
        "RunnerReplicaSet", "Runner", "RunnerSet"}


def _ended_by(pod: Pod) -> str | None:
    """The CI system or controller that ends a pod once its work is done."""
    if pod.completion != CONTROLLER:
        return None
    if pod.ended_by:
        return pod.ended_by
    kind = pod.owner.split(" ", 1)[0] if pod.kind == "Pod" and pod.owner else pod.kind
    if kind in _ARGO or kind == "Workflow":
        return "Argo Workflows"
    if kind in _TEKTON:
        return "Tekton"
    if kind in _ARC:
        return "actions-runner-controller"
    return "its controller"


_LOOPBACK = re.compile(r"^(?:127(?:\.\d{1,3}){3}|::1|0:0:0:0:0:0:0:1)$")


def _loopback_aliases(spec: Mapping[str, Any]) -> frozenset[str]:
    """The names ``hostAliases`` maps to the pod's own loopback address: they reach every
    container of the pod (GitLab Runner's Kubernetes executor names its services so)."""
    names: set[str] = set()
    for item in sequence(spec.get("hostAliases")):
        item = mapping(item)
        ip = item.get("ip")
        if isinstance(ip, str) and _LOOPBACK.match(ip.strip()):
            names.update(h for h in sequence(item.get("hostnames"))
                         if isinstance(h, str) and h)
    return frozenset(names)


def _suppressions(pod: Pod) -> list[str]:
    value = pod.annotations.get(IGNORE_ANNOTATION)
    if not isinstance(value, str):
        return []
    return [word for word in re.split(r"[\s,]+", value) if word]


def _suppression_reason(pod: Pod) -> str | None:
    value = pod.annotations.get(IGNORE_REASON_ANNOTATION)
    return value.strip() or None if isinstance(value, str) else None
