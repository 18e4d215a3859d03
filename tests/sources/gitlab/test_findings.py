"""Pipelines in the style of GitLab's documented dind recipes, linted with and without the
runner's config.toml: the findings (rule, subject, line), and the recipes that are right
pass the default gate."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import pytest

from dindcheck.catalogue import load_catalogue
from dindcheck.cli import main
from dindcheck.lint import lint

RULES = load_catalogue()

TLS_RECIPE = """
default:
  image: docker:29.1.3-cli
  services:
    - docker:29.1.3-dind
  before_script:
    - until docker info; do sleep 1; done
variables:
  DOCKER_TLS_CERTDIR: "/certs"
build:
  script:
    - docker build -t my-docker-image .
"""

SHARES_CERTS = """
concurrent = 2
[[runners]]
  name = "dind"
  executor = "docker"
  [runners.docker]
    image = "docker:29.1.3-cli"
    privileged = true
    volumes = ["/certs/client", "/cache"]
"""

NO_CERTS = """
[[runners]]
  name = "dind"
  executor = "docker"
  [runners.docker]
    privileged = true
    volumes = ["/cache"]
"""

SOCKET_BINDING = """
[[runners]]
  name = "dind"
  executor = "docker"
  [runners.docker]
    privileged = true
    volumes = ["/var/run/docker.sock:/var/run/docker.sock", "/cache"]
"""

UNPRIVILEGED = """
[[runners]]
  name = "dind"
  executor = "docker"
  [runners.docker]
    volumes = ["/certs/client"]
"""

SOCKET_VOLUME = """
[[runners]]
  name = "dind"
  executor = "docker"
  [runners.docker]
    privileged = true
    volumes = ["/runner/services/docker"]
"""

KUBERNETES = """
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

KUBERNETES_RECIPE = """
variables:
  DOCKER_HOST: tcp://docker:2376
  DOCKER_TLS_CERTDIR: "/certs"
  DOCKER_TLS_VERIFY: 1
  DOCKER_CERT_PATH: "$DOCKER_TLS_CERTDIR/client"
build:
  image: docker:29.1.3-cli
  services:
    - name: docker:29.1.3-dind
      variables: {HEALTHCHECK_TCP_PORT: "2376"}
  before_script:
    - for i in $(seq 1 30); do docker info && break; sleep 1; done
  script: [docker build .]
"""

MIRROR = """
build:
  image: registry.example.com/mirror/library/docker:29-cli
  services:
    - registry.example.com/mirror/library/docker:29-dind
  variables:
    DOCKER_HOST: tcp://docker:2375
    DOCKER_TLS_CERTDIR: ""
  script: [docker build .]
"""

MIRROR_ALIASED = MIRROR.replace(
    "    - registry.example.com/mirror/library/docker:29-dind",
    "    - name: registry.example.com/mirror/library/docker:29-dind\n      alias: docker")

VERIFY_WITHOUT_CERTS = """
build:
  image: docker:29.1.3-cli
  services:
    - docker:29.1.3-dind
  variables:
    DOCKER_HOST: tcp://docker:2376
    DOCKER_TLS_CERTDIR: "/certs"
    DOCKER_TLS_VERIFY: 1
    DOCKER_CERT_PATH: "$DOCKER_TLS_CERTDIR/client"
  script: [docker build .]
"""

UNIX_SOCKET = """
build:
  image: docker:29.1.3-cli
  services:
    - docker:29.1.3-dind
  variables:
    DOCKER_HOST: unix:///runner/services/docker/docker.sock
  script:
    - docker build .
"""

SCRIPT_SOCKET = """
code_quality:
  image: docker:29.1.3-cli
  services:
    - docker:29.1.3-dind
  variables:
    DOCKER_TLS_CERTDIR: ""
  script:
    - docker run
        --volume /var/run/docker.sock:/var/run/docker.sock
        registry.example.com/codequality:1 /code
"""

NO_WAIT = """
build:
  image: docker:29.1.3-cli
  services:
    - docker:29.1.3-dind
  variables:
    DOCKER_HOST: tcp://docker:2375
    DOCKER_TLS_CERTDIR: ""
  script:
    - docker build .
"""

Finding = tuple[str, str, int | None]

