"""The pure part of the TUI: filters, order, verdicts and the facts shown for a subject."""

from __future__ import annotations

import pytest

from dindcheck.model import Finding, Severity, Subject, Target
from dindcheck.tui.view import (
    FindingFilter,
    SortColumn,
    categories,
    evidence_rows,
    next_category,
    severity_by_subject,
    subject_facts,
    target_groups,
    verdict,
    visible_findings,
)
from tests.tui.sample import CACHE_DIND, DIND, LIVE_DIND, TESTS, WATCHTOWER, lint_report


def _ids(findings: list[Finding]) -> list[str]:
    return [f.rule_id for f in findings]


def test_worst_severity_per_subject() -> None:
    by_subject = severity_by_subject(lint_report())
    assert by_subject == {"ci/dind": Severity.ERROR, "ci/watchtower": Severity.ERROR,
                          "ci/tests": Severity.INFO}


@pytest.mark.parametrize(("fail_on", "expected"), [
    ("error", "FAIL (fail-on error)"),
    ("never", "PASS (fail-on never)"),
])
def test_verdict(fail_on: str, expected: str) -> None:
    assert verdict(lint_report(), fail_on) == expected


def test_verdict_input_error_wins() -> None:
    assert verdict(lint_report(with_problem=True), "never") == "INPUT ERROR (exit 2)"


def test_default_order_is_worst_first_then_location() -> None:
    shown = visible_findings(lint_report(), FindingFilter(), SortColumn.SEVERITY)
    assert _ids(shown) == ["DIND001", "DIND009", "DIND007", "DIND012"]


def test_sort_by_rule_and_reverse() -> None:
    report = lint_report()
    assert _ids(visible_findings(report, FindingFilter(), SortColumn.RULE)) == [
        "DIND001", "DIND007", "DIND009", "DIND012"]
    assert _ids(visible_findings(report, FindingFilter(), SortColumn.RULE, reverse=True)) == [
        "DIND012", "DIND009", "DIND007", "DIND001"]


def test_filters_narrow() -> None:
    report = lint_report()
    only_warnings = FindingFilter().toggle(Severity.ERROR).toggle(Severity.INFO)
    assert _ids(visible_findings(report, only_warnings, SortColumn.SEVERITY)) == ["DIND007"]
    assert _ids(visible_findings(report, FindingFilter(category="security"),
                                 SortColumn.RULE)) == ["DIND007", "DIND009"]
    assert _ids(visible_findings(report, FindingFilter(text="SOCKET"),
                                 SortColumn.RULE)) == ["DIND009"]
    assert _ids(visible_findings(report, FindingFilter(subject_id="ci/dind"),
                                 SortColumn.RULE)) == ["DIND001", "DIND007"]
    assert only_warnings.describe() == "severity warning"
    assert FindingFilter().describe() == ""


def test_category_cycle() -> None:
    available = categories(lint_report())
    assert available == ("reliability", "security", "storage")
    seen: list[str | None] = [None]
    for _ in available:
        seen.append(next_category(seen[-1], available))
    assert seen == [None, "reliability", "security", "storage"]
    assert next_category("storage", available) is None


def test_compose_target_is_one_group_in_kind_order() -> None:
    groups = target_groups(lint_report().targets[0])
    assert [(p, [s["name"] for s in subjects]) for p, subjects in groups] == [
        (None, ["dind", "dind-cache", "watchtower", "tests"])]


def _facts(subject: Subject) -> dict[str, str]:
    return {f"{section}.{label}": value
            for section, rows in subject_facts(subject) for label, value in rows}


def test_daemon_facts_even_without_findings() -> None:
    facts = _facts(CACHE_DIND)
    assert facts["Container.image"] == "docker:27.3.1-dind (dind)"
    assert facts["Container.privileged"] == "yes"
    assert facts["Storage.mount"] == "volume dind-cache-data (persistent)"
    assert facts["Storage.driver expected"] == "overlay2"
    assert facts["Storage.driver observed"] == "unknown"
    assert facts["TLS.mode"] == "tls (certs /certs)"
    assert facts["Container.engine version"] == "27.3.1"
    assert "Inner daemon.driver" not in facts


def test_live_daemon_facts_include_inner() -> None:
    facts = _facts(LIVE_DIND)
    assert facts["Storage.backing fs"] == "overlayfs"
    assert facts["Storage.driver observed"] == "vfs"
    assert facts["Inner daemon.driver"] == "vfs"
    assert facts["Inner daemon.images"] == "42"
    assert facts["Inner daemon.version"] == "24.0.7"
    assert facts["Subject.location"] == "unix:///var/run/docker.sock ci-dind-1"


def test_other_subject_facts() -> None:
    assert _facts(WATCHTOWER)["Socket.host socket"] == "yes"
    assert _facts(TESTS)["Client.DOCKER_HOST"] == "tcp://dind:2375"
    assert _facts(DIND)["TLS.mode"] == "plaintext, plaintext on 2375"


def test_evidence_rows() -> None:
    rows = dict(evidence_rows({"a": "text", "b": False, "c": [2375], "d": None,
                               "e": {"k": "v" * 80}}))
    assert rows["a"] == "text"
    assert rows["b"] == "false"
    assert rows["c"] == "[2375]"
    assert rows["d"] == "null"
    assert rows["e"].startswith("{\n  \"k\"")


def test_subjects_of_several_compose_projects_are_grouped() -> None:
    other = {**WATCHTOWER, "id": "tools/watchtower", "project": "tools"}
    target = Target(kind="compose", name="examples", subjects=(TESTS, other, DIND))
    groups = target_groups(target)
    assert [(p, [s["id"] for s in subjects]) for p, subjects in groups] == [
        ("ci", ["ci/dind", "ci/tests"]), ("tools", ["tools/watchtower"])]
