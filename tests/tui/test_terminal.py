"""The installed program in a real pseudo-terminal: tmux runs it, we read the screen and
press keys.

Both tests run from a temporary folder holding a copy of the examples, with no
PYTHONPATH: what runs is the installed package, never the checkout. What the screen should
show is computed from the same examples linted here (see reports.py).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dindcheck.model import Finding, Report
from tests.repo import dindcheck_command
from tests.tui.reports import copy_examples, label, lint_in, severity_order

# the finding dialog's border (a long finding scrolls its own sections out of sight)
DETAIL = "esc back · c copy fix"

# builds its report with the installed package's own lint, from the current directory
SCRIPT = """
import pathlib, sys
from dindcheck.catalogue import load_catalogue
from dindcheck.lint import lint
from dindcheck.tui import run_tui
report = lint([pathlib.Path("examples")], load_catalogue(), jobs=1, environ={},
              keep_subjects=True)
code = run_tui(report, fail_on="error")
pathlib.Path(sys.argv[1]).write_text(str(code))
raise SystemExit(code)
"""


class Tmux:
    """One private tmux server with one 120x40 window."""

    def __init__(self, binary: str, socket: Path, env: dict[str, str]) -> None:
        self.binary, self.socket, self.env = binary, socket, env

    def __call__(self, *args: str) -> str:
        result = subprocess.run([self.binary, "-S", str(self.socket), *args], check=True,
                                capture_output=True, text=True, timeout=10, env=self.env)
        return result.stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "dc")

    def wait_for(self, predicate: Callable[[str], bool], what: str,
                 timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if predicate(screen):
                return screen
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}; the screen shows:\n{screen}")
            time.sleep(0.1)

    def pane(self, fmt: str) -> str:
        return self("display-message", "-p", "-t", "dc", fmt).strip()


@pytest.fixture
def exit_file(tmp_path: Path) -> Path:
    return tmp_path / "exit-code"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """Where the program runs: a folder holding only a copy of the examples."""
    work = tmp_path / "work"
    work.mkdir()
    copy_examples(work)
    return work


@pytest.fixture
def start_tmux(tmp_path: Path, workdir: Path) -> Iterator[Callable[[str], Tmux]]:
    """Start a private tmux server running ``command`` in a 120x40 pane, in ``workdir``."""
    servers: list[Tmux] = []
    binary = shutil.which("tmux")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is required on CI for the real-terminal test")
        pytest.skip("tmux is not installed")
    conf = tmp_path / "tmux.conf"
    # keep the pane after the app exits, so the test sees it dead rather than gone;
    # no escape delay, so Escape reaches the app at once
    conf.write_text("set -g remain-on-exit on\nset -s escape-time 0\n")
    # the server passes its environment to the pane: COLUMNS/LINES (set under pytest) would
    # override the pty's size, TMUX would point at a tmux the test may run inside, and a
    # PYTHONPATH could put another dindcheck (a checkout) before the installed one
    env = {k: v for k, v in os.environ.items()
           if k not in ("COLUMNS", "LINES", "TMUX", "TMUX_PANE", "PYTHONPATH")}
    env |= {"TERM": "xterm-256color"}

    def start(command: str) -> Tmux:
        server = Tmux(binary, tmp_path / "tmux.sock", env)
        server("-f", str(conf), "new-session", "-d", "-s", "dc", "-x", "120", "-y", "40",
               "-c", str(workdir), command)
        servers.append(server)
        return server

    try:
        yield start
    finally:
        for server in servers:
            subprocess.run([binary, "-S", str(server.socket), "kill-server"], check=False,
                           capture_output=True, timeout=10)


@pytest.fixture
def tmux(start_tmux: Callable[[str], Tmux], exit_file: Path) -> Tmux:
    return start_tmux(shlex.join([sys.executable, "-c", SCRIPT, str(exit_file)]))


def _expected(report: Report) -> tuple[str, int, Finding]:
    """The verdict line and exit code at fail-on error, and the first row of the table."""
    code = int(bool(report.counts()["error"]))
    return f"{'FAIL' if code else 'PASS'} (fail-on error)", code, \
        severity_order(report.findings)[0]


def test_tui_in_a_real_terminal(tmux: Tmux, exit_file: Path, workdir: Path) -> None:
    report = lint_in(workdir, "examples")
    verdict, code, first = _expected(report)
    total = f"Findings {len(report.findings)} of {len(report.findings)}"
    screen = tmux.wait_for(lambda s: verdict in s and first.rule_id in s, "the overview")
    subjects = [s for t in report.targets for s in t.subjects]
    assert f"{len(report.targets)} targets, {len(subjects)} subjects" in screen
    assert total in screen
    clean = [s for s in subjects if s["id"] not in {f.subject_id for f in report.findings}]
    assert clean
    assert all(f"✔ {label(s)}" in screen for s in clean)  # listed although nothing is wrong

    tmux("send-keys", "-t", "dc", "Enter")
    screen = tmux.wait_for(lambda s: DETAIL in s, "the finding detail")
    assert f"{first.rule_id} · {first.name}" in screen
    assert f"{first.subject_name} ({first.subject_kind})" in screen
    assert first.subject_id in screen  # on the same line, or the next when it is long

    tmux("send-keys", "-t", "dc", "Escape")
    tmux.wait_for(lambda s: DETAIL not in s and total in s, "the overview again")

    tmux("send-keys", "-t", "dc", "q")
    # the exit code comes from the script: tmux 3.3 does not always record pane_dead_status
    tmux.wait_for(lambda _: tmux.pane("#{pane_dead}") == "1" and exit_file.exists(),
                  "the app to exit")
    assert code == 1  # the examples have error findings
    assert exit_file.read_text() == str(code)


def test_cli_lint_tui_in_a_real_terminal(start_tmux: Callable[[str], Tmux], exit_file: Path,
                                         workdir: Path) -> None:
    """`dindcheck lint --tui` itself: find the worst problem, read it, quit."""
    project = "examples/gitlab-runner-broken"
    command = shlex.join([*dindcheck_command(), "lint", "--tui", project])
    script = f"{command}; code=$?; echo $code > {shlex.quote(str(exit_file))}; exit $code"
    tmux = start_tmux(shlex.join(["sh", "-c", script]))
    report = lint_in(workdir, project)
    verdict, code, first = _expected(report)
    screen = tmux.wait_for(lambda s: verdict in s and first.rule_id in s, "the overview")
    assert f"Findings {len(report.findings)} of {len(report.findings)}" in screen
    assert all(f.rule_id in screen for f in report.findings)  # they all fit on the screen
    assert all(label(s) in screen for t in report.targets for s in t.subjects)
    tmux("send-keys", "-t", "dc", "Enter")
    screen = tmux.wait_for(lambda s: DETAIL in s, "the finding detail")
    assert f"{first.rule_id} · {first.name}" in screen  # the first row: worst, then by place
    tmux("send-keys", "-t", "dc", "Escape")
    tmux.wait_for(lambda s: DETAIL not in s and verdict in s, "the overview again")
    tmux("send-keys", "-t", "dc", "q")
    tmux.wait_for(lambda _: exit_file.exists(), "the CLI to exit")
    assert code == 1  # the gitlab-runner example has error findings
    assert exit_file.read_text().strip() == str(code)
