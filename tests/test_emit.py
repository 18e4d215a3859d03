"""The streamed report: what every format is fed, batch by batch."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from dindcheck.cli import main


@pytest.mark.parametrize("fmt", ["json", "text"])
@pytest.mark.parametrize("named", [False, True], ids=["walked", "named"])
def test_a_file_several_sources_could_not_read_is_one_problem(tmp_path: Path, fmt: str,
                                                              named: bool) -> None:
    """A binary file is refused by each source that reads it; the report says it once,
    whatever batch said it first."""
    (tmp_path / ".git").mkdir()
    # compose.yaml by its name, a Kubernetes object by its content: two sources read it
    (tmp_path / "compose.yaml").write_bytes(b"kind: Pod\nx: \x00\n")
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "compose.yaml").write_text("services:\n  a: {image: alpine:3}\n")
    out = io.StringIO()
    paths = [tmp_path / "compose.yaml", tmp_path / "ok"] if named else [tmp_path]
    code = main(["lint", *map(str, paths), "--format", fmt], stdout=out,
                stderr=io.StringIO())
    assert code == 2
    if fmt == "json":
        errors = json.loads(out.getvalue())["errors"]
        assert [e["path"] for e in errors] == [str(tmp_path / "compose.yaml")]
    else:
        assert out.getvalue().count("NUL byte") == 1
