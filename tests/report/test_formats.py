"""Each reporter over fixed reports: whole documents, checked against the published schema
or the structure their consumer reads."""

from __future__ import annotations

import dataclasses
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from dindcheck import RULE_PAGES, __url__
from dindcheck.catalogue import load_catalogue
from dindcheck.model import Finding, InputProblem, Location, Report, Severity, Target
from dindcheck.report import FORMATS, RenderOptions, open_writer, renderer
from dindcheck.report.summary import summarize
from dindcheck.schemas import load

DATA = Path(__file__).parent / "data"
ROOT = "/repo"


def _schema(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def validate(document: Any, schema: Any) -> None:
    """With the draft the schema itself declares (the SARIF schema is draft-04)."""
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    validator(schema, format_checker=validator.FORMAT_CHECKER).validate(document)


def _finding(rule_id: str, severity: Severity, location: Location, *,
             subject: str = "p/dind", category: str = "storage") -> Finding:
    return Finding(rule_id=rule_id, name="data-root-on-overlay", severity=severity,
                   category=category, title="Data root on overlay",
                   message="dind: data root on the layer, 50% slower",
                   subject_kind="daemon", subject_name=subject.split("/")[-1],
                   subject_id=subject, location=location,
                   evidence={"data_root.covered_by": "layer"},
                   rationale="First sentence. Second sentence.",
                   remediation="Mount a volume:\n\n  volumes:\n    - data:/var/lib/docker",
                   references=("https://docs.docker.com/",))


REPORT = Report(
    mode="lint",
    targets=(Target(kind="compose", name="p", paths=("a/compose.yaml",), subjects=({},)),),
    findings=(
        _finding("DIND001", Severity.ERROR, Location(path="a/compose.yaml", line=3, column=5)),
        _finding("DIND005", Severity.INFO, Location(endpoint="unix:///run/docker.sock",
                                                    container="dind",
                                                    field="HostConfig.Privileged")),
    ),
    errors=(InputProblem(path="b/compose.yaml", line=2, column=7, message="bad, indent"),),
)


def render(fmt: str, report: Report = REPORT, **options: Any) -> str:
    return renderer(fmt)(report, RenderOptions(**options))


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_renders(name: str) -> None:
    assert render(name).endswith("\n")


# -- text ---------------------------------------------------------------------------


def test_text_is_one_line_per_finding_and_one_block_per_rule() -> None:
    lines = render("text").splitlines()
    assert lines[:3] == [
        "b/compose.yaml:2:7: error: bad, indent",
        "a/compose.yaml:3:5: error: DIND001 [dind] data root on the layer, 50% slower",
        "unix:///run/docker.sock dind HostConfig.Privileged: info: DIND005 [dind] data "
        "root on the layer, 50% slower",
    ]
    assert lines[3:10] == [
        "DIND001 data-root-on-overlay: Data root on overlay (1 finding)",
        "    why: First sentence.",
        "    fix: Mount a volume:",
        "",
        "           volumes:",
        "             - data:/var/lib/docker",
        f"    see: {RULE_PAGES}/DIND001.md (dindcheck explain DIND001)",
    ]
    assert lines[10] == "DIND005 data-root-on-overlay: Data root on overlay (1 finding)"
    assert lines[-1] == ("1 target(s), 1 subject(s): 1 error(s), 0 warning(s), 1 info; "
                         "1 input problem(s)")
    assert len(lines) == 18


def test_five_findings_of_one_rule_print_its_texts_once() -> None:
    findings = tuple(_finding("DIND007", Severity.WARNING,
                              Location(path="c.yaml", line=i, column=3), subject=f"p/d{i}")
                     for i in range(1, 6))
    text = render("text", Report(mode="lint", targets=(), findings=findings))
    assert text.count("    why: ") == text.count("    fix: ") == text.count("    see: ") == 1
    assert "(5 findings)" in text
    assert len(text.splitlines()) == 5 + 7 + 1  # the lines, one block, the summary


def test_verbose_puts_each_findings_whole_fix_under_it() -> None:
    lines = render("text", verbose=True).splitlines()
    finding = lines.index(
        "a/compose.yaml:3:5: error: DIND001 [dind] data root on the layer, 50% slower")
    assert lines[finding + 1:finding + 5] == ["    fix: Mount a volume:", "",
                                              "           volumes:",
                                              "             - data:/var/lib/docker"]
    assert "    why: First sentence. Second sentence." in lines


@pytest.mark.parametrize(("fail_on", "summary"), [("error", True), ("never", False)])
def test_quiet_keeps_the_lines_and_the_summary_only_on_failure(fail_on: str,
                                                               summary: bool) -> None:
    clean = dataclasses.replace(REPORT, errors=())
    lines = render("text", clean, quiet=True, fail_on=fail_on).splitlines()
    assert [line.split(": ")[1] for line in lines[:2]] == ["error", "info"]
    assert not any("why:" in line or "see:" in line for line in lines)
    assert len(lines) == 2 + summary
    assert lines[-1].startswith("1 target(s)") is summary


def test_quiet_clean_run_prints_nothing() -> None:
    empty = Report(mode="lint", targets=REPORT.targets, findings=())
    assert render("text", empty, quiet=True) == ""


def test_text_colour_only_when_asked() -> None:
    assert "\x1b[31merror" in render("text", color=True)
    assert "\x1b" not in render("text")


# -- JSON ---------------------------------------------------------------------------


def test_json_summary_and_schema() -> None:
    data = json.loads(render("json", fail_on="warning"))
    jsonschema.validate(data, load("report.schema.json"))
    assert data["summary"] == {"error": 1, "warning": 0, "info": 1, "total": 2,
                               "suppressed": 0, "errors": 1, "fail_on": "warning",
                               "failed": True, "exit_code": 2}


def test_streamed_json_is_the_rendered_document() -> None:
    pretty = json.loads(render("json", pretty=True))
    compact = render("json", pretty=False)
    assert compact.startswith('{"findings":[{"rule_id":"DIND001"')
    assert json.loads(compact) == pretty
    assert compact.count("\n") == 1


# -- SARIF --------------------------------------------------------------------------

SARIF_SCHEMA = _schema("sarif-schema-2.1.0.json")
RULES = {rule.id: rule for rule in load_catalogue()}


def sarif(report: Report = REPORT, **options: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render("sarif", report, root=ROOT, **options))
    validate(data, SARIF_SCHEMA)
    return data


@pytest.mark.parametrize("pretty", [True, False])
def test_sarif_is_valid_against_the_official_schema(pretty: bool) -> None:
    (run,) = sarif(pretty=pretty, rules=RULES)["runs"]
    driver = run["tool"]["driver"]
    assert driver["informationUri"] == __url__
    assert [r["id"] for r in driver["rules"]] == ["DIND001", "DIND005"]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///repo/"}}


def test_sarif_locations_are_relative_percent_encoded_uris() -> None:
    odd = Location(path=f"{ROOT}/ci dir/café#1.yaml", line=3, column=5)
    report = Report(mode="lint", targets=(), findings=(
        _finding("DIND001", Severity.ERROR, odd),))
    (result,) = sarif(report)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "ci%20dir/caf%C3%A9%231.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 3, "startColumn": 5}}


def test_sarif_engine_findings_have_logical_locations() -> None:
    second = sarif()["runs"][0]["results"][1]
    assert second["level"] == "note"
    assert second["locations"][0]["logicalLocations"][0]["name"] == (
        "unix:///run/docker.sock dind HostConfig.Privileged")


def test_sarif_input_problems_are_notifications() -> None:
    report = Report(mode="lint", targets=(), findings=(), errors=(
        InputProblem(path=f"{ROOT}/b/compose.yaml", line=2, column=7, message="bad, indent"),
        InputProblem(path="tcp://h:2376", message="unreachable", kind="engine")))
    run = sarif(report)["runs"][0]
    file_note, engine_note = run["invocations"][0]["toolExecutionNotifications"]
    assert file_note["message"]["text"] == "bad, indent"
    assert file_note["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "b/compose.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 2, "startColumn": 7}}
    assert engine_note["locations"][0]["logicalLocations"][0]["name"] == "tcp://h:2376"
    assert run["invocations"][0]["executionSuccessful"] is False


