"""The source as a whole: the real corpus, a recorded cluster, hostile input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dindcheck.sources.kubernetes.facts import KubernetesSetup
from dindcheck.sources.kubernetes.pods import CONTROLLER, INIT, JOB, MAIN, SERVICE, SIDECAR
from dindcheck.sources.kubernetes.source import load_bytes, load_files, load_text
from dindcheck.workload import BIND, EMPTYDIR, PVC, TMPFS, Workload, covering
from tests.repo import CORPUS, require
from tests.sources.kubernetes.kube import (
    DATA,
    facts,
    mount,
    names,
    notes,
    problems,
    workload,
)

K8S_CORPUS = CORPUS / "kubernetes"
DATA_ROOT = "/var/lib/docker"


def _waits(item: Workload) -> str | None:
    """How a client waits for its daemon: held by a sidecar's probe, or its own command."""
    if "service_healthy" in (item.depends_on or {}).values():
        return "probe"
    return "command" if item.polls_daemon is not None else None


def summary(setup: KubernetesSetup, name: str) -> dict[str, Any]:
    """What the rules will look at first, for one workload."""
    item, found = workload(setup, name), facts(setup, name)
    root = covering(item.mounts or (), DATA_ROOT)
    return {"image": item.image, "privileged": item.privileged, "role": item.role,
            "completion": found.completion, "replicas": item.replicas,
            "data_root": None if root is None else (root.kind, root.per_instance),
            "docker_host": item.env("DOCKER_HOST"), "depends_on": dict(item.depends_on),
            "waits": _waits(item), "rollout": item.rollout_overlap,
            "must_complete": item.must_complete,
            "host_binds": sorted((m.source or "", m.target) for m in item.mounts or ()
                                 if m.kind == BIND)}


