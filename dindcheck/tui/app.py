"""DindcheckApp: a view over one Report, with an optional callable that produces a fresh one."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from dindcheck.model import Report
from dindcheck.report.json import report_json
from dindcheck.tui.screens import ExportScreen, HelpScreen, OverviewScreen

RERUN_GROUP = "rerun"


class DindcheckApp(App[int]):
    """Exits with ``report.exit_code(fail_on)`` of the report shown last."""

    CSS_PATH = "app.tcss"
    TITLE = "dindcheck"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("r", "rerun", "Re-run"),
        Binding("e", "export", "Export"),
    ]

    def __init__(self, report: Report, refresh: Callable[[], Report] | None = None,
                 fail_on: str = "error", *, title: str = "dindcheck") -> None:
        super().__init__()
        self.report = report
        self.fail_on = fail_on
        self.rerun_report = refresh  # not `refresh`: that name is Textual's repaint
        self.running = False
        self.refresh_error: str | None = None
        self.overview = OverviewScreen(report, fail_on)
        self.title = title
        self.sub_title = self._sub_title()

    @property
    def exit_code(self) -> int:
        return self.report.exit_code(self.fail_on)

    def get_default_screen(self) -> Screen[None]:
        return self.overview

    def _sub_title(self) -> str:
        names = ", ".join(t.name for t in self.report.targets[:3])
        more = f" +{len(self.report.targets) - 3}" if len(self.report.targets) > 3 else ""
        return f"{self.report.mode}: {names or 'nothing audited'}{more}"

    def _show(self) -> None:
        self.sub_title = self._sub_title()
        self.overview.show(self.report, running=self.running, refresh_error=self.refresh_error)

    async def action_quit(self) -> None:
        code = self.exit_code
        self.exit(code, return_code=code)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # -- re-run -------------------------------------------------------------------------

    def action_rerun(self) -> None:
        if self.rerun_report is None:
            self.notify("Nothing to re-run: no way to rebuild this report was given.",
                        severity="warning")
            return
        if self.running:
            self.notify("Already re-running…")
            return
        self.running = True
        self._show()
        self._rerun()

    @work(thread=True, exclusive=True, exit_on_error=False, group=RERUN_GROUP)
    def _rerun(self) -> Report:
        assert self.rerun_report is not None
        return self.rerun_report()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != RERUN_GROUP or not worker.is_finished:
            return
        self.running = False
        if event.state == WorkerState.SUCCESS and isinstance(worker.result, Report):
            self.report = worker.result
            self.refresh_error = None
            self.notify(f"Re-ran: {len(self.report.findings)} finding(s).", markup=False)
        elif event.state == WorkerState.ERROR:
            error = worker.error
            self.refresh_error = f"{type(error).__name__}: {error}"
            self.notify(f"Re-run failed: {self.refresh_error}", severity="error",
                        title="dindcheck", timeout=8, markup=False)
        self._show()

    # -- export -------------------------------------------------------------------------

    def action_export(self) -> None:
        self.push_screen(ExportScreen(), self._export)

    def _export(self, path: str | None) -> None:
        if path is None:
            return
        target = Path(path).expanduser()
        text = json.dumps(report_json(self.report, self.fail_on), indent=2, default=str) + "\n"
        try:
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            self.notify(f"Could not write {target}: {exc.strerror or exc}", severity="error",
                        markup=False)
            return
        self.notify(f"Report written to {target.resolve()}", markup=False)
