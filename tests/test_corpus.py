"""Real configurations from public repositories (../shared/corpus), through the installed
command: no crash, true findings, and nothing passed off as checked that was not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.repo import CORPUS, corpus_files, require, run_dindcheck

FILES = corpus_files()

# Corpus folders of the input kinds dindcheck reads (as the source it should pick); the
# files of any other folder must say that nothing was linted.
UNDERSTOOD = {"compose": "compose", "gitlab-ci": "gitlab-ci",
              "github-actions": "github-actions", "kubernetes": "kubernetes",
              "scripts": "shell"}

# Corpus files that are not an input of their folder's kind: they must say nothing was read.
NOT_INPUTS = {
    "arc-gha-runner-scale-set-helpers.tpl": "an unrendered Helm template",
    "drone-runner-docker-deployment.tpl.yaml": "an unrendered Helm template",
    "drone-runner-docker-values.yaml": "Helm chart values, not manifests",
}

# (rule, service) pairs each compose file must produce, and pairs it must not.
EXPECTED = {
    "awesome-compose-portainer.yaml": ({("DIND009", "portainer")}, set()),
    "concourse-docker-compose.yml": (set(), {("DIND007", "worker")}),
    "dockprom-cadvisor-privileged.yml": ({("DIND009", "cadvisor")}, {("DIND007", "cadvisor")}),
    "gitlab-runner-dind-sergei-zachesov.yml": (
        {("DIND010", "dind"), ("DIND014", "runner")}, {("DIND011", "runner")}),
    "jasongrace-dind-basic-tls.compose.yaml": (
        {("DIND016", "docker"), ("DIND005", "docker")},
        {("DIND011", "client"), ("DIND010", "docker")}),
    "jenkins-dockerdind-commented-dind.yml": (set(), {("DIND001", "jenkins"),
                                                      ("DIND008", "jenkins")}),
    "kestra-dind-rootless.yml": ({("DIND012", "dind"), ("DIND007", "dind")},
                                 {("DIND009", "kestra")}),
    "openclaw-dind-overlay.yml": ({("DIND012", "dind"), ("DIND010", "dind")},
                                  {("DIND011", "openclaw-gateway"),
                                   ("DIND014", "openclaw-gateway")}),
    "patharanordev-dind-privileged-yes.yml": ({("DIND007", "dind"), ("DIND012", "dind")},
                                              {("DIND010", "dind")}),
    "swe-fac-plus-dind-plus-host-sock.yml": ({("DIND009", "swe-factory-dind"),
                                              ("DIND007", "swe-factory-dind")}, set()),
}


def lint_one(path: Path, cwd: Path) -> tuple[int, dict[str, Any], str]:
    result = run_dindcheck(["lint", str(path), "--json"], cwd=cwd)
    return result.returncode, json.loads(result.stdout), result.stderr


def test_corpus_is_present() -> None:
    require(bool(FILES), f"no corpus under {CORPUS}")


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_corpus_file_is_processed(path: Path, tmp_path: Path) -> None:
    code, report, err = lint_one(path, tmp_path)
    assert code in (0, 1, 2), err
    assert report["summary"]["exit_code"] == code
    assert len(err.strip().splitlines()) <= 1, err  # one reason line, never a traceback
    if code == 2:
        assert report["errors"], "exit 2 must come with an error entry"
        assert all(e["path"] == str(path) for e in report["errors"])
    kind = UNDERSTOOD.get(path.parent.name)
    if kind is not None and path.name not in NOT_INPUTS:
        assert kind in {i["kind"] for i in report["inputs"]}, "read by its source"
    else:
        subjects = sum(t["subjects"] for t in report["inputs"])
        assert subjects == 0
        said = report["errors"] or [n for n in report["notes"] if "nothing was linted" in n]
        assert said, "a file nothing was understood of must say so"


@pytest.mark.parametrize("name", EXPECTED)
def test_compose_corpus_findings(name: str, tmp_path: Path) -> None:
    path = CORPUS / "compose" / name
    require(path.is_file(), f"{path} is not present")
    code, report, _ = lint_one(path, tmp_path)
    assert code in (0, 1)
    got = {(f["rule_id"], f["subject"]["name"]) for f in report["findings"]}
    present, absent = EXPECTED[name]
    assert present <= got
    assert not (absent & got)


# (rule, subject) pairs each GitLab CI, Actions and script file must produce, and pairs
# it must not (linted without a runner config: privilege is unknown).
EXPECTED_SOURCES = {
    "gitlab-ci/gitlab-ci-multi-runner-2016.gitlab-ci.yml": (
        {("DIND011", "Development"), ("DIND013", "Development/docker"),
         ("DIND012", "Development/docker")},
        # each job reaches its own service, never another job's
        {("DIND011", "Development/docker"), ("DIND007", "Development/docker"),
         ("DIND008", "Development/docker"), ("DIND021", "Development")}),
    "gitlab-ci/gitlab-global-anchors-use-docker-in-docker.gitlab-ci.yml": (
        {("DIND010", ".use-docker-in-docker/docker")},
        {("DIND011", ".use-docker-in-docker"), ("DIND012", ".use-docker-in-docker/docker"),
         ("DIND009", ".use-buildx/gitlab-global-anchors-use-docker-in-docker.gitlab-ci.yml:574")}),
    "gitlab-ci/gitlab-runner-common.gitlab-ci.yml": (
        {("DIND005", ".docker/docker")}, {("DIND025", ".docker"), ("DIND012", ".docker/docker")}),
    "gitlab-ci/gitlab-template-Auto-Build-tls-false.gitlab-ci.yml": (
        {("DIND010", "build/docker")}, {("DIND011", "build")}),
    "gitlab-ci/gitlab-template-Code-Quality-stable-dind.gitlab-ci.yml": (
        {("DIND010", "code_quality/docker"), ("DIND012", "code_quality/docker")},
        {("DIND009", "code_quality/gitlab-template-Code-Quality-stable-dind.gitlab-ci.yml:19"),
         ("DIND011", "code_quality")}),
    "gitlab-ci/gitlab-template-Docker-latest-dind.gitlab-ci.yml": (
        {("DIND012", "build/docker"), ("DIND012", "build-master/docker")},
        {("DIND011", "build"), ("DIND021", "build")}),
    "gitlab-ci/gitlab-template-Load-Performance-Testing.gitlab-ci.yml": (
        {("DIND010", "load_performance/docker")}, {("DIND011", "load_performance")}),
    "gitlab-ci/mender-integration-default-pipeline.gitlab-ci.yml": (
        set(), {("DIND001", "test:integration-tests:requirements"),
                ("DIND012", "test:integration-tests:requirements")}),
    "gitlab-ci/mender-integration-full-integration-template.gitlab-ci.yml": (
        {("DIND005", "test:integration:$CI_NODE_INDEX")},
        {("DIND001", "test:integration:$CI_NODE_INDEX"),
         ("DIND012", "test:integration:$CI_NODE_INDEX")}),
    "gitlab-ci/omnibus-gitlab-dind-config-registry-mirror.yml": (
        {("DIND014", ".dind")},
        # the image and its TLS default come from another file
        {("DIND001", ".dind/docker"), ("DIND011", ".dind"), ("DIND012", ".dind/docker")}),
    "gitlab-ci/sshoc-marketplace-backend.gitlab-ci.yml": (
        {("DIND010", "build/docker"), ("DIND012", "build/docker"), ("DIND020", "build/docker")},
        {("DIND011", "build"), ("DIND021", "build")}),
    "github-actions/a-magdy-dind-container-jobs.yml": (
        {("DIND022", "dind-run-image-fails"), ("DIND009", "dind-run-image-fails")},
        {("DIND001", "dind-run-image-fails"), ("DIND005", "dind-run-image-fails")}),
    "github-actions/eoap-how-to-dind-named-no-dind.yaml": (set(), {("DIND022", "build")}),
    "github-actions/joschi-dind-job-container.yml": (
        {("DIND022", "dind"), ("DIND009", "dind")}, {("DIND001", "dind"), ("DIND010", "dind")}),
    "github-actions/opencopilot-ci-docker-cli-as-service.yml": (
        set(), {("DIND007", "build/docker"), ("DIND005", "build/docker")}),
    "github-actions/testcontainers-java-docker-wormhole.yml": (
        {("DIND009", "in-docker_test/testcontainers-java-docker-wormhole.yml:50")}, set()),
    "github-actions/trendminer-example-services-dind-service.yml": (
        {("DIND008", "container-job/docker"), ("DIND023", "container-job/steps[2]")},
        {("DIND008", "container-job/steps[2]"), ("DIND010", "container-job/steps[2]"),
         ("DIND009", "container-job/steps[2]")}),
    "scripts/cruizba-ubuntu-dind-test.sh": (
        set(), {("DIND009", "cruizba-ubuntu-dind-test.sh:153")}),
    "scripts/docker-py-Makefile": (
        {("DIND010", "dpy-dind"), ("DIND007", "dpy-dind"), ("DIND009", "docker-py-Makefile:73")},
        {("DIND010", "dpy-dind-ssl")}),
    "scripts/gitlab-runner-test-installation-privileged-init.sh": (
        set(), {("DIND007", "test"), ("DIND008", "test")}),
    "scripts/k3d-local-test-remote-docker-tls.sh": (
        {("DIND007", "k3dlocaltestdindsec")}, {("DIND010", "k3dlocaltestdindsec")}),
    "scripts/lattebreak-run-dind.sh": (
        {("DIND010", "docker"), ("DIND012", "docker"), ("DIND007", "docker")}, set()),
    "scripts/weave-in-docker-run-vfs-nethost.sh": (
        {("DIND002", "inner-docker"), ("DIND010", "inner-docker"), ("DIND015", "inner-docker")},
        set()),
}


@pytest.mark.parametrize("name", EXPECTED_SOURCES)
def test_source_corpus_findings(name: str, tmp_path: Path) -> None:
    path = CORPUS / name
    require(path.is_file(), f"{path} is not present")
    code, report, _ = lint_one(path, tmp_path)
    assert code in (0, 1)
    got = {(f["rule_id"], f["subject"]["name"]) for f in report["findings"]}
    present, absent = EXPECTED_SOURCES[name]
    assert present <= got, got
    assert not (absent & got), got


def test_every_source_corpus_file_is_expected() -> None:
    listed = {f"{p.parent.name}/{p.name}" for p in FILES
              if p.parent.name in ("gitlab-ci", "github-actions", "scripts")}
    require(bool(listed), f"no corpus under {CORPUS}")
    assert listed <= set(EXPECTED_SOURCES) | {"scripts/sysbox-kindbox.sh",
                                               "scripts/k3d-tests-dind.sh"}
