"""Reporters: one module per output format, each a pure function of a Report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from dindcheck.model import Report, fails


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderOptions:
    color: bool = False
    pretty: bool = True
    fail_on: str = "error"
    verbose: bool = False
    allow_partial: bool = False


def verdict_code(report: Report, fail_on: str, *, allow_partial: bool = False) -> int:
    """The exit code of a run: ``Report.exit_code``, which is 3 as soon as one engine (or
    container) could not be audited, unless ``allow_partial`` (``--allow-partial``)
    accepts an audit of what could be reached."""
    code = report.exit_code(fail_on)
    if code == 3 and allow_partial and report.targets:
        return 1 if any(fails(f.severity, fail_on) for f in report.findings) else 0
    return code


Renderer = Callable[[Report, RenderOptions], str]


def renderer(name: str) -> Renderer:
    """The renderer for a format name; imported lazily so each format costs only itself."""
    if name == "json":
        from dindcheck.report.json import render
    elif name == "text":
        from dindcheck.report.text import render
    elif name == "sarif":
        from dindcheck.report.sarif import render
    elif name == "github":
        from dindcheck.report.github import render
    else:
        raise KeyError(name)
    return render


def writer(name: str) -> Callable[[Report, RenderOptions, TextIO], None]:
    """Write a format to a stream; formats that can stream do, the others render first."""
    if name == "json":
        from dindcheck.report.json import write

        return write
    render = renderer(name)

    def write_rendered(report: Report, options: RenderOptions, stream: TextIO) -> None:
        stream.write(render(report, options))

    return write_rendered


FORMATS = ("text", "json", "sarif", "github")
