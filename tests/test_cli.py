"""The CLI contract: formats, exit codes, bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from dindcheck.cli import main
from dindcheck.schemas import load
from tests.repo import EXAMPLES, run_dindcheck

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
    assert f"{BROKEN / 'compose.yaml'}:18:7: error DIND011 runner: DOCKER_HOST" in out
    assert "\x1b[" not in out
    assert "    fix: " in out
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
