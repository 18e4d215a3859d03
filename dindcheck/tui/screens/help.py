"""The keys, and what the marks mean."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from dindcheck.model import Severity
from dindcheck.tui.widgets.severity import icon

KEYS = (
    ("Everywhere", (
        ("?", "this help"),
        ("q", "quit; the exit code is the CI verdict of the report shown"),
        ("r", "re-run: rebuild the report (when the caller allows it)"),
        ("e", "export the report as JSON"),
    )),
    ("Findings", (
        ("↑ ↓ / click", "move"),
        ("enter", "open the finding: evidence, why, fix"),
        ("/", "filter by text (enter: done, esc: clear)"),
        ("1 2 3", "show or hide errors, warnings, infos"),
        ("k", "cycle the category filter"),
        ("0", "clear every filter"),
        ("s / S", "sort by the next column / reverse (or click a header)"),
        ("tab", "switch between the tree and the table"),
    )),
    ("Subjects tree", (
        ("↑ ↓", "show the facts of a subject"),
        ("enter", "show only that subject's findings (again: all)"),
    )),
    ("A finding", (
        ("c", "copy the fix to the clipboard"),
        ("esc", "back"),
    )),
)


def help_table() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for section, keys in KEYS:
        table.add_row(Text(section, style="bold underline"), "")
        for key, what in keys:
            table.add_row(key, what)
        table.add_row("", "")
    table.add_row(Text("Marks", style="bold underline"), "")
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO, None):
        table.add_row(icon(severity), f"worst finding: {severity}" if severity else "no findings")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Back"),
        Binding("question_mark", "dismiss", "Back", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog") as dialog:
            dialog.border_title = "dindcheck: keys"
            dialog.border_subtitle = "esc back"
            yield Static(help_table())
