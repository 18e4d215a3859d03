"""The pure part of the TUI: filters, order, verdicts and the facts shown for a subject.

The reports are real (see reports.py); what depends on the catalogue (which rule fires,
its severity and category) is computed from them, never written down here.
"""

from __future__ import annotations

import itertools

from dindcheck.model import Finding, Report, Severity, Subject, Target
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
from tests.repo import EXAMPLES
from tests.tui.reports import lint_in, lint_report, severity_order, subject, subjects

LEVELS = ("error", "warning", "info", "never")
LOWEST_FAILING_RANK = {"error": 3, "warning": 2, "info": 1, "never": 4}


def _ids(findings: list[Finding]) -> set[int]:
    return {id(f) for f in findings}


def _target(report: Report, name: str) -> Target:
    [target] = [t for t in report.targets if t.name == name]
    return target


def test_worst_severity_per_subject(report: Report) -> None:
    expected: dict[str, Severity] = {}
    for f in report.findings:
        if f.subject_id not in expected or f.severity.rank > expected[f.subject_id].rank:
            expected[f.subject_id] = f.severity
    by_subject = severity_by_subject(report)
    assert by_subject == expected
    # the fixture has subjects without findings (left out) and subjects with findings of
    # several severities (the worst one counts)
    clean = {s["id"] for s in subjects(report)} - {f.subject_id for f in report.findings}
    assert clean
    assert not clean & by_subject.keys()
    assert any(len({f.severity for f in report.findings if f.subject_id == sid}) > 1
               for sid in by_subject)


def test_verdict_for_each_fail_on_level(report: Report) -> None:
    """FAIL when a finding reaches the level; the good example alone passes at error."""
    good = lint_in(EXAMPLES.parent, f"{EXAMPLES.name}/dind-good-tls")
    outcomes: dict[tuple[str, str], str] = {}
    for name, sample in (("examples", report), ("good", good)):
        for level in LEVELS:
            fails = any(f.severity.rank >= LOWEST_FAILING_RANK[level]
                        for f in sample.findings)
            outcomes[name, level] = "FAIL" if fails else "PASS"
            assert verdict(sample, level) == f"{outcomes[name, level]} (fail-on {level})"
    # both outcomes are exercised: the examples fail by default, nothing fails on never
    assert outcomes["examples", "error"] == "FAIL"
    assert outcomes["good", "error"] == "PASS"  # as the example's own comment promises
    assert outcomes["examples", "never"] == outcomes["good", "never"] == "PASS"


def test_verdict_input_error_wins() -> None:
    with_problem = lint_report(with_problem=True)
    assert with_problem.counts()["error"]  # there are error findings for it to win over
    for level in LEVELS:
        assert verdict(with_problem, level) == "INPUT ERROR (exit 2)"


def test_default_order_is_worst_first_then_location(report: Report) -> None:
    shown = visible_findings(report, FindingFilter(), SortColumn.SEVERITY)
    assert shown == severity_order(report.findings)
    ranks = [f.severity.rank for f in shown]
    assert ranks == sorted(ranks, reverse=True)
    for before, after in itertools.pairwise(shown):
        if before.severity is after.severity:
            assert before.sort_key() <= after.sort_key()
    assert shown != list(report.findings)  # the report lists them by file, not like this


def test_sort_by_rule_and_reverse(report: Report) -> None:
    by_rule = visible_findings(report, FindingFilter(), SortColumn.RULE)
    assert by_rule == sorted(report.findings, key=lambda f: (f.rule_id, f.sort_key()))
    assert by_rule != severity_order(report.findings)
    assert visible_findings(report, FindingFilter(), SortColumn.RULE,
                            reverse=True) == by_rule[::-1]


def test_filters_narrow(report: Report) -> None:
    only_warnings = FindingFilter().toggle(Severity.ERROR).toggle(Severity.INFO)
    warnings = visible_findings(report, only_warnings, SortColumn.SEVERITY)
    assert warnings == severity_order(
        [f for f in report.findings if f.severity is Severity.WARNING])
    assert 0 < len(warnings) < len(report.findings)
    for category in categories(report):
        shown = visible_findings(report, FindingFilter(category=category), SortColumn.RULE)
        assert _ids(shown) == {id(f) for f in report.findings if f.category == category}
    # text matches subject names and rule ids, whatever the case
    portainer = visible_findings(report, FindingFilter(text="PORTAINER"), SortColumn.RULE)
    assert portainer
    assert _ids(portainer) == {id(f) for f in report.findings if f.subject_name == "portainer"}
    some_rule = report.findings[0].rule_id
    by_id = visible_findings(report, FindingFilter(text=some_rule.lower()), SortColumn.RULE)
    assert _ids(by_id) == {id(f) for f in report.findings if f.rule_id == some_rule}
    dind = "gitlab-runner-broken/dind"
    of_dind = visible_findings(report, FindingFilter(subject_id=dind), SortColumn.RULE)
    assert len(of_dind) > 1
    assert _ids(of_dind) == {id(f) for f in report.findings if f.subject_id == dind}
    assert only_warnings.describe() == "severity warning"
    assert FindingFilter().describe() == ""


def test_category_cycle(report: Report) -> None:
    available = categories(report)
    assert available == tuple(sorted({f.category for f in report.findings}))
    assert len(available) > 1
    seen: list[str | None] = [None]
    for _ in available:
        seen.append(next_category(seen[-1], available))
    assert seen == [None, *available]
    assert next_category(available[-1], available) is None


