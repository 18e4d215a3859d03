from __future__ import annotations

from pathlib import Path

import pytest

from dindcheck.sources.kubernetes.pods import CONTROLLER, INIT, MAIN, SIDECAR
from dindcheck.sources.kubernetes.source import load_files
from dindcheck.workload import EMPTYDIR, PVC, TMPFS
from tests.sources.kubernetes.kube import (
    DATA,
    at,
    facts,
    mount,
    names,
    problems,
    read,
    workload,
)


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def runner_deployment(spec: str) -> str:
    return ("apiVersion: actions.summerwind.dev/v1alpha1\nkind: RunnerDeployment\n"
            "metadata:\n  name: org-runners\n  namespace: arc\nspec:\n  replicas: 3\n"
            "  template:\n    spec:\n      organization: example\n"
            + "".join(f"      {line}\n" for line in spec.splitlines()))


def test_the_legacy_controller_adds_a_privileged_docker_sidecar() -> None:
    setup = read(runner_deployment("image: summerwind/actions-runner:ubuntu-22.04\n"
                                   "dockerMTU: 1400\n"
                                   "dockerRegistryMirror: https://mirror.example.com/\n"
                                   "dockerEnv:\n  - {name: DOCKER_DEBUG, value: '1'}"))
    assert names(setup) == ["arc/org-runners/runner", "arc/org-runners/docker"]
    runner, docker = (workload(setup, n) for n in names(setup))
    assert docker.image == "docker:dind"
    assert docker.privileged is True
    assert docker.entrypoint is None
    assert docker.command == ("dockerd", "--host=unix:///run/docker.sock", "--group=121",
                              "--mtu", "1400",
                              "--registry-mirror=https://mirror.example.com/")
    assert docker.env("DOCKER_DEBUG") == "1"
    assert docker.env("DOCKER_GROUP_GID") == "121"
    assert runner.env("DOCKER_HOST") == "unix:///run/docker.sock"
    assert runner.privileged is False
    assert runner.replicas == docker.replicas == 3
    shared = mount(runner, "/run")
    assert (shared.kind, shared.storage) == (TMPFS, mount(docker, "/run").storage)
    assert mount(docker, "/runner/_work").storage == "emptydir:arc/org-runners/work"
    assert docker.mounts is not None
    assert "/var/lib/docker" not in [m.target for m in docker.mounts]
    assert facts(setup, "arc/org-runners/docker").added_by is not None
    assert facts(setup, "arc/org-runners/docker").completion == CONTROLLER
    # The controller holds the sidecar's stop until the runner has stopped.
    assert (docker.pre_stop, runner.pre_stop) == (True, False)
    assert (docker.ended_by, docker.must_complete) == ("actions-runner-controller", False)
    # What the controller adds points at the runner spec that makes it add it.
    assert at(docker.locations["subject"]) == ("m.yaml", 10, 7)
    assert "docker sidecar image: the controller's --docker-image" in notes_of(docker)


def notes_of(item: object) -> str:
    return "\n".join(getattr(item, "notes", ()))


def test_dockerd_within_the_runner_makes_the_runner_privileged() -> None:
    setup = read(runner_deployment("image: summerwind/actions-runner-dind:latest\n"
                                   "dockerdWithinRunnerContainer: true\ndockerMTU: 1450"))
    assert names(setup) == ["arc/org-runners/runner"]
    runner = workload(setup, "arc/org-runners/runner")
    assert runner.privileged is True
    assert runner.env("MTU") == "1450"
    assert runner.env("DOCKERD_IN_RUNNER") == "true"
    assert (workload(setup, "arc/org-runners/runner").declared_daemon or "").startswith(
        "dockerdWithinRunnerContainer: ")
    assert at(runner.locations["privileged"]) == ("m.yaml", 12, 7)


def test_kubernetes_container_mode_has_no_docker() -> None:
    setup = read(runner_deployment("containerMode: kubernetes\nimage: r:1"))
    assert names(setup) == ["arc/org-runners/runner"]
    assert workload(setup, "arc/org-runners/runner").privileged is False


@pytest.mark.parametrize("switch", ["dockerdWithinRunnerContainer", "dockerEnabled"])
def test_an_unknown_docker_mode_reads_no_sidecar_and_says_so(switch: str) -> None:
    setup = read(runner_deployment(f"{switch}: ${{DIND}}\nimage: r:1"))
    assert names(setup) == ["arc/org-runners/runner"]
    runner = workload(setup, "arc/org-runners/runner")
    assert f"{switch} is a placeholder ('${{DIND}}'): unknown" in runner.notes
    assert problems(setup) == []


