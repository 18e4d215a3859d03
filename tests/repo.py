"""Where the checkout's data is, and how to run the installed command.

The tests import ``dindcheck`` as installed (pytest runs in importlib mode, so the
checkout is not on ``sys.path``); only data (examples, docs, the shared corpus) is
read from the checkout. Subprocesses run from a folder outside it for the same reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
DOCS = REPO / "docs"
CORPUS = REPO.parent / "shared" / "corpus"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def require(condition: bool, reason: str) -> None:
    """Skip when ``condition`` does not hold; under CI, fail instead (CI must run it all)."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"CI must run this test: {reason}", pytrace=False)
    pytest.skip(reason)


def corpus_files(kind: str | None = None) -> list[Path]:
    """The shared corpus (one kind's folder, or all of it); empty when it is absent."""
    root = CORPUS / kind if kind else CORPUS
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "SOURCES.md")


def dindcheck_command() -> list[str]:
    """The installed ``dindcheck`` console script (the interpreter's ``-m`` as a fallback)."""
    script = Path(sys.executable).with_name("dindcheck")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "dindcheck"]


def run_dindcheck(args: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None,
                  timeout: float = 120,
                  input_text: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed command as a user would, from ``cwd`` (never the checkout), with
    ``input_text`` on its standard input (none: an empty one)."""
    return subprocess.run([*dindcheck_command(), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, check=False, input=input_text or "",
                          env=dict(os.environ if env is None else env))
