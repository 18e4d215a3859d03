from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from dindcheck.sources.actions.discover import claims, sniff
from dindcheck.sources.actions.matrix import MAX_COMBINATIONS
from dindcheck.sources.actions.workflow import load
from dindcheck.workload import BIND, VOLUME, Setup, Workload
from tests.repo import CORPUS, require

ACTIONS = CORPUS / "github-actions"


def workflow(tmp_path: Path, text: str) -> Setup:
    path = tmp_path / "ci.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load(path)


def by_name(setup: Setup) -> dict[str, Workload]:
    return {w.name: w for w in setup.workloads}


def corpus(name: str) -> Setup:
    path = ACTIONS / name
    require(path.is_file(), f"corpus file {name} is missing")
    return load(path)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param(".github/workflows/ci.yml", True, id="yml"),
        pytest.param("repo/.github/workflows/release.YAML", True, id="yaml-nested-repo"),
        pytest.param(".github/workflows/sub/ci.yml", False, id="subfolder"),
        pytest.param(".github/ci.yml", False, id="not-workflows"),
        pytest.param("workflows/ci.yml", False, id="no-github"),
    ],
)
def test_walk_claims(path: str, expected: bool) -> None:
    assert claims(Path(path)) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("on: push\njobs:\n  a:\n    runs-on: x\n", True, id="workflow"),
        pytest.param("jobs:\n  a:\n    steps: []\n", True, id="jobs-with-steps"),
        pytest.param("services:\n  a:\n    image: x\n", False, id="compose"),
        pytest.param("stages: [x]\njob:\n  script: y\n", False, id="gitlab"),
    ],
)
def test_sniff(text: str, expected: bool) -> None:
    assert sniff(text) is expected


TLS_SERVICE = """\
    on: push
    jobs:
      test:
        runs-on: ubuntu-latest
        container:
          image: docker:27-cli
          volumes:
            - certs:/certs
          env:
            DOCKER_HOST: tcp://docker:2376
            DOCKER_TLS_VERIFY: 1
            DOCKER_CERT_PATH: /certs/client
        services:
          docker:
            image: docker:27.3.1-dind
            options: --privileged
            env:
              DOCKER_TLS_CERTDIR: /certs
            volumes:
              - certs:/certs
              - dind-data:/var/lib/docker
        steps:
          - run: docker info
    """


def test_tls_dind_service_with_shared_certs(tmp_path: Path) -> None:
    setup = workflow(tmp_path, TLS_SERVICE)
    ws = by_name(setup)
    assert sorted(ws) == ["test", "test/docker"]
    dind, job = ws["test/docker"], ws["test"]
    assert (dind.image, dind.privileged, dind.aliases, dind.project) == (
        "docker:27.3.1-dind", True, {"docker"}, "test")
    assert dind.entrypoint is None
    assert dind.command is None
    assert dind.network_mode == job.network_mode == "github_network_test"
    assert dind.env("DOCKER_TLS_CERTDIR") == "/certs"
    assert dind.mounts is not None
    assert job.mounts is not None
    assert [(m.kind, m.target, m.storage) for m in dind.mounts] == [
        (VOLUME, "/certs", "volume:certs"), (VOLUME, "/var/lib/docker", "volume:dind-data")]
    assert "volume:certs" in {m.storage for m in job.mounts}
    assert job.env("DOCKER_HOST") == "tcp://docker:2376"
    assert job.env("DOCKER_TLS_VERIFY") == "1"
    assert (dind.location("privileged").line, dind.location("privileged").column) == (16, 18)
    assert dind.location("subject").line == 14
    assert not setup.problems
    assert not setup.notes


def test_job_container_is_created_as_the_runner_does(tmp_path: Path) -> None:
    setup = workflow(tmp_path, """\
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            container:
              image: docker:dind
              options: --privileged --entrypoint dockerd
            steps:
              - run: docker version
        """)
    (job,) = setup.workloads
    assert (job.name, job.image, job.privileged) == ("build", "docker:dind", True)
    assert (job.entrypoint, job.command) == (("tail",), ("-f", "/dev/null"))
    assert job.mounts is not None
    socket = job.mounts[0]
    assert (socket.kind, socket.source, socket.target) == (
        BIND, "/var/run/docker.sock", "/var/run/docker.sock")
    assert {m.target for m in job.mounts} >= {"/__w", "/__e", "/github/home"}
    assert any("never runs" in n for n in job.notes)
    assert any("overridden" in n for n in job.notes)


