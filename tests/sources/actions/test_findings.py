"""Workflows with dind job containers and services, linted: the findings (rule, subject,
line), and the setups that are right pass the default gate."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest

from dindcheck.catalogue import load_catalogue
from dindcheck.cli import main
from dindcheck.lint import lint

RULES = load_catalogue()

DIND_JOB_CONTAINER = """
on: push
jobs:
  dind:
    runs-on: ubuntu-latest
    container:
      image: docker:29.1.3-dind
      options: --privileged
    steps:
      - run: docker info
"""

BUILDKIT = """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/setup-buildx-action@v3
      - uses: docker/build-push-action@v6
        with:
          push: false
          cache-from: type=gha
          cache-to: type=gha,mode=max
"""

TLS_SERVICE = """
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    container:
      image: docker:29.1.3-cli
      volumes:
        - dind-certs:/certs/client
      env:
        DOCKER_HOST: tcp://docker:2376
        DOCKER_TLS_VERIFY: "1"
        DOCKER_CERT_PATH: /certs/client
    services:
      docker:
        image: docker:29.1.3-dind
        options: --privileged --health-cmd "docker info" --health-interval 2s
        env:
          DOCKER_TLS_CERTDIR: /certs
        volumes:
          - dind-certs:/certs/client
          - dind-data:/var/lib/docker
    steps:
      - run: docker info
"""

TLS_SERVICE_NO_CERTS = TLS_SERVICE.replace(
    "      volumes:\n        - dind-certs:/certs/client\n      env:", "      env:")

PLAINTEXT_PUBLISHED = """
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    services:
      docker:
        image: docker:29.1.3-dind
        options: --privileged
        env:
          DOCKER_TLS_CERTDIR: ""
        ports:
          - 2375
    steps:
      - run: docker info
"""

TYPO = """
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    container: docker:29.1.3-cli
    services:
      docker:
        image: docker:29.1.3-dind
        options: --privileged
        env:
          DOCKER_TLS_CERTDIR: ""
    steps:
      - run: docker info
        env:
          DOCKER_HOST: tcp://dokcer:2375
"""

Finding = tuple[str, str, int | None]

CASES: dict[str, tuple[str, set[Finding], set[str]]] = {
    "dind-job-container": (DIND_JOB_CONTAINER, {("DIND022", "dind", 6), ("DIND009", "dind", 5)},
                           {"DIND001", "DIND005", "DIND010", "DIND012"}),
    "buildkit": (BUILDKIT, set(), {"DIND001", "DIND007", "DIND009", "DIND022"}),
    "tls-service-certs-shared": (TLS_SERVICE, {("DIND007", "test/docker", 16)},
                                 {"DIND010", "DIND011", "DIND014", "DIND023", "DIND001",
                                  "DIND005"}),
    "tls-service-certs-not-shared": (TLS_SERVICE_NO_CERTS, {("DIND023", "test", 8)}, set()),
    "plaintext-service-published": (PLAINTEXT_PUBLISHED, {("DIND010", "test/docker", 12)},
                                    {"DIND021", "DIND011"}),
    "docker-host-typo": (TYPO, {("DIND021", "test/steps[0]", 15)}, {"DIND011"}),
}


def write(root: Path, text: str) -> Path:
    path = root / ".github" / "workflows" / "ci.yml"
    path.parent.mkdir(parents=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


@pytest.mark.parametrize("case", CASES)
def test_findings(tmp_path: Path, case: str) -> None:
    text, present, absent = CASES[case]
    report = lint([write(tmp_path, text)], RULES, jobs=1)
    assert not report.errors, report.errors
    got = {(f.rule_id, f.subject_name, f.location.line) for f in report.findings}
    assert present <= got, got
    assert not absent & {f.rule_id for f in report.findings}, got


def test_a_published_plaintext_port_is_an_error(tmp_path: Path) -> None:
    """DIND010 escalates: `ports: [2375]` publishes on a free port of the runner's host."""
    report = lint([write(tmp_path, PLAINTEXT_PUBLISHED)], RULES, jobs=1)
    (finding,) = [f for f in report.findings if f.rule_id == "DIND010"]
    assert finding.severity == "error"


@pytest.mark.parametrize(("case", "code"), [
    ("buildkit", 0), ("tls-service-certs-shared", 0), ("dind-job-container", 0),
    ("tls-service-certs-not-shared", 1), ("docker-host-typo", 1),
])
def test_the_default_gate(tmp_path: Path, case: str, code: int) -> None:
    path = write(tmp_path, CASES[case][0])
    (tmp_path / "gate.yaml").write_text("fail_on: error\n")
    assert main(["lint", str(path), "--json", "--config", str(tmp_path / "gate.yaml")],
                stdout=io.StringIO(), stderr=io.StringIO()) == code