# (file, workload names, problems as "line:col", what to check per workload)
CORPUS_CASES: list[tuple[str, list[str], list[str], dict[str, dict[str, Any]]]] = [
    ("arc-gha-runner-scale-set-helpers.tpl", [], ["1:1"], {}),
    ("arc-runnerdeploy-rootless.envsubst.yaml", ["default/${NAME}/runner"], [], {
        "default/${NAME}/runner": {"privileged": None, "replicas": 10, "data_root": None,
                                   "completion": CONTROLLER}}),
    ("arc-runnerset-var-lib-docker-pvc.envsubst.yaml", ["default/${NAME}/runner"], [], {
        "default/${NAME}/runner": {"privileged": None, "replicas": 10,
                                   "data_root": (PVC, True)}}),
    ("argo-workflows-sidecar-dind.yaml",
     ["default/sidecar-dind-.dind-sidecar-example/main",
      "default/sidecar-dind-.dind-sidecar-example/dind"], [], {
        "default/sidecar-dind-.dind-sidecar-example/main": {
            "docker_host": "127.0.0.1", "waits": "command", "completion": CONTROLLER,
            "depends_on": {}},
        "default/sidecar-dind-.dind-sidecar-example/dind": {
            "image": "docker:19.03.13-dind", "privileged": True, "role": SIDECAR,
            "data_root": None}}),
    ("cadvisor-daemonset.yaml", ["cadvisor/cadvisor/cadvisor"], [], {
        "cadvisor/cadvisor/cadvisor": {
            "privileged": False, "data_root": (BIND, False),
            "host_binds": [("/", "/rootfs"), ("/dev/disk", "/dev/disk"), ("/sys", "/sys"),
                           ("/var/lib/docker", "/var/lib/docker"), ("/var/run", "/var/run")]}}),
    ("cruizba-ubuntu-dind-pod.yaml", ["default/docker-dind/ubuntu-dind"], [], {
        "default/docker-dind/ubuntu-dind": {
            "image": "cruizba/ubuntu-dind:systemd-latest", "privileged": True,
            "data_root": None, "completion": JOB}}),
    ("dind-nurse-deployment-pvc.yaml", ["default/dind/nurse", "default/dind/dind"], [], {
        "default/dind/nurse": {"privileged": False, "data_root": (PVC, False)},
        "default/dind/dind": {"privileged": True, "data_root": (PVC, False),
                              "completion": SERVICE, "replicas": 1, "rollout": False}}),
    ("drone-runner-docker-deployment.tpl.yaml", [], ["4:9"], {}),
    ("drone-runner-docker-values.yaml", [], [], {}),
    ("gitea-act-runner-dind-docker.yaml",
     ["default/act-runner/runner", "default/act-runner/daemon"], [], {
        "default/act-runner/runner": {"docker_host": "tcp://localhost:2376", "waits": "command",
                                      "image": "gitea/act_runner:nightly", "rollout": True},
        "default/act-runner/daemon": {"image": "docker:23.0.6-dind", "privileged": True,
                                      "data_root": None}}),
    ("gitea-act-runner-rootless-docker.yaml", ["default/act-runner/runner"], [], {
        "default/act-runner/runner": {"image": "gitea/act_runner:nightly-dind-rootless",
                                      "privileged": True, "data_root": None}}),
    ("jenkins-k8s-plugin-dind.groovy",
     ["default/jenkins-k8s-plugin-dind/docker", "default/jenkins-k8s-plugin-dind/docker-daemon"],
     [], {
        "default/jenkins-k8s-plugin-dind/docker-daemon": {
            "image": "docker:19.03.1-dind", "privileged": True, "data_root": None,
            "completion": CONTROLLER}}),
    ("jenkins-k8s-plugin-dood.groovy", ["default/jenkins-k8s-plugin-dood/docker"], [], {
        "default/jenkins-k8s-plugin-dood/docker": {
            "host_binds": [("/var/run/docker.sock", "/var/run/docker.sock")]}}),
    ("jenkins-shared-lib-buildImage.groovy",
     ["default/jenkins-shared-lib-buildImage/docker", "default/jenkins-shared-lib-buildImage/dind"],
     [], {
        "default/jenkins-shared-lib-buildImage/docker": {"image": "docker",
                                                         "docker_host": "tcp://127.0.0.1:2375"},
        "default/jenkins-shared-lib-buildImage/dind": {"data_root": (EMPTYDIR, True),
                                                       "privileged": True}}),
    ("pingcap-prow-tidb-operator-presubmits-anchors.yaml",
     ["default/auto-trigger-ready-for-review/main", "default/pull-e2e/dind-daemon",
      "default/pull-e2e/e2e-runner"], [], {
        "default/pull-e2e/dind-daemon": {"role": SIDECAR, "completion": JOB,
                                         "data_root": (PVC, True), "privileged": True},
        "default/pull-e2e/e2e-runner": {
            "role": MAIN, "waits": "command",
            "depends_on": {"default/pull-e2e/dind-daemon": "service_started"}}}),
    ("pingcap-tiflash-pod-dind-ephemeral-pvc.yaml",
     ["default/pingcap-tiflash-pod-dind-ephemeral-pvc/dockerd",
      "default/pingcap-tiflash-pod-dind-ephemeral-pvc/docker"], [], {
        "default/pingcap-tiflash-pod-dind-ephemeral-pvc/dockerd": {
            "image": "docker:24.0.9-dind", "data_root": (PVC, True), "privileged": True},
        "default/pingcap-tiflash-pod-dind-ephemeral-pvc/docker": {
            "docker_host": "tcp://localhost:2375", "data_root": None}}),
    ("pingcap-tiflow-docker-registry-mirror.groovy", ["jenkins-cd/dinp/docker"], [], {
        "jenkins-cd/dinp/docker": {"image": "docker:dind", "privileged": True,
                                   "data_root": None, "completion": CONTROLLER}}),
    ("spring-stream-arc-runnerdeployment-dockerd-within.yaml",
     ["default/runners-stream-ci-large/runner"], ["37:3"], {
        "default/runners-stream-ci-large/runner": {"privileged": True, "image": None,
                                                   "data_root": None}}),
    ("sysbox-install-daemonset.yaml", ["kube-system/sysbox-deploy-k8s/sysbox-deploy-k8s"], [], {
        "kube-system/sysbox-deploy-k8s/sysbox-deploy-k8s": {"privileged": True,
                                                            "data_root": None}}),
    ("tekton-dind-sidecar-taskrun.yaml", ["default/dind-sidecar-/server",
                                          "default/dind-sidecar-/client"], [], {
        "default/dind-sidecar-/server": {"role": SIDECAR, "privileged": True, "data_root": None},
        "default/dind-sidecar-/client": {
            "depends_on": {"default/dind-sidecar-/server": "service_healthy"},
            "docker_host": "tcp://localhost:2376"}}),
]


def test_every_corpus_file_has_a_case() -> None:
    require(K8S_CORPUS.is_dir(), "the shared corpus is not here")
    assert sorted(c[0] for c in CORPUS_CASES) == sorted(
        p.name for p in K8S_CORPUS.iterdir() if p.is_file())