def test_four_subjects_on_one_line_stay_four_alerts_and_keep_them_across_edits() -> None:
    def findings(line: int) -> tuple[Finding, ...]:
        return tuple(_finding("DIND009", Severity.WARNING,
                              Location(path=f"{ROOT}/.gitlab-ci.yml", line=line, column=3),
                              subject=f"ci/job#volumes[{i}]") for i in range(4))

    def prints(line: int) -> list[str]:
        report = Report(mode="lint", targets=(), findings=findings(line))
        return [r["partialFingerprints"]["dindcheck/v1"] for r in
                sarif(report)["runs"][0]["results"]]

    assert len(set(prints(12))) == 4
    assert prints(12) == prints(40)


def test_sarif_rules_come_from_the_catalogue_with_their_pages() -> None:
    escalated = dataclasses.replace(REPORT.findings[0], rule_id="DIND007",
                                    name="privileged-dind", category="security",
                                    severity=Severity.ERROR,
                                    remediation="rendered for one service only")
    report = Report(mode="lint", targets=(), findings=(escalated,))
    (rule,) = sarif(report, rules=RULES)["runs"][0]["tool"]["driver"]["rules"]
    assert rule["helpUri"] == f"{RULE_PAGES}/DIND007.md"
    assert f"]({RULE_PAGES}/DIND007.md)" in rule["help"]["markdown"]
    assert RULES["DIND007"].remediation in rule["help"]["markdown"]
    assert "rendered for one service only" not in json.dumps(rule)
    assert rule["defaultConfiguration"]["level"] == "warning"  # the rule's, not escalated
    assert "security" in rule["properties"]["tags"]
    assert rule["properties"]["security-severity"] == "5.5"


