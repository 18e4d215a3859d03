"""The app in a real pseudo-terminal: tmux runs it, we read the screen and press keys."""

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

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import pathlib, sys
from dindcheck.tui import run_tui
from tests.tui import sample
code = run_tui(sample.lint_report(), fail_on="error")
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


CLI = ('"$1" -m dindcheck lint --tui examples/gitlab-runner-broken; '
       'code=$?; echo $code > "$2"; exit $code')


@pytest.fixture
def start_tmux(tmp_path: Path) -> Iterator[Callable[[str], Tmux]]:
    """Start a private tmux server running ``command`` in a 120x40 pane."""
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
    # override the pty's size, and TMUX would point at a tmux the test may run inside
    env = {k: v for k, v in os.environ.items()
           if k not in ("COLUMNS", "LINES", "TMUX", "TMUX_PANE")}
    env |= {"PYTHONPATH": str(REPO), "TERM": "xterm-256color"}

    def start(command: str) -> Tmux:
        server = Tmux(binary, tmp_path / "tmux.sock", env)
        server("-f", str(conf), "new-session", "-d", "-s", "dc", "-x", "120", "-y", "40",
               "-c", str(REPO), command)
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


def test_tui_in_a_real_terminal(tmux: Tmux, exit_file: Path) -> None:
    screen = tmux.wait_for(lambda s: "FAIL (fail-on error)" in s and "DIND001" in s,
                           "the overview")
    assert "1 target, 4 subjects" in screen
    assert "dind-cache (daemon)" in screen
    assert "Findings 4 of 4" in screen

    tmux("send-keys", "-t", "dc", "Enter")
    screen = tmux.wait_for(lambda s: "Fix  (c to copy)" in s, "the finding detail")
    assert "data-root-on-container-layer" in screen
    assert "dind-data:/var/lib/docker" in screen

    tmux("send-keys", "-t", "dc", "Escape")
    tmux.wait_for(lambda s: "Fix  (c to copy)" not in s and "Findings 4 of 4" in s,
                  "the overview again")

    tmux("send-keys", "-t", "dc", "q")
    # the exit code comes from the script: tmux 3.3 does not always record pane_dead_status
    tmux.wait_for(lambda _: tmux.pane("#{pane_dead}") == "1" and exit_file.exists(),
                  "the app to exit")
    assert exit_file.read_text() == "1"  # an error finding, fail-on error


def test_cli_lint_tui_in_a_real_terminal(start_tmux: Callable[[str], Tmux],
                                         exit_file: Path) -> None:
    """`dindcheck lint --tui` itself: find the worst problem, read it, quit."""
    tmux = start_tmux(shlex.join(["sh", "-c", CLI, "sh", sys.executable, str(exit_file)]))
    screen = tmux.wait_for(lambda s: "FAIL (fail-on error)" in s and "DIND011" in s,
                           "the overview")
    assert "builder (daemon)" in screen
    tmux("send-keys", "-t", "dc", "Enter")
    screen = tmux.wait_for(lambda s: "Evidence" in s, "the finding detail")
    assert "DIND010 · plaintext-tcp" in screen  # the first error, sorted by severity
    tmux("send-keys", "-t", "dc", "Escape")
    tmux.wait_for(lambda s: "Evidence" not in s, "the overview again")
    tmux("send-keys", "-t", "dc", "q")
    tmux.wait_for(lambda _: exit_file.exists(), "the CLI to exit")
    assert exit_file.read_text().strip() == "1"
