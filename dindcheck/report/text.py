"""The human report: one GNU-style line per finding as it comes, then each rule's why, fix
and page once, then the summary.

    compose.yaml:12:7: warning: DIND007 [dind] runs privileged; ...

Editors and CI problem matchers read ``path:line:col: severity: message``. ``-v`` adds
each finding's whole fix under it (the fix names the finding's own services) and the
whole rationale to the rule's block; ``--quiet`` keeps the finding lines and prints the
summary only when the run fails.

Strings arrive sanitized (:mod:`dindcheck.sanitize`); no output line may read as a CI
workflow command either (a rule's fix is printed line by line).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from typing import TextIO

from dindcheck.catalogue import rule_url
from dindcheck.model import Finding, InputProblem, Severity, Target
from dindcheck.report import RenderOptions, verdict_code
from dindcheck.report.summary import RuleSeen, Summary
from dindcheck.sanitize import inert_lines

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"
_WIDTH = 88


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


def headline(f: Finding) -> str:
    """``ID [subject] message``: the subject by its name (the path before it already says
    which file); messages that open with that name do not repeat it."""
    message = f.message.removeprefix(f"{f.subject_name}: ")
    return f"{f.rule_id} [{f.subject_name}] {message}"


def finding_line(f: Finding, color: bool = False) -> str:
    """``path:line:col: severity: ID [subject] message``."""
    return (f"{_paint(str(f.location), _BOLD, color)}: "
            f"{_paint(f.severity.value, _COLORS[f.severity], color)}: {headline(f)}")


def problem_line(problem: InputProblem, color: bool = False) -> str:
    label = {"input": "error", "engine": "engine error"}.get(problem.kind, "warning")
    paint = _COLORS[Severity.ERROR] if label != "warning" else _COLORS[Severity.WARNING]
    return f"{_paint(problem.where, _BOLD, color)}: {_paint(label, paint, color)}: " \
           f"{problem.message}"


def _labelled(label: str, text: str) -> list[str]:
    """``    label: first line`` and the text's other lines under it, as written."""
    lines = text.splitlines() or [""]
    indent = " " * (len(label) + 6)
    return [f"    {label}: {lines[0]}".rstrip(), *((indent + line).rstrip() for line in lines[1:])]


def _wrapped(label: str, text: str) -> list[str]:
    indent = " " * (len(label) + 6)
    return textwrap.wrap(" ".join(text.split()), _WIDTH, initial_indent=f"    {label}: ",
                         subsequent_indent=indent) or [f"    {label}:"]


def _rule_block(seen: RuleSeen, options: RenderOptions) -> list[str]:
    f = seen.first
    rule = options.rules.get(f.rule_id)
    count = f"{seen.count} finding{'s' if seen.count != 1 else ''}"
    lines = [f"{_paint(f.rule_id, _BOLD, options.color)} {f.name}: {f.title} ({count})"]
    lines += _wrapped("why", f.rationale if options.verbose else short_why(f.rationale))
    if not options.verbose:  # with -v each finding carries its own whole fix
        lines += _labelled("fix", short_fix(f.remediation))
    url = rule_url(f.rule_id, rule)
    see = f"{url} (dindcheck explain {f.rule_id})" if url else f"dindcheck explain {f.rule_id}"
    lines.append(_paint(f"    see: {see}", _DIM, options.color))
    return lines


def summary_line(summary: Summary) -> str:
    counts = summary.counts
    line = (f"{len(summary.targets)} target(s), {summary.subjects} subject(s): "
            f"{counts['error']} error(s), {counts['warning']} warning(s), "
            f"{counts['info']} info")
    if summary.suppressed:
        line += f", {summary.suppressed} suppressed"
    if summary.baseline is not None and summary.baseline.baselined:
        line += f", {summary.baseline.baselined} baselined"
    if summary.errors:
        line += f"; {len(summary.errors)} input problem(s)"
    if summary.warnings:
        line += f"; {len(summary.warnings)} suppression warning(s)"
    return line


def _baseline_lines(summary: Summary) -> list[str]:
    outcome = summary.baseline
    if outcome is None:
        return []
    lines = []
    if outcome.written is not None:
        lines.append(f"baseline {outcome.path}: {outcome.written} entr"
                     f"{'y' if outcome.written == 1 else 'ies'} written")
    elif outcome.gone:
        lines.append(f"baseline {outcome.path}: {outcome.gone} entr"
                     f"{'y is' if outcome.gone == 1 else 'ies are'} gone (fixed or moved; "
                     "--write-baseline records the current state)")
    return lines


class TextWriter:
    def __init__(self, stream: TextIO, options: RenderOptions) -> None:
        self.stream = stream
        self.options = options

    def batch(self, targets: Sequence[Target], findings: Sequence[Finding],
              problems: Sequence[InputProblem], warnings: Sequence[InputProblem]) -> None:
        color = self.options.color
        lines = [problem_line(p, color) for p in (*problems, *warnings)]
        for f in findings:
            lines.append(finding_line(f, color))
            if self.options.verbose:
                lines += _labelled("fix", f.remediation)
        if lines:
            self.stream.write(inert_lines("\n".join(lines) + "\n"))

    def close(self, summary: Summary) -> None:
        options = self.options
        code = verdict_code(summary, options.fail_on, allow_partial=options.allow_partial)
        lines: list[str] = []
        if not options.quiet:
            for seen in summary.rules:
                lines += _rule_block(seen, options)
        if not options.quiet or code:
            lines.append(summary_line(summary))
        if not options.quiet:
            lines += _baseline_lines(summary)
            lines += [f"note: {n}" for n in summary.notes]
        if lines:
            self.stream.write(inert_lines("\n".join(lines) + "\n"))