@pytest.mark.parametrize(("name", "expected_names", "expected_problems", "checks"),
                         CORPUS_CASES, ids=[c[0] for c in CORPUS_CASES])
def test_corpus(name: str, expected_names: list[str], expected_problems: list[str],
                checks: dict[str, dict[str, Any]]) -> None:
    path = K8S_CORPUS / name
    require(path.is_file(), f"corpus file {name} is not here")
    setup = load_files([path])
    assert names(setup) == expected_names
    assert [f"{p.line}:{p.column}" for p in setup.setup.problems] == expected_problems
    for workload_name, expected in checks.items():
        found = summary(setup, workload_name)
        assert {k: found[k] for k in expected} == expected, workload_name
    for item in setup.setup.workloads:
        assert item.origin == "kubernetes"
        assert item.locations["subject"].path == str(path)
        assert item.locations["subject"].line is not None
    if not expected_names and not expected_problems:
        assert "nothing was checked" in notes(setup)


def test_a_recorded_cluster_reads_running_pods_with_their_status() -> None:
    setup = load_files([DATA / "cluster-state.json"])
    assert names(setup) == [
        "ci/build-daemons-5d8f7c9b6-abcde/dind", "ci/build-daemons-5d8f7c9b6-fghij/dind",
        "ci/integration-tests-28391-x7k2p/tests", "ci/integration-tests-28391-x7k2p/dind",
        "ci/image-prune/prune", "ci/cache-runners-0/dind",
        "observability/log-shipper-q4w8z/shipper", "observability/log-shipper-m2n6p/shipper",
        "dev/scratch-dind/scratch-dind"]
    first, second = (workload(setup, n) for n in names(setup)[:2])
    # Two replicas of one Deployment on one claim: one storage, seen from two pods.
    assert covering(first.mounts or (), DATA_ROOT) is not None
    assert [covering(w.mounts or (), DATA_ROOT).storage  # type: ignore[union-attr]
            for w in (first, second)] == ["pvc:ci/docker-cache"] * 2
    assert second.observation is not None
    assert second.observation.state is not None
    state = second.observation.state
    assert (state.running, state.restart_count, state.oom_killed) == (True, 4, True)
    assert "running but not ready" in second.observation.notes
    # The Job's tests ended; its dind container still runs, so the Job never completes.
    tests, dind = (workload(setup, f"ci/integration-tests-28391-x7k2p/{n}")
                   for n in ("tests", "dind"))
    assert tests.observation
    assert tests.observation.state
    assert dind.observation
    assert dind.observation.state
    assert (tests.observation.state.status, tests.observation.state.exit_code) == ("exited", 0)
    assert dind.observation.state.running is True
    assert facts(setup, "ci/integration-tests-28391-x7k2p/dind").completion == JOB
    # A CronJob between runs is read from its template, without status.
    prune = workload(setup, "ci/image-prune/prune")
    assert prune.observation is None
    assert [(m.kind, m.source) for m in prune.mounts or () if m.kind == BIND] == [
        (BIND, "/var/run/docker.sock")]
    # The DaemonSet's pods bind each their own node's /var/run.
    assert [m.storage for n in names(setup)[6:8] for m in workload(setup, n).mounts or ()
            if m.kind == BIND] == ["bind:/var/run@node-a", "bind:/var/run@node-b"]
    scratch = workload(setup, "dev/scratch-dind/scratch-dind")
    assert scratch.observation
    assert scratch.observation.state
    assert (scratch.privileged, scratch.observation.state.error) == (False, "CrashLoopBackOff")
    location = first.locations["privileged"]
    assert (location.path, location.line, location.field) == (
        str(DATA / "cluster-state.json"), None, "items[0].spec.containers[0].securityContext"
                                                ".privileged")
    assert "CronJob ci/integration-tests: read from its 1 pod(s)" in notes(setup)
    assert problems(setup) == []


def test_standard_input_bytes_are_read_by_content() -> None:
    state = (DATA / "cluster-state.json").read_bytes()
    setup = load_bytes(state)
    assert len(setup.setup.workloads) == 9
    assert setup.setup.paths == ("-",)
    assert problems(setup) == []


