"""The TUI on a hostile report: strings are shown as text, never read as markup, and
nothing from the report reaches the terminal as a control sequence."""

from __future__ import annotations

import io

from rich.console import Console
from textual.widgets import Static

from dindcheck.sanitize import sanitize_report
from dindcheck.tui import DindcheckApp
from dindcheck.tui.screens import FindingScreen
from tests.test_sanitize import ENVIRON, MARKUP, SECRETS, hostile_report


def _screen_text(app: DindcheckApp) -> str:
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    for widget in app.screen.query(Static):
        console.print(widget.content)
    return out.getvalue()


async def test_finding_screen_shows_hostile_strings_as_text() -> None:
    report = sanitize_report(hostile_report(), ENVIRON)
    app = DindcheckApp(report)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("enter")
        assert isinstance(app.screen, FindingScreen)
        shown = _screen_text(app)
        assert MARKUP in shown  # the brackets as written, not bold text or a click action
        assert "\x1b" not in shown
        assert "\x07" not in shown
        for secret in SECRETS:
            assert secret not in shown
        await pilot.press("escape")
        assert app.is_running
