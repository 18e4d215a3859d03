"""The JSON report: the CI contract, described by schemas/report.schema.json.

Compact output (a file, a pipe) streams: the ``findings`` array comes first, one finding
at a time, and the rest of the document after it (JSON objects have no key order). On a
terminal the report is indented, built whole, in the schema's order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from dindcheck import __version__
from dindcheck.model import Finding, InputProblem, Report, Target
from dindcheck.report import RenderOptions, verdict_code
from dindcheck.report.summary import Summary, summarize
from dindcheck.sanitize import inert_json

SCHEMA_VERSION = "1.1"


def finding_json(f: Finding) -> dict[str, Any]:
    return {
        "rule_id": f.rule_id,
        "name": f.name,
        "severity": f.severity.value,
        "category": f.category,
        "title": f.title,
        "message": f.message,
        "subject": {"kind": f.subject_kind, "name": f.subject_name, "id": f.subject_id},
        "location": f.location.to_json(),
        "evidence": f.evidence,
        "rationale": f.rationale,
        "remediation": f.remediation,
        "references": list(f.references),
    }


def _problem_json(e: InputProblem) -> dict[str, Any]:
    return {k: v for k, v in (("path", e.path), ("line", e.line), ("column", e.column),
                              ("message", e.message), ("kind", e.kind)) if v is not None}


def summary_json(summary: Summary, fail_on: str, *,
                 allow_partial: bool = False) -> dict[str, Any]:
    """Every part of the report but its findings."""
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "dindcheck", "version": __version__},
        "mode": summary.mode,
        "inputs": [
            {"kind": t.kind, "name": t.name, "paths": list(t.paths), "subjects": t.size}
            for t in summary.targets
        ],
        "summary": {
            **summary.counts,
            "total": summary.total,
            "suppressed": summary.suppressed,
            "errors": len(summary.errors),
            "fail_on": fail_on,
            "failed": summary.fails(fail_on),
            "exit_code": verdict_code(summary, fail_on, allow_partial=allow_partial),
        },
        "errors": [_problem_json(e) for e in summary.errors],
        "notes": list(summary.notes),
        "warnings": [_problem_json(w) for w in summary.warnings],
        "suppressed_findings": [
            {"rule_id": s.rule_id, "subject": s.subject_id,
             "location": s.location.to_json(), "by": s.by,
             "written_at": s.written_at.to_json(),
             **({"reason": s.reason} if s.reason is not None else {})}
            for s in summary.suppressions
        ],
    }
    if summary.baseline is not None:
        outcome = summary.baseline
        data["baseline"] = {"path": outcome.path, "baselined": outcome.baselined,
                            "gone": outcome.gone,
                            **({"written": outcome.written} if outcome.written is not None
                               else {})}
    return data


def report_json(report: Report, fail_on: str, *, allow_partial: bool = False) -> dict[str, Any]:
    """A whole report as JSON data, keys in the schema's order."""
    rest = summary_json(summarize(report), fail_on, allow_partial=allow_partial)
    ordered = {k: rest.pop(k) for k in ("schema_version", "tool", "mode", "inputs", "summary")}
    return {**ordered, "findings": [finding_json(f) for f in report.findings], **rest}


_COMPACT: dict[str, Any] = {"separators": (",", ":"), "default": str}


class JsonWriter:
    def __init__(self, stream: TextIO, options: RenderOptions) -> None:
        self.stream = stream
        self.options = options
        self.count = 0
        self.held: list[dict[str, Any]] = []  # pretty output only

    def batch(self, targets: Sequence[Target], findings: Sequence[Finding],
              problems: Sequence[InputProblem], warnings: Sequence[InputProblem]) -> None:
        if self.options.pretty:
            self.held.extend(finding_json(f) for f in findings)
            return
        for f in findings:
            self.stream.write(("," if self.count else '{"findings":[')
                              + inert_json(json.dumps(finding_json(f), **_COMPACT)))
            self.count += 1

    def close(self, summary: Summary) -> None:
        rest = summary_json(summary, self.options.fail_on,
                            allow_partial=self.options.allow_partial)
        if self.options.pretty:
            ordered = {k: rest.pop(k) for k in
                       ("schema_version", "tool", "mode", "inputs", "summary")}
            document = {**ordered, "findings": self.held, **rest}
            self.stream.write(inert_json(json.dumps(document, indent=2, default=str)) + "\n")
            return
        head = "]," if self.count else '{"findings":[],'
        self.stream.write(head + inert_json(json.dumps(rest, **_COMPACT))[1:] + "\n")
