"""The sanitising pass: every string of a report, on every format and in the TUI."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dindcheck.cli import main
from dindcheck.model import Finding, InputProblem, Location, Report, Severity, Target
from dindcheck.report import FORMATS, RenderOptions, writer
from dindcheck.sanitize import escape_controls, inert_lines, sanitize_report

SECRETS = ("hunter2pw", "mirrorpass", "optssecret", "healthpw99", "envtok3n42",
           "labeltok77")
ENVIRON = {"REGISTRY_TOKEN": "envtok3n42", "AUTH_ENABLED": "true", "HOME": "/root"}
FORGED = "x\n::error file=README.md::forged"
TERMINAL = "t\x1b]0;title\x07\x1b[2J\x9b31m\u202eevil"
MARKUP = "[bold]b[/bold][@click=app.quit]q"


def hostile_report() -> Report:
    """Every field a reporter prints, each with a secret, a forged command or escapes."""
    location = Location(path=f"compose.yaml{FORGED}", line=3, column=5,
                        endpoint="tcp://admin:hunter2pw@dind:2375", container=TERMINAL,
                        field="Config.Env")
    finding = Finding(
        rule_id="ACME001", name=f"n{TERMINAL}", severity=Severity.ERROR, category=MARKUP,
        title=f"title {FORGED}", message="daemon started with DOCKER_OPTS=--registry-mirror "
        "https://u:mirrorpass@m.example --password optssecret and token envtok3n42",
        subject_kind="daemon", subject_name=FORGED, subject_id=f"p/{TERMINAL}",
        location=location,
        evidence={"healthcheck.test": ["CMD", "docker", "login", "--password=healthpw99"],
                  f"key{FORGED}": {"nested": "--label=ci.token=labeltok77"},
                  "count": 3, "privileged": True},
        rationale=f"Why.\n\n::warning::from a user rule\n{TERMINAL}",
        remediation=f"Fix:\n\n  ##[add-mask]x\n  {MARKUP}", references=(f"https://x/{FORGED}",))
    engine = Location(endpoint="unix:///run/docker.sock", container="dind", field="Id")
    live = Finding(**{**{k: getattr(finding, k) for k in finding.__slots__},
                      "location": engine, "severity": Severity.WARNING})
    return Report(
        mode="audit",
        targets=(Target(kind="engine", name="tcp://admin:hunter2pw@dind:2375",
                        paths=(FORGED,), subjects=({"name": MARKUP, "env": "envtok3n42"},)),),
        findings=(finding, live),
        errors=(InputProblem(kind="engine", path="tcp://admin:hunter2pw@h:2376",
                             message=f"unreachable {TERMINAL}"),
                InputProblem(path=f"bad{FORGED}", line=1, message="x --password hunter2pw")),
        notes=(f"note {FORGED} REGISTRY_TOKEN=envtok3n42",),
    )


def _render(fmt: str, *, pretty: bool) -> str:
    stream = io.StringIO()
    report = sanitize_report(hostile_report(), ENVIRON)
    writer(fmt)(report, RenderOptions(pretty=pretty, verbose=True), stream)
    return stream.getvalue()


@pytest.mark.parametrize("pretty", [True, False])
@pytest.mark.parametrize("fmt", FORMATS)
def test_no_secret_control_character_or_forged_command_leaves(fmt: str, pretty: bool) -> None:
    text = _render(fmt, pretty=pretty)
    for secret in SECRETS:
        assert secret not in text, f"{secret} in {fmt}"
    assert re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", text) is None
    for line in text.splitlines():
        stripped = line.lstrip()
        if fmt == "github":  # each line is one command, its data escaped
            assert re.match(r"::(error|warning|notice) [^:]*::", line), line
            assert "README.md::forged" not in line.split("::", 2)[1]
        else:
            assert not stripped.startswith("::"), line
        assert "##[" not in line
    if fmt in ("json", "sarif"):
        data = json.loads(text)  # still the same data: escapes are JSON string escapes
        assert "##[add-mask]" in json.dumps(data, ensure_ascii=False)


def test_json_keeps_the_sanitized_values() -> None:
    data = json.loads(_render("json", pretty=False))
    finding = data["findings"][0]
    assert finding["subject"]["name"] == "x\\n::error file=README.md::forged"
    assert finding["location"]["endpoint"] == "tcp://<redacted>@dind:2375"
    assert finding["evidence"]["healthcheck.test"][-1] == "--password=<redacted>"
    assert finding["rationale"].splitlines()[2] == "::warning::from a user rule"
    assert data["errors"][0]["path"] == "tcp://<redacted>@h:2376"
    assert finding["evidence"]["count"] == 3
    assert finding["evidence"]["privileged"] is True


def test_github_escapes_properties_and_data() -> None:
    lines = _render("github", pretty=False).splitlines()
    first = next(line for line in lines if "compose.yaml" in line)
    assert first.startswith("::error file=compose.yamlx\\n%3A%3Aerror file=README.md"
                            "%3A%3Aforged,line=3,col=5,title=ACME001 title x\\n%3A%3Aerror "
                            "file=README.md%3A%3Aforged::")


def test_short_values_of_secret_variables_are_not_hunted() -> None:
    report = Report(mode="lint", targets=(), findings=(), notes=("AUTH_ENABLED is true",))
    environ = {"AUTH_ENABLED": "true", "API_KEY": "abc", "DB_PASSWORD": "longer-secret"}
    assert sanitize_report(report, environ).notes == ("AUTH_ENABLED is true",)
    report = Report(mode="lint", targets=(), findings=(), notes=("pw longer-secret",))
    assert sanitize_report(report, environ).notes == ("pw <redacted>",)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_escaping_is_printable_and_idempotent(text: str) -> None:
    once = escape_controls(text)
    assert escape_controls(once) == once
    unsafe = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                        "\ud800-\udfff]")
    assert unsafe.search(once) is None
    kept = escape_controls(text, keep_lines=True)
    assert set(kept) - set(once) <= {"\n", "\t"}
    assert not inert_lines(once).lstrip().startswith("::")


def test_cli_sanitizes_a_real_lint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end: a compose file with planted secrets and a hostile service name."""
    monkeypatch.setenv("REGISTRY_TOKEN", "envtok3n42")
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        f"  {json.dumps(FORGED)}:\n"
        "    image: docker:dind\n"
        "    command: [--registry-mirror, 'https://u:mirrorpass@m.example',\n"
        "              --label=ci.token=labeltok77, '--token=${REGISTRY_TOKEN}']\n"
        "    healthcheck:\n"
        "      test: [CMD, docker, login, --password=healthpw99]\n"
        "  client:\n"
        "    image: docker:cli\n"
        "    environment:\n"
        "      DOCKER_HOST: tcp://admin:hunter2pw@dind:2375\n"
        "      DOCKER_OPTS: --password optssecret\n")
    for fmt in FORMATS:
        out, err = io.StringIO(), io.StringIO()
        code = main(["lint", str(tmp_path), "--format", fmt, "-v"], stdout=out, stderr=err)
        assert code == 1, err.getvalue()
        for secret in SECRETS:
            assert secret not in out.getvalue() + err.getvalue(), f"{secret} in {fmt}"
        assert not any(line.lstrip().startswith("::error file=README")
                       for line in out.getvalue().splitlines())


