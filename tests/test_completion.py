"""Shell completion scripts generated from the argument parser: valid in each shell, and
they complete what the parser takes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dindcheck.cli import build_parser
from dindcheck.completion import script


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_script_parses_in_its_shell(shell: str, tmp_path: Path) -> None:
    binary = shutil.which(shell)
    if binary is None:
        pytest.skip(f"{shell} is not installed")
    path = tmp_path / f"dindcheck.{shell}"
    path.write_text(script(shell, build_parser()))
    result = subprocess.run([binary, "-n", str(path)], capture_output=True, text=True,
                            timeout=30, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("words", "expected", "absent"), [
    (["dindcheck", ""], {"lint", "audit", "rules", "explain", "completion"}, set()),
    (["dindcheck", "lint", "--for"], {"--format"}, set()),
    (["dindcheck", "lint", "--format", ""], {"text", "json", "sarif", "github", "gitlab",
                                              "junit"}, set()),
    (["dindcheck", "audit", "--fail-on", "w"], {"warning"}, {"error"}),
    (["dindcheck", "lint", "--write-b"], {"--write-baseline"}, {"--baseline"}),
    (["dindcheck", "audit", "--"], {"--host", "--allow-partial"}, {"--stdin-filename"}),
    (["dindcheck", "completion", ""], {"bash", "zsh", "fish"}, set()),
])
def test_bash_completes_what_the_parser_takes(words: list[str], expected: set[str],
                                              absent: set[str], tmp_path: Path) -> None:
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    path = tmp_path / "dindcheck.bash"
    path.write_text(script("bash", build_parser()))
    quoted = " ".join(f"'{w}'" for w in words)
    program = (f"source {path}; COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; "
               "_dindcheck; printf '%s\\n' \"${COMPREPLY[@]}\"")
    result = subprocess.run(["bash", "-c", program], capture_output=True, text=True,
                            timeout=30, check=True, cwd=tmp_path)
    offered = set(result.stdout.split())
    assert expected <= offered
    assert not absent & offered


def test_the_cli_prints_the_script() -> None:
    import io

    from dindcheck.cli import main

    out = io.StringIO()
    assert main(["completion", "fish"], stdout=out, stderr=io.StringIO()) == 0
    assert out.getvalue() == script("fish", build_parser())
    assert "complete -c dindcheck" in out.getvalue()
