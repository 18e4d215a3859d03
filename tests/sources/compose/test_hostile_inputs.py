"""Hostile compose inputs the fuzz harness (bench/fuzz.py) found crashing or hanging the
compose source. Each is a strict xfail until the source is fixed: the fix turns it into
a pass (and the marker must then go)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.repo import dindcheck_command

DIND = 'image: "docker:dind"'


def _lint(folder: Path, timeout: float = 10) -> subprocess.CompletedProcess[str] | None:
    """The installed command on ``folder``; None when it did not end in ``timeout`` s."""
    try:
        return subprocess.run([*dindcheck_command(), "lint", str(folder)], capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        return None


@pytest.mark.parametrize("service", [
    pytest.param(f"{{{DIND}, privileged: []}}", id="privileged-list",
                 marks=pytest.mark.xfail(strict=True, reason="services.py hashes the "
                                         "value of privileged: TypeError")),
    pytest.param(f"{{{DIND}, command: 1.5}}", id="command-number",
                 marks=pytest.mark.xfail(strict=True, reason="dockerd.py iterates a number "
                                         "given as command: TypeError")),
    pytest.param('{build: {context: ".", dockerfile: "a\\0b"}}', id="dockerfile-with-nul",
                 marks=pytest.mark.xfail(strict=True, reason="services.py stats a path with "
                                         "a NUL: ValueError")),
])
def test_odd_values_are_located_errors_not_crashes(tmp_path: Path, service: str) -> None:
    (tmp_path / "compose.yaml").write_text(f"services:\n  d: {service}\n")
    result = _lint(tmp_path)
    assert result is not None
    assert "internal error" not in result.stderr
    assert result.returncode in (0, 1, 2)


@pytest.mark.parametrize("fifo", [
    pytest.param(".env", id="dotenv-fifo",
                 marks=pytest.mark.xfail(strict=True, reason="the .env beside the project "
                                         "is opened blocking: a FIFO hangs the run")),
    pytest.param("Dockerfile", id="dockerfile-fifo",
                 marks=pytest.mark.xfail(strict=True, reason="the Dockerfile of a build: is "
                                         "read blocking: a FIFO hangs the run")),
])
def test_special_files_next_to_a_project_do_not_hang(tmp_path: Path, fifo: str) -> None:
    (tmp_path / "compose.yaml").write_text(
        f"services:\n  d: {{{DIND}, build: {{context: ., dockerfile: Dockerfile}}}}\n")
    os.mkfifo(tmp_path / fifo)
    result = _lint(tmp_path, timeout=5)
    assert result is not None, "the run did not end"
    assert result.returncode == 2


@pytest.mark.xfail(strict=True, reason="discover skips a compose file that is not a regular "
                   "file: nothing is read and the run exits 0")
def test_a_fifo_compose_file_fails_the_run(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "compose.yaml")
    result = _lint(tmp_path)
    assert result is not None
    assert result.returncode == 2