def test_tui_renders_markup_from_reports_as_text() -> None:
    """Rich reads a plain str table cell as markup; the TUI's cells are Text."""
    from rich.console import Console

    from dindcheck.tui.screens.finding import _key_values
    from dindcheck.tui.widgets.facts_panel import facts_renderable
    from dindcheck.tui.widgets.problems import problems_text

    report = sanitize_report(hostile_report(), ENVIRON)
    console = Console(record=True, width=200, color_system=None)
    console.print(_key_values([(MARKUP, MARKUP)]))
    console.print(facts_renderable([("Facts", [(MARKUP, MARKUP)])]))  # type: ignore[list-item]
    console.print(problems_text(report.errors))
    shown = console.export_text()
    assert shown.count("[bold]b[/bold][@click=app.quit]q") == 4
    assert "\x1b" not in shown
    assert "hunter2pw" not in shown


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"ab=@-:/ .\t\n\x1b\x07\u202e\u2028é", "://",
                                  "--password ", "s3cretvalue", "##["]), max_size=12))
def test_the_quick_path_agrees_with_the_full_pass(pieces: list[str]) -> None:
    """A finding that looks clean is passed through untouched; it must be one the full
    pass would not have changed."""
    from dindcheck.sanitize import Sanitizer

    text = "".join(pieces)
    base = hostile_report().findings[0]
    plain = dataclasses.replace(
        base, name="n", category="c", title="t", subject_name="s", subject_id="i",
        location=Location(path="p"), evidence={"k": text}, rationale="r", remediation="f",
        references=(), message=text)
    full = Sanitizer({"API_TOKEN": "s3cretvalue"})
    cleaned = Sanitizer({"API_TOKEN": "s3cretvalue"}).finding(plain)
    assert cleaned.message == full.line(text)
    assert cleaned.evidence == {"k": full.line(text)}


@pytest.mark.parametrize("text", ["::error x::y", "   ::warning::z", "\u2003\u00a0::notice::n",
                                  "a\n::error::b", "x ##[add-mask]y", "\n" * 200_000 + "::e::"])
def test_no_line_reads_as_a_workflow_command(text: str) -> None:
    inert = inert_lines(text)
    assert "##[" not in inert
    assert not any(line.strip().startswith("::") for line in inert.splitlines())
