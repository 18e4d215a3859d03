"""Reporters: one module per output format, each a pure function of a Report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from dindcheck.model import Report


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderOptions:
    color: bool = False
    pretty: bool = True
    fail_on: str = "error"
    verbose: bool = False
    require_all: bool = False


def verdict_code(report: Report, fail_on: str, *, require_all: bool = False) -> int:
    """The exit code of a run: ``Report.exit_code``, and with ``require_all`` (audit
    ``--require-all``) 3 as soon as one endpoint could not be audited."""
    code = report.exit_code(fail_on)
    if code in (0, 1) and require_all and any(e.kind == "engine" for e in report.errors):
        return 3
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
