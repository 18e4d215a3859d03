"""The CLI contract: formats, exit codes, bad input."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from dindcheck.cli import main
from dindcheck.schemas import load
from tests.repo import EXAMPLES, dindcheck_command, run_dindcheck

REPORT_SCHEMA = load("report.schema.json")
GOOD = EXAMPLES / "dind-good-tls"
BROKEN = EXAMPLES / "gitlab-runner-broken"


def run(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def run_json(*argv: str | Path) -> tuple[int, dict[str, Any]]:
    code, out, _ = run(*argv, "--json")
    report = json.loads(out)
    jsonschema.validate(report, REPORT_SCHEMA)
    assert report["summary"]["exit_code"] == code
    return code, report


@pytest.mark.parametrize(("path", "fail_on", "code"), [
    (GOOD, "error", 0),
    (GOOD, "warning", 1),
    (GOOD, "never", 0),
    (BROKEN, "error", 1),
    (BROKEN, "never", 0),
])
def test_exit_code_follows_fail_on(path: Path, fail_on: str, code: int) -> None:
    assert run_json("lint", path, "--fail-on", fail_on)[0] == code


def test_json_report_shape() -> None:
    _, report = run_json("lint", BROKEN)
    finding = next(f for f in report["findings"] if f["rule_id"] == "DIND011")
    assert finding["subject"] == {"kind": "client", "name": "runner",
                                  "id": "gitlab-runner-broken/runner#client"}
    assert finding["location"]["line"] == 18
    assert finding["evidence"]["docker_host"] == "tcp://dind:2376"
    assert report["inputs"][0]["paths"] == [str(BROKEN / "compose.yaml")]
    assert report["summary"]["error"] == sum(
        f["severity"] == "error" for f in report["findings"])


def test_text_report_lines() -> None:
    code, out, err = run("lint", BROKEN, "--color", "never")
    assert code == 1
    assert (f"{BROKEN / 'compose.yaml'}:18:7: error: DIND011 "
            "[runner] DOCKER_HOST=tcp://dind:2376 cannot reach dind") in out
    assert "\x1b[" not in out
    assert out.count("    fix: ") == len({line.split()[2] for line in out.splitlines()
                                          if ": DIND0" in line})
    assert err.startswith("dindcheck: findings at or above --fail-on error")


def test_select_and_ignore() -> None:
    _, report = run_json("lint", BROKEN, "--select", "DIND011,DIND001")
    assert {f["rule_id"] for f in report["findings"]} == {"DIND001", "DIND011"}
    _, report = run_json("lint", BROKEN, "--ignore", "security")
    assert not {f["rule_id"] for f in report["findings"]} & {"DIND007", "DIND010"}


BAD_INPUTS = {
    "malformed.compose.yml": (b"services:\n  dind:\n    image: [docker\n", 4),
    "bomb.compose.yml": (
        b'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n'
        + b"".join(f"{c}: &{c} [{','.join(['*' + p] * 10)}]\n".encode()
                   for p, c in zip("abcdef", "bcdefg", strict=True)), 4),
    "binary.compose.yml": (b"\x7fELF\x00\x00\x01", 1),
    "latin1.compose.yml": (b"services:\n  caf\xe9: {}\n", 2),
    "list.compose.yml": (b"- a\n- b\n", 1),
    "services-list.compose.yml": (b"services:\n  - dind\n", None),
    "deep.compose.yml": (b"services: " + b"[" * 100_000 + b"]" * 100_000, 1),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_is_one_located_error_and_the_rest_is_linted(tmp_path: Path,
                                                                name: str) -> None:
    content, line = BAD_INPUTS[name]
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "compose.yaml").write_text(
        "services:\n  dind:\n    image: docker:dind\n    privileged: true\n")
    code, out, err = run("lint", tmp_path, "--json")
    report = json.loads(out)
    jsonschema.validate(report, REPORT_SCHEMA)
    assert code == 2
    (error,) = report["errors"]
    assert error["path"] == str(tmp_path / name)
    if line is not None:
        assert error["line"] == line
        assert error["column"] >= 1
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert {f["rule_id"] for f in report["findings"]} >= {"DIND012"}


def test_file_over_size_cap(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services: {}\n" + "#" * 5000 + "\n")
    code, out, _ = run("lint", tmp_path, "--json", "--max-file-size", "4k")
    assert code == 2
    assert "cap" in json.loads(out)["errors"][0]["message"]


def test_missing_path(tmp_path: Path) -> None:
    code, out, _ = run("lint", tmp_path / "nope.yml", "--json")
    assert code == 2
    assert json.loads(out)["errors"][0]["path"] == str(tmp_path / "nope.yml")


@pytest.mark.parametrize(("argv", "message"), [
    (["lint", "--rules", "/nonexistent"], "needs a folder"),
    (["lint", "--select", "NOPE001"], "unknown rule"),
    (["explain", "DIND999"], "no rule"),
])
def test_usage_errors(argv: list[str], message: str) -> None:
    code, _, err = run(*argv)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_bad_flag_is_usage_error() -> None:
    assert run("lint", "--fail-on", "fatal")[0] == 2


def test_tui_without_terminal_is_usage_error() -> None:
    code, _, err = run("lint", GOOD, "--tui")
    assert code == 2
    assert "terminal" in err


def test_rules_and_explain() -> None:
    code, out, _ = run("rules")
    assert code == 0
    assert out.count("\n") >= 15
    assert out.startswith("DIND001  error")
    code, out, _ = run("explain", "data-root-on-overlay")
    assert code == 0
    assert out.startswith("# DIND001 data-root-on-overlay")
    assert "mkfs.ext4" in out


def test_version_from_the_installed_command(tmp_path: Path) -> None:
    result = run_dindcheck(["--version"], cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("dindcheck ")


@pytest.mark.parametrize(("argv", "env", "linted"), [
    pytest.param([], {}, {"dind", "ci-dind"}, id="every-service"),
    pytest.param(["--profile", "ci"], {}, {"dind", "ci-dind"}, id="profile"),
    pytest.param(["--profile", "dev"], {}, {"dind"}, id="other-profile"),
    pytest.param([], {"COMPOSE_PROFILES": "dev"}, {"dind"}, id="compose-profiles-env"),
])
def test_profiles_choose_what_is_linted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        argv: list[str], env: dict[str, str],
                                        linted: set[str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "compose.yaml").write_text(
        "services:\n  dind: {image: 'docker:27-dind', privileged: true}\n"
        "  ci-dind: {image: 'docker:27-dind', privileged: true, profiles: [ci]}\n")
    _, report = run_json("lint", tmp_path, *argv)
    assert {f["subject"]["name"] for f in report["findings"]} == linted


# -- hostile options, output and environment ------------------------------------------


@pytest.mark.parametrize("argv", [
    pytest.param(["audit", "--timeout", value], id=f"timeout-{value}")
    for value in ("0", "-1", "nan", "inf", "601", "1e999", "ten")
] + [
    pytest.param(["lint", str(GOOD), "-j", value], id=f"jobs-{value}")
    for value in ("0", "-1", "x", "١", "1.5")
] + [
    pytest.param(["lint", str(GOOD), "--max-file-size", value], id=f"size-{value}")
    for value in ("infk", "lots", "0", "-1k", "nan", "2G", "1e400")
])
def test_bad_option_values_are_one_line_and_exit_2(argv: list[str]) -> None:
    code, out, err = run(*argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("dindcheck: argument ")


def test_jobs_are_capped_at_a_multiple_of_the_cpu_count(
        capsys: pytest.CaptureFixture[str]) -> None:
    import os

    from dindcheck.cli import JOBS_PER_CPU, build_parser, max_jobs

    args = build_parser().parse_args(["lint", "-j", "100000"])
    assert args.jobs == max_jobs() == JOBS_PER_CPU * (os.cpu_count() or 1)
    assert main(["lint", "--help"]) == 0
    assert f"at most {JOBS_PER_CPU}x the CPU count" in " ".join(capsys.readouterr().out.split())


class _BrokenPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


class _DiskFull(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(28, "No space left on device")


@pytest.mark.parametrize(("path", "verdict"), [(BROKEN, 1), (GOOD, 0)])
def test_a_reader_that_stops_early_does_not_change_the_verdict(path: Path,
                                                               verdict: int) -> None:
    err = io.StringIO()
    assert main(["lint", str(path), "--json"], stdout=_BrokenPipe(), stderr=err) == verdict
    assert "Traceback" not in err.getvalue()


def test_a_report_that_cannot_be_written_is_exit_2() -> None:
    err = io.StringIO()
    assert main(["lint", str(GOOD), "--json"], stdout=_DiskFull(), stderr=err) == 2
    assert err.getvalue() == "dindcheck: cannot write the report: No space left on device\n"


def test_closed_pipe_keeps_the_verdict_through_the_installed_command() -> None:
    proc = subprocess.Popen([*dindcheck_command(), "lint", str(BROKEN), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.close()  # no reader left before the report is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert "Traceback" not in err
    assert "Exception ignored" not in err


def _shell(script: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``script`` in bash, with ``$DINDCHECK`` the installed command."""
    import shlex

    command = " ".join(shlex.quote(part) for part in dindcheck_command())
    return subprocess.run(["bash", "-c", script.replace("$DINDCHECK", command), "sh", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("shell", "code", "message"), [
    ('exec $DINDCHECK lint "$1" >/dev/full', 2, "No space left on device"),
    ('exec $DINDCHECK lint "$1" >&-', 2, "standard output is closed"),
    ("mkdir gone && cd gone && rmdir ../gone && exec $DINDCHECK lint", 2,
     "working directory no longer exists"),
])
def test_output_and_working_directory_failures(tmp_path: Path, shell: str, code: int,
                                               message: str) -> None:
    result = _shell(shell, str(GOOD), cwd=tmp_path)
    assert result.returncode == code
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_deleted_working_directory_with_absolute_paths_is_linted(tmp_path: Path) -> None:
    result = _shell('mkdir gone && cd gone && rmdir ../gone && '
                    'exec $DINDCHECK lint "$1" --fail-on never', str(BROKEN), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("1 target(s)")


def test_ascii_only_output_encoding_keeps_the_whole_report(tmp_path: Path) -> None:
    import os
    result = subprocess.run([*dindcheck_command(), "lint", str(BROKEN), "-v"],
                            capture_output=True,
                            timeout=60, env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr
    assert result.stdout.isascii()
    assert result.stdout.splitlines()[-1].startswith(b"1 target(s)")


HOSTILE_NAMES = ("x\n::error file=README.md::forged", "t\x1b]0;pwned\x07\x1b[2J",
                 "[bold]b[/bold][@click=app.quit]q")


@pytest.mark.parametrize("fmt", ["text", "github", "json", "sarif"])
def test_non_utf8_file_names_and_hostile_service_names(tmp_path: Path, fmt: str) -> None:
    import os
    folder = os.fsencode(tmp_path) + b"/caf\xe9"
    os.mkdir(folder)
    services = "".join(f"  {json.dumps(name)}:\n    image: docker:dind\n"
                       for name in HOSTILE_NAMES)
    with open(folder + b"/compose.yaml", "w") as stream:
        stream.write(f"services:\n{services}")
    result = subprocess.run([*dindcheck_command(), "lint", os.fsdecode(folder), "--format", fmt],
                            capture_output=True, timeout=60)
    assert result.returncode == 1, result.stderr
    text = result.stdout.decode("utf-8")  # strict: nothing undecodable is written
    # SARIF names files relative to the root, whose URI is percent-encoded
    shown = {"json": "caf\\\\xe9", "sarif": "/caf%5Cxe9/"}.get(fmt, "caf\\xe9")
    assert shown in text
    assert not any(c in text for c in "\x1b\x07\r")
    lines = text.splitlines()
    assert not any(line.lstrip().startswith("::error file=README.md") for line in lines)
    if fmt == "github":
        assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
        assert all(line.count("::") >= 2 for line in lines)
    if fmt in ("json", "sarif"):
        assert "x\\\\n::error file=README.md::forged" in text  # the escape, as JSON text


def test_an_unexpected_error_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    import dindcheck.lint

    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom \x1b[2J CI_JOB_TOKEN=s3cr3tvalue")

    monkeypatch.setattr(dindcheck.lint, "lint_results", explode)
    code, out, err = run("lint", GOOD)
    assert code == 2
    assert out == ""
    assert err.startswith("dindcheck: internal error: RuntimeError: boom \\x1b[2J")
    assert "s3cr3tvalue" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("allow_partial", "engines_failed", "targets", "code"), [
    (False, 1, 1, 3), (True, 1, 1, 0), (True, 0, 1, 0), (False, 1, 0, 3), (True, 2, 0, 3),
])
def test_a_partial_audit_fails_unless_allowed(allow_partial: bool, engines_failed: int,
                                              targets: int, code: int) -> None:
    import argparse

    from dindcheck.cli import exit_code
    from dindcheck.model import InputProblem, Report, Target
    from dindcheck.report.json import report_json

    report = Report(mode="audit", findings=(),
                    targets=tuple(Target(kind="engine", name=f"unix:///ok{i}")
                                  for i in range(targets)),
                    errors=tuple(InputProblem(kind="engine", path=f"tcp://down{i}:2375",
                                              message="unreachable")
                                 for i in range(engines_failed)))
    args = argparse.Namespace(fail_on="error", allow_partial=allow_partial)
    assert exit_code(report, args) == code
    summary = report_json(report, "error", allow_partial=allow_partial)["summary"]
    assert summary["exit_code"] == code


def test_unreachable_engines_through_the_command_line() -> None:
    code, report = run_json("audit", "-H", "unix:///nonexistent/a.sock", "-H",
                            "tcp://u:hunter22pw@127.0.0.1:99999", "--allow-partial")
    assert code == 3
    paths = [e["path"] for e in report["errors"]]
    assert "tcp://<redacted>@127.0.0.1:99999" in paths
    assert "hunter22pw" not in json.dumps(report)


@pytest.mark.docker
@pytest.mark.parametrize("allow_partial", [False, True])
def test_partial_audit_against_a_real_engine(docker_engine: Any, allow_partial: bool) -> None:
    """One engine answers, one is not there: 3 (and a stderr line), or by the findings
    with --allow-partial."""
    argv = ["audit", "-H", docker_engine.url, "-H", "unix:///nonexistent/docker.sock",
            "--no-exec", "--fail-on", "never", "--json"]
    out, err = io.StringIO(), io.StringIO()
    code = main([*argv, *(["--allow-partial"] if allow_partial else [])], stdout=out,
                stderr=err)
    report = json.loads(out.getvalue())
    assert [t["name"] for t in report["inputs"]] == [docker_engine.url]
    assert [e["kind"] for e in report["errors"]] == ["engine"]
    assert code == report["summary"]["exit_code"] == (0 if allow_partial else 3)
    assert "1 Docker endpoint(s) or container(s) could not be audited" in err.getvalue()


# --- adoption: output options, help, completion ------------------------------------


@pytest.mark.parametrize(("choice", "environ", "tty", "colour"), [
    ("auto", {}, True, True),
    ("auto", {}, False, False),
    ("auto", {"NO_COLOR": "1"}, True, False),
    ("auto", {"FORCE_COLOR": "1"}, False, True),
    ("auto", {"TERM": "dumb"}, True, False),
    ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
    ("never", {"FORCE_COLOR": "1"}, True, False),
    ("always", {"NO_COLOR": "1"}, False, True),
])
def test_colour_choice(choice: str, environ: dict[str, str], tty: bool, colour: bool) -> None:
    from dindcheck.cli import use_color

    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return tty

    assert use_color(choice, Stream(), environ) is colour


def test_no_color_flag_and_force_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\x1b[" in run("lint", BROKEN)[1]
    assert "\x1b[" not in run("lint", BROKEN, "--no-color")[1]


def test_text_is_one_gnu_line_per_finding_and_each_rule_explained_once() -> None:
    _code, out, _ = run("lint", BROKEN, "--color", "never")
    _, report = run_json("lint", BROKEN)
    lines = out.splitlines()
    for f in report["findings"]:
        loc = f["location"]
        head = f"{loc['path']}:{loc['line']}:{loc['column']}: {f['severity']}: {f['rule_id']} "
        assert sum(line.startswith(head) for line in lines) >= 1
    rules = {f["rule_id"] for f in report["findings"]}
    for rule_id in rules:
        assert sum(line.startswith(f"{rule_id} ") for line in lines) == 1  # one block
        assert f"docs/rules/{rule_id}.md" in out


@pytest.mark.parametrize(("fail_on", "summary"), [("error", True), ("never", False)])
def test_quiet_prints_the_findings_and_the_summary_only_on_failure(fail_on: str,
                                                                   summary: bool) -> None:
    _, out, _ = run("lint", BROKEN, "--quiet", "--color", "never", "--fail-on", fail_on)
    assert "why:" not in out
    assert all(line.split(":")[0].endswith(".yaml") or "target(s)" in line
               for line in out.splitlines())
    assert ("target(s)" in out) is summary


def test_output_file_holds_the_report(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, out, _ = run("lint", BROKEN, "--json", "-o", target)
    assert out == ""
    document = json.loads(target.read_text())
    jsonschema.validate(document, REPORT_SCHEMA)
    assert document["summary"]["exit_code"] == code == 1


def test_output_file_that_cannot_be_written_is_exit_2(tmp_path: Path) -> None:
    code, _, err = run("lint", BROKEN, "-o", tmp_path / "missing" / "report.txt")
    assert code == 2
    assert "cannot write the report" in err


def subcommands() -> dict[str, Any]:
    import argparse

    from dindcheck.cli import build_parser

    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {"": parser, **action.choices}


@pytest.mark.parametrize("name", ["", "lint", "audit", "rules", "explain", "completion"])
def test_every_option_has_a_help_line(name: str) -> None:
    parser = subcommands()[name]
    missing = [a.option_strings or a.dest for a in parser._actions
               if a.help is None or not a.help.strip()]
    assert missing == []


def test_top_level_help_names_the_default_command_and_path() -> None:
    from dindcheck.cli import build_parser

    text = " ".join(build_parser().format_help().split())
    assert "Bare `dindcheck` is `dindcheck audit`" in text
    assert "(TUI)" in text
    assert "lints the current folder (.)" in text


@pytest.mark.parametrize("command", ["lint", "audit", "rules"])
def test_an_unknown_option_shows_the_subcommands_usage(command: str) -> None:
    code, _out, err = run(command, "--no-such-option")
    assert code == 2
    assert "--no-such-option" in err
    assert f"usage: dindcheck {command}" in err
