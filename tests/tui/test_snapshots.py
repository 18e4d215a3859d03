"""How the screens look, as SVG snapshots: update with `pytest tests/tui --snapshot-update`.

The reports are real (see reports.py): the examples linted, with a malformed compose file
next to them for the overview, and the recorded live engine audited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from dindcheck.tui import DindcheckApp
from tests.tui.reports import audit_report, lint_report

pytestmark = pytest.mark.snapshot

SIZE = (120, 40)
SnapCompare = Callable[..., bool]
KIND_RANK = {"host": 0, "daemon": 1, "socket_mount": 2, "client": 3}


def _press(*keys: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press(*keys)
        await pilot.pause()

    return run_before


def test_overview(snap_compare: SnapCompare) -> None:
    app = DindcheckApp(lint_report(with_problem=True))
    assert snap_compare(app, terminal_size=SIZE)


def test_finding_detail(snap_compare: SnapCompare) -> None:
    app = DindcheckApp(lint_report())
    assert snap_compare(app, terminal_size=SIZE, run_before=_press("enter"))


def test_live_daemon_facts_from_the_tree(snap_compare: SnapCompare) -> None:
    """The daemon that runs on its container layer, reached in the subject tree."""
    report = audit_report()
    [target] = report.targets
    order = sorted(target.subjects, key=lambda s: (KIND_RANK[s["kind"]], s["name"]))
    downs = 1 + [s["name"] for s in order].index("dind-layer")  # the target is line 0
    app = DindcheckApp(report)
    assert snap_compare(app, terminal_size=SIZE,
                        run_before=_press("shift+tab", *["down"] * downs))


def test_filtered_by_text_and_severity(snap_compare: SnapCompare) -> None:
    app = DindcheckApp(lint_report())
    assert snap_compare(app, terminal_size=SIZE,
                        run_before=_press("3", "slash", *"gitlab", "enter"))


def test_help(snap_compare: SnapCompare) -> None:
    app = DindcheckApp(lint_report())
    assert snap_compare(app, terminal_size=SIZE, run_before=_press("question_mark"))