def test_tls_off_service_published_on_the_runner(tmp_path: Path) -> None:
    setup = workflow(tmp_path, """\
        on: push
        env:
          DOCKER_HOST: tcp://localhost:2375
        jobs:
          e2e:
            runs-on: ubuntu-latest
            services:
              dind:
                image: docker:24.0.7-dind
                options: >-
                  --privileged
                  --health-cmd "docker info"
                env:
                  DOCKER_TLS_CERTDIR: ""
                ports:
                  - 2375:2375
            steps:
              - run: |
                  docker run --rm -v /var/run/docker.sock:/var/run/docker.sock alpine true
        """)
    ws = by_name(setup)
    dind = ws["e2e/dind"]
    assert dind.env("DOCKER_TLS_CERTDIR") == ""
    assert [(p.host_port, p.container_port) for p in dind.ports] == [("2375", 2375)]
    assert dind.healthcheck is not None
    assert dind.healthcheck.test == "docker info"
    host = ws["e2e"]
    assert (host.image, host.host_network, host.env("DOCKER_HOST")) == (
        None, True, "tcp://localhost:2375")
    (run,) = [w for w in setup.workloads if w.name.startswith("e2e/ci.yml:")]
    assert run.location("subject").line == 19
    assert run.location("subject").column == 11
    assert any("tcp://localhost:2375" in n for n in run.notes)


def test_buildkit_actions_produce_no_workloads(tmp_path: Path) -> None:
    setup = workflow(tmp_path, """\
        on: push
        jobs:
          image:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - uses: docker/setup-qemu-action@v3
              - uses: docker/setup-buildx-action@v3
                with:
                  driver-opts: image=moby/buildkit:v0.17.0
              - uses: docker/build-push-action@v6
                with:
                  push: false
                  tags: app:test
              - run: docker buildx ls
        """)
    assert setup.workloads == ()
    assert not setup.problems


def test_container_step(tmp_path: Path) -> None:
    setup = workflow(tmp_path, """\
        on: push
        jobs:
          lint:
            runs-on: ubuntu-latest
            steps:
              - id: dind
                uses: docker://docker:dind
                with:
                  entrypoint: dockerd
                  args: --tls=false -H tcp://0.0.0.0:2375
        """)
    (step,) = setup.workloads
    assert (step.name, step.image, step.entrypoint, step.command) == (
        "lint/dind", "docker:dind", ("dockerd",), ("--tls=false", "-H", "tcp://0.0.0.0:2375"))
    assert step.mounts is not None
    assert step.mounts[0].target == "/var/run/docker.sock"


def test_matrix_expands_image_tags(tmp_path: Path) -> None:
    setup = workflow(tmp_path, """\
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                docker: ["24.0", "27.3"]
                os: [a, b]
                exclude:
                  - docker: "24.0"
                    os: b
                include:
                  - docker: "28.0"
            services:
              dind:
                image: docker:${{ matrix.docker }}-dind
                options: --privileged
            steps:
              - run: docker run --rm ${{ matrix.image || 'alpine' }} true
        """)
    images = [(w.project, w.image) for w in setup.workloads if w.name.endswith("/dind")]
    assert images == [("test (docker=24.0)", "docker:24.0-dind"),
                      ("test (docker=27.3)", "docker:27.3-dind"),
                      ("test (docker=28.0)", "docker:28.0-dind")]
    runs = [w.image for w in setup.workloads if ":" in w.name.rsplit("/", 1)[1]]
    assert runs == ["${{ matrix.image || 'alpine' }}"] * 3


@pytest.mark.parametrize(
    ("matrix", "note"),
    [
        pytest.param("${{ fromJSON(needs.a.outputs.m) }}", "expression", id="expression"),
        pytest.param("{v: \"${{ fromJSON('[1]') }}\"}", "axis v is an expression",
                     id="axis-expression"),
    ],
)
def test_matrix_that_cannot_be_expanded_is_said(tmp_path: Path, matrix: str, note: str
                                                ) -> None:
    setup = workflow(tmp_path, f"""\
        on: push
        jobs:
          t:
            runs-on: x
            strategy:
              matrix: {matrix}
            container: docker:${{{{ matrix.v }}}}-dind
        """)
    assert [w.image for w in setup.workloads] == ["docker:${{ matrix.v }}-dind"]
    assert any(note in n for n in setup.notes)