def test_written_containers_get_the_runner_specs_defaults() -> None:
    setup = read(runner_deployment(
        "dockerVolumeMounts:\n  - {name: cache, mountPath: /var/lib/docker}\n"
        "volumes:\n  - name: cache\n    ephemeral:\n      volumeClaimTemplate:\n"
        "        spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 50Gi}}}\n"
        "containers:\n  - name: runner\n    image: r:1\n  - name: docker\n"
        "    image: docker:27.3.1-dind\n"))
    docker = workload(setup, "arc/org-runners/docker")
    assert docker.image == "docker:27.3.1-dind"
    data = mount(docker, "/var/lib/docker")
    assert (data.kind, data.per_instance) == (PVC, True)


def test_runner_set_claims_are_per_replica() -> None:
    setup = read("""
        apiVersion: actions.summerwind.dev/v1alpha1
        kind: RunnerSet
        metadata: {name: rs}
        spec:
          replicas: 2
          organization: example
          template:
            spec:
              containers:
                - name: runner
                  image: r:1
                - name: docker
                  volumeMounts:
                    - {name: var-lib-docker, mountPath: /var/lib/docker}
          volumeClaimTemplates:
            - metadata: {name: var-lib-docker}
              spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 10Gi}}}
    """)
    docker = workload(setup, "default/rs/docker")
    data = mount(docker, "/var/lib/docker")
    assert (data.kind, data.per_instance, data.persistent) == (PVC, True, True)
    assert data.storage == "pvc:default/var-lib-docker-rs-<ordinal>"
    assert docker.privileged is True
    assert docker.replicas == 2


def test_scale_set_values_become_the_pod_the_chart_renders() -> None:
    setup = load_files([DATA / "scale-set-values.yaml"])
    init, dind, runner = (f"default/build-runners/{n}"
                          for n in ("init-dind-externals", "dind", "runner"))
    assert names(setup) == [init, dind, runner]
    assert [workload(setup, n).role for n in (init, dind, runner)] == [INIT, SIDECAR, MAIN]
    daemon, client = workload(setup, dind), workload(setup, runner)
    assert daemon.privileged is True
    assert daemon.image == "docker:dind"
    assert daemon.replicas == client.replicas == 4
    assert client.depends_on[dind] == "service_healthy"
    assert client.env("DOCKER_HOST") == "unix:///var/run/docker.sock"
    assert workload(setup, runner).memory_limit == 4 * 2**30
    assert mount(client, "/var/run").storage == mount(daemon, "/var/run").storage
    assert mount(daemon, "/home/runner/_work").kind == EMPTYDIR
    assert "/var/lib/docker" not in [m.target for m in daemon.mounts or ()]
    assert any("Kubernetes 1.29 or later assumed" in n for n in daemon.notes)
    assert at(daemon.locations["privileged"]) == (str(DATA / "scale-set-values.yaml"), 7, 3)


def test_rendered_scale_set_keeps_lines_and_templates() -> None:
    path = DATA / "rendered-arc-scale-set.yaml"
    setup = load_files([path])
    assert names(setup) == ["arc-runners/arc-runners/init-dind-externals",
                            "arc-runners/arc-runners/dind", "arc-runners/arc-runners/runner"]
    daemon = workload(setup, "arc-runners/arc-runners/dind")
    assert daemon.command == ("dockerd", "--host=unix:///var/run/docker.sock", "--group=123")
    assert daemon.replicas == 8
    assert at(daemon.locations["privileged"]) == (str(path), 62, 11)
    assert "rendered from gha-runner-scale-set/templates/autoscalingrunnerset.yaml" in \
        daemon.notes
    assert facts(setup, "arc-runners/arc-runners/dind").template == \
        "gha-runner-scale-set/templates/autoscalingrunnerset.yaml"


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        pytest.param("dockerdWithinRunnerContainer: true",
                     ["default/rs/runner", "default/rs/docker"],
                     id="within-keeps-a-written-docker"),
        pytest.param("dockerdWithinRunnerContainer: ${DIND}",
                     ["default/rs/runner", "default/rs/docker"], id="unknown-keeps-it"),
        pytest.param("containerMode: kubernetes", ["default/rs/runner"], id="kubernetes-drops-it"),
    ],
)
def test_a_written_docker_container_outside_sidecar_mode(mode: str, expected: list[str]) -> None:
    setup = read("apiVersion: actions.summerwind.dev/v1alpha1\nkind: RunnerSet\n"
                 f"metadata: {{name: rs}}\nspec:\n  {mode}\n  template:\n    spec:\n"
                 "      containers:\n        - {name: runner, image: r:1}\n"
                 "        - {name: docker, image: docker:27.3.1-dind}\n")
    assert names(setup) == expected
    if "default/rs/docker" in expected:
        docker = workload(setup, "default/rs/docker")
        assert (docker.command, docker.privileged) == (None, False)
