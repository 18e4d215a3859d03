"""docker run lines of a script, linted: the findings (rule, subject, line), and a pinned
dind with its own volume passes the default gate."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from dindcheck.catalogue import load_catalogue
from dindcheck.cli import main
from dindcheck.lint import lint

RULES = load_catalogue()

PINNED_WITH_VOLUME = """#!/bin/sh
docker volume create dind-data
docker run -d --privileged --name dind -v dind-data:/var/lib/docker docker:29.1.3-dind
"""

CUSTOM_WITHOUT_VOLUME = """#!/bin/sh
docker run -d --privileged --name builder example/dind-builder:1.2 dockerd
"""

SOCKET_INSIDE_DIND = """#!/bin/sh
docker run -d --privileged --name dind -v dind-data:/var/lib/docker docker:29.1.3-dind
docker exec dind docker run -v /var/run/docker.sock:/var/run/docker.sock alpine:3 true
"""

PLAINTEXT_PUBLISHED = """#!/bin/sh
docker run -d --privileged --name dind -e DOCKER_TLS_CERTDIR= \\
  -p 2375:2375 -v dind-data:/var/lib/docker docker:29.1.3-dind
"""

LOOP_ON_ONE_VOLUME = """#!/bin/sh
for n in 1 2; do
  docker run -d --privileged --name "dind-$n" \\
    -v dind-cache:/var/lib/docker docker:29.1.3-dind
done
"""

LOOP_IN_THE_FOREGROUND = """#!/bin/sh
for n in 1 2; do
  docker run --rm --privileged -v dind-cache:/var/lib/docker docker:29.1.3-dind true
done
"""

Finding = tuple[str, str, int | None]

CASES: dict[str, tuple[str, set[Finding], set[str]]] = {
    "pinned-with-volume": (PINNED_WITH_VOLUME, {("DIND007", "dind", 3)},
                           {"DIND001", "DIND005", "DIND012", "DIND010"}),
    "custom-without-volume": (CUSTOM_WITHOUT_VOLUME, {("DIND001", "builder", 2)}, set()),
    # created by the dind daemon: the socket is that daemon's, not the host's
    "socket-inside-dind": (SOCKET_INSIDE_DIND, set(), {"DIND009"}),
    "plaintext-published": (PLAINTEXT_PUBLISHED, {("DIND010", "dind", 3)}, set()),
    "loop-on-one-volume": (LOOP_ON_ONE_VOLUME, {("DIND004", "dind-$n", 4)}, set()),
    "loop-in-the-foreground": (LOOP_IN_THE_FOREGROUND, set(), {"DIND004"}),
}


@pytest.mark.parametrize("case", CASES)
def test_findings(tmp_path: Path, case: str) -> None:
    text, present, absent = CASES[case]
    (tmp_path / "run.sh").write_text(text)
    report = lint([tmp_path / "run.sh"], RULES, jobs=1)
    assert not report.errors, report.errors
    got = {(f.rule_id, f.subject_name, f.location.line) for f in report.findings}
    assert present <= got, got
    assert not absent & {f.rule_id for f in report.findings}, got


@pytest.mark.parametrize(("case", "code"), [("pinned-with-volume", 0),
                                            ("custom-without-volume", 1),
                                            ("plaintext-published", 1)])
def test_the_default_gate(tmp_path: Path, case: str, code: int) -> None:
    (tmp_path / "run.sh").write_text(CASES[case][0])
    (tmp_path / "gate.yaml").write_text("fail_on: error\n")
    assert main(["lint", str(tmp_path / "run.sh"), "--json", "--config",
                 str(tmp_path / "gate.yaml")], stdout=io.StringIO(),
                stderr=io.StringIO()) == code