def test_huge_matrix_is_capped(tmp_path: Path) -> None:
    values = ", ".join(str(i) for i in range(300))
    start = time.perf_counter()
    setup = workflow(tmp_path, f"""\
        on: push
        jobs:
          t:
            runs-on: x
            strategy:
              matrix:
                a: [{values}]
                b: [{values}]
                c: [{values}]
            services:
              d:
                image: docker:${{{{ matrix.a }}}}-${{{{ matrix.b }}}}-${{{{ matrix.c }}}}
        """)
    assert len(setup.workloads) == MAX_COMBINATIONS
    assert any("27000000 combinations" in n for n in setup.notes)
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("on: push\n", "no jobs mapping", id="no-jobs"),
        pytest.param("- a\n- b\n", "not a mapping", id="list"),
        pytest.param("on: push\njobs:\n  a: 3\n", "jobs.a is not a mapping", id="job-scalar"),
        pytest.param("on: push\njobs:\n  a:\n    services: [x]\n",
                     "jobs.a.services is not a mapping", id="services-list"),
        pytest.param("on: push\njobs:\n  a:\n    container: {options: -x}\n",
                     "jobs.a.container has no image", id="container-no-image"),
        pytest.param("on: push\njobs:\n  a:\n    steps:\n      - run: docker run 'x\n",
                     "unterminated single quote", id="bad-shell"),
        pytest.param("on: push\njobs:\n  a:\n    steps:\n      - run: [docker]\n",
                     "jobs.a.steps[0].run is not a string", id="run-list"),
        pytest.param("jobs: {a: " * 300 + "}" * 300, "nesting deeper", id="deep-nesting"),
        pytest.param("jobs:\n  a:\n    x: \x00\n", "NUL", id="nul"),
    ],
)
def test_bad_shapes_are_located_problems(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "ci.yml"
    path.write_text(text, encoding="utf-8")
    setup = load(path)
    assert any(problem in p.message for p in setup.problems), setup.problems
    assert all(p.path == str(path) for p in setup.problems)


def test_options_with_single_quotes_and_non_options_are_noted(tmp_path: Path) -> None:
    setup = workflow(tmp_path, """\
        on: push
        jobs:
          a:
            runs-on: x
            services:
              d:
                image: docker:dind
                options: --privileged --health-cmd 'docker info' extra
        """)
    assert any("single quotes" in n for n in setup.notes)
    assert any("'extra' is not an option" in n and ":8:" in n for n in setup.notes)


# ------------------------------------------------------------------ corpus


def test_corpus_joschi_dind_as_job_container() -> None:
    setup = corpus("joschi-dind-job-container.yml")
    ws = by_name(setup)
    job = ws["dind"]
    assert (job.image, job.privileged, job.entrypoint) == ("docker:stable-dind", True,
                                                           ("tail",))
    assert job.env("GITHUB_SHA") == "${GITHUB_SHA}"
    assert job.mounts is not None
    assert job.mounts[0].source == "/var/run/docker.sock"
    (run,) = [w for n, w in ws.items() if n != "dind"]
    assert (run.image, run.location("subject").line) == ("alpine:3.12", 32)
    assert any("runner host's engine" in n for n in run.notes)


def test_corpus_a_magdy_three_privileged_job_containers() -> None:
    setup = corpus("a-magdy-dind-container-jobs.yml")
    jobs = [w for w in setup.workloads if "/" not in w.name]
    assert [(w.image, w.privileged, w.entrypoint) for w in jobs] == [
        ("ghcr.io/${{ github.repository_owner }}/dind", True, ("tail",))] * 3
    assert all("credentials" in w.locations for w in jobs)
    (run,) = [w for w in setup.workloads if "/" in w.name]
    assert run.image == "${{ env.DOCKER_REGISTRY_URL }}/${{ github.repository_owner }}/ubuntu"


def test_corpus_trendminer_service_without_privileged() -> None:
    ws = by_name(corpus("trendminer-example-services-dind-service.yml"))
    dind = ws["container-job/docker"]
    assert (dind.image, dind.privileged, dind.aliases) == (
        "docker:19.03.13-dind", False, {"docker"})
    assert [(p.host_port, p.container_port) for p in dind.ports] == [("2376", 2376)]
    assert "DOCKER_TLS_CERTDIR" not in dind.environment
    step = ws["container-job/steps[2]"]
    assert (step.netns, step.env("DOCKER_HOST"), step.env("DOCKER_TLS_VERIFY")) == (
        "container-job", "tcp://docker:2376", "0")
    assert ws["container-job"].image == "docker:stable"


def test_corpus_opencopilot_cli_image_as_service() -> None:
    (svc,) = corpus("opencopilot-ci-docker-cli-as-service.yml").workloads
    assert (svc.name, svc.image, svc.privileged) == ("build/docker", "docker:19.03.12", True)
    assert [(p.host_port, p.container_port) for p in svc.ports] == [("2375", 2375)]


def test_corpus_testcontainers_wormhole() -> None:
    (run,) = corpus("testcontainers-java-docker-wormhole.yml").workloads
    assert run.mounts is not None
    assert [(m.kind, m.storage, m.target) for m in run.mounts] == [
        (BIND, "bind:/var/run/docker.sock", "/var/run/docker.sock"),
        (BIND, "bind:$HOME", "$HOME"), (BIND, "bind:$PWD", "$PWD")]
    assert run.location("volumes").line == 51
    assert run.location("volumes").column == 13


def test_corpus_eoap_named_dind_but_none() -> None:
    setup = corpus("eoap-how-to-dind-named-no-dind.yaml")
    assert setup.workloads == ()
    assert not setup.problems
