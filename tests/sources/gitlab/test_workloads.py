"""Pipelines in the shape of GitLab's documented dind recipes, with and without a runner
config.toml, read into workloads."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from dindcheck.sources.gitlab.workloads import load_setups
from dindcheck.workload import Setup, Workload
from tests.sources.gitlab.conftest import Writer

TLS_DOCKER = """
default:
  image: docker:24.0.5-cli
  services:
    - docker:24.0.5-dind
  before_script:
    - docker info
variables:
  DOCKER_HOST: tcp://docker:2376
  DOCKER_TLS_CERTDIR: "/certs"
  DOCKER_TLS_VERIFY: 1
  DOCKER_CERT_PATH: "$DOCKER_TLS_CERTDIR/client"
build:
  stage: build
  script:
    - docker build -t my-docker-image .
"""

NO_TLS = """
build:
  image: docker:24.0.5-cli
  services:
    - docker:24.0.5-dind
  variables:
    DOCKER_HOST: tcp://docker:2375
    DOCKER_TLS_CERTDIR: ""
  script:
    - docker build .
"""

MIRROR = """
build:
  image: registry.example.com/mirror/library/docker:24-cli
  services:
    - registry.example.com/mirror/library/docker:24-dind
  variables:
    DOCKER_HOST: tcp://docker:2375
    DOCKER_TLS_CERTDIR: ""
  script: [docker build .]
"""

MIRROR_ALIASED = """
build:
  image: registry.example.com/mirror/library/docker:24-cli
  services:
    - name: registry.example.com/mirror/library/docker:24-dind
      alias: docker,dind
      command: ["--mtu=1400"]
      variables:
        HEALTHCHECK_TCP_PORT: "2376"
  script: [docker build .]
"""

KUBERNETES_PIPELINE = """
variables:
  DOCKER_HOST: tcp://docker:2376
  DOCKER_TLS_CERTDIR: "/certs"
  DOCKER_TLS_VERIFY: 1
  DOCKER_CERT_PATH: "$DOCKER_TLS_CERTDIR/client"
build:
  image: docker:27-cli
  services:
    - name: docker:27-dind
      variables: {HEALTHCHECK_TCP_PORT: "2376"}
    - name: registry.example.com__broken:1
      alias: my_db
  script:
    - until docker info; do sleep 1; done
    - docker build .
"""

DOCKER_RUNNER = """
concurrent = 4
[[runners]]
  name = "dind"
  executor = "docker"
  [runners.docker]
    privileged = true
    volumes = ["/certs/client", "/cache"]
"""

SOCKET_RUNNER = """
[[runners]]
  name = "socket"
  executor = "docker"
  [runners.docker]
    volumes = ["/var/run/docker.sock:/var/run/docker.sock", "/var/lib/docker:/var/lib/docker"]
"""

ALLOWLIST_RUNNER = """
[[runners]]
  executor = "docker"
  [runners.docker]
    privileged = true
    allowed_privileged_images = ["docker:*-cli"]
    allowed_privileged_services = ["registry.example.com/**"]
"""

KUBERNETES_RUNNER = """
[[runners]]
  name = "k8s"
  executor = "kubernetes"
  [runners.kubernetes]
    privileged = true
    [[runners.kubernetes.volumes.empty_dir]]
      name = "docker-certs"
      mount_path = "/certs/client"
      medium = "Memory"
