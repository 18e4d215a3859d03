"""The human report: ``path:line:col: severity ID message``, then why and how to fix.

Strings arrive sanitized (:mod:`dindcheck.sanitize`); no output line may read as a CI
workflow command either (a rule's fix is printed line by line).
"""

from __future__ import annotations

import re
import textwrap

from dindcheck.model import Finding, InputProblem, Report, Severity
from dindcheck.report import RenderOptions
from dindcheck.sanitize import inert_lines

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def _paint(text: str, code: str, on: bool) -> str:
    return f"{code}{text}{_RESET}" if on else text


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`(])")


def short_why(rationale: str) -> str:
    """The rationale's first sentence."""
    text = " ".join(rationale.split("\n\n")[0].split())
    return _SENTENCE_END.split(text, maxsplit=1)[0]


def short_fix(remediation: str) -> str:
    """The remediation's first paragraph, with the snippet it introduces."""
    paragraphs = remediation.split("\n\n")
    if len(paragraphs) > 1 and paragraphs[0].rstrip().endswith(":"):
        return "\n\n".join(paragraphs[:2])
    return paragraphs[0]


def _finding(f: Finding, color: bool, verbose: bool) -> list[str]:
    head = (f"{_paint(str(f.location), _BOLD, color)}: "
            f"{_paint(f.severity.value, _COLORS[f.severity], color)} "
            f"{f.rule_id} {f.message}")
    lines = [head]
    why = " ".join(f.rationale.split()) if verbose else short_why(f.rationale)
    lines += textwrap.wrap(why, 88, initial_indent="    why: ", subsequent_indent="         ")
    fix = f.remediation if verbose else short_fix(f.remediation)
    fix_lines = fix.splitlines()
    lines.append("    fix: " + (fix_lines[0] if fix_lines else ""))
    lines += [("         " + line).rstrip() for line in fix_lines[1:]]
    lines.append(_paint(f"    see: dindcheck explain {f.rule_id}", _DIM, color))
    return lines


def _error_line(error: InputProblem) -> str:
    label = "error" if error.kind == "input" else "engine error"
    return f"{error.where}: {label}: {error.message}"


def render(report: Report, options: RenderOptions) -> str:
    out: list[str] = []
    for error in report.errors:
        out.append(_error_line(error))
    for f in report.findings:
        out += _finding(f, options.color, options.verbose)
    counts = report.counts()
    subjects = sum(t.size for t in report.targets)
    summary = (f"{len(report.targets)} target(s), {subjects} subject(s): "
               f"{counts['error']} error(s), {counts['warning']} warning(s), "
               f"{counts['info']} info")
    if report.suppressed:
        summary += f", {report.suppressed} suppressed"
    if report.errors:
        summary += f"; {len(report.errors)} input problem(s)"
    out.append(summary)
    out += [f"note: {n}" for n in report.notes]
    return inert_lines("\n".join(out) + "\n")
