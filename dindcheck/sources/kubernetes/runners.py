"""Runner pods of GitHub's actions-runner-controller (ARC), as the controller builds them.

Legacy ARC (``actions.summerwind.dev``: ``RunnerDeployment``, ``RunnerReplicaSet``,
``Runner``, ``RunnerSet``) writes little of the pod: its controller adds the ``runner``
container, a privileged ``docker`` sidecar running
``dockerd --host=unix:///run/docker.sock`` (or, with ``dockerdWithinRunnerContainer``,
a privileged runner that runs dockerd itself), and emptyDirs for ``/runner``, the work
folder and ``/run``. This module adds what the controller adds
(``newRunnerPodWithContainerMode`` in controllers/actions.summerwind.net/runner_controller.go
of https://github.com/actions/actions-runner-controller), located at the field that
makes it add them.

Values of the ``gha-runner-scale-set`` chart (``containerMode.type: dind``) become the
pod the chart renders (``templates/autoscalingrunnerset.yaml`` and ``_helpers.tpl``):
an ``init-dind-externals`` init container, a privileged ``docker:dind`` daemon (a native
sidecar from Kubernetes 1.29, which is assumed), the runner with
``DOCKER_HOST=unix:///var/run/docker.sock``, and emptyDirs ``dind-sock`` and
``dind-externals``. Rendered ``AutoscalingRunnerSet`` objects are plain pod templates.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from dindcheck.model import Location
from dindcheck.sources.kubernetes.catalog import Catalog, Ref, claim_templates, dig
from dindcheck.sources.kubernetes.documents import Document
from dindcheck.sources.kubernetes.pods import (
    CONTROLLER,
    INIT,
    MAIN,
    SIDECAR,
    Container,
    Pod,
    Source,
    locate,
    mapping,
    pod_containers,
    pod_volumes,
    reindex,
    sequence,
)
from dindcheck.sources.kubernetes.scalars import (
    Unknown,
    flag,
    is_placeholder,
    quantity,
    safe_name,
    show,
    string,
)
from dindcheck.yamlload import PosDict

LEGACY_CONTROLLER = "the runner controller (actions.summerwind.dev)"
CHART = "the gha-runner-scale-set chart"
# The legacy controller's --docker-image (the chart's image.dindSidecarRepositoryAndTag).
LEGACY_DOCKER_IMAGE = "docker:dind"
LEGACY_WORK_DIR = "/runner/_work"
_VALUES_KEYS = ("githubConfigUrl", "githubConfigSecret", "containerMode", "runnerScaleSetName",
                "maxRunners", "minRunners")


def read_runner_kind(ref: Ref) -> bool:
    """Read a legacy ARC resource; False when ``ref`` is not one."""
    if ref.kind in ("RunnerDeployment", "RunnerReplicaSet"):
        path: tuple[str, ...] = ("spec", "template", "spec")
    elif ref.kind == "Runner":
        path = ("spec",)
    elif ref.kind == "RunnerSet":
        _read_runner_set(ref)
        return True
    else:
        return False
    spec = dig(ref.obj, path)
    dotted = ".".join(path)
    if not isinstance(spec, dict):
        ref.catalog.note(ref.where, f"{ref.kind} {ref.namespace}/{ref.name}: no runner spec "
                                    f"at {dotted}; not read")
        return True
    source = ref.source(spec, dig(ref.obj, path[:-1]), path[-1], dotted)
    template = mapping(dig(ref.obj, path[:-1])) if len(path) > 1 else ref.obj
    pod = _Legacy(ref, source, source, template, pod_extras=True).build()
    if ref.kind != "Runner":
        ref.replicas(pod, ("spec", "replicas"))
    ref.catalog.pods.append(pod)
    return True


def _read_runner_set(ref: Ref) -> None:
    spec = ref.obj.get("spec")
    template = mapping(dig(ref.obj, ("spec", "template")))
    pod_spec = template.get("spec")
    if not isinstance(spec, dict) or not isinstance(pod_spec, dict):
        ref.catalog.note(ref.where, f"RunnerSet {ref.namespace}/{ref.name}: no pod template "
                                    "at spec.template.spec; not read")
        return
    config = ref.source(spec, ref.obj, "spec", "spec")
    pod_source = ref.source(pod_spec, template, "spec", "spec.template.spec")
    pod = _Legacy(ref, config, pod_source, template, pod_extras=False).build()
    pod.claim_templates = claim_templates(ref)
    ref.replicas(pod, ("spec", "replicas"))
    ref.catalog.pods.append(pod)


def _copy(value: Mapping[str, Any]) -> PosDict:
    """A mapping to add keys to, keeping the positions of the keys it had."""
    result = PosDict(getattr(value, "mark", None))
    result.update(value)
    if isinstance(value, PosDict):
        result.key_marks.update(value.key_marks)
    return result


def _env(name: str, value: str) -> dict[str, Any]:
    return {"name": name, "value": value}


def _named(items: Any, name: str) -> bool:
    return any(isinstance(i, dict) and i.get("name") == name for i in sequence(items))


class _Legacy:
    """One legacy runner pod, built the way the controller builds it."""

    def __init__(self, ref: Ref, config: Source, pod_spec: Source,
                 template: Mapping[str, Any], *, pod_extras: bool) -> None:
        self.ref = ref
        self.config = config.spec
        self.config_source = config
        self.pod_spec = pod_spec
        self.template = template
        self.extras = pod_extras  # RunnerPodSpec fields (dockerEnv, volumeMounts, …) apply
        self.notes: list[str] = []

    def setting(self, key: str) -> bool | None:
        """A boolean RunnerConfig field: its value, None when unknown (said in a note)."""
        if key not in self.config:
            return None
        value = flag(self.config[key], key)
        at = self.config_source.at(key)
        if isinstance(value, Unknown):
            self.notes.append(f"{key} is a placeholder ({show(value.text)}): unknown")
            return None
        if isinstance(value, str):
            self.ref.catalog.problem(at, value)
            return None
        return value

    def build(self) -> Pod:
        ref, config = self.ref, self.config
        within_setting = self.setting("dockerdWithinRunnerContainer")
        enabled_setting = self.setting("dockerEnabled")
        mode_known = all(value is not None or key not in config for key, value in (
            ("dockerdWithinRunnerContainer", within_setting), ("dockerEnabled", enabled_setting)))
        within = bool(within_setting)
        enabled = enabled_setting is not False
        kubernetes_mode = config.get("containerMode") == "kubernetes"
        if kubernetes_mode:
            within, enabled = False, False
        sidecar = enabled and not within and mode_known
        if not mode_known:
            self.notes.append("whether dockerd runs in the runner container or in a docker "
                              "sidecar is not known; the controller's docker sidecar is "
                              "not read")
        work_dir = string(config.get("workDir"), LEGACY_WORK_DIR)
        containers = self._containers(sidecar)
        runner = self._find(containers, "runner") or self._added("runner", MAIN, "image")
        docker = self._find(containers, "docker")
        if sidecar and docker is None:
            docker = self._added("docker", MAIN, "dockerEnabled")
        if not sidecar:
            # A written docker container stays as written, except in kubernetes mode.
            if kubernetes_mode:
                containers = [c for c in containers if c.name != "docker"]
            docker = None
        privileged = not mapping(mapping(self.pod_spec.spec.get("securityContext"))
                                 .get("seLinuxOptions"))
        volumes = list(pod_volumes(self.pod_spec))
        runner_spec = self._runner(runner, within, within and privileged, work_dir, sidecar)
        runner = Container(Source(runner_spec, runner.source.field, runner.source.fallback,
                                  runner.source.added_by), MAIN, 0,
                           "dockerdWithinRunnerContainer" if within else None)
        if docker is not None:
            docker = Container(Source(self._docker(docker, privileged, work_dir),
                                      docker.source.field, docker.source.fallback,
                                      docker.source.added_by), MAIN, 0)
            volumes.extend(self._sidecar_volumes(volumes))
        if self._runner_volume_on():
            volumes.append(self._added_volume("runner", self._runner_empty_dir(),
                                              "volumeSizeLimit"))
        ordered = [runner, *[c for c in containers if c.name != "runner"
                             and (docker is None or c.name != "docker")]]
        if docker is not None:
            ordered.append(docker)
        init = [c for c in pod_containers(self.pod_spec) if c.role in (INIT, SIDECAR)]
        if self.extras:
            ordered.extend(self._list_containers("sidecarContainers", MAIN))
        pod = Pod(ref.namespace, ref.name, ref.kind, ref.document, ref.where, self.pod_spec,
                  reindex([*init, *ordered]), volumes,
                  labels=mapping(mapping(self.template.get("metadata")).get("labels")),
                  annotations=mapping(mapping(self.template.get("metadata"))
                                      .get("annotations")),
                  completion=CONTROLLER)
        pod.notes.extend(self.notes)
        if docker is not None:
            pod.notes.append(f"the docker sidecar and its emptyDirs are added by "
                             f"{LEGACY_CONTROLLER}")
        elif within:
            pod.notes.append("dockerdWithinRunnerContainer: the runner image runs dockerd "
                             "itself, privileged")
        return pod

    # --- containers ------------------------------------------------------------------

    def _containers(self, sidecar: bool) -> list[Container]:
        written = [c for c in pod_containers(self.pod_spec) if c.role == MAIN]
        if not self.extras:
            return written
        if written:
            return [self._with_defaults(c) for c in written]
        result = [self._added("runner", MAIN, "image")]
        if sidecar:
            result.append(self._added("docker", MAIN, "dockerEnabled"))
        return [self._with_defaults(c) for c in result]

    def _with_defaults(self, container: Container) -> Container:
        """RunnerPodSpec fields that fill the runner's and docker's empty fields."""
        defaults = {"runner": {"env": "env", "envFrom": "envFrom"},
                    "docker": {"volumeMounts": "dockerVolumeMounts", "env": "dockerEnv",
                               "resources": "dockerdContainerResources"}}.get(container.name)
        if not defaults:
            return container
        spec = _copy(container.spec)
        for key, source in defaults.items():
            if not spec.get(key) and self.config.get(source):
                spec[key] = self.config[source]
                mark = getattr(self.config, "key_marks", {}).get(source)
                if mark is not None:
                    spec.key_marks[key] = mark
        return Container(Source(spec, container.source.field, container.source.fallback,
                                container.source.added_by), container.role, container.index)

    def _find(self, containers: list[Container], name: str) -> Container | None:
        return next((c for c in containers if c.name == name), None)

    def _added(self, name: str, role: str, because: str) -> Container:
        field = f"{self.pod_spec.field}.containers[{name}]"
        at = self.config_source.at(because) if because in self.config \
            else self.config_source.at()
        fallback = Location(path=at.path, line=at.line, column=at.column, field=field)
        spec = PosDict(None)
        spec["name"] = name
        return Container(Source(spec, field, fallback, LEGACY_CONTROLLER), role, 0)

    def _list_containers(self, key: str, role: str) -> list[Container]:
        items = self.config.get(key)
        return [Container(Source(item, f"{self.config_source.field}.{key}[{i}]",
                                 locate(item, None, f"{self.config_source.field}.{key}[{i}]",
                                        self.config_source.fallback)), role, 0)
                for i, item in enumerate(sequence(items)) if isinstance(item, dict)]

    def _runner(self, runner: Container, within: bool, privileged: bool, work_dir: str,
                sidecar: bool) -> PosDict:
        config, spec = self.config, _copy(runner.spec)
        spec["name"] = "runner"
        image = config.get("image")
        if isinstance(image, str) and image:
            spec["image"] = image
            mark = getattr(config, "key_marks", {}).get("image")
            if mark is not None:
                spec.key_marks["image"] = mark
        elif not isinstance(spec.get("image"), str):
            self.notes.append("no runner image: the controller's default runner image "
                              "(--runner-image)")
        env = list(sequence(spec.get("env")))
        env.append(_env("DOCKER_ENABLED", "true" if (sidecar or within) else "false"))
        env.append(_env("DOCKERD_IN_RUNNER", "true" if within else "false"))
        mtu, mirror = config.get("dockerMTU"), config.get("dockerRegistryMirror")
        if within and isinstance(mtu, int) and not isinstance(mtu, bool):
            env.append(_env("MTU", str(mtu)))
        if within and isinstance(mirror, str) and mirror:
            env.append(_env("DOCKER_REGISTRY_MIRROR", mirror))
        mounts = list(sequence(spec.get("volumeMounts")))
        if self._runner_volume_on():
            mounts.append({"name": "runner", "mountPath": "/runner"})
        if sidecar:
            env.append(_env("DOCKER_HOST", "unix:///run/docker.sock"))
            if not _named(mounts, "work"):
                mounts.append({"name": "work", "mountPath": work_dir})
            if not _named(mounts, "var-run"):
                mounts.append({"name": "var-run", "mountPath": "/run"})
        if self.extras and sequence(config.get("volumeMounts")):
            extra = sequence(config["volumeMounts"])
            if _named(extra, "work"):
                mounts = [m for m in mounts if not (isinstance(m, dict)
                                                    and m.get("name") == "work")]
            mounts.extend(extra)
        spec["env"], spec["volumeMounts"] = env, mounts
        setting = config.get("dockerdWithinRunnerContainer")
        if privileged or (is_placeholder(setting) and "privileged" not in mapping(
                spec.get("securityContext"))):
            # Privileged when dockerd runs in the runner; as unknown as the switch when
            # the switch is a placeholder.
            context = _copy(mapping(spec.get("securityContext")))
            context["privileged"] = True if privileged else setting
            mark = getattr(config, "key_marks", {}).get("dockerdWithinRunnerContainer")
            if mark is not None:
                context.key_marks["privileged"] = mark
            spec["securityContext"] = context
        return spec

    def _docker(self, docker: Container, privileged: bool, work_dir: str) -> PosDict:
        config, spec = self.config, _copy(docker.spec)
        spec["name"] = "docker"
        args = ["dockerd", "--host=unix:///run/docker.sock",
                *[str(a) for a in sequence(spec.get("args"))]]
        env = list(sequence(spec.get("env")))
        if not _named(env, "DOCKER_GROUP_GID"):
            image = str(mapping(self.config).get("image") or "")
            gid = "121" if "22.04" in image else "1001" if "20.04" in image else None
            if gid is not None:
                env.append(_env("DOCKER_GROUP_GID", gid))
        args.append("--group=$(DOCKER_GROUP_GID)")
        mounts = list(sequence(spec.get("volumeMounts")))
        mounts.append({"name": "runner", "mountPath": "/runner"})
        if not _named(mounts, "var-run"):
            mounts.append({"name": "var-run", "mountPath": "/run"})
        if not _named(mounts, "work"):
            mounts.append({"name": "work", "mountPath": work_dir})
        if not isinstance(spec.get("image"), str) or not spec.get("image"):
            spec["image"] = LEGACY_DOCKER_IMAGE
            self.notes.append(f"docker sidecar image: the controller's --docker-image, "
                              f"{LEGACY_DOCKER_IMAGE} unless the controller was installed "
                              "with another")
        if "securityContext" not in spec:
            spec["securityContext"] = {"privileged": privileged}
        if "lifecycle" not in spec:
            # The controller holds the sidecar's stop until the runner has stopped.
            spec["lifecycle"] = {"preStop": {"exec": {"command": [
                "/bin/sh", "-c", "while [ -f /runner/.runner ]; do sleep 1; done"]}}}
        mtu = config.get("dockerMTU")
        if isinstance(mtu, int) and not isinstance(mtu, bool):
            env.append(_env("DOCKERD_ROOTLESS_ROOTLESSKIT_MTU", str(mtu)))
            args.extend(["--mtu", str(mtu)])
        mirror = config.get("dockerRegistryMirror")
        if isinstance(mirror, str) and mirror:
            args.append(f"--registry-mirror={mirror}")
        spec["args"], spec["env"], spec["volumeMounts"] = args, env, mounts
        return spec

    # --- volumes ---------------------------------------------------------------------

    def _runner_volume_on(self) -> bool:
        limit = self.config.get("volumeSizeLimit")
        return limit is None or quantity(limit) != 0

    def _runner_empty_dir(self) -> dict[str, Any]:
        empty: dict[str, Any] = {}
        medium, limit = self.config.get("volumeStorageMedium"), self.config.get("volumeSizeLimit")
        if isinstance(medium, str):
            empty["medium"] = medium
        if limit is not None:
            empty["sizeLimit"] = limit
        return {"name": "runner", "emptyDir": empty}

    def _added_volume(self, name: str, spec: dict[str, Any], because: str) -> Source:
        field = f"{self.pod_spec.field}.volumes[{name}]"
        at = self.config_source.at(because) if because in self.config \
            else self.config_source.at()
        return Source(spec, field, Location(path=at.path, line=at.line, column=at.column,
                                            field=field), LEGACY_CONTROLLER)

    def _sidecar_volumes(self, volumes: list[Source]) -> list[Source]:
        added = []
        if not any(v.spec.get("name") == "work" for v in volumes):
            added.append(self._added_volume("work", {"name": "work", "emptyDir": {}},
                                            "workDir"))
        limit = self.config.get("dockerVarRunVolumeSizeLimit", "1M")
        added.append(self._added_volume(
            "var-run", {"name": "var-run", "emptyDir": {"medium": "Memory", "sizeLimit": limit}},
            "dockerVarRunVolumeSizeLimit"))
        return added


# --------------------------------------------------------------------------- chart values


def read_values(catalog: Catalog, document: Document, obj: Mapping[str, Any],
                where: Location) -> bool:
    """Values of the gha-runner-scale-set chart; False when ``obj`` is not such values."""
    template = obj.get("template")
    spec = mapping(template).get("spec")
    if not isinstance(spec, dict) or not any(k in obj for k in _VALUES_KEYS):
        return False
    stem = os.path.splitext(os.path.basename(document.path))[0]
    name = safe_name(obj.get("runnerScaleSetName"), stem)
    ref = Ref(catalog, document, obj, "", where, "AutoscalingRunnerSet", "default", name)
    pod_spec = ref.source(spec, template, "spec", "template.spec")
    mode = mapping(obj.get("containerMode")).get("type")
    pod = ref.pod(pod_spec, mapping(template), CONTROLLER)
    pod.notes.append(f"values of {CHART}: the pod it renders from template.spec")
    if mode == "dind":
        _chart_dind(ref, pod, pod_spec)
    ref.replicas(pod, ("maxRunners",))
    if pod.replicas_at is None:
        pod.notes.append("no maxRunners: as many runners as jobs are queued; read as 1")
    catalog.pods.append(pod)
    return True


def _chart_dind(ref: Ref, pod: Pod, pod_spec: Source) -> None:
    """``containerMode.type: dind``: the init container, daemon, runner and volumes the
    chart renders (on Kubernetes 1.29 or later, where dind is a native sidecar)."""
    mode_at = locate(mapping(ref.obj.get("containerMode")), "type", "containerMode.type",
                     ref.where)
    written = pod.containers
    runner = next((c for c in written if c.role == MAIN and c.name == "runner"), None)
    runner_spec = _copy(runner.spec) if runner is not None else PosDict(None)
    image = runner_spec.get("image")

    def added(name: str, spec: dict[str, Any], role: str) -> Container:
        field = f"{pod_spec.field}.initContainers[{name}]" if role != MAIN \
            else f"{pod_spec.field}.containers[{name}]"
        fallback = Location(path=mode_at.path, line=mode_at.line, column=mode_at.column,
                            field=field)
        return Container(Source(spec, field, fallback, CHART), role, 0)

    init = added("init-dind-externals", {
        "name": "init-dind-externals", "image": image, "command": ["cp"],
        "args": ["-r", "/home/runner/externals/.", "/home/runner/tmpDir/"],
        "volumeMounts": [{"name": "dind-externals", "mountPath": "/home/runner/tmpDir"}]},
        INIT)
    daemon = added("dind", {
        "name": "dind", "image": "docker:dind", "restartPolicy": "Always",
        "args": ["dockerd", "--host=unix:///var/run/docker.sock", "--group=$(DOCKER_GROUP_GID)"],
        "env": [_env("DOCKER_GROUP_GID", "123")],
        "securityContext": {"privileged": True},
        "startupProbe": {"exec": {"command": ["docker", "info"]}, "initialDelaySeconds": 0,
                         "failureThreshold": 24, "periodSeconds": 5},
        "volumeMounts": [{"name": "work", "mountPath": "/home/runner/_work"},
                         {"name": "dind-sock", "mountPath": "/var/run"},
                         {"name": "dind-externals", "mountPath": "/home/runner/externals"}]},
        SIDECAR)
    env = list(sequence(runner_spec.get("env")))
    if not _named(env, "DOCKER_HOST"):
        env.append(_env("DOCKER_HOST", "unix:///var/run/docker.sock"))
    if not _named(env, "RUNNER_WAIT_FOR_DOCKER_IN_SECONDS"):
        env.append(_env("RUNNER_WAIT_FOR_DOCKER_IN_SECONDS", "120"))
    mounts = list(sequence(runner_spec.get("volumeMounts")))
    if not _named(mounts, "work"):
        mounts.append({"name": "work", "mountPath": "/home/runner/_work"})
    if not _named(mounts, "dind-sock"):
        mounts.append({"name": "dind-sock", "mountPath": "/var/run"})
    runner_spec["name"], runner_spec["env"], runner_spec["volumeMounts"] = "runner", env, mounts
    runner_container = Container(Source(
        runner_spec, runner.source.field if runner else f"{pod_spec.field}.containers[runner]",
        runner.source.fallback if runner else mode_at, None if runner else CHART), MAIN, 0)
    others = [c for c in written if c.role == MAIN and c.name not in ("runner", "dind")]
    user_init = [c for c in written if c.role != MAIN]
    pod.containers = reindex([init, daemon, *user_init, runner_container, *others])
    volumes = [v for v in pod.volumes if v.spec.get("name") != "work"]
    work = [v for v in pod.volumes if v.spec.get("name") == "work"]
    for name in ("dind-sock", "dind-externals"):
        field = f"{pod_spec.field}.volumes[{name}]"
        volumes.insert(0, Source({"name": name, "emptyDir": {}}, field,
                                 Location(path=mode_at.path, line=mode_at.line,
                                          column=mode_at.column, field=field), CHART))
    if not work:
        field = f"{pod_spec.field}.volumes[work]"
        work = [Source({"name": "work", "emptyDir": {}}, field,
                       Location(path=mode_at.path, line=mode_at.line, column=mode_at.column,
                                field=field), CHART)]
    pod.volumes = [*volumes, *work]
    pod.notes.append("containerMode dind: Kubernetes 1.29 or later assumed (the chart renders "
                     "dind as a native sidecar there, as a plain container before)")