"""

SHELL_RUNNER = '[[runners]]\n  executor = "shell"\n'


def setups(repo: Writer, pipeline: str, runner: str | None = None) -> list[Setup]:
    root = repo(**{".gitlab-ci.yml": pipeline})
    config = None
    if runner is not None:
        config = root / "config.toml"
        config.write_text(textwrap.dedent(runner).lstrip("\n"))
    return load_setups(root / ".gitlab-ci.yml", runner_config=config)


def by_name(setup: Setup) -> dict[str, Workload]:
    return {w.name: w for w in setup.workloads}


def mounts(w: Workload) -> list[tuple[str, str, str | None]] | None:
    if w.mounts is None:
        return None
    return [(m.kind, m.target, m.storage) for m in w.mounts]


CASES: list[tuple[str, str, str | None, dict[str, dict[str, Any]]]] = [
    ("tls, no runner config", TLS_DOCKER, None, {
        "build": {"image": "docker:24.0.5-cli", "privileged": None, "mounts": None,
                  "links": {"docker": "build/docker"},
                  "env": {"DOCKER_HOST": ("tcp://docker:2376", 8),
                          "DOCKER_CERT_PATH": ("/certs/client", 11),
                          "DOCKER_TLS_VERIFY": ("1", 10)},
                  "command": ("sh", "-c", "docker info\ndocker build -t my-docker-image ."),
                  "entrypoint": None},
        "build/docker": {"image": "docker:24.0.5-dind", "aliases": {"docker"},
                         "privileged": None, "entrypoint": None, "command": None,
                         "env": {"DOCKER_TLS_CERTDIR": ("/certs", 9)}, "netns": None},
    }),
    ("tls, docker runner", TLS_DOCKER, DOCKER_RUNNER, {
        "build": {"privileged": True, "replicas": 4,
                  "mounts": [("volume", "/certs/client",
                              "volume:gitlab-runner-cache:dind/build:/certs/client"),
                             ("volume", "/cache", "volume:gitlab-runner-cache:dind/build:/cache")]},
        "build/docker": {"privileged": True, "aliases": {"docker"},
                         "mounts": [("volume", "/certs/client",
                                     "volume:gitlab-runner-cache:dind/build:/certs/client"),
                                    ("volume", "/cache",
                                     "volume:gitlab-runner-cache:dind/build:/cache")]},
    }),
    ("no tls", NO_TLS, None, {
        "build/docker": {"env": {"DOCKER_TLS_CERTDIR": ("", 7), "DOCKER_HOST":
                                 ("tcp://docker:2375", 6)}},
    }),
    ("registry mirror without alias", MIRROR, None, {
        "build": {"links": {"registry.example.com-mirror-library-docker":
                            "build/registry.example.com__mirror__library__docker",
                            "registry.example.com__mirror__library__docker":
                            "build/registry.example.com__mirror__library__docker"}},
        "build/registry.example.com__mirror__library__docker": {
            "aliases": {"registry.example.com__mirror__library__docker",
                        "registry.example.com-mirror-library-docker"}},
    }),
    ("registry mirror with aliases", MIRROR_ALIASED, None, {
        "build/docker": {"aliases": {"docker", "dind",
                                     "registry.example.com__mirror__library__docker",
                                     "registry.example.com-mirror-library-docker"},
                         "command": ("--mtu=1400",), "entrypoint": None,
                         "healthcheck": "gitlab-runner wait-for-service tcp/2376",
                         "env": {"HEALTHCHECK_TCP_PORT": ("2376", 8)}},
        "build": {"depends_on": {"build/docker": "service_healthy"}},
    }),
    ("socket binding runner", NO_TLS, SOCKET_RUNNER, {
        "build": {"privileged": False,
                  "mounts": [("bind", "/var/run/docker.sock", "bind:/var/run/docker.sock"),
                             ("bind", "/var/lib/docker", "bind:/var/lib/docker")]},
        "build/docker": {"privileged": False,
                         "mounts": [("bind", "/var/run/docker.sock", "bind:/var/run/docker.sock"),
                                    ("bind", "/var/lib/docker", "bind:/var/lib/docker")]},
    }),
    ("allowlists", MIRROR, ALLOWLIST_RUNNER, {
        "build": {"privileged": False},
        "build/registry.example.com__mirror__library__docker": {"privileged": True},
    }),
    ("kubernetes runner", KUBERNETES_PIPELINE, KUBERNETES_RUNNER, {
        "build": {"privileged": True, "netns": None, "command": (),
                  "entrypoint": ("sh", "-c", "until docker info; do sleep 1; done\n"
                                             "docker build ."),
                  "mounts": [("tmpfs", "/certs/client", None)],
                  "links": {"docker": "build/docker"}},
        "build/docker": {"netns": "build", "privileged": True, "aliases": {"docker"}},
        # Kubernetes keeps DNS names only: the derived "registry.example.com__broken" and
        # the alias "my_db" are not (the executor fails the job on the alias).
        "build/my_db": {"netns": "build", "aliases": set()},
    }),
]


@pytest.mark.parametrize(("title", "pipeline", "runner", "expected"), CASES,
                         ids=[case[0] for case in CASES])
def test_recipes(repo: Writer, title: str, pipeline: str, runner: str | None,
                 expected: dict[str, dict[str, Any]]) -> None:
    (setup,) = setups(repo, pipeline, runner)
    assert not setup.problems
    assert (setup.kind, setup.origin) == ("gitlab-ci", "gitlab-ci")
    found = by_name(setup)
    for name, fields in expected.items():
        assert name in found, sorted(found)
        w = found[name]
        assert w.project == name.split("/", 1)[0]
        for key, value in fields.items():
            if key == "env":
                for var, (text, line) in value.items():
                    assert w.env(var) == text, var
                    assert w.env_location(var).line == line, var
            elif key == "aliases":
                assert set(w.aliases) == value
            elif key == "mounts":
                assert mounts(w) == value
            elif key == "healthcheck":
                assert w.healthcheck is not None
                assert w.healthcheck.test == value
            else:
                assert getattr(w, key) == value, key


def test_kubernetes_refuses_aliases_that_are_not_dns_names(repo: Writer) -> None:
    (setup,) = setups(repo, KUBERNETES_PIPELINE, KUBERNETES_RUNNER)
    notes = by_name(setup)["build/my_db"].notes
    assert any("'my_db' is not a valid DNS name" in note for note in notes)


def test_locations_point_at_where_values_are_written(repo: Writer) -> None:
    root = repo(**{
        ".gitlab-ci.yml": """
            include: ci/docker.yml
            build:
              extends: .docker
              script: [docker build .]
        """,
        "ci__docker.yml": """
            .docker:
              image: docker:27-cli
              services:
                - name: docker:27-dind
                  command: [--tls=false]
              variables:
                DOCKER_TLS_CERTDIR: ""
        """,
    })
    config = root / "config.toml"
    config.write_text('[[runners]]\nexecutor = "docker"\n[runners.docker]\nprivileged = true\n')
    (setup,) = load_setups(root / ".gitlab-ci.yml", runner_config=config)
    found = by_name(setup)
    job, dind = found["build"], found["build/docker"]
    assert (job.location("subject").path, job.location("subject").line) == (
        str(root / ".gitlab-ci.yml"), 2)
    assert (job.location("image").path, job.location("image").line) == (
        str(root / "ci/docker.yml"), 2)
    assert job.location("command").line == 4
    assert dind.location("subject").line == 4
    assert dind.location("command").line == 5
    assert dind.env_location("DOCKER_TLS_CERTDIR").path == str(root / "ci/docker.yml")
    assert dind.env_location("DOCKER_TLS_CERTDIR").line == 7
    assert dind.location("privileged") == job.location("privileged")
    assert dind.location("privileged").path == str(config)
    assert dind.location("privileged").line == 4
    assert setup.paths == (str(root / ".gitlab-ci.yml"), str(root / "ci/docker.yml"), str(config))


def test_service_variables_and_job_variables_reach_the_service(repo: Writer) -> None:
    (setup,) = setups(repo, """
        variables: {GLOBAL: g, SHARED: global}
        build:
          image: docker:27-cli
          variables: {SHARED: job, PORT: "2376"}
          services:
            - name: docker:27-dind
              variables: {SHARED: service, HEALTHCHECK_TCP_PORT: $PORT}
          script: [x]
    """)
    found = by_name(setup)
    assert found["build/docker"].env_values() == {"GLOBAL": "g", "SHARED": "service",
                                                  "PORT": "2376",
                                                  "HEALTHCHECK_TCP_PORT": "2376"}
    assert found["build"].env_values() == {"GLOBAL": "g", "SHARED": "job", "PORT": "2376"}


def test_duplicate_hostnames_go_to_the_first_service(repo: Writer) -> None:
    (setup,) = setups(repo, """
        build:
          image: docker:27-cli
          services: [docker:27-dind, {name: docker:26-dind, alias: old}]
          script: [x]
    """)
    found = by_name(setup)
    assert set(found["build/docker"].aliases) == {"docker"}
    assert set(found["build/old"].aliases) == {"old"}
    assert any("already the name of an earlier service" in n for n in found["build/old"].notes)


def test_runner_services_come_first(repo: Writer) -> None:
    (setup,) = setups(repo, "build: {image: 'docker:27-cli', script: [x]}\n", """
        [[runners]]
          executor = "docker"
          [runners.docker]
            privileged = true
            [[runners.docker.services]]
              name = "docker:27-dind"
              environment = ["DOCKER_TLS_CERTDIR="]
    """)
    found = by_name(setup)
    assert found["build/docker"].env("DOCKER_TLS_CERTDIR") == ""
    assert found["build"].links == {"docker": "build/docker"}


def test_a_shell_runner_runs_no_containers(repo: Writer) -> None:
    (setup,) = setups(repo, NO_TLS, SHELL_RUNNER)
    assert setup.workloads == ()
    assert any("shell executor" in note for note in setup.notes)


def test_one_setup_per_runner(repo: Writer) -> None:
    found = setups(repo, NO_TLS, DOCKER_RUNNER + "\n" + SOCKET_RUNNER)
    assert [s.name.rsplit(" on ", 1)[1] for s in found] == ["dind", "socket"]
    assert [by_name(s)["build/docker"].privileged for s in found] == [True, False]


def test_kubernetes_honours_the_entrypoint_when_told(repo: Writer) -> None:
    (setup,) = setups(repo, """
        variables: {FF_KUBERNETES_HONOR_ENTRYPOINT: "true"}
        build: {image: docker:27-cli, script: [x]}
    """, KUBERNETES_RUNNER)
    job = by_name(setup)["build"]
    assert job.entrypoint is None
    assert job.command == ("sh", "-c", "x")


def test_trigger_and_hidden_jobs_have_no_workloads(repo: Writer) -> None:
    (setup,) = setups(repo, """
        .t: {image: docker:27, script: [x]}
        child: {trigger: {include: child.yml}}
    """)
    assert setup.workloads == ()
    assert any("trigger job" in note for note in setup.notes)


def test_secrets_in_scripts_are_redacted_in_the_shown_command(repo: Writer) -> None:
    (setup,) = setups(repo, """
        build:
          image: docker:27-cli
          script:
            - docker login -u ci -p PASSWORD=hunter2 registry
            - curl https://user:s3cret@example.com/x
            - docker login -u ci -p pl41n registry && mysql --password t0ken
    """)
    shown = " ".join(by_name(setup)["build"].shown_command)
    for secret in ("hunter2", "s3cret", "pl41n", "t0ken"):
        assert secret not in shown


def test_setup_notes_say_what_is_unknown(repo: Writer) -> None:
    (setup,) = setups(repo, """
        include: {template: Jobs/Build.gitlab-ci.yml}
        build: {image: "$CI_REGISTRY/docker:27", script: [x], rules: [{when: always}]}
    """)
    notes = "\n".join(setup.notes)
    assert "template Jobs/Build.gitlab-ci.yml not followed" in notes
    assert setup.unresolved == ("CI_REGISTRY",)  # noted once for the whole run
    assert "not evaluated" in notes
    assert "no GitLab Runner config.toml" in notes
    assert by_name(setup)["build"].image == "$CI_REGISTRY/docker:27"


def test_a_pipeline_with_nothing_to_lint_says_so(repo: Writer, tmp_path: Path) -> None:
    (setup,) = setups(repo, "stages: [build]\n")
    assert setup.workloads == ()
    assert not setup.problems
    assert any("nothing was linted" in note for note in setup.notes)


@pytest.mark.parametrize(("title", "pipeline", "runner", "expected"), CASES,
                         ids=[case[0] for case in CASES])
def test_names_resolve_inside_the_setup(repo: Writer, title: str, pipeline: str,
                                        runner: str | None, expected: object) -> None:
    """Ids are unique; links, depends_on and netns name workloads of the same job."""
    (setup,) = setups(repo, pipeline, runner)
    ids = [w.id for w in setup.workloads]
    assert len(ids) == len(set(ids))
    found = by_name(setup)
    for w in setup.workloads:
        targets = [*w.links.values(), *(w.depends_on or ()), *([w.netns] if w.netns else [])]
        for target in targets:
            assert target in found, (w.name, target)
            assert found[target].project == w.project
        assert w.replicas >= 1
        assert w.origin == "gitlab-ci"
        assert w.location("subject").line is not None


@pytest.mark.parametrize(("runner", "replicas"), [
    (None, 3),                                                       # parallel: 3
    ('concurrent = 1\n[[runners]]\nexecutor = "docker"\n', 1),       # one job at a time
    ('concurrent = 8\n[[runners]]\nexecutor = "docker"\n', 8),
    ('concurrent = 8\n[[runners]]\nexecutor = "docker"\nlimit = 2\n', 2),
    ('[[runners]]\nexecutor = "docker"\n', 1),                       # GitLab's default: 1
])
def test_replicas_are_the_jobs_that_can_run_at_once(repo: Writer, runner: str | None,
                                                    replicas: int) -> None:
    (setup,) = setups(repo, "build: {image: docker:27, services: [docker:27-dind], "
                            "script: [x], parallel: 3}\n", runner)
    assert {w.replicas for w in setup.workloads} == {replicas}


@pytest.mark.parametrize(("image", "runner", "expected"), [
    ("docker:27-cli", None, "the docker image's entrypoint sets tcp://docker:2376"),
    ("docker:${DOCKER_VERSION}", None, "the docker image's entrypoint sets"),
    ("python:3.12", None, "docker clients use unix:///var/run/docker.sock"),
    ("docker:27-cli", KUBERNETES_RUNNER, "docker clients use unix:///var/run/docker.sock"),
])
def test_where_a_client_without_docker_host_goes(repo: Writer, image: str, runner: str | None,
                                                 expected: str) -> None:
    (setup,) = setups(repo, f"build: {{image: '{image}', services: [docker:27-dind], "
                            "script: [docker info]}\n", runner)
    assert any(expected in note for note in by_name(setup)["build"].notes)


def test_an_unreadable_runner_config_leaves_privilege_unknown(repo: Writer) -> None:
    (setup,) = setups(repo, NO_TLS, "[[runners]\n")
    assert "not a valid TOML file" in setup.problems[0].message
    assert {w.privileged for w in setup.workloads} == {None}
    assert any("no GitLab Runner config.toml read" in note for note in setup.notes)
