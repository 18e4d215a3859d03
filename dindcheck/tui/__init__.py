"""The Textual TUI: the only package that imports textual. The CLI imports it lazily."""

from __future__ import annotations

from collections.abc import Callable

from dindcheck.model import Report
from dindcheck.tui.app import DindcheckApp

__all__ = ["DindcheckApp", "run_tui"]


def run_tui(report: Report, *, refresh: Callable[[], Report] | None = None,
            fail_on: str = "error", title: str = "dindcheck") -> int:
    """Run the app; return the exit code per the CLI contract.

    That is ``report.exit_code(fail_on)`` of the report shown last (a re-run replaces it).
    """
    app = DindcheckApp(report, refresh, fail_on, title=title)
    code = app.run()
    if code is None:  # the app ended without action_quit (e.g. a signal)
        return app.exit_code if app.return_code in (None, 0) else app.return_code
    return code
