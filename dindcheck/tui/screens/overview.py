"""The main screen: summary, problems, subject tree, findings table and facts panel."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input

from dindcheck.model import Report, Severity
from dindcheck.tui.screens.finding import FindingScreen
from dindcheck.tui.view import FindingFilter, categories, find_subject, next_category
from dindcheck.tui.widgets import (
    FactsPanel,
    FindingsTable,
    ProblemsPanel,
    SubjectTree,
    SummaryBar,
)


class OverviewScreen(Screen[None]):
    """Owns the view state (filters, sort); the report itself comes from the app via ``show``."""

    AUTO_FOCUS = "#findings"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "open_filter", "Filter"),
        Binding("1", "toggle_severity('error')", "Errors"),
        Binding("2", "toggle_severity('warning')", "Warnings"),
        Binding("3", "toggle_severity('info')", "Infos"),
        Binding("k", "cycle_category", "Category"),
        Binding("s", "cycle_sort", "Sort"),
        Binding("S", "reverse_sort", "Reverse", show=False),
        Binding("0", "clear_filters", "All", show=False),
        Binding("escape", "close_filter", "Clear filter", show=False),
    ]

    def __init__(self, report: Report, fail_on: str) -> None:
        super().__init__()
        self.report = report
        self.fail_on = fail_on

    def compose(self) -> ComposeResult:
        yield Header()
        yield SummaryBar(id="summary")
        yield ProblemsPanel(id="problems")
        with Horizontal(id="body"):
            yield SubjectTree(id="tree")
            with Vertical(id="main"):
                yield Input(placeholder="filter findings: id, title, subject, message, location…",
                            id="filter")
                yield FindingsTable(id="findings")
                yield FactsPanel(id="facts")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#tree", SubjectTree).border_title = "Subjects"
        self.show(self.report)

    @property
    def table(self) -> FindingsTable:
        return self.query_one("#findings", FindingsTable)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#filter", Input)

    def show(self, report: Report, *, running: bool = False,
             refresh_error: str | None = None) -> None:
        """Draw ``report``; filters and sort stay as the user left them."""
        self.report = report
        self.query_one(SummaryBar).show(report, self.fail_on, running=running)
        self.query_one(ProblemsPanel).show(report.errors, refresh_error)
        table = self.table
        table.loading = running
        if table.report is not report:
            flt = table.filter
            if flt.category is not None and flt.category not in categories(report):
                flt = flt.with_category(None)
            if flt.subject_id is not None and find_subject(report, flt.subject_id) is None:
                flt = flt.with_subject(None)
            table.filter = flt
            table.show(report)
            tree = self.query_one(SubjectTree)
            tree.show(report)
            if not tree.has_focus:  # a focused tree re-announces its cursor node itself
                self._show_finding_facts()

    def _show_finding_facts(self) -> None:
        """The facts of the subject of the finding under the table's cursor."""
        facts = self.query_one(FactsPanel)
        finding = self.table.current
        if finding is None:
            facts.show_hint()
        elif (subject := find_subject(self.report, finding.subject_id)) is None:
            facts.show_missing(finding.subject_id)
        else:
            facts.show_subject(subject)

    # -- filters and sort ---------------------------------------------------------------

    def _filter(self, flt: FindingFilter) -> None:
        self.table.set_filter(flt)

    def action_toggle_severity(self, severity: str) -> None:
        self._filter(self.table.filter.toggle(Severity(severity)))

    def action_cycle_category(self) -> None:
        flt = self.table.filter
        category = next_category(flt.category, categories(self.report))
        self._filter(flt.with_category(category))
        self.notify(f"category: {category or 'all'}", timeout=2, markup=False)

    def action_clear_filters(self) -> None:
        self.filter_input.value = ""
        self.filter_input.remove_class("-open")
        self._filter(FindingFilter())

    def action_cycle_sort(self) -> None:
        self.table.sort_by(self.table.sort_column.next())

    def action_reverse_sort(self) -> None:
        self.table.sort_by(self.table.sort_column, not self.table.sort_reverse)

    def action_open_filter(self) -> None:
        self.filter_input.add_class("-open")
        self.filter_input.focus()

    def action_close_filter(self) -> None:
        if not self.filter_input.has_class("-open"):
            return
        self.filter_input.value = ""
        self.filter_input.remove_class("-open")
        self._filter(self.table.filter.with_text(""))
        self.table.focus()

    @on(Input.Changed, "#filter")
    def _text_changed(self, event: Input.Changed) -> None:
        self._filter(self.table.filter.with_text(event.value))

    @on(Input.Submitted, "#filter")
    def _text_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.filter_input.remove_class("-open")
        self.table.focus()

    # -- selection ----------------------------------------------------------------------

    @on(FindingsTable.FindingSelected)
    def _open_finding(self, event: FindingsTable.FindingSelected) -> None:
        if self.is_current:  # a click can select twice: once as a click, once as a row
            self.app.push_screen(FindingScreen(event.finding))

    # the facts panel follows the focused widget: the table's finding or the tree's node

    @on(FindingsTable.FindingHighlighted)
    def _finding_highlighted(self) -> None:
        if self.table.has_focus:
            self._show_finding_facts()

    @on(SubjectTree.Highlighted)
    def _node_highlighted(self, event: SubjectTree.Highlighted) -> None:
        if not self.query_one(SubjectTree).has_focus:
            return
        facts = self.query_one(FactsPanel)
        if event.ref.subject is not None:
            facts.show_subject(event.ref.subject)
        else:
            facts.show_target(self.report, event.ref.target)

    @on(SubjectTree.Selected)
    def _node_selected(self, event: SubjectTree.Selected) -> None:
        flt = self.table.filter
        subject_id = str(event.ref.subject.get("id")) if event.ref.subject is not None else None
        if subject_id == flt.subject_id:
            subject_id = None
        self._filter(flt.with_subject(subject_id))
