"""The app driven with Pilot: navigation, filters, detail, export, re-run, quit."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Input, Static

from dindcheck.model import Report
from dindcheck.tui import DindcheckApp
from dindcheck.tui.screens import ExportScreen, FindingScreen, HelpScreen, OverviewScreen
from dindcheck.tui.widgets import FactsPanel, FindingsTable, ProblemsPanel, SubjectTree, SummaryBar
from tests.tui.sample import DIND001, audit_report, lint_report, unreachable_report

SIZE = (120, 40)


def _table(app: DindcheckApp) -> FindingsTable:
    return app.overview.query_one(FindingsTable)


def _rows(app: DindcheckApp) -> list[str]:
    return [f.rule_id for f in _table(app).shown]


def _text(widget: Static) -> str:
    """What a Static shows, as plain text (Rich tables included)."""
    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(widget.content)
    return out.getvalue()


def _summary(app: DindcheckApp) -> str:
    return _text(app.overview.query_one(SummaryBar))


def _facts(app: DindcheckApp) -> str:
    panel = app.overview.query_one(FactsPanel)
    return f"{panel.border_title}\n{_text(panel.query_one('#facts-body', Static))}"


async def test_overview_shows_summary_tree_and_findings(report: Report) -> None:
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE):
        summary = _summary(app)
        assert "1 target, 4 subjects" in summary
        assert "error 2" in summary
        assert "warning 1" in summary
        assert "info 1" in summary
        assert "1 suppressed" in summary
        assert "FAIL (fail-on error)" in summary
        assert _rows(app) == ["DIND001", "DIND009", "DIND007", "DIND012"]
        assert isinstance(app.focused, FindingsTable)
        tree = app.overview.query_one(SubjectTree)
        [target] = tree.root.children
        assert str(target.label).startswith("✖ compose: ci")
        assert [str(n.label) for n in target.children] == [
            "✖ dind (daemon)", "✔ dind-cache (daemon)", "✖ watchtower (socket)",
            "● tests (client)"]
        assert not app.overview.query_one(ProblemsPanel).display


async def test_pass_verdict_when_fail_on_never(report: Report) -> None:
    app = DindcheckApp(report, fail_on="never")
    async with app.run_test(size=SIZE):
        assert "PASS (fail-on never)" in _summary(app)


async def test_moving_in_the_table_shows_the_subject_facts(report: Report) -> None:
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE) as pilot:
        assert "Facts: dind (daemon)" in _facts(app)
        await pilot.press("down")
        assert "Facts: watchtower (socket)" in _facts(app)
        assert "/var/run/docker.sock" in _facts(app)


async def test_tree_shows_facts_of_a_healthy_daemon(report: Report) -> None:
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("shift+tab")
        assert isinstance(app.focused, SubjectTree)
        await pilot.press("down", "down")  # target → dind → dind-cache
        facts = _facts(app)
        assert "Facts: dind-cache (daemon)" in facts
        assert "volume dind-cache-data (persistent)" in facts
        assert "overlay2" in facts
        assert "tls (certs /certs)" in facts
        await pilot.press("up", "up")
        assert "Facts: ci" in _facts(app)


async def test_live_daemon_facts_include_inner_daemon(live_report: Report) -> None:
    app = DindcheckApp(live_report)
    async with app.run_test(size=SIZE):
        facts = _facts(app)
        assert "Facts: ci-dind-1 (daemon)" in facts
        assert "Inner daemon" in facts
        assert "overlayfs" in facts
        assert "42" in facts


async def test_selecting_a_subject_in_the_tree_filters_the_table(report: Report) -> None:
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("shift+tab", "down", "enter")
        assert _rows(app) == ["DIND001", "DIND007"]
        assert "subject ci/dind" in str(_table(app).border_subtitle)
        await pilot.press("enter")
        assert len(_rows(app)) == 4


async def test_text_filter(report: Report) -> None:
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"socket")
        assert _rows(app) == ["DIND009"]
        await pilot.press("enter")
        assert isinstance(app.focused, FindingsTable)
        assert _table(app).border_title == "Findings 1 of 4"
        await pilot.press("slash", "escape")
        assert len(_rows(app)) == 4
        assert not app.overview.query_one("#filter", Input).has_class("-open")


async def test_severity_and_category_filters(report: Report) -> None:
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1")
        assert _rows(app) == ["DIND007", "DIND012"]
        await pilot.press("3")
        assert _rows(app) == ["DIND007"]
        await pilot.press("0")
        assert len(_rows(app)) == 4
        await pilot.press("k")  # reliability
        assert _rows(app) == ["DIND012"]
        await pilot.press("k")  # security
        assert sorted(_rows(app)) == ["DIND007", "DIND009"]
        await pilot.press("k", "k")  # storage, then all
        assert len(_rows(app)) == 4


async def test_sort_by_key_and_by_header_click(report: Report) -> None:
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        assert _table(app).sort_column.value == "rule"
        assert _rows(app) == ["DIND001", "DIND007", "DIND009", "DIND012"]
        await pilot.press("S")
        assert _rows(app) == ["DIND012", "DIND009", "DIND007", "DIND001"]
        # the Subject header: border (1) + Severity (10 + 2) + ID (7 + 2) = column 22
        await pilot.click(FindingsTable, offset=(24, 1))
        assert _table(app).sort_column.value == "subject"
        assert _rows(app)[0] == "DIND001"  # dind, worst first
        assert _rows(app)[-1] == "DIND009"  # watchtower
        await pilot.click(FindingsTable, offset=(24, 1))
        assert _table(app).sort_reverse
        assert _rows(app)[0] == "DIND009"


async def test_detail_opens_with_enter_and_closes_with_escape(
        report: Report, notes: list[str]) -> None:
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, FindingScreen)
        assert screen.finding is DIND001
        assert "dind-data:/var/lib/docker" in _text(screen.query_one("#finding-fix", Static))
        assert "overlay2 cannot use" in _text(screen.query_one("#finding-why", Static))
        assert "hub.docker.com" in _text(screen.query_one("#finding-references", Static))
        await pilot.press("c")
        assert app.clipboard == DIND001.remediation
        assert "Fix for DIND001 copied to the clipboard" in notes
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)
        assert isinstance(app.focused, FindingsTable)


async def test_click_on_a_row_opens_its_detail(report: Report) -> None:
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click(FindingsTable, offset=(30, 3))  # border, header, DIND001, DIND009
        await pilot.pause()
        assert isinstance(app.screen, FindingScreen)
        assert app.screen.finding.rule_id == "DIND009"


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
    assert data["summary"]["exit_code"] == 1
    assert data["summary"]["fail_on"] == "error"
    assert [f["rule_id"] for f in data["findings"]] == ["DIND001", "DIND009", "DIND007",
                                                        "DIND012"]
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


async def test_rerun_replaces_the_report_and_stays_responsive() -> None:
    release = threading.Event()
    calls: list[int] = []

    def refresh() -> Report:
        calls.append(1)
        assert release.wait(5)
        return lint_report(fixed=True)

    app = DindcheckApp(lint_report(), refresh)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert "re-running…" in _summary(app)
        assert _table(app).loading
        await pilot.press("1")  # the UI still answers while the worker runs
        assert _rows(app) == ["DIND007", "DIND012"]
        await pilot.press("0")
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert calls == [1]
        assert "re-running…" not in _summary(app)
        assert not _table(app).loading
        assert _rows(app) == ["DIND009", "DIND007", "DIND012"]
        assert "error 1" in _summary(app)
        await pilot.press("q")
    assert app.return_code == 1


async def test_rerun_that_raises_shows_a_message_and_keeps_the_report(
        notes: list[str]) -> None:
    def refresh() -> Report:
        raise ConnectionError("Error while fetching server API version: [Errno 111]")

    app = DindcheckApp(audit_report(), refresh)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        problems = app.overview.query_one(ProblemsPanel)
        assert problems.display
        assert "re-run failed ConnectionError: Error while fetching" in _text(problems)
        assert any(n.startswith("Re-run failed: ConnectionError") for n in notes)
        assert _rows(app) == ["DIND001"]
        assert "re-running…" not in _summary(app)
        await pilot.press("q")
    assert app.return_code == 1


async def test_rerun_without_refresh_says_so(report: Report, notes: list[str]) -> None:
    app = DindcheckApp(report)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        assert any(n.startswith("Nothing to re-run") for n in notes)


async def test_unreachable_engine_is_shown_as_a_message() -> None:
    app = DindcheckApp(unreachable_report())
    async with app.run_test(size=SIZE) as pilot:
        problems = app.overview.query_one(ProblemsPanel)
        assert problems.display
        assert "engine problem" in _text(problems)
        assert "connection refused" in _text(problems)
        assert "ENGINE UNREACHABLE (exit 3)" in _summary(app)
        assert _rows(app) == []
        await pilot.press("enter", "q")
    assert app.return_code == 3


async def test_input_problem_is_listed() -> None:
    app = DindcheckApp(lint_report(with_problem=True))
    async with app.run_test(size=SIZE):
        text = _text(app.overview.query_one(ProblemsPanel))
        assert "examples/broken/docker-compose.yml:3:9: mapping values" in text
        assert "1 input problem" in _summary(app)


@pytest.mark.parametrize(("report", "fail_on", "code"), [
    (lint_report(), "error", 1),
    (lint_report(), "never", 0),
    (lint_report(fixed=True), "error", 1),
    (Report(mode="lint", targets=(), findings=()), "info", 0),
    (lint_report(with_problem=True), "never", 2),
], ids=["error", "never", "fixed-still-fails", "empty", "input-problem"])
async def test_quit_returns_the_exit_code(report: Report, fail_on: str, code: int) -> None:
    app = DindcheckApp(report, fail_on=fail_on)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
    assert app.return_code == code == report.exit_code(fail_on)
