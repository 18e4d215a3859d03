"""The app driven with Pilot: navigation, filters, detail, export, re-run, quit.

The reports are real (see reports.py). What the screen should show is computed from the
report shown (which findings, in which order, how many of each severity), so the tests
hold whatever the catalogue's wording.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from textual.widget import Widget
from textual.widgets import Input, Static
from textual.widgets.tree import TreeNode

from dindcheck.model import Finding, Report, Severity
from dindcheck.tui import DindcheckApp
from dindcheck.tui.screens import ExportScreen, FindingScreen, HelpScreen, OverviewScreen
from dindcheck.tui.widgets import FactsPanel, FindingsTable, ProblemsPanel, SubjectTree, SummaryBar
from dindcheck.tui.widgets.subject_tree import NodeRef
from tests.tui.reports import (
    MALFORMED,
    label,
    lint_report,
    severity_order,
    subject,
    unreachable_report,
)

SIZE = (120, 40)
KIND_RANK = {"host": 0, "daemon": 1, "socket_mount": 2, "client": 3}
ICONS = {Severity.ERROR: "✖", Severity.WARNING: "▲", Severity.INFO: "●", None: "✔"}
LOWEST_FAILING_RANK = {"error": 3, "warning": 2, "info": 1, "never": 4}


def _table(app: DindcheckApp) -> FindingsTable:
    return app.overview.query_one(FindingsTable)


def _shown(app: DindcheckApp) -> list[Finding]:
    return list(_table(app).shown)


def _text(widget: Static) -> str:
    """What a Static shows, as plain text (Rich tables included)."""
    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(widget.content)
    return out.getvalue()


def _flat(text: str) -> str:
    """Whitespace folded, to find a text the screen wrapped."""
    return " ".join(text.split())


def _focused(app: DindcheckApp) -> Widget | None:
    """The focused widget, read afresh (mypy would keep an earlier isinstance narrowing)."""
    return app.focused


def _summary(app: DindcheckApp) -> str:
    return _text(app.overview.query_one(SummaryBar))


def _facts(app: DindcheckApp) -> str:
    panel = app.overview.query_one(FactsPanel)
    return f"{panel.border_title}\n{_text(panel.query_one('#facts-body', Static))}"


def _worst(findings: list[Finding]) -> Severity | None:
    return max((f.severity for f in findings), key=lambda s: s.rank, default=None)


def _of(report: Report, keep: Callable[[Finding], bool]) -> list[Finding]:
    """The findings that pass ``keep``, in the table's default order."""
    return severity_order([f for f in report.findings if keep(f)])


def _expected_code(report: Report, fail_on: str) -> int:
    if any(e.kind == "input" for e in report.errors):
        return 2
    if report.mode == "audit" and report.errors and not report.targets:
        return 3
    return int(any(f.severity.rank >= LOWEST_FAILING_RANK[fail_on] for f in report.findings))


def _tree_node(app: DindcheckApp, subject_id: str) -> TreeNode[NodeRef]:
    tree = app.overview.query_one(SubjectTree)
    stack = list(tree.root.children)
    while stack:
        node = stack.pop()
        ref = node.data
        if ref is not None and ref.subject is not None and ref.subject["id"] == subject_id:
            return node
        stack.extend(node.children)
    raise AssertionError(f"{subject_id} is not in the tree")


async def test_overview_shows_summary_tree_and_findings(report: Report) -> None:
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE):
        summary = _summary(app)
        subjects = sum(len(t.subjects) for t in report.targets)
        assert f"{len(report.targets)} targets, {subjects} subjects" in summary
        counts = report.counts()
        assert all(counts.values())  # every severity is there to be counted
        for severity, count in counts.items():
            assert f"{severity} {count}" in summary
        assert report.suppressed == 0
        assert "suppressed" not in summary
        assert _expected_code(report, "error") == 1
        assert "FAIL (fail-on error)" in summary
        assert _shown(app) == severity_order(report.findings)
        total = len(report.findings)
        assert _table(app).border_title == f"Findings {total} of {total}"
        assert isinstance(app.focused, FindingsTable)
        tree = app.overview.query_one(SubjectTree)
        assert len(tree.root.children) == len(report.targets)
        for node, target in zip(tree.root.children, report.targets, strict=True):
            ids = {s["id"] for s in target.subjects}
            worst = _worst([f for f in report.findings if f.subject_id in ids])
            count = len(target.subjects)
            assert str(node.label) == (f"{ICONS[worst]} {target.kind}: {target.name} "
                                       f"{count} subject{'' if count == 1 else 's'}")
            ordered = sorted(target.subjects, key=lambda s: (KIND_RANK[s["kind"]], s["name"]))
            assert [str(n.label) for n in node.children] == [
                f"{ICONS[_worst([f for f in report.findings if f.subject_id == s['id']])]} "
                f"{label(s)}" for s in ordered]
        assert not app.overview.query_one(ProblemsPanel).display