def test_non_security_rules_have_no_security_severity() -> None:
    (rule, _) = sarif(rules=RULES)["runs"][0]["tool"]["driver"]["rules"]
    assert "security-severity" not in rule["properties"]
    assert "security" not in rule["properties"]["tags"]


# -- GitLab Code Quality ------------------------------------------------------------

CODE_QUALITY = _schema("codequality.schema.json")


def code_quality(report: Report = REPORT, **options: Any) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(render("gitlab", report, root=ROOT, **options))
    validate(data, CODE_QUALITY)
    return data


@pytest.mark.parametrize("pretty", [True, False])
def test_code_quality_follows_gitlabs_format(pretty: bool) -> None:
    inside = dataclasses.replace(REPORT.findings[0], location=Location(
        path=f"{ROOT}/ci/compose.yaml", line=3, column=5))
    report = dataclasses.replace(REPORT, findings=(inside, REPORT.findings[1]))
    first, live, problem = code_quality(report, pretty=pretty)
    assert first["location"] == {"path": "ci/compose.yaml", "lines": {"begin": 3}}
    assert first["check_name"] == "DIND001"
    assert first["severity"] == "major"
    assert first["description"] == "DIND001 [dind] data root on the layer, 50% slower"
    assert f"({RULE_PAGES}/DIND001.md)" in first["content"]["body"]
    assert live["severity"] == "info"
    assert problem["check_name"] == "dindcheck-input"
    assert problem["severity"] == "blocker"


def test_code_quality_fingerprints_ignore_lines_and_tell_subjects_apart() -> None:
    def prints(line: int) -> list[str]:
        report = Report(mode="lint", targets=(), findings=tuple(
            _finding("DIND007", Severity.WARNING, Location(path=f"{ROOT}/c.yaml", line=line),
                     subject=f"p/d{i}") for i in range(3)))
        return [issue["fingerprint"] for issue in code_quality(report)]

    assert prints(4) == prints(9)
    assert len(set(prints(4))) == 3


def test_an_empty_code_quality_report_is_an_empty_list() -> None:
    assert code_quality(Report(mode="lint", targets=(), findings=())) == []


# -- JUnit --------------------------------------------------------------------------


def junit(report: Report = REPORT, **options: Any) -> ET.Element:
    return ET.fromstring(render("junit", report, **options))


