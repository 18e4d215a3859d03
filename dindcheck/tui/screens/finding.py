"""One finding in full: message, evidence, why, the fix (copyable), references, location."""

from __future__ import annotations

from typing import ClassVar

from rich.console import RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from dindcheck.model import Finding
from dindcheck.tui.view import evidence_rows
from dindcheck.tui.widgets.severity import badge


def _heading(finding: Finding) -> Text:
    return Text.assemble(badge(finding.severity), "  ", (finding.rule_id, "bold"), "  ",
                         (finding.title, "bold"))


def _key_values(rows: list[tuple[str, str]]) -> RenderableType:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for key, value in rows:  # Text, not str: a str cell would be read as Rich markup
        grid.add_row(Text(key), Text(value))
    return grid


def _references(refs: tuple[str, ...]) -> Text:
    text = Text()
    for i, ref in enumerate(refs):
        text.append("\n" if i else "")
        text.append("• ")
        # A Style object, not a style string: "link <ref>" would parse the URL as words.
        text.append(ref, style=Style(link=ref) if ref.startswith(("http://", "https://"))
                    else "")
    return text


class FindingScreen(ModalScreen[None]):
    """Escape returns to the table; ``c`` copies the fix."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Back"),
        Binding("c", "copy_fix", "Copy fix"),
    ]

    def __init__(self, finding: Finding) -> None:
        super().__init__()
        self.finding = finding

    def compose(self) -> ComposeResult:
        f = self.finding
        with Vertical(id="finding-dialog") as dialog:
            dialog.border_title = Text(f"{f.rule_id} · {f.name}")
            dialog.border_subtitle = "esc back · c copy fix"
            yield Static(_heading(f), id="finding-heading")
            yield Static(_key_values([
                ("subject", f"{f.subject_name} ({f.subject_kind}) {f.subject_id}"),
                ("location", str(f.location) or "unknown"),
                ("category", f.category),
            ]), id="finding-where")
            with VerticalScroll(id="finding-body"):
                yield Static("Message", classes="section-title")
                yield Static(Text(f.message), classes="section")
                if f.evidence:
                    yield Static("Evidence", classes="section-title")
                    yield Static(_key_values(evidence_rows(f.evidence)), classes="section",
                                 id="finding-evidence")
                yield Static("Why", classes="section-title")
                yield Static(Text(f.rationale), classes="section", id="finding-why")
                yield Static("Fix  (c to copy)", classes="section-title")
                yield Static(Text(f.remediation), classes="section fix", id="finding-fix")
                if f.references:
                    yield Static("References", classes="section-title")
                    yield Static(_references(f.references), classes="section",
                                 id="finding-references")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#finding-body").focus()

    def action_copy_fix(self) -> None:
        self.app.copy_to_clipboard(self.finding.remediation)
        self.notify(f"Fix for {self.finding.rule_id} copied to the clipboard", timeout=3,
                    markup=False)
