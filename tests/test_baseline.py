"""Baselines: today's findings recorded by identity (rule, subject, file; never the line),
so that a gate on an existing repository fails only on new ones."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from dindcheck.cli import main

BROKEN = "services:\n  dind:\n    image: docker:27-dind\n"
SCRIPT = "#!/bin/sh\ndocker run -d --name dind docker:27-dind\n"
PIPELINE = ("build:\n  image: docker:27\n  services:\n    - docker:27-dind\n"
            "  script:\n    - docker info\n")


def run(cwd: Path, *argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    import os

    before = os.getcwd()
    os.chdir(cwd)
    try:
        code = main([str(a) for a in argv], stdout=out, stderr=err)
    finally:
        os.chdir(before)
    return code, out.getvalue(), err.getvalue()


def repo(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def report(cwd: Path, *argv: str) -> tuple[int, dict[str, object]]:
    code, out, _ = run(cwd, "lint", ".", "--json", *argv)
    return code, json.loads(out)


@pytest.mark.parametrize(("name", "text"), [
    ("compose.yaml", BROKEN), ("run.sh", SCRIPT), (".gitlab-ci.yml", PIPELINE)])
def test_a_baseline_survives_edits_above_and_a_checkout_elsewhere(name: str, text: str,
                                                                  tmp_path: Path) -> None:
    root = repo(tmp_path, {name: text})
    code, out, _ = run(root, "lint", ".", "--write-baseline", "baseline.json")
    assert code == 0
    entries = json.loads((root / "baseline.json").read_text())["findings"]
    assert entries
    assert all(not e["file"].startswith("/") and str(tmp_path) not in json.dumps(e)
               for e in entries)
    assert "written" in out or "entr" in out
    # lines added above every finding, and the repository checked out somewhere else
    # (under its own name: a compose project is named after its folder)
    moved = tmp_path / "elsewhere" / "repo"
    shutil.copytree(root, moved)
    (moved / name).write_text("# a comment\n\n" + text if name != "run.sh"
                              else text.replace("#!/bin/sh\n", "#!/bin/sh\n# one\n# two\n"))
    code, document = report(moved, "--baseline", "baseline.json")
    assert (code, document["findings"]) == (0, [])
    assert document["baseline"]["baselined"] == sum(e["count"] for e in entries)
    assert document["baseline"]["gone"] == 0


def test_only_new_findings_are_reported_and_fixed_entries_are_gone(tmp_path: Path) -> None:
    root = repo(tmp_path, {"a/compose.yaml": BROKEN, "b/compose.yaml": BROKEN})
    assert run(root, "lint", ".", "--write-baseline", "baseline.json")[0] == 0
    (root / "a/compose.yaml").write_text("services:\n  web:\n    image: nginx\n")
    (root / "c").mkdir()
    (root / "c/compose.yaml").write_text(BROKEN)
    code, document = report(root, "--baseline", "baseline.json")
    assert code == 1
    files = {f["location"]["path"] for f in document["findings"]}  # type: ignore[index]
    assert files == {"c/compose.yaml"}
    outcome = document["baseline"]  # type: ignore[index]
    assert outcome["gone"] >= 1  # a/'s dind service is gone
    assert outcome["baselined"] >= 1  # b/ is as it was
    code, text, _ = run(root, "lint", ".", "--baseline", "baseline.json")
    assert "baselined" in text
    assert "no longer" in text or "gone" in text or "not found" in text


def test_a_baseline_in_the_config_is_read(tmp_path: Path) -> None:
    root = repo(tmp_path, {"compose.yaml": BROKEN, ".dindcheck.yaml": "baseline: base.json\n"})
    assert run(root, "lint", ".", "--write-baseline", "base.json")[0] == 0
    assert report(root)[0] == 0


@pytest.mark.parametrize("content", ["not json", '{"findings": []}', "[1, 2]",
                                     '{"dindcheck_baseline": 1, "findings": [{"rule_id": 3}]}'])
def test_a_file_that_is_no_baseline_is_a_usage_error(content: str, tmp_path: Path) -> None:
    root = repo(tmp_path, {"compose.yaml": BROKEN, "baseline.json": content})
    code, _out, err = run(root, "lint", ".", "--baseline", "baseline.json")
    assert code == 2
    assert "baseline" in err
    assert "Traceback" not in err


def test_a_missing_baseline_is_a_usage_error(tmp_path: Path) -> None:
    root = repo(tmp_path, {"compose.yaml": BROKEN})
    code, _, err = run(root, "lint", ".", "--baseline", "nope.json")
    assert code == 2
    assert "nope.json" in err


@pytest.mark.parametrize("special", ["fifo", "dev-zero"])
def test_a_baseline_that_is_no_regular_file_is_refused_at_once(tmp_path: Path,
                                                               special: str) -> None:
    import os
    import time

    root = repo(tmp_path, {"compose.yaml": BROKEN})
    if special == "fifo":
        os.mkfifo(root / "baseline.json")
    else:
        (root / "baseline.json").symlink_to("/dev/zero")
    started = time.monotonic()
    code, _, err = run(root, "lint", ".", "--baseline", "baseline.json")
    assert time.monotonic() - started < 10
    assert code == 2
    assert "baseline.json" in err
    assert "not a regular file" in err
