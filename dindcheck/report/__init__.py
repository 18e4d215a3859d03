"""Reporters: one module per output format, each a :class:`Writer` that emits findings as
they come and the rest of the report (from a :class:`~dindcheck.report.summary.Summary`)
at the end.

A format streams as far as it allows: text and annotation lines, the findings array of
JSON and Code Quality, SARIF results, one JUnit test suite per project. The whole-report
functions (:func:`renderer`, :func:`writer`) feed a :class:`Report` through the same
writers in one batch.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TextIO

from dindcheck.model import Finding, InputProblem, Report, Target
from dindcheck.report.summary import Summary, summarize

if TYPE_CHECKING:
    from dindcheck.catalogue import Rule


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderOptions:
    """``rules``: the catalogue, by id (rule texts and pages; without it, the first
    finding of a rule stands for it). ``root``: the folder report paths are made relative
    to where a format wants that (SARIF's ``%SRCROOT%``, Code Quality)."""

    color: bool = False
    pretty: bool = True
    fail_on: str = "error"
    verbose: bool = False
    quiet: bool = False
    allow_partial: bool = False
    rules: Mapping[str, Rule] = field(default_factory=dict)
    root: str | None = None


class Verdict(Protocol):
    """A run as far as its exit code goes: a :class:`Report` or a :class:`Summary`."""

    @property
    def targets(self) -> Sequence[Target]: ...

    def fails(self, fail_on: str) -> bool: ...

    def exit_code(self, fail_on: str) -> int: ...


def verdict_code(report: Verdict, fail_on: str, *, allow_partial: bool = False) -> int:
    """The exit code of a run: ``Report.exit_code``, which is 3 as soon as one engine (or
    container) could not be audited, unless ``allow_partial`` (``--allow-partial``)
    accepts an audit of what could be reached."""
    code = report.exit_code(fail_on)
    if code == 3 and allow_partial and report.targets:
        return 1 if report.fails(fail_on) else 0
    return code


class Writer(Protocol):
    """Emits one format: ``batch`` for each project as it is done (its targets, findings,
    input problems and warnings, sanitized), ``close`` once with the summary."""

    def batch(self, targets: Sequence[Target], findings: Sequence[Finding],
              problems: Sequence[InputProblem], warnings: Sequence[InputProblem]) -> None: ...

    def close(self, summary: Summary) -> None: ...


def open_writer(name: str, stream: TextIO, options: RenderOptions) -> Writer:
    """The writer of a format; each format module is imported only when used."""
    if name == "json":
        from dindcheck.report.json import JsonWriter as cls
    elif name == "text":
        from dindcheck.report.text import TextWriter as cls  # type: ignore[assignment]
    elif name == "sarif":
        from dindcheck.report.sarif import SarifWriter as cls  # type: ignore[assignment]
    elif name == "github":
        from dindcheck.report.github import GithubWriter as cls  # type: ignore[assignment]
    elif name == "gitlab":
        from dindcheck.report.gitlab import GitlabWriter as cls  # type: ignore[assignment]
    elif name == "junit":
        from dindcheck.report.junit import JunitWriter as cls  # type: ignore[assignment]
    else:
        raise KeyError(name)
    return cls(stream, options)


def write_report(name: str, report: Report, options: RenderOptions, stream: TextIO) -> None:
    """A whole report, through the streaming writer, as one batch."""
    out = open_writer(name, stream, options)
    out.batch(report.targets, report.findings, report.errors, report.warnings)
    out.close(summarize(report))


Renderer = Callable[[Report, RenderOptions], str]


def renderer(name: str) -> Renderer:
    """A format as a function of a whole report."""
    _known(name)

    def render(report: Report, options: RenderOptions) -> str:
        stream = io.StringIO()
        write_report(name, report, options, stream)
        return stream.getvalue()

    return render


def writer(name: str) -> Callable[[Report, RenderOptions, TextIO], None]:
    """A format writing a whole report to a stream."""
    _known(name)

    def write(report: Report, options: RenderOptions, stream: TextIO) -> None:
        write_report(name, report, options, stream)

    return write


def _known(name: str) -> None:
    if name not in FORMATS:
        raise KeyError(name)


FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")