def test_junit_has_the_structure_gitlab_and_github_read() -> None:
    clean = Target(kind="compose", name="clean", paths=("z/compose.yaml",))
    report = dataclasses.replace(REPORT, targets=(*REPORT.targets, clean))
    root = junit(report)
    assert root.tag == "testsuites"
    suite, inputs = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert suite.get("tests") == str(len(cases)) == "3"
    assert suite.get("failures") == "2"
    failing = cases[0]
    assert failing.get("classname") == "dindcheck.DIND001"
    assert failing.get("name") == "DIND001 p/dind"
    assert failing.get("file") == "a/compose.yaml"
    assert failing.get("line") == "3"
    failure = failing.find("failure")
    assert failure is not None
    assert failure.get("type") == "error"
    assert failure.get("message") == "dind: data root on the layer, 50% slower"
    assert f"see: {RULE_PAGES}/DIND001.md" in (failure.text or "")
    assert cases[2].get("name") == "compose clean: no findings"
    assert list(cases[2]) == []
    (error_case,) = inputs.findall("testcase")
    assert inputs.get("errors") == "1"
    error = error_case.find("error")
    assert error is not None
    assert error.get("message") == "bad, indent"


def test_junit_escapes_what_xml_cannot_hold() -> None:
    hostile = dataclasses.replace(REPORT.findings[0], message='a <b> & "c" \ufffe',
                                  subject_id="p/]]>")
    root = junit(Report(mode="lint", targets=REPORT.targets, findings=(hostile,)))
    case = root.find("testsuite/testcase")
    assert case is not None
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == 'a <b> & "c" \\ufffe'
    assert case.get("name") == "DIND001 p/]]>"


def test_junit_streams_one_suite_per_project() -> None:
    stream = io.StringIO()
    out = open_writer("junit", stream, RenderOptions())
    for i in range(3):
        target = Target(kind="compose", name=f"p{i}", paths=(f"p{i}/compose.yaml",))
        out.batch([target], [_finding("DIND001", Severity.ERROR,
                                      Location(path=f"p{i}/compose.yaml", line=1))], [], [])
        assert stream.getvalue().count("</testsuite>") == i + 1
    out.close(summarize(Report(mode="lint", targets=(), findings=())))
    suites = ET.fromstring(stream.getvalue()).findall("testsuite")
    assert [s.get("name") for s in suites] == ["compose p0", "compose p1", "compose p2"]


# -- GitHub annotations -------------------------------------------------------------


def test_github_annotations_escape() -> None:
    lines = render("github").splitlines()
    assert lines[0] == "::error file=b/compose.yaml,line=2,title=dindcheck::bad, indent"
    assert lines[1] == ("::error file=a/compose.yaml,line=3,col=5,title=DIND001 Data root on "
                        "overlay::dind: data root on the layer, 50%25 slower "
                        f"({RULE_PAGES}/DIND001.md)")
    assert lines[2].startswith("::notice title=DIND005")


# -- every format: streamed batch by batch is the whole document ---------------------


@pytest.mark.parametrize("fmt", ["json", "sarif", "gitlab", "junit", "text", "github"])
def test_batches_give_the_same_report_as_one_whole(fmt: str) -> None:
    options = RenderOptions(pretty=False, root=ROOT)
    stream = io.StringIO()
    out = open_writer(fmt, stream, options)
    out.batch([], [], REPORT.errors, [])
    out.batch(REPORT.targets, REPORT.findings[:1], [], [])
    out.batch([], REPORT.findings[1:], [], [])
    out.close(summarize(REPORT))
    whole = renderer(fmt)(REPORT, options)
    if fmt in ("json", "sarif", "gitlab"):
        assert json.loads(stream.getvalue()) == json.loads(whole)
    elif fmt == "junit":
        cases = ET.fromstring(stream.getvalue()).findall("testsuite/testcase")
        assert len(cases) == len(ET.fromstring(whole).findall("testsuite/testcase"))
    else:
        assert sorted(stream.getvalue().splitlines()) == sorted(whole.splitlines())
