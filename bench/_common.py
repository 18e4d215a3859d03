"""Shared helpers for the benchmark scripts: timed runs, statistics, machine facts, tables."""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def dindcheck_cmd() -> list[str]:
    """The installed entry-point script, run directly (a pyenv shim would add ~50 ms)."""
    beside = Path(sys.executable).parent / "dindcheck"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("dindcheck")
    return [found] if found else [PYTHON, "-m", "dindcheck"]


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the whole process tree
    maxrss_mib: float  # largest resident set of any process in the tree
    rc: int  # exit code; -9 when killed on timeout
    timed_out: bool = False


def run_timed(cmd: Sequence[str], *, cwd: Path | None = None, stdout: int | None = None,
              env: Mapping[str, str] | None = None, timeout: float | None = None) -> Run:
    """Run CMD once; wall from perf_counter, CPU from wait4's rusage, peak RSS from
    /usr/bin/time (Debian package `time`).

    A child's ru_maxrss starts at its parent's size (fork copies the address space),
    so a big benchmark process would inflate it; /usr/bin/time is a small parent.
    Either way it is the largest single process of the tree, not a sum.
    """
    time_bin = shutil.which("time") or "/usr/bin/time"
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        argv = list(cmd)
        if os.path.exists(time_bin):
            argv = [time_bin, "-q", "-f", "%M", "-o", rss_file.name, *argv]
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL if stdout is None
                                else stdout, stderr=subprocess.DEVNULL, env=env,
                                start_new_session=True)
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if timer:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        text = rss_file.read().strip().splitlines()
    if argv[0] == time_bin and text and text[-1].isdigit():
        maxrss_mib = int(text[-1]) / 1024
        if text[0].startswith("Command exited with non-zero status"):
            proc.returncode = int(text[0].rsplit(" ", 1)[1])
    else:
        maxrss_mib = usage.ru_maxrss / 1024
    return Run(wall, usage.ru_utime + usage.ru_stime, maxrss_mib, proc.returncode,
               killed.is_set())


def repeat(cmd: Sequence[str], runs: int, *, warmup: int = 1, **kwargs: Any) -> list[Run]:
    """WARMUP discarded runs, then RUNS measured ones (KWARGS go to run_timed)."""
    for _ in range(warmup):
        run_timed(cmd, **kwargs)
    return [run_timed(cmd, **kwargs) for _ in range(runs)]


@dataclass(frozen=True)
class Summary:
    median: float
    low: float
    high: float
    n: int

    def ms(self) -> str:
        return f"{self.median * 1000:.0f} ms ({self.low * 1000:.0f}–{self.high * 1000:.0f})"

    def s(self) -> str:
        return f"{self.median:.2f} s ({self.low:.2f}–{self.high:.2f})"


def summarize(values: Sequence[float]) -> Summary:
    return Summary(statistics.median(values), min(values), max(values), len(values))


def _lscpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, str]:
    """The facts docs/benchmarks.md records with each run."""
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "nproc": str(os.cpu_count()),
        "cpu": _lscpu_model(),
        "ram": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "load": " ".join(f"{x:.2f}" for x in load),
    }


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
