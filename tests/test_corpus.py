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
