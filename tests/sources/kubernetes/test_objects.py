from __future__ import annotations

from pathlib import Path

import pytest

from dindcheck.sources.kubernetes.pods import CONTROLLER, JOB, SERVICE
from tests.sources.kubernetes.kube import at, facts, names, notes, problems, read, workload

POD_SPEC = """\
    spec:
      containers:
        - name: c
          image: busybox
"""


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def manifest(kind: str, body: str, api: str = "apps/v1", namespace: str = "ci") -> str:
    return (f"apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: w\n  namespace: {namespace}\n"
            + body)


def template(indent: int = 2) -> str:
    lines = ("template:\n" + POD_SPEC).splitlines()
    return "".join(" " * indent + line + "\n" for line in lines)


@pytest.mark.parametrize(
    ("text", "replicas", "completion"),
    [
        pytest.param(manifest("Pod", "spec:\n  containers:\n    - name: c\n      image: busybox\n",
                              "v1"), 1, SERVICE, id="Pod"),
        pytest.param(manifest("Pod", "spec:\n  restartPolicy: Never\n  containers:\n"
                                     "    - name: c\n      image: busybox\n", "v1"), 1, JOB,
                     id="Pod-restart-Never"),
        pytest.param(manifest("Deployment", "spec:\n  replicas: 3\n" + template()), 3, SERVICE,
                     id="Deployment"),
        pytest.param(manifest("ReplicaSet", "spec:\n" + template()), 1, SERVICE, id="ReplicaSet"),
        pytest.param(manifest("ReplicationController", "spec:\n  replicas: 2\n" + template(),
                              "v1"), 2, SERVICE, id="ReplicationController"),
        pytest.param(manifest("StatefulSet", "spec:\n  replicas: 4\n" + template()), 4, SERVICE,
                     id="StatefulSet"),
        pytest.param(manifest("DaemonSet", "spec:\n" + template()), 1, SERVICE, id="DaemonSet"),
        pytest.param(manifest("Job", "spec:\n  parallelism: 5\n" + template(), "batch/v1"), 5,
                     JOB, id="Job"),
        pytest.param(manifest("CronJob", "spec:\n  jobTemplate:\n    spec:\n"
                              + template(6), "batch/v1"), 1, JOB, id="CronJob"),
        pytest.param(manifest("PodTemplate", template(0), "v1"), 1, SERVICE, id="PodTemplate"),
        pytest.param(manifest("AutoscalingRunnerSet", "spec:\n  maxRunners: 6\n" + template(),
                              "actions.github.com/v1alpha1"), 6, CONTROLLER,
                     id="AutoscalingRunnerSet"),
    ],
)
def test_pod_templates_of_every_workload_kind(text: str, replicas: int, completion: str) -> None:
    setup = read(text)
    assert names(setup) == ["ci/w/c"]
    item = workload(setup, "ci/w/c")
    assert (item.replicas, facts(setup, "ci/w/c").completion) == (replicas, completion)
    assert item.project == item.netns == "ci/w"
    assert item.origin == "kubernetes"
    assert item.image == "busybox"
    assert problems(setup) == []


def test_a_list_is_read_item_by_item() -> None:
    setup = read("""
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: Pod
            metadata: {name: a}
            spec:
              containers: [{name: c, image: busybox}]
          - apiVersion: apps/v1
            kind: Deployment
            metadata: {name: b, namespace: ns}
            spec:
              template:
                spec:
                  containers: [{name: d, image: busybox}]
    """)
    assert names(setup) == ["default/a/c", "ns/b/d"]
    assert workload(setup, "ns/b/d").locations["image"].field == \
        "items[1].spec.template.spec.containers[0].image"


def test_an_unknown_kind_with_a_pod_template_is_read_and_says_so() -> None:
    setup = read(manifest("BuildRunnerPool", "spec:\n  replicas: 2\n" + template(),
                          "ci.example.com/v1"))
    item = workload(setup, "ci/w/c")
    assert item.replicas == 2
    assert "BuildRunnerPool is not a kind dindcheck knows" in notes(setup)
    assert any("not a kind dindcheck knows" in n for n in item.notes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a: 1\n", "m.yaml:1: no `kind`: not a Kubernetes object, not read",
                     id="no-kind"),
        pytest.param("- 1\n- 2\n", "m.yaml:1: document 1 is not a mapping; not read",
                     id="not-a-mapping"),
        pytest.param("apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n",
                     "m.yaml: no pod template found; nothing was checked", id="no-pods"),
    ],
)
def test_what_holds_no_pod_is_noted(text: str, expected: str) -> None:
    setup = read(text)
    assert names(setup) == []
    assert expected in notes(setup)
    assert problems(setup) == []


