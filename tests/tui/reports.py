"""Real reports for the TUI tests: lints of the examples and the recorded live audit.

Nothing here is written by hand: every report comes out of the installed package's lint
or rule engine, run on the repository's examples (as they are, with one malformed file
next to them, or corrected) and on the live observation recorded in
``tests/sources/live/data/scenarios.json``. Lints run from a folder holding ``examples``
so that paths in the reports are relative (``examples/...``), as a user running
``dindcheck lint examples`` sees them, and the snapshots do not depend on where the
checkout is.
"""

from __future__ import annotations

import contextlib
import functools
import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from dindcheck.audit import audit
from dindcheck.catalogue import Rule, load_catalogue
from dindcheck.engine import evaluate
from dindcheck.lint import lint
from dindcheck.model import Finding, Report, Target
from dindcheck.sources.live.observation import EngineObservation
from dindcheck.sources.live.workloads import setup
from dindcheck.subjects import build_subjects
from tests.repo import EXAMPLES

SCENARIOS = Path(__file__).resolve().parents[1] / "sources" / "live" / "data" / "scenarios.json"

MALFORMED = Path("malformed") / "compose.yaml"
"""Linted next to the examples for the report with an input problem."""
MALFORMED_TEXT = """\
services:
  dind:
    image: docker:27.3.1-dind
  ports: - "2375:2375"
"""


@functools.cache
def rules() -> tuple[Rule, ...]:
    return load_catalogue()


def lint_in(folder: Path, *paths: str) -> Report:
    """Lint ``paths`` (relative to ``folder``) from ``folder``, keeping the subjects."""
    with contextlib.chdir(folder):
        return lint([Path(p) for p in paths], rules(), jobs=1, environ={}, keep_subjects=True)


def copy_examples(into: Path) -> Path:
    """The examples copied to ``into/examples``."""
    return Path(shutil.copytree(EXAMPLES, into / EXAMPLES.name))


def _edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def fix_examples(examples: Path) -> None:
    """Correct a copy of the examples the way a user would.

    The gitlab-runner builder gets a volume at its data root; the dind-good-tls daemon
    accepts being privileged with ``x-dindcheck: ignore`` (one suppressed finding).
    """
    def add_volume(data: dict[str, Any]) -> None:
        data["services"]["builder"].setdefault("volumes", []).append(
            "builder-data:/var/lib/docker")
        data.setdefault("volumes", {})["builder-data"] = None

    def accept_privileged(data: dict[str, Any]) -> None:
        data["services"]["docker"]["x-dindcheck"] = {"ignore": ["DIND007"]}

    _edit(examples / "gitlab-runner-broken" / "compose.yaml", add_volume)
    _edit(examples / "dind-good-tls" / "compose.yaml", accept_privileged)


def lint_report(*, with_problem: bool = False, fixed: bool = False) -> Report:
    """The examples linted; ``with_problem`` adds a malformed compose file next to them,
    ``fixed`` lints a corrected copy (see ``fix_examples``)."""
    if not (with_problem or fixed):
        return lint_in(EXAMPLES.parent, EXAMPLES.name)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        examples = copy_examples(root)
        paths: list[str] = [examples.name]
        if fixed:
            fix_examples(examples)
        if with_problem:
            (root / MALFORMED).parent.mkdir()
            (root / MALFORMED).write_text(MALFORMED_TEXT, encoding="utf-8")
            paths.append(str(MALFORMED.parent))
        return lint_in(root, *paths)


def recorded_observation() -> EngineObservation:
    data: dict[str, Any] = json.loads(SCENARIOS.read_text(encoding="utf-8"))
    return EngineObservation.from_json(data)


def audit_report() -> Report:
    """The recorded live engine audited, as ``dindcheck.audit.audit`` assembles a report."""
    observation = recorded_observation()
    subjects = build_subjects(setup(observation))
    findings, suppressed = evaluate(rules(), subjects)
    target = Target(kind="engine", name=observation.endpoint, subjects=tuple(subjects))
    return Report(mode="audit", targets=(target,),
                  findings=tuple(sorted(findings, key=Finding.sort_key)),
                  suppressed=suppressed)


def unreachable_report() -> Report:
    """A real audit of an endpoint where no engine listens (a socket that does not exist)."""
    with tempfile.TemporaryDirectory() as tmp:
        return audit([f"unix://{tmp}/docker.sock"], rules(), timeout=5)


def subjects(report: Report) -> list[dict[str, Any]]:
    return [s for target in report.targets for s in target.subjects]


def subject(report: Report, subject_id: str) -> dict[str, Any]:
    [found] = [s for s in subjects(report) if s["id"] == subject_id]
    return found


KIND_LABELS = {"host": "host", "daemon": "daemon", "socket_mount": "socket", "client": "client"}


def label(subject: dict[str, Any]) -> str:
    """How the tree and the facts panel name a subject: ``name (kind)``."""
    return f"{subject['name']} ({KIND_LABELS[subject['kind']]})"


def severity_order(findings: Sequence[Finding]) -> list[Finding]:
    """The table's default order, by its definition: worst first, then by location."""
    return sorted(findings, key=lambda f: (-f.severity.rank, f.sort_key()))
