from __future__ import annotations

from pathlib import Path

import pytest

from dindcheck.sources.kubernetes.pods import CONTROLLER, JOB, MAIN, SIDECAR
from tests.sources.kubernetes.kube import at, facts, mount, names, notes, read, workload


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_argo_sidecars_start_with_main_and_mirror_its_mounts() -> None:
    setup = read("""
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: build, namespace: ci}
        spec:
          entrypoint: main
          volumes:
            - {name: src, emptyDir: {}}
          templates:
            - name: steps
              steps: [[{name: a, template: main}]]
            - name: main
              script:
                image: docker:27.3.1-cli
                command: [sh]
                source: |
                  until docker info; do sleep 1; done
                volumeMounts:
                  - {name: src, mountPath: /src}
              sidecars:
                - name: dind
                  image: docker:27.3.1-dind
                  mirrorVolumeMounts: true
                  securityContext: {privileged: true}
    """)
    assert names(setup) == ["ci/build.main/main", "ci/build.main/dind"]
    main, dind = workload(setup, "ci/build.main/main"), workload(setup, "ci/build.main/dind")
    assert main.entrypoint == ("sh",)
    assert main.command == ("until docker info; do sleep 1; done\n",)
    storage = "emptydir:ci/build.main/src"
    assert mount(dind, "/src").storage == mount(main, "/src").storage == storage
    assert main.depends_on == {}
    assert workload(setup, "ci/build.main/dind").role == SIDECAR
    assert at(main.polls_daemon) == at(main.locations["args"])  # the script's source
    assert facts(setup, "ci/build.main/main").completion == CONTROLLER


def test_tekton_steps_wait_for_ready_sidecars_and_each_other() -> None:
    setup = read("""
        apiVersion: tekton.dev/v1
        kind: Task
        metadata: {name: image}
        spec:
          stepTemplate:
            env:
              - {name: DOCKER_HOST, value: tcp://localhost:2375}
          steps:
            - name: build
              image: docker:27.3.1-cli
              script: docker build .
            - name: push
              image: docker:27.3.1-cli
              env:
                - {name: DOCKER_HOST, value: tcp://127.0.0.1:2375}
              command: [docker, push, x]
          sidecars:
            - name: server
              image: docker:27.3.1-dind
              securityContext: {privileged: true}
              readinessProbe:
                exec: {command: [docker, info]}
    """)
    assert names(setup) == ["default/image/server", "default/image/build", "default/image/push"]
    build, push = workload(setup, "default/image/build"), workload(setup, "default/image/push")
    assert build.entrypoint == ("sh", "-c", "docker build .")
    assert build.env("DOCKER_HOST") == "tcp://localhost:2375"
    assert push.env("DOCKER_HOST") == "tcp://127.0.0.1:2375"
    assert build.depends_on == {"default/image/server": "service_healthy"}
    assert push.depends_on == {"default/image/server": "service_healthy",
                               "default/image/build": "service_completed_successfully"}
    assert [workload(setup, n).role for n in names(setup)] == [SIDECAR, MAIN, MAIN]


def test_tekton_pipelines_read_embedded_tasks_and_say_what_is_referenced() -> None:
    setup = read("""
        apiVersion: tekton.dev/v1
        kind: PipelineRun
        metadata: {name: release, namespace: ci}
        spec:
          taskRunTemplate:
            podTemplate:
              hostNetwork: true
          pipelineSpec:
            tasks:
              - name: lint
                taskRef: {name: golangci}
              - name: image
                taskSpec:
                  steps:
                    - {name: build, image: docker:27.3.1-cli}
    """)
    assert names(setup) == ["ci/release.image/build"]
    assert workload(setup, "ci/release.image/build").host_network is True
    assert "1 task(s) referenced by taskRef; not read" in notes(setup)


def test_prow_jobs_are_pods_that_must_end() -> None:
    setup = read("""
        presubmits:
          org/repo:
            - name: unit
              spec:
                containers: [{name: test, image: golang:1.23}]
        periodics:
          - name: nightly
            spec:
              containers: [{name: e2e, image: kindest/node:v1.31.0}]
              initContainers:
                - name: dind
                  image: docker:27.3.1-dind
                  restartPolicy: Always
                  startupProbe:
                    exec: {command: [docker, info]}
    """, "config.yaml")
    assert names(setup) == ["default/unit/test", "default/nightly/dind", "default/nightly/e2e"]
    assert facts(setup, "default/unit/test").completion == JOB
    assert workload(setup, "default/nightly/e2e").depends_on == {
        "default/nightly/dind": "service_healthy"}
