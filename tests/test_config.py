from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from dindcheck.cli import main

BROKEN = Path(__file__).resolve().parent.parent / "examples" / "gitlab-runner-broken"


def run(tmp_path: Path, config: str, *argv: str) -> tuple[int, dict[str, object], str]:
    (tmp_path / ".dindcheck.yaml").write_text(config)
    out, err = io.StringIO(), io.StringIO()
    code = main(["lint", str(BROKEN), "--json", "--config", str(tmp_path / ".dindcheck.yaml"),
                 *argv], stdout=out, stderr=err)
    return code, json.loads(out.getvalue()) if out.getvalue() else {}, err.getvalue()


def rule_ids(report: dict[str, object]) -> set[str]:
    return {f["rule_id"] for f in report["findings"]}  # type: ignore[attr-defined,index]


def test_config_ignore_severity_and_fail_on(tmp_path: Path) -> None:
    code, report, _ = run(tmp_path, "fail_on: never\nignore: [DIND007]\n"
                                    "severity:\n  DIND011: info\n")
    assert code == 0
    assert "DIND007" not in rule_ids(report)
    assert next(f for f in report["findings"]  # type: ignore[attr-defined]
                if f["rule_id"] == "DIND011")["severity"] == "info"


def test_command_line_wins_over_config(tmp_path: Path) -> None:
    code, _, _ = run(tmp_path, "fail_on: never\n", "--fail-on", "error")
    assert code == 1


def test_config_is_found_in_the_working_directory(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".dindcheck.yaml").write_text("select: [DIND001]\n")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    main(["lint", str(BROKEN), "--json"], stdout=out, stderr=io.StringIO())
    assert rule_ids(json.loads(out.getvalue())) == {"DIND001"}


@pytest.mark.parametrize(("config", "message"), [
    pytest.param("fail_on: sometimes\n", r"\.dindcheck\.yaml:1: \$\.fail_on", id="bad-value"),
    pytest.param("colour: red\n", "Additional properties", id="unknown-key"),
    pytest.param("severity:\n  DIND999: info\n", "unknown rule", id="unknown-rule"),
    pytest.param("ignore: [\n", r"\.dindcheck\.yaml:2", id="malformed"),
    pytest.param("fail_on: error\nmax_file_size: !!bool maybe\n", r"\.dindcheck\.yaml:2:",
                 id="scalar-that-cannot-be-built"),
    pytest.param("select: [2001-02-30]\n", r"\.dindcheck\.yaml:1:", id="impossible-date"),
])
def test_invalid_config_is_exit_2_with_location(tmp_path: Path, config: str,
                                                message: str) -> None:
    code, _, err = run(tmp_path, config)
    assert code == 2
    assert __import__("re").search(message, err)
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("value", ["lots", "1e400", "1.0e+400", ".inf", "0", "-1", "2G",
                                   "'١٠M'", "true", "[1]", "99999999999999999999999"])
def test_bad_max_file_size_is_exit_2_with_its_line(tmp_path: Path, value: str) -> None:
    code, _, err = run(tmp_path, f"fail_on: error\nmax_file_size: {value}\n")
    assert code == 2
    assert ".dindcheck.yaml:2: $.max_file_size" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("value", "limit"), [("5M", 5 * 1024**2), ("512k", 512 * 1024),
                                              ("1.5 MiB", 1536 * 1024), ("4096", 4096)])
def test_max_file_size_units(value: str, limit: int) -> None:
    from dindcheck.config import parse_size

    assert parse_size(value) == limit


def test_max_file_size_from_config_applies(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "compose.yaml").write_text("services: {}\n" + "#" * 5000 + "\n")
    (tmp_path / ".dindcheck.yaml").write_text("max_file_size: 4k\n")
    out, err = io.StringIO(), io.StringIO()
    code = main(["lint", str(tmp_path / "p"), "--json", "--config",
                 str(tmp_path / ".dindcheck.yaml")], stdout=out, stderr=err)
    assert code == 2
    assert "4096-byte cap" in json.loads(out.getvalue())["errors"][0]["message"]


