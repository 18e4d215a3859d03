"""Each reporter over one fixed report: whole-document checks."""

from __future__ import annotations

import json

import pytest

from dindcheck.model import Finding, InputProblem, Location, Report, Severity, Target
from dindcheck.report import FORMATS, RenderOptions, renderer


def _finding(rule_id: str, severity: Severity, location: Location) -> Finding:
    return Finding(rule_id=rule_id, name="data-root-on-overlay", severity=severity,
                   category="storage", title="Data root on overlay",
                   message="dind: data root on the layer, 50% slower",
                   subject_kind="daemon", subject_name="dind", subject_id="p/dind",
                   location=location, evidence={"data_root.covered_by": "layer"},
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


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_renders(name: str) -> None:
    assert renderer(name)(REPORT, RenderOptions()).endswith("\n")


def test_text() -> None:
    text = renderer("text")(REPORT, RenderOptions())
    lines = text.splitlines()
    assert lines[0] == "b/compose.yaml:2:7: error: bad, indent"
    assert lines[1] == "a/compose.yaml:3:5: error DIND001 dind: data root on the layer, 50% slower"
    assert lines[2] == "    why: First sentence."
    assert "    fix: Mount a volume:" in lines
    assert "             - data:/var/lib/docker" in lines
    assert "unix:///run/docker.sock dind HostConfig.Privileged: info DIND005" in text
    assert lines[-1] == ("1 target(s), 1 subject(s): 1 error(s), 0 warning(s), 1 info; "
                         "1 input problem(s)")


def test_text_colour_only_when_asked() -> None:
    assert "\x1b[31merror" in renderer("text")(REPORT, RenderOptions(color=True))


def test_json_summary() -> None:
    data = json.loads(renderer("json")(REPORT, RenderOptions(fail_on="warning")))
    assert data["summary"] == {"error": 1, "warning": 0, "info": 1, "total": 2,
                               "suppressed": 0, "errors": 1, "fail_on": "warning",
                               "failed": True, "exit_code": 2}


def test_sarif() -> None:
    data = json.loads(renderer("sarif")(REPORT, RenderOptions()))
    (run,) = data["runs"]
    assert data["version"] == "2.1.0"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["DIND001", "DIND005"]
    first, second = run["results"]
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "a/compose.yaml"},
        "region": {"startLine": 3, "startColumn": 5}}
    assert second["level"] == "note"
    assert second["locations"][0]["logicalLocations"][0]["name"] == (
        "unix:///run/docker.sock dind HostConfig.Privileged")
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["message"]["text"] == "bad, indent"


def test_github_annotations_escape() -> None:
    lines = renderer("github")(REPORT, RenderOptions()).splitlines()
    assert lines[0] == "::error file=b/compose.yaml,line=2,title=dindcheck::bad, indent"
    assert lines[1] == ("::error file=a/compose.yaml,line=3,col=5,title=DIND001 Data root on "
                        "overlay::dind: data root on the layer, 50%25 slower")
    assert lines[2].startswith("::notice title=DIND005")


def test_streamed_json_equals_rendered() -> None:
    import io

    from dindcheck.report.json import write

    options = RenderOptions(pretty=False)
    stream = io.StringIO()
    write(REPORT, options, stream)
    assert stream.getvalue() == renderer("json")(REPORT, options)
    assert json.loads(stream.getvalue())["findings"][1]["rule_id"] == "DIND005"