@pytest.mark.parametrize("fail_on", ["error", "warning", "info", "never"])
async def test_verdict_line_for_each_fail_on_level(report: Report, fail_on: str) -> None:
    app = DindcheckApp(report, fail_on=fail_on)
    async with app.run_test(size=SIZE):
        outcome = "FAIL" if _expected_code(report, fail_on) else "PASS"
        assert f"{outcome} (fail-on {fail_on})" in _summary(app)


async def test_pass_verdict_when_fail_on_never(report: Report) -> None:
    app = DindcheckApp(report, fail_on="never")
    async with app.run_test(size=SIZE):
        assert "PASS (fail-on never)" in _summary(app)


async def test_summary_counts_suppressed_findings(report: Report, fixed_report: Report) -> None:
    """The corrected examples ignore DIND007 on one daemon: counted, not listed."""
    accepted = ("DIND007", "dind-good-tls/docker")
    assert accepted in {(f.rule_id, f.subject_id) for f in report.findings}
    app = DindcheckApp(fixed_report)
    async with app.run_test(size=SIZE):
        assert f"{fixed_report.suppressed} suppressed" in _summary(app)
        assert fixed_report.suppressed == 1
        assert accepted not in {(f.rule_id, f.subject_id) for f in _shown(app)}


async def test_moving_in_the_table_shows_the_subject_facts(report: Report) -> None:
    order = severity_order(report.findings)
    row = next(i for i in range(len(order) - 1)
               if order[i].subject_id != order[i + 1].subject_id)
    first, second = order[row], order[row + 1]
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(row):
            await pilot.press("down")
        facts = _facts(app)
        assert f"Facts: {label(subject(report, first.subject_id))}" in facts
        assert first.subject_id in facts
        await pilot.press("down")
        facts = _facts(app)
        assert f"Facts: {label(subject(report, second.subject_id))}" in facts
        assert second.subject_id in facts
        assert first.subject_id not in facts


async def test_tree_shows_facts_of_a_healthy_daemon(fixed_report: Report) -> None:
    """In the corrected examples, the dind-good-tls daemon has no finding left."""
    docker = subject(fixed_report, "dind-good-tls/docker")
    assert not [f for f in fixed_report.findings if f.subject_id == docker["id"]]
    app = DindcheckApp(fixed_report)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("shift+tab")
        assert isinstance(app.focused, SubjectTree)
        node = _tree_node(app, docker["id"])
        assert str(node.label) == f"✔ {label(docker)}"
        await pilot.press(*["down"] * node.line)  # from the first target down to it
        facts = _facts(app)
        assert f"Facts: {label(docker)}" in facts
        assert f"volume {docker['data_root']['mount']['source']} (persistent)" in facts
        assert docker["storage_driver"]["expected"] in facts
        assert f"{docker['tls']['mode']} (certs {docker['tls']['certdir']})" in facts
        await pilot.press(*["up"] * node.line)
        assert f"Facts: {fixed_report.targets[0].name}" in _facts(app)


async def test_live_daemon_facts_include_inner_daemon(live_report: Report) -> None:
    """The live daemon on its container layer (DIND001) shows what its inner daemon said."""
    shown = severity_order(live_report.findings)
    row = next(i for i, f in enumerate(shown) if f.rule_id == "DIND001"
               and subject(live_report, f.subject_id).get("inner", {}).get("driver"))
    daemon = subject(live_report, shown[row].subject_id)
    app = DindcheckApp(live_report)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*["down"] * row)
        assert _table(app).current is shown[row]
        facts = _facts(app)
        assert f"Facts: {label(daemon)}" in facts
        assert "Inner daemon" in facts
        assert daemon["data_root"]["backing_fs"] in facts
        assert daemon["inner"]["driver"] in facts
        assert daemon["inner"]["version"] in facts


async def test_selecting_a_subject_in_the_tree_filters_the_table(report: Report) -> None:
    dind = "gitlab-runner-broken/dind"
    expected = _of(report, lambda f: f.subject_id == dind)
    assert 1 < len(expected) < len(report.findings)
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("shift+tab")
        await pilot.press(*["down"] * _tree_node(app, dind).line, "enter")
        assert _shown(app) == expected
        assert f"subject {dind}" in str(_table(app).border_subtitle)
        await pilot.press("enter")
        assert _shown(app) == severity_order(report.findings)


