"""The facts panel: what dindcheck knows about one subject, even when nothing is wrong with it."""

from __future__ import annotations

from collections import Counter

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from dindcheck.model import Report, Subject, Target
from dindcheck.tui.view import KIND_LABELS, UNKNOWN, Facts, subject_facts, subject_label


def _section(title: str, rows: list[tuple[str, str]], label_width: int) -> RenderableType:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True, width=label_width)
    grid.add_column(overflow="fold")
    for label, value in rows:
        # Text, not str: a str cell would be read as Rich markup ([bold], [@click=...]).
        grid.add_row(Text(label), Text(value, style="dim" if value == UNKNOWN else ""))
    return Group(Text(title, style="bold underline"), grid)


def facts_renderable(facts: Facts) -> RenderableType:
    """Sections laid out in two balanced columns."""
    heights = [len(rows) + 1 for _, rows in facts]
    # the left column takes the prefix of sections that best balances the two
    split = min(range(len(facts) + 1),
                key=lambda i: max(sum(heights[:i]), sum(heights[i:])))
    sides = (facts[:split], facts[split:])
    columns: list[RenderableType] = []
    for side_facts in sides:
        width = max((len(label) for _, rows in side_facts for label, _ in rows), default=0)
        columns.append(Group(*(_section(title, rows, width) for title, rows in side_facts)))
    layout = Table.grid(expand=True, padding=(0, 2))
    layout.add_column(ratio=1)
    layout.add_column(ratio=1)
    layout.add_row(*columns)
    return layout


def target_facts(report: Report, target: Target) -> Facts:
    kinds = Counter(str(s.get("kind")) for s in target.subjects)
    ids = {s.get("id") for s in target.subjects}
    findings = [f for f in report.findings if f.subject_id in ids]
    return [
        ("Target", [("kind", target.kind), ("name", target.name),
                    ("paths", ", ".join(target.paths) or "none")]),
        ("Subjects", [(KIND_LABELS.get(k, k), str(n)) for k, n in sorted(kinds.items())]
         or [("", "none")]),
        ("Findings", [("total", str(len(findings)))]),
    ]


class FactsPanel(VerticalScroll):
    """Scrolls when a subject has more facts than fit."""

    DEFAULT_CSS = """
    FactsPanel > Static {
        width: 1fr;
    }
    """

    HINT = "Select a subject in the tree, or a finding, to see its facts."

    def compose(self) -> ComposeResult:
        yield Static(self.HINT, id="facts-body")

    def show_hint(self) -> None:
        self._put("Facts", Text(self.HINT, style="dim"))

    def _put(self, title: str, body: RenderableType) -> None:
        self.border_title = Text(title)
        self.query_one("#facts-body", Static).update(body)

    def show_subject(self, subject: Subject) -> None:
        self._put(f"Facts: {subject_label(subject)}", facts_renderable(subject_facts(subject)))

    def show_target(self, report: Report, target: Target) -> None:
        self._put(f"Facts: {target.name}", facts_renderable(target_facts(report, target)))

    def show_missing(self, subject_id: str) -> None:
        self._put("Facts", Text(f"No facts recorded for subject {subject_id}.", style="dim"))