def test_the_failures_file() -> None:
    setup = load_files([DATA / "dind-failures.yaml"])
    assert problems(setup) == []
    daemons = summary(setup, "ci/build-daemons/dind")
    assert (daemons["replicas"], daemons["data_root"]) == (3, (PVC, False))
    assert mount(workload(setup, "ci/build-daemons/dind"), DATA_ROOT).access_modes == (
        "ReadWriteMany",)
    assert workload(setup, "ci/build-daemons/dind").env("DOCKER_TLS_CERTDIR") == ""
    job = summary(setup, "ci/integration-tests/dind")
    assert (job["role"], job["completion"], job["replicas"]) == (MAIN, JOB, 2)
    builder = workload(setup, "ci/node-builder/builder")
    assert [(m.source, m.target, m.into_outer_root) for m in builder.mounts or ()] == [
        ("/var/run", "/var/run", False), ("/var/lib/docker", "/var/lib/docker", True)]
    assert facts(setup, "ci/node-builder/builder").host_pid is True
    assert summary(setup, "ci/cache-runners/dind")["data_root"] == (PVC, True)
    ram = workload(setup, "ci/ram-builder/dind")
    assert (covering(ram.mounts or (), DATA_ROOT) or ram).kind == TMPFS  # type: ignore[union-attr]
    assert ram.memory_limit == 2 * 2**30
    assert (ram.runtime, ram.suppress) == ("sysbox-runc", ("DIND012", "DIND015"))
    nightly = summary(setup, "ci/nightly-images/dind")
    assert (nightly["role"], nightly["completion"]) == (SIDECAR, JOB)
    assert workload(setup, "ci/nightly-images/dind").healthcheck.split  # type: ignore[union-attr]
    assert summary(setup, "ci/nightly-images/build")["depends_on"] == {
        "ci/nightly-images/dind": "service_started"}
    assert workload(setup, "ci/nightly-images/dind").role != INIT


# --- hostile input ---------------------------------------------------------------------

# (name, text); what each refuses is in HOSTILE_PROBLEMS, as line:column
HOSTILE: list[tuple[str, str]] = [
    ("wrong-shapes.yaml", "apiVersion: v1\nkind: Pod\nspec:\n  containers: {a: 1}\n"
                          "  volumes: 3\n  initContainers: [1, [2], null]\n"),
    ("container-shapes.yaml", "kind: Pod\nspec:\n  containers:\n  - name: [x]\n"
                              "    image: {a: b}\n    command: dockerd\n    args: [1, null, {}]\n"
                              "    env: [1, {name: 2}, {value: x}]\n    envFrom: [x]\n"
                              "    securityContext: [privileged]\n    ports: [{hostPort: x}]\n"
                              "    volumeMounts: [{name: v, mountPath: /x, subPath: [1]}]\n"
                              "  volumes: [{name: v, hostPath: x}, {name: [1]}]\n"),
    ("metadata.yaml", "kind: Deployment\nmetadata: [1]\nspec:\n  template: {spec: 1}\n"),
    ("list.yaml", "kind: List\nitems: [1, {kind: Pod, spec: {containers: [{}]}}, []]\n"),
    ("huge-replicas.yaml", "kind: StatefulSet\nspec:\n  replicas: " + "9" * 4000
     + "\n  template: {spec: {containers: [{name: c}]}}\n"),
    ("deep.yaml", "kind: Pod\nspec:\n  x: " + "[" * 300 + "]" * 300 + "\n"),
    ("deep-block.yaml", "kind: Pod\nspec:\n" + "".join("  " * i + "- \n" for i in range(6000))),
    ("bomb.yaml", "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
                  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c]\n"
                  "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"),
    ("tags.yaml", "kind: !!binary aGVsbG8=\n---\nkind: Pod\nspec: !custom {containers: []}\n"),
    ("bad-date.yaml", "kind: Pod\nmetadata: {creationTimestamp: 2026-02-31}\n"),
    ("unicode.yaml", "kind: Pod\nmetadata: {name: \"\\u202e\\u0000pod\"}\n"
                     "spec: {containers: [{name: \"c\\x1b[2J\", image: i}]}\n"),
    ("state.json", '{"kind": "List", "items": [{"kind": "Pod", "spec": {"containers": '
                   '[{"name": "c", "securityContext": {"privileged": "true"}}]}, '
                   '"status": {"containerStatuses": [{"name": "c", "state": 7}]}}]}'),
    ("runner.yaml", "kind: RunnerDeployment\napiVersion: actions.summerwind.dev/v1alpha1\n"
                    "spec: {template: {spec: {containers: 5, dockerMTU: x, volumes: {a: 1},"
                    " dockerdWithinRunnerContainer: 'no', volumeSizeLimit: [1]}}}\n"),
    ("argo.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nspec:\n"
                  "  templates: [1, {container: 2}, {script: {source: [1]}, sidecars: x}]\n"),
    ("tekton.yaml", "apiVersion: tekton.dev/v1\nkind: PipelineRun\nspec:\n"
                    "  pipelineSpec: {tasks: [1, {taskSpec: {steps: [{script: 1}], "
                    "stepTemplate: [1]}}]}\n"),
    ("values.yaml", "githubConfigUrl: x\ncontainerMode: {type: dind}\n"
                    "template: {spec: {containers: [{name: runner, env: 3, volumeMounts: 4}]}}\n"),
    ("prow.yaml", "presubmits: {r: 1}\nperiodics: [{spec: 1}, 2]\n"),
    ("Jenkinsfile", "podTemplate(yaml: '''\nkind: Pod\nspec: [\n''')\n'''unterminated"),
]