async def test_text_filter(report: Report) -> None:
    expected = _of(report, lambda f: f.subject_name == "portainer")
    assert 0 < len(expected) < len(report.findings)
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        assert isinstance(_focused(app), Input)
        await pilot.press(*"portainer")
        assert _shown(app) == expected
        await pilot.press("enter")
        assert isinstance(_focused(app), FindingsTable)
        assert _table(app).border_title == f"Findings {len(expected)} of {len(report.findings)}"
        await pilot.press("slash", "escape")
        assert _shown(app) == severity_order(report.findings)
        assert not app.overview.query_one("#filter", Input).has_class("-open")


async def test_severity_and_category_filters(report: Report) -> None:
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1")
        assert _shown(app) == _of(report, lambda f: f.severity is not Severity.ERROR)
        await pilot.press("3")
        assert _shown(app) == _of(report, lambda f: f.severity is Severity.WARNING)
        await pilot.press("0")
        assert _shown(app) == severity_order(report.findings)
        available = sorted({f.category for f in report.findings})
        assert len(available) > 1
        for category in available:
            await pilot.press("k")
            assert _shown(app) == severity_order(
                [f for f in report.findings if f.category == category])
        await pilot.press("k")  # back to all
        assert _shown(app) == severity_order(report.findings)


async def test_sort_by_key_and_by_header_click(report: Report) -> None:
    by_rule = sorted(report.findings, key=lambda f: (f.rule_id, f.sort_key()))
    by_subject = sorted(report.findings,
                        key=lambda f: (f.subject_name, -f.severity.rank, f.sort_key()))
    assert by_rule != by_subject
    # the Subject header: border (1) + Severity (10 + 2) + ID (its width + 2), then inside it
    subject_x = 1 + 12 + max(len(f.rule_id) for f in report.findings) + 2 + 2
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        assert _table(app).sort_column.value == "rule"
        assert _shown(app) == by_rule
        await pilot.press("S")
        assert _shown(app) == by_rule[::-1]
        await pilot.click(FindingsTable, offset=(subject_x, 1))
        assert _table(app).sort_column.value == "subject"
        assert not _table(app).sort_reverse
        assert _shown(app) == by_subject  # by name, worst first within a subject
        await pilot.click(FindingsTable, offset=(subject_x, 1))
        assert _table(app).sort_reverse
        assert _shown(app) == by_subject[::-1]


async def test_detail_opens_with_enter_and_closes_with_escape(
        report: Report, notes: list[str]) -> None:
    first = severity_order(report.findings)[0]
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, FindingScreen)
        assert screen.finding is first
        heading = _flat(_text(screen.query_one("#finding-heading", Static)))
        assert first.rule_id in heading
        assert first.severity.value in heading
        fix = _flat(_text(screen.query_one("#finding-fix", Static)))
        assert _flat(first.remediation) in fix
        assert _flat(first.rationale) in _flat(_text(screen.query_one("#finding-why", Static)))
        if first.references:
            references = _text(screen.query_one("#finding-references", Static))
            assert all(ref in references for ref in first.references)
        else:
            assert not screen.query("#finding-references")
        await pilot.press("c")
        assert app.clipboard == first.remediation
        assert f"Fix for {first.rule_id} copied to the clipboard" in notes
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)
        assert isinstance(app.focused, FindingsTable)


async def test_click_on_a_row_opens_its_detail(report: Report) -> None:
    second = severity_order(report.findings)[1]
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click(FindingsTable, offset=(30, 3))  # border, header, first row, second
        await pilot.pause()
        assert isinstance(app.screen, FindingScreen)
        assert app.screen.finding is second


async def test_help_screen(report: Report) -> None:
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)


async def test_export_writes_the_json_report(
        report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        notes: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, ExportScreen)
        await pilot.press("enter")
        assert isinstance(app.screen, OverviewScreen)
    written = tmp_path / "dindcheck-report.json"
    data = json.loads(written.read_text(encoding="utf-8"))
    assert data["mode"] == "lint"
    assert data["summary"]["exit_code"] == _expected_code(report, "error")
    assert data["summary"]["fail_on"] == "error"
    assert [(f["rule_id"], f["severity"]) for f in data["findings"]] == [
        (f.rule_id, f.severity.value) for f in report.findings]
    assert f"Report written to {written}" in notes


