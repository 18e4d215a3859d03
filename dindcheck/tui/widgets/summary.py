"""The summary bar: what was checked, how many findings of each severity, and the verdict."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from dindcheck.model import Report
from dindcheck.tui.view import SEVERITIES, verdict
from dindcheck.tui.widgets.severity import STYLES, badge


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_text(report: Report, fail_on: str, *, running: bool = False) -> Text:
    counts = report.counts()
    subjects = sum(t.size for t in report.targets)
    sep = Text(" │ ", style="dim")
    text = Text.assemble(
        (report.mode, "bold"), sep,
        f"{_plural(len(report.targets), 'target')}, {_plural(subjects, 'subject')}", sep,
    )
    for i, severity in enumerate(SEVERITIES):
        if i:
            text.append("  ")
        count = counts[severity.value]
        text.append_text(badge(severity) if count else Text(f"  {severity.value}", style="dim"))
        text.append(f" {count}", style=STYLES[severity] if count else "dim")
    if report.suppressed:
        text.append_text(sep)
        text.append(f"{report.suppressed} suppressed", style="dim")
    if report.errors:
        text.append_text(sep)
        text.append(_plural(len(report.errors), "input problem"), style="bold red")
    text.append_text(sep)
    code = report.exit_code(fail_on)
    text.append(verdict(report, fail_on), style="bold white on red" if code else "bold green")
    if running:
        text.append_text(sep)
        text.append("re-running…", style="bold italic")
    return text


class SummaryBar(Static):
    """One line over the whole report; ``show`` redraws it."""

    DEFAULT_CSS = """
    SummaryBar {
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    """

    def show(self, report: Report, fail_on: str, *, running: bool = False) -> None:
        self.update(summary_text(report, fail_on, running=running))
