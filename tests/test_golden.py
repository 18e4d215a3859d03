"""Golden outputs of real inputs: the examples, the test data, the compose corpus and the
recorded live audit (see tests/golden.py; inline lint cases check theirs in lintcase)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dindcheck.catalogue import load_catalogue
from dindcheck.engine import evaluate
from dindcheck.lint import lint
from dindcheck.model import Report, Target
from dindcheck.sources.live.observation import EngineObservation
from dindcheck.sources.live.workloads import setup
from dindcheck.subjects import build_subjects
from tests.golden import check_golden
from tests.repo import CORPUS, EXAMPLES, REPO, corpus_files, require

RULES = load_catalogue()
LIVE = REPO / "tests" / "sources" / "live" / "data" / "scenarios.json"
PROJECTS = [*sorted(p for p in EXAMPLES.iterdir() if p.is_dir()),
            REPO / "tests" / "sources" / "compose" / "data"]
KUBERNETES_DATA = REPO / "tests" / "sources" / "kubernetes" / "data"


@pytest.mark.parametrize("folder", PROJECTS, ids=lambda p: p.name)
def test_folder(folder: Path) -> None:
    check_golden(f"folder-{folder.name}", lint([folder], RULES, jobs=1, environ={}))


@pytest.mark.parametrize("path", corpus_files("compose"), ids=lambda p: p.name)
def test_compose_corpus(path: Path) -> None:
    report = lint([path], RULES, merge_files=True, jobs=1, environ={})
    check_golden(f"corpus-{path.name}", report)


@pytest.mark.parametrize("path", [*sorted(p for p in KUBERNETES_DATA.rglob("*") if p.is_file()),
                                  *corpus_files("kubernetes")],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_kubernetes_inputs(path: Path) -> None:
    """Each Kubernetes test input and corpus file on its own, as `dindcheck lint FILE`."""
    report = lint([path], RULES, jobs=1, environ={})
    check_golden(f"kubernetes-{path.parent.name}-{path.name}", report)


def test_compose_corpus_is_present() -> None:
    require(bool(corpus_files("compose")), f"no compose corpus under {CORPUS}")


def test_recorded_live_audit() -> None:
    observation = EngineObservation.from_json(json.loads(LIVE.read_text()))
    subjects = build_subjects(setup(observation))
    findings, suppressed = evaluate(RULES, subjects)
    report = Report(mode="audit", findings=tuple(findings), suppressed=suppressed,
                    targets=(Target(kind="engine", name=observation.endpoint,
                                    subjects=tuple(subjects)),))
    check_golden("live-scenarios", report)