async def test_export_to_a_chosen_path_and_a_bad_one(
        report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        notes: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    app = DindcheckApp(report, fail_on="never")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        app.screen.query_one(Input).value = "out.json"
        await pilot.press("enter")
        await pilot.press("e")
        app.screen.query_one(Input).value = "missing/dir/out.json"
        await pilot.click("#export-ok")
        assert isinstance(app.screen, OverviewScreen)
        await pilot.press("e", "escape")
        assert isinstance(app.screen, OverviewScreen)
    assert json.loads((tmp_path / "out.json").read_text())["summary"]["exit_code"] == 0
    assert any(n.startswith("Could not write missing/dir/out.json") for n in notes)
    assert not (tmp_path / "dindcheck-report.json").exists()


async def test_rerun_replaces_the_report_and_stays_responsive(
        report: Report, fixed_report: Report) -> None:
    release = threading.Event()
    calls: list[int] = []

    def refresh() -> Report:
        calls.append(1)
        assert release.wait(5)
        return fixed_report

    gone = ("DIND001", "gitlab-runner-broken/builder")  # the builder got its volume
    assert gone in {(f.rule_id, f.subject_id) for f in report.findings}
    app = DindcheckApp(report, refresh)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert "re-running…" in _summary(app)
        assert _table(app).loading
        await pilot.press("1")  # the UI still answers while the worker runs
        assert _shown(app) == _of(report, lambda f: f.severity is not Severity.ERROR)
        await pilot.press("0")
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert calls == [1]
        summary = _summary(app)
        assert "re-running…" not in summary
        assert not _table(app).loading
        assert _shown(app) == severity_order(fixed_report.findings)
        assert gone not in {(f.rule_id, f.subject_id) for f in _shown(app)}
        assert fixed_report.counts()["error"] != report.counts()["error"]
        assert f"error {fixed_report.counts()['error']}" in summary
        assert f"{fixed_report.suppressed} suppressed" in summary
        await pilot.press("q")
    assert app.return_code == _expected_code(fixed_report, "error")


async def test_rerun_that_raises_shows_a_message_and_keeps_the_report(
        live_report: Report, notes: list[str]) -> None:
    def refresh() -> Report:
        raise ConnectionError("Error while fetching server API version: [Errno 111]")

    app = DindcheckApp(live_report, refresh)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        problems = app.overview.query_one(ProblemsPanel)
        assert problems.display
        assert "re-run failed ConnectionError: Error while fetching" in _text(problems)
        assert any(n.startswith("Re-run failed: ConnectionError") for n in notes)
        assert _table(app).report is live_report
        assert _shown(app) == severity_order(live_report.findings)
        assert "re-running…" not in _summary(app)
        await pilot.press("q")
    assert app.return_code == _expected_code(live_report, "error")


async def test_rerun_without_refresh_says_so(report: Report, notes: list[str]) -> None:
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        assert any(n.startswith("Nothing to re-run") for n in notes)


async def test_unreachable_engine_is_shown_as_a_message() -> None:
    unreachable = unreachable_report()
    [problem] = unreachable.errors
    assert problem.kind == "engine"
    app = DindcheckApp(unreachable)
    async with app.run_test(size=SIZE) as pilot:
        problems = app.overview.query_one(ProblemsPanel)
        assert problems.display
        assert f"engine problem {_flat(str(problem))}" in _flat(_text(problems))
        assert "ENGINE UNREACHABLE (exit 3)" in _summary(app)
        assert _shown(app) == []
        await pilot.press("enter", "q")
    assert app.return_code == 3


async def test_input_problem_is_listed() -> None:
    with_problem = lint_report(with_problem=True)
    [problem] = with_problem.errors
    assert (problem.path, problem.kind) == (str(MALFORMED), "input")
    assert problem.line is not None
    app = DindcheckApp(with_problem)
    async with app.run_test(size=SIZE):
        text = _flat(_text(app.overview.query_one(ProblemsPanel)))
        assert f"input problem {problem.where}: {_flat(problem.message)}" in text
        assert "1 input problem" in _summary(app)
        assert "INPUT ERROR (exit 2)" in _summary(app)


VARIANTS: dict[str, Callable[[], Report]] = {
    "examples": lint_report,
    "fixed": lambda: lint_report(fixed=True),
    "empty": lambda: Report(mode="lint", targets=(), findings=()),
    "input-problem": lambda: lint_report(with_problem=True),
}


@pytest.mark.parametrize(("variant", "fail_on"), [
    ("examples", "error"),
    ("examples", "never"),
    ("fixed", "error"),
    ("fixed", "warning"),
    ("empty", "info"),
    ("input-problem", "never"),
], ids=["error", "never", "fixed-error", "fixed-warning", "empty", "input-problem"])
async def test_quit_returns_the_exit_code(variant: str, fail_on: str) -> None:
    report = VARIANTS[variant]()
    app = DindcheckApp(report, fail_on=fail_on)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
    assert app.return_code == _expected_code(report, fail_on) == report.exit_code(fail_on)