@pytest.mark.parametrize(
    ("replicas", "expected"),
    [
        pytest.param('"3"', "m.yaml:7:3: replicas must be an integer, not the string '3'",
                     id="string"),
        pytest.param('"３"', "m.yaml:7:3: replicas must be an integer, not the string '３'",
                     id="unicode-digit"),
        pytest.param("100000000000000000000000000000",
                     "m.yaml:7:3: replicas 10000000000000000000000… is out of range "
                     "(at most 2147483647)", id="huge"),
        pytest.param("-2", "m.yaml:7:3: replicas -2 is below 0", id="negative"),
        pytest.param("true", "m.yaml:7:3: replicas must be an integer, not a boolean true",
                     id="boolean"),
    ],
)
def test_a_replica_count_the_api_server_refuses_is_a_located_problem(
        replicas: str, expected: str) -> None:
    setup = read(manifest("Deployment", f"spec:\n  replicas: {replicas}\n" + template()))
    assert problems(setup) == [expected]
    assert workload(setup, "ci/w/c").replicas == 1


def test_a_placeholder_replica_count_is_noted_not_refused() -> None:
    setup = read(manifest("Deployment", "spec:\n  replicas: ${REPLICAS}\n" + template()))
    assert problems(setup) == []
    assert "m.yaml:7: replicas is a placeholder ('${REPLICAS}'); read as 1" in notes(setup)


def test_kind_must_be_a_string() -> None:
    setup = read("kind: [Pod]\nspec: {}\n")
    assert problems(setup) == ["m.yaml:1:1: kind must be a string, not a list"]


def test_an_autoscaler_raises_the_replicas_to_its_maximum() -> None:
    setup = read(manifest("Deployment", "spec:\n  replicas: 1\n" + template()) + """\
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: w-hpa, namespace: ci}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: w}
  minReplicas: 1
  maxReplicas: 7
""")
    item = workload(setup, "ci/w/c")
    assert item.replicas == 7
    assert at(item.locations["replicas"]) == ("m.yaml", 20, 3)
    assert "HorizontalPodAutoscaler w-hpa scales it from 1 up to 7 replicas" in item.notes


def test_generated_names_and_nameless_pods() -> None:
    setup = read("""
        apiVersion: v1
        kind: Pod
        metadata: {generateName: build-}
        spec:
          containers: [{name: c, image: busybox}]
        ---
        apiVersion: v1
        kind: Pod
        spec:
          containers: [{image: busybox}]
    """, "agent-pod.yaml")
    assert names(setup) == ["default/build-/c", "default/agent-pod-2/container-0"]


def test_hostile_names_are_escaped() -> None:
    setup = read('apiVersion: v1\nkind: Pod\nmetadata:\n  name: "a/b\\x1b[31m"\n'
                 "  namespace: \"n s\"\nspec:\n  containers: [{name: c, image: busybox}]\n")
    assert names(setup) == ["n\\x20s/a\\x2fb\\x1b[31m/c"]


def test_running_pods_stand_for_their_controllers() -> None:
    setup = read("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: ci}
        spec:
          replicas: 2
          template:
            spec:
              containers: [{name: c, image: busybox}]
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: web-7c9d-x1
          namespace: ci
          labels: {pod-template-hash: 7c9d}
          ownerReferences:
            - {apiVersion: apps/v1, kind: ReplicaSet, name: web-7c9d, uid: u1, controller: true}
        spec:
          containers: [{name: c, image: busybox}]
        status:
          phase: Running
    """)
    assert names(setup) == ["ci/web-7c9d-x1/c"]
    item = workload(setup, "ci/web-7c9d-x1/c")
    assert "a pod of ReplicaSet ci/web-7c9d" in item.notes
    assert "Deployment ci/web: read from its 1 pod(s) in the input" in notes(setup)