def test_compose_target_is_one_group_in_kind_order(report: Report) -> None:
    """Daemons, then sockets, then clients, by name within a kind, whatever the file order."""
    def names(target: Target) -> list[tuple[str | None, list[str]]]:
        return [(p, [s["name"] for s in group]) for p, group in target_groups(target)]

    runner = _target(report, "gitlab-runner-broken")
    assert [s["name"] for s in runner.subjects] != ["builder", "dind", "runner"]
    assert names(runner) == [(None, ["builder", "dind", "runner"])]
    sockets = _target(report, "socket-mount")
    assert [s["name"] for s in sockets.subjects] == ["portainer", "ci-agent"]
    assert names(sockets) == [(None, ["ci-agent", "portainer"])]


def _facts(subject: Subject) -> dict[str, str]:
    return {f"{section}.{label}": value
            for section, rows in subject_facts(subject) for label, value in rows}


def test_daemon_facts_even_without_findings(fixed_report: Report) -> None:
    docker = subject(fixed_report, "dind-good-tls/docker")
    assert not [f for f in fixed_report.findings if f.subject_id == docker["id"]]
    facts = _facts(docker)
    image, mount = docker["image"], docker["data_root"]["mount"]
    assert facts["Container.image"] == f"{image['ref']} ({image['variant']})"
    assert docker["privileged"] is True
    assert facts["Container.privileged"] == "yes"
    assert (mount["type"], mount["persistent"]) == ("volume", True)
    assert facts["Storage.mount"] == f"volume {mount['source']} (persistent)"
    assert facts["Storage.driver expected"] == docker["storage_driver"]["expected"]
    assert facts["Storage.driver observed"] == "unknown"  # a lint observes nothing
    assert facts["TLS.mode"] == f"{docker['tls']['mode']} (certs {docker['tls']['certdir']})"
    assert facts["Container.engine version"] == docker["engine_version"]
    assert "Inner daemon.driver" not in facts


def test_live_daemon_facts_include_inner(live_report: Report) -> None:
    [layer] = [s for s in subjects(live_report) if s["name"] == "dind-layer"]
    assert "DIND001" in {f.rule_id for f in live_report.findings if f.subject_id == layer["id"]}
    inner = layer["inner"]
    facts = _facts(layer)
    assert (facts["Inner daemon.driver"], facts["Storage.backing fs"]) == ("vfs", "overlayfs")
    assert facts["Storage.driver observed"] == inner["driver"]
    assert facts["Storage.backing fs"] == layer["data_root"]["backing_fs"]
    assert facts["Inner daemon.images"] == str(inner["images"])
    assert facts["Inner daemon.version"] == inner["version"]
    assert facts["Inner daemon.api version"] == inner["api_version"]
    assert facts["State.status"] == layer["state"]["status"]
    where = layer["locations"]["subject"]
    assert (where["endpoint"], where["container"]) == (live_report.targets[0].name, "dind-layer")
    assert facts["Subject.location"] == f"{where['endpoint']} dind-layer {where['field']}"


def test_other_subject_facts(report: Report, live_report: Report) -> None:
    portainer = subject(report, "socket-mount/portainer#volumes[0]")
    assert (portainer["host_socket"], portainer["read_only"]) == (True, True)
    assert _facts(portainer)["Socket.host socket"] == "yes"
    assert _facts(portainer)["Socket.read only"] == "yes"
    runner = subject(report, "gitlab-runner-broken/runner#client")
    assert _facts(runner)["Client.DOCKER_HOST"] == runner["docker_host"]
    assert runner["mismatch"]
    assert _facts(runner)["Client.mismatch"] == runner["mismatch"]
    tls = subject(report, "gitlab-runner-broken/dind")["tls"]
    assert tls["plaintext_ports"]
    ports = ", ".join(str(p) for p in tls["plaintext_ports"])
    assert _facts(subject(report, "gitlab-runner-broken/dind"))["TLS.mode"] == (
        f"{tls['mode']}, plaintext on {ports}")
    [host] = [s for s in subjects(live_report) if s["kind"] == "host"]
    assert _facts(host)["Engine.endpoint"] == live_report.targets[0].name
    assert _facts(host)["Engine.version"] == f"{host['version']}, API {host['api_version']}"


def test_evidence_rows() -> None:
    rows = dict(evidence_rows({"a": "text", "b": False, "c": [2375], "d": None,
                               "e": {"k": "v" * 80}}))
    assert rows["a"] == "text"
    assert rows["b"] == "false"
    assert rows["c"] == "[2375]"
    assert rows["d"] == "null"
    assert rows["e"].startswith("{\n  \"k\"")


def test_subjects_of_several_compose_projects_are_grouped(report: Report) -> None:
    runner = subject(report, "gitlab-runner-broken/runner#client")
    dind = subject(report, "gitlab-runner-broken/dind")
    portainer = subject(report, "socket-mount/portainer#volumes[0]")
    target = Target(kind="compose", name="examples", subjects=(runner, portainer, dind))
    groups = target_groups(target)
    assert [(p, [s["id"] for s in group]) for p, group in groups] == [
        ("gitlab-runner-broken", [dind["id"], runner["id"]]),
        ("socket-mount", [portainer["id"]])]