@pytest.mark.parametrize("kind", ["fifo", "dangling-link"])
def test_a_config_that_cannot_be_read_is_exit_2_not_ignored(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            kind: str) -> None:
    import os

    config = tmp_path / ".dindcheck.yaml"
    if kind == "fifo":
        os.mkfifo(config)
    else:
        config.symlink_to(tmp_path / "gone.yaml")
    monkeypatch.chdir(tmp_path)
    err = io.StringIO()
    code = main(["lint", str(BROKEN), "--json"], stdout=io.StringIO(), stderr=err)
    assert code == 2
    assert ".dindcheck.yaml" in err.getvalue()
    assert len(err.getvalue().splitlines()) == 1


def test_runner_config_is_relative_to_the_config_file(tmp_path: Path) -> None:
    from dindcheck.config import load_config

    (tmp_path / "ci").mkdir()
    path = tmp_path / "ci" / ".dindcheck.yaml"
    path.write_text("runner_config: runner/config.toml\n")
    assert load_config(path).runner_config == tmp_path / "ci" / "runner" / "config.toml"
    path.write_text("fail_on: error\n")
    assert load_config(path).runner_config is None


@pytest.mark.parametrize(("files", "start", "found"), [
    ({".dindcheck.yaml": "fail_on: never\n"}, "a/b", ".dindcheck.yaml"),
    ({"pyproject.toml": "[tool.dindcheck]\nfail_on = 'never'\n"}, "a/b", "pyproject.toml"),
    ({"a/.dindcheck.yml": "", "pyproject.toml": "[tool.dindcheck]\n"}, "a/b", "a/.dindcheck.yml"),
    ({"pyproject.toml": "[tool.ruff]\nline-length = 100\n"}, "a", None),
    ({"../.dindcheck.yaml": "fail_on: never\n"}, "a", None),  # above the repository
])
def test_config_discovery_walks_up_to_the_repository_root(
        tmp_path: Path, files: dict[str, str], start: str, found: str | None) -> None:
    from dindcheck.config import find_config

    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / start).mkdir(parents=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    expected = None if found is None else root / found
    assert find_config(root / start) == expected


def test_pyproject_table_configures_the_run(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n\n[tool.dindcheck]\nfail_on = 'never'\nignore = ['DIND007']\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    out, err = io.StringIO(), io.StringIO()
    code = main(["lint", str(BROKEN), "--json"], stdout=out, stderr=err)
    assert code == 0
    assert "DIND007" not in rule_ids(json.loads(out.getvalue()))


@pytest.mark.parametrize(("text", "says"), [
    ("[tool.dindcheck]\nfail_on = 'sometimes'\n", "[tool.dindcheck]"),
    ("[tool.dindcheck\n", "pyproject.toml"),
    ("[tool]\ndindcheck = 3\n", "must be a table"),
])
def test_a_broken_pyproject_table_is_exit_2(tmp_path: Path, text: str, says: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    out, err = io.StringIO(), io.StringIO()
    code = main(["lint", str(BROKEN), "--config", str(tmp_path / "pyproject.toml")],
                stdout=out, stderr=err)
    assert code == 2
    assert says in err.getvalue()
    assert "Traceback" not in err.getvalue()


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_pyproject_that_is_no_regular_file_is_passed_over_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """Config discovery sniffs every pyproject.toml up to the repository root: one that is
    a FIFO (which would block) or a device holds no configuration."""
    import os
    import time

    from dindcheck.config import find_config

    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    if kind == "fifo":
        os.mkfifo(root / "pyproject.toml")
    else:
        (root / "pyproject.toml").symlink_to("/dev/zero")
    started = time.monotonic()
    assert find_config(root) is None
    monkeypatch.chdir(root)
    code = main(["lint", str(BROKEN), "--json"], stdout=io.StringIO(), stderr=io.StringIO())
    assert code == 1
    assert time.monotonic() - started < 10


def test_a_pyproject_named_as_config_that_is_a_fifo_is_exit_2(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pyproject.toml")
    err = io.StringIO()
    code = main(["lint", str(BROKEN), "--config", str(tmp_path / "pyproject.toml")],
                stdout=io.StringIO(), stderr=err)
    assert code == 2
    assert "not a regular file" in err.getvalue()
