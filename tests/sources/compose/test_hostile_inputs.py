"""Hostile compose inputs the fuzz harness (bench/fuzz.py) found crashing, hanging or
passing the compose source."""

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
    pytest.param(f"{{{DIND}, privileged: []}}", id="privileged-list"),
    pytest.param(f"{{{DIND}, command: 1.5}}", id="command-number"),
    pytest.param('{build: {context: ".", dockerfile: "a\\0b"}}', id="dockerfile-with-nul"),
])
def test_odd_values_are_located_errors_not_crashes(tmp_path: Path, service: str) -> None:
    (tmp_path / "compose.yaml").write_text(f"services:\n  d: {service}\n")
    result = _lint(tmp_path)
    assert result is not None
    assert "internal error" not in result.stderr
    assert result.returncode in (0, 1, 2)


@pytest.mark.parametrize(("fifo", "code"), [
    pytest.param(".env", 2, id="dotenv-fifo"),  # its variables are unknown: not checked
    pytest.param("Dockerfile", 0, id="dockerfile-fifo"),  # only its FROM is missed: a note
])
def test_special_files_next_to_a_project_do_not_hang(tmp_path: Path, fifo: str,
                                                     code: int) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n  d: {build: {context: ., dockerfile: Dockerfile}}\n")
    os.mkfifo(tmp_path / fifo)
    result = _lint(tmp_path, timeout=5)
    assert result is not None, "the run did not end"
    assert result.returncode == code
    assert fifo in result.stdout + result.stderr


def test_a_fifo_compose_file_fails_the_run(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "compose.yaml")
    result = _lint(tmp_path)
    assert result is not None
    assert result.returncode == 2