HOSTILE_PROBLEMS: dict[str, list[str]] = {
    "wrong-shapes.yaml": ["4:3", "6:20", "6:23", "6:28", "5:3"],
    "container-shapes.yaml": ["13:38", "4:5", "5:5", "6:5", "7:5", "10:5", "8:14", "8:25", "13:23"],
    "metadata.yaml": ["2:1", "4:14"],
    "list.yaml": [],
    "huge-replicas.yaml": ["3:3"],
    "deep.yaml": ["3:206"],
    "deep-block.yaml": ["202:399"],
    "bomb.yaml": ["4:4"],
    "tags.yaml": ["1:1"],
    "bad-date.yaml": ["2:31"],
    "unicode.yaml": [],
    "state.json": ["None:None"],
    "runner.yaml": ["3:72", "3:26", "3:55"],
    "argo.yaml": [],
    "tekton.yaml": [],
    "values.yaml": [],
    "prow.yaml": [],
    "Jenkinsfile": [],
}


@pytest.mark.parametrize(("name", "text"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_input_is_located_never_a_traceback(name: str, text: str) -> None:
    setup = load_text(text, name)
    assert [f"{p.line}:{p.column}" for p in setup.setup.problems] == HOSTILE_PROBLEMS[name]
    for problem in setup.setup.problems:
        assert problem.path == name
        assert problem.message
        assert "\n" not in problem.message
        assert problem.message.isprintable()
    for item in setup.setup.workloads:
        assert item.name.isprintable()
        assert item.name.count("/") == 2
        json.dumps(list(item.notes))


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        pytest.param("deep.yaml", "kind: Pod\nspec:\n  x: " + "[" * 300 + "]" * 300 + "\n",
                     "deep.yaml:3:206: nesting deeper than 200 levels", id="deep"),
        pytest.param("bad-date.yaml", "kind: Pod\nmetadata: {creationTimestamp: 2026-02-31}\n",
                     "bad-date.yaml:2:31: cannot read '2026-02-31' as a date", id="bad-date"),
        pytest.param("huge.yaml", "kind: Deployment\nspec:\n  replicas: " + "9" * 4000
                     + "\n  template: {spec: {containers: [{name: c}]}}\n",
                     "huge.yaml:3:3: replicas 99999999999999999999999… is out of range "
                     "(at most 2147483647)", id="huge-replicas"),
        pytest.param("state.json", '{"kind": "Pod", "spec": {"containers": [{"name": "c", '
                     '"securityContext": {"privileged": "true"}}]}}',
                     "state.json: spec.containers[0].securityContext.privileged: privileged "
                     "must be true or false, not the string 'true'", id="json-field-path"),
    ],
)
def test_hostile_input_problems_are_located(name: str, text: str, expected: str) -> None:
    setup = load_text(text, name)
    assert problems(setup) == [expected]


def test_unreadable_standard_input() -> None:
    assert problems(load_bytes(b"kind: Pod\xff")) == ["-:1:10: not UTF-8 text (byte 0xff)"]
    assert problems(load_bytes(b"a: 1\n\x00")) == ["-:2:1: binary file (NUL byte), not text"]


def test_a_group_of_files_shares_its_objects(tmp_path: Path) -> None:
    (tmp_path / "claim.yaml").write_text(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\n"
        "spec: {accessModes: [ReadWriteOncePod]}\n", encoding="utf-8")
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "  - {name: d, image: docker:dind, volumeMounts: [{name: v, mountPath: /var/lib/docker}]}"
        "\n  volumes: [{name: v, persistentVolumeClaim: {claimName: c}}]\n", encoding="utf-8")
    setup = load_files([tmp_path / "claim.yaml", tmp_path / "pod.yaml"], name="app")
    assert setup.setup.name == "app"
    assert workload(setup, "default/p/d").mounts[0].access_modes == ("ReadWriteOncePod",)
