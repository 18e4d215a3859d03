"""Real configurations from public repositories (../shared/corpus): no crash, true findings."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from dindcheck.cli import main

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "SOURCES.md") \
    if CORPUS.is_dir() else []

pytestmark = pytest.mark.skipif(not FILES and not os.environ.get("CI"),
                                reason="shared corpus not present")

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


def lint_one(path: Path) -> tuple[int, dict[str, object], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["lint", "-f", str(path), "--json"], stdout=out, stderr=err)
    return code, json.loads(out.getvalue()), err.getvalue()


def test_corpus_is_present() -> None:
    assert FILES, f"no corpus under {CORPUS}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_corpus_file_is_processed(path: Path) -> None:
    code, report, err = lint_one(path)
    assert code in (0, 1, 2)
    assert "Traceback" not in err
    if code == 2:
        assert report["errors"], "exit 2 must come with an error entry"
        assert all(e["path"] == str(path) for e in report["errors"])


@pytest.mark.parametrize("name", EXPECTED)
def test_compose_corpus_findings(name: str) -> None:
    code, report, _ = lint_one(CORPUS / "compose" / name)
    assert code in (0, 1)
    got = {(f["rule_id"], f["subject"]["name"]) for f in report["findings"]}  # type: ignore[attr-defined]
    present, absent = EXPECTED[name]
    assert present <= got
    assert not (absent & got)
