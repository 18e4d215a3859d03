"""Heavy imports stay off the paths that do not need them (start-up is a feature)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.repo import EXAMPLES

PROBE = """
import io, json, sys
from dindcheck.cli import main
code = main({argv!r}, stdout=io.StringIO(), stderr=io.StringIO())
print(json.dumps({{"code": code, "modules": sorted(sys.modules)}}))
"""


def loaded(argv: list[str], cwd: Path) -> tuple[int, set[str]]:
    """Run in ``cwd`` (never the checkout, which would shadow the installed package)."""
    result = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv)], cwd=cwd,
                            capture_output=True, text=True, check=True)
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return data["code"], {m.split(".")[0] for m in data["modules"]}


@pytest.mark.parametrize("argv", [
    ["lint", str(EXAMPLES), "--json"],
    ["lint", str(EXAMPLES)],
    ["rules"],
    ["explain", "DIND001"],
])
def test_lint_path_imports_neither_textual_docker_nor_jsonschema(argv: list[str],
                                                                 tmp_path: Path) -> None:
    code, modules = loaded(argv, tmp_path)
    assert code in (0, 1)
    assert not modules & {"textual", "docker", "jsonschema", "rich", "requests"}
