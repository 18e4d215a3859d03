"""GitHub Actions workflow commands: one annotation per finding, unreadable input and
suppression warning, written as they come."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from dindcheck.catalogue import rule_url
from dindcheck.model import Finding, InputProblem, Severity, Target
from dindcheck.report import RenderOptions
from dindcheck.report.summary import Summary

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape(text: str, *, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def problem_annotation(e: InputProblem) -> str:
    command = "warning" if e.kind == "suppression" else "error"
    where = f"file={_escape(e.path, property_value=True)}"
    if e.line:
        where += f",line={e.line}"
    return f"::{command} {where},title=dindcheck::{_escape(e.message)}"


def finding_annotation(f: Finding, options: RenderOptions) -> str:
    loc = f.location
    props: list[str] = []
    if loc.path:
        props.append(f"file={_escape(loc.path, property_value=True)}")
        if loc.line:
            props.append(f"line={loc.line}")
        if loc.column:
            props.append(f"col={loc.column}")
    props.append(f"title={_escape(f'{f.rule_id} {f.title}', property_value=True)}")
    url = rule_url(f.rule_id, options.rules.get(f.rule_id))
    message = f"{f.message} ({url})" if url else f.message
    return f"::{_COMMANDS[f.severity]} {','.join(props)}::{_escape(message)}"


class GithubWriter:
    def __init__(self, stream: TextIO, options: RenderOptions) -> None:
        self.stream = stream
        self.options = options

    def batch(self, targets: Sequence[Target], findings: Sequence[Finding],
              problems: Sequence[InputProblem], warnings: Sequence[InputProblem]) -> None:
        lines = [problem_annotation(e) for e in (*problems, *warnings)]
        lines += [finding_annotation(f, self.options) for f in findings]
        if lines:
            self.stream.write("\n".join(lines) + "\n")

    def close(self, summary: Summary) -> None:
        """Everything was written as it came."""
