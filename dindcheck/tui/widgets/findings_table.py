"""The findings table: one row per finding, sorted and filtered in place."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.message import Message
from textual.widgets import DataTable

from dindcheck.model import Finding, Report
from dindcheck.tui.view import FindingFilter, SortColumn, visible_findings
from dindcheck.tui.widgets.severity import badge

COLUMNS = (
    (SortColumn.SEVERITY, "Severity"),
    (SortColumn.RULE, "ID"),
    (SortColumn.SUBJECT, "Subject"),
    (SortColumn.TITLE, "Title"),
    (SortColumn.LOCATION, "Location"),
)


def _fit(text: str, width: int | None, *, keep_end: bool = False) -> Text:
    """``text`` cut to ``width`` with an ellipsis; a location keeps its end (file:line:col)."""
    if width is None or len(text) <= width:
        return Text(text)
    if keep_end:
        return Text("…" + text[len(text) - width + 1:])
    return Text(text[: width - 1] + "…")


class FindingsTable(DataTable[Text]):
    """Shows the findings of a report that pass a FindingFilter, in the chosen order.

    Clicking a header sorts by that column; clicking it again reverses the order.
    """

    @dataclass
    class FindingSelected(Message):
        """Enter or a click on a row."""

        finding: Finding

    @dataclass
    class FindingHighlighted(Message):
        """The cursor moved onto a row."""

        finding: Finding

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.report = Report(mode="lint", targets=(), findings=())
        self.filter = FindingFilter()
        self.sort_column = SortColumn.SEVERITY
        self.sort_reverse = False
        self.shown: list[Finding] = []
        self._by_key: dict[str, Finding] = {}

    def on_resize(self) -> None:
        if self.report.findings:
            self._rebuild()

    def _widths(self) -> dict[SortColumn, int | None]:
        """Widths that fit the table: title and location share what the others leave."""
        findings = self.report.findings
        widths: dict[SortColumn, int | None] = {
            SortColumn.SEVERITY: 10,
            SortColumn.RULE: max((len(f.rule_id) for f in findings), default=4),
            SortColumn.SUBJECT: min(max((len(f.subject_name) for f in findings), default=7), 16),
        }
        available = self.scrollable_content_region.width
        if available <= 0:
            return {**widths, SortColumn.TITLE: None, SortColumn.LOCATION: None}
        # each column is padded by one cell on both sides; keep room for the scrollbar
        rest = available - sum(w or 0 for w in widths.values()) - 2 * len(COLUMNS) - 2
        title = max((len(f.title) for f in findings), default=5)
        location = max((len(str(f.location)) for f in findings), default=8)
        location = min(location, max(20, rest - title, rest // 2))
        return {**widths, SortColumn.LOCATION: location,
                SortColumn.TITLE: max(rest - location, 12)}

    def _add_columns(self) -> dict[SortColumn, int | None]:
        widths = self._widths()
        for column, label in COLUMNS:
            if column == self.sort_column:
                label += " ↑" if self.sort_reverse else " ↓"
            self.add_column(label, key=column.value, width=widths[column])
        return widths

    def show(self, report: Report) -> None:
        self.report = report
        self._rebuild()

    def set_filter(self, flt: FindingFilter) -> None:
        self.filter = flt
        self._rebuild()

    def sort_by(self, column: SortColumn, reverse: bool = False) -> None:
        self.sort_column, self.sort_reverse = column, reverse
        self._rebuild()

    @property
    def current(self) -> Finding | None:
        """The finding under the cursor."""
        if not self.shown or not 0 <= self.cursor_row < len(self.shown):
            return None
        return self.shown[self.cursor_row]

    def sort_description(self) -> str:
        return f"sort: {self.sort_column.value} {'↑' if self.sort_reverse else '↓'}"

    def _rebuild(self) -> None:
        keep = self.current
        self.shown = visible_findings(self.report, self.filter, self.sort_column,
                                      self.sort_reverse)
        index = {id(f): i for i, f in enumerate(self.report.findings)}
        self._by_key = {}
        self.clear(columns=True)
        widths = self._add_columns()
        for f in self.shown:
            key = str(index[id(f)])
            self._by_key[key] = f
            self.add_row(badge(f.severity), Text(f.rule_id, style="bold"),
                         _fit(f.subject_name, widths[SortColumn.SUBJECT]),
                         _fit(f.title, widths[SortColumn.TITLE]),
                         _fit(str(f.location), widths[SortColumn.LOCATION], keep_end=True),
                         key=key)
        for row, f in enumerate(self.shown):
            if f is keep:
                self.move_cursor(row=row, animate=False)
                break
        total = len(self.report.findings)
        self.border_title = f"Findings {len(self.shown)} of {total}"
        described = self.filter.describe()
        self.border_subtitle = Text(
            self.sort_description() + (f" · {described}" if described else ""))

    def _finding(self, key: str | None) -> Finding | None:
        return None if key is None else self._by_key.get(key)

    def on_click(self, event: events.Click) -> None:
        """One click on a row opens it (DataTable alone wants a second click)."""
        row = event.style.meta.get("row")
        if isinstance(row, int) and 0 <= row < len(self.shown) and "column" in event.style.meta:
            self.post_message(self.FindingSelected(self.shown[row]))

    def on_focus(self) -> None:
        if (finding := self.current) is not None:
            self.post_message(self.FindingHighlighted(finding))

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if (finding := self._finding(event.row_key.value)) is not None:
            self.post_message(self.FindingSelected(finding))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if (finding := self._finding(event.row_key.value)) is not None:
            self.post_message(self.FindingHighlighted(finding))

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        if event.column_key.value is None:
            return
        column = SortColumn(event.column_key.value)
        self.sort_by(column, reverse=not self.sort_reverse if column == self.sort_column
                     else False)