# (pipeline, runner config, findings that must be there, rule ids that must not be)
CASES: dict[str, tuple[str, str | None, set[Finding], set[str]]] = {
    "tls-recipe-shares-certs": (TLS_RECIPE, SHARES_CERTS,
                                {("DIND007", "build/docker", 7), ("DIND005", "build/docker", 4)},
                                {"DIND011", "DIND014", "DIND021", "DIND023", "DIND024"}),
    "tls-recipe-no-runner-config": (TLS_RECIPE, None, set(),
                                    {"DIND007", "DIND008", "DIND011", "DIND023"}),
    # without /certs/client the docker image's entrypoint picks 2375 plain
    "tls-recipe-certs-not-shared": (TLS_RECIPE, NO_CERTS, {("DIND011", "build", 2)},
                                    {"DIND023"}),
    "socket-binding-and-dind": (TLS_RECIPE, SOCKET_BINDING,
                                {("DIND024", "build/docker", 6), ("DIND009", "build", 6)},
                                set()),
    "service-not-privileged": (TLS_RECIPE, UNPRIVILEGED, {("DIND008", "build/docker", 4)},
                               {"DIND007"}),
    "kubernetes-recipe": (KUBERNETES_RECIPE, KUBERNETES,
                          {("DIND001", "build/docker", 9)},
                          {"DIND011", "DIND014", "DIND021", "DIND023", "DIND005"}),
    "registry-prefixed-service": (MIRROR, None, {("DIND021", "build", 6)}, {"DIND011"}),
    "registry-prefixed-service-aliased": (MIRROR_ALIASED, None, {("DIND010", "build/docker", 8)},
                                          {"DIND021"}),
    "tls-verify-without-certs": (VERIFY_WITHOUT_CERTS, NO_CERTS, {("DIND023", "build", 6)},
                                 {"DIND011"}),
    "tls-verify-certs-shared": (VERIFY_WITHOUT_CERTS, SHARES_CERTS, set(), {"DIND023"}),
    "unix-socket-not-shared": (UNIX_SOCKET, NO_CERTS, {("DIND025", "build", 6)}, set()),
    "unix-socket-shared": (UNIX_SOCKET, SOCKET_VOLUME, set(), {"DIND025", "DIND021"}),
    # the script's docker run goes to the dind service: its socket is that daemon's
    "script-binds-the-dind-socket": (SCRIPT_SOCKET, SHARES_CERTS, set(), {"DIND009"}),
    "no-wait-for-the-daemon": (NO_WAIT, None, {("DIND014", "build", 1)}, set()),
}


def write(root: Path, pipeline: str, config: str | None) -> Path | None:
    (root / ".gitlab-ci.yml").write_text(textwrap.dedent(pipeline).lstrip("\n"))
    if config is None:
        return None
    path = root / "config.toml"
    path.write_text(textwrap.dedent(config).lstrip("\n"))
    return path


@pytest.mark.parametrize("case", CASES)
def test_findings(tmp_path: Path, case: str) -> None:
    pipeline, config, present, absent = CASES[case]
    runner_config = write(tmp_path, pipeline, config)
    report = lint([tmp_path / ".gitlab-ci.yml"], RULES, jobs=1, runner_config=runner_config)
    assert not report.errors, report.errors
    got = {(f.rule_id, f.subject_name, f.location.line) for f in report.findings}
    assert present <= got, got
    assert not absent & {f.rule_id for f in report.findings}, got


@pytest.mark.parametrize(("case", "code"), [
    ("tls-recipe-shares-certs", 0),
    ("tls-verify-certs-shared", 0),
    ("unix-socket-shared", 0),
    ("tls-recipe-certs-not-shared", 1),
    ("socket-binding-and-dind", 1),
])
def test_the_default_gate(tmp_path: Path, case: str, code: int) -> None:
    """`dindcheck lint --runner-config` fails on errors only (--fail-on error)."""
    pipeline, config, _, _ = CASES[case]
    runner_config = write(tmp_path, pipeline, config)
    out, err = io.StringIO(), io.StringIO()
    argv = ["lint", str(tmp_path / ".gitlab-ci.yml"), "--json", "--config",
            str(tmp_path / "none.yaml")]
    (tmp_path / "none.yaml").write_text("fail_on: error\n")
    assert main([*argv, "--runner-config", str(runner_config)], stdout=out, stderr=err) == code
    assert json.loads(out.getvalue())["summary"]["exit_code"] == code


def test_runner_config_from_the_config_file(tmp_path: Path) -> None:
    write(tmp_path, TLS_RECIPE, NO_CERTS)
    (tmp_path / ".dindcheck.yaml").write_text("runner_config: config.toml\n")
    out = io.StringIO()
    code = main(["lint", str(tmp_path / ".gitlab-ci.yml"), "--json", "--config",
                 str(tmp_path / ".dindcheck.yaml")], stdout=out, stderr=io.StringIO())
    assert code == 1
    assert "DIND011" in {f["rule_id"] for f in json.loads(out.getvalue())["findings"]}


def test_a_missing_runner_config_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path, TLS_RECIPE, None)
    err = io.StringIO()
    code = main(["lint", str(tmp_path), "--runner-config", str(tmp_path / "absent.toml")],
                stdout=io.StringIO(), stderr=err)
    assert code == 2
    assert "absent.toml" in err.getvalue()


@pytest.mark.parametrize(("layout", "ci_folder"), [
    pytest.param({"a/.git/HEAD": "", "b/.git/HEAD": ""}, "{p}", id="one-repository-each"),
    pytest.param({}, "{p}", id="no-repository-the-pipelines-folder"),
    pytest.param({".git/HEAD": ""}, "", id="one-repository-above"),
])
def test_local_includes_are_relative_to_each_pipelines_repository(
        tmp_path: Path, layout: dict[str, str], ci_folder: str) -> None:
    """A folder of checked-out projects (or of pipelines copied without their .git) is
    linted as GitLab runs each: ``include: local`` from that project's root."""
    for name, text in layout.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    for project in ("a", "b"):
        templates = tmp_path / ci_folder.format(p=project) / "ci" / "templates.yml"
        templates.parent.mkdir(parents=True, exist_ok=True)
        templates.write_text(".dind:\n  services: [docker:27.3.1-dind]\n")
        (tmp_path / project).mkdir(exist_ok=True)
        (tmp_path / project / ".gitlab-ci.yml").write_text(
            "include: ci/templates.yml\nbuild:\n  extends: .dind\n  script: [docker info]\n")
    report = lint([tmp_path], RULES, jobs=1)
    assert report.errors == ()
    assert {t.name.rsplit("/", 2)[-2] for t in report.targets} == {"a", "b"}
