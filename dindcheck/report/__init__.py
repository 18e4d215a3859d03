"""Reporters: one module per output format, each a pure function of a Report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dindcheck.model import Report


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderOptions:
    color: bool = False
    pretty: bool = True
    fail_on: str = "error"
    verbose: bool = False


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


FORMATS = ("text", "json", "sarif", "github")
