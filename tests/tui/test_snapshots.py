"""How the screens look, as SVG snapshots: update with `pytest tests/tui --snapshot-update`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from dindcheck.tui import DindcheckApp
from tests.tui.sample import audit_report, lint_report

pytestmark = pytest.mark.snapshot

SIZE = (120, 40)
SnapCompare = Callable[..., bool]


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
    app = DindcheckApp(audit_report())
    assert snap_compare(app, terminal_size=SIZE, run_before=_press("shift+tab", "down", "down"))


def test_filtered_by_text_and_severity(snap_compare: SnapCompare) -> None:
    app = DindcheckApp(lint_report())
    assert snap_compare(app, terminal_size=SIZE,
                        run_before=_press("3", "slash", *"dind", "enter"))


def test_help(snap_compare: SnapCompare) -> None:
    app = DindcheckApp(lint_report())
    assert snap_compare(app, terminal_size=SIZE, run_before=_press("question_mark"))
