"""The JSON report: the CI contract, described by schemas/report.schema.json."""

from __future__ import annotations

import json
from typing import Any, TextIO

from dindcheck import __version__
from dindcheck.model import Finding, Report, fails
from dindcheck.report import RenderOptions, verdict_code
from dindcheck.sanitize import inert_json

SCHEMA_VERSION = "1.0"


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


def report_json(report: Report, fail_on: str, *, findings: bool = True,
                allow_partial: bool = False) -> dict[str, Any]:
    """The report as JSON data; ``findings=False`` leaves them out (for streaming)."""
    data = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "dindcheck", "version": __version__},
        "mode": report.mode,
        "inputs": [
            {"kind": t.kind, "name": t.name, "paths": list(t.paths),
             "subjects": t.size}
            for t in report.targets
        ],
        "summary": {
            **report.counts(),
            "total": len(report.findings),
            "suppressed": report.suppressed,
            "errors": len(report.errors),
            "fail_on": fail_on,
            "failed": any(fails(f.severity, fail_on) for f in report.findings),
            "exit_code": verdict_code(report, fail_on, allow_partial=allow_partial),
        },
        "findings": [finding_json(f) for f in report.findings] if findings else [],
        "errors": [
            {k: v for k, v in (("path", e.path), ("line", e.line), ("column", e.column),
                               ("message", e.message), ("kind", e.kind)) if v is not None}
            for e in report.errors
        ],
        "notes": list(report.notes),
    }
    return data


_COMPACT = {"separators": (",", ":"), "default": str}


def write(report: Report, options: RenderOptions, stream: TextIO) -> None:
    """Write the report; compact reports are streamed one finding at a time.

    Building the whole document first doubles the memory of a large run (the dict tree,
    then the text); the streamed bytes are identical to ``render``'s.
    """
    if options.pretty:
        stream.write(render(report, options))
        return
    envelope = json.dumps({**report_json(report, options.fail_on, findings=False,
                                         allow_partial=options.allow_partial),
                           "findings": []}, **_COMPACT)  # type: ignore[arg-type]
    head, _, tail = envelope.rpartition('"findings":[]')
    stream.write(inert_json(head) + '"findings":[')
    for i, finding in enumerate(report.findings):
        if i:
            stream.write(",")
        stream.write(inert_json(json.dumps(finding_json(finding),
                                           **_COMPACT)))  # type: ignore[arg-type]
    stream.write("]" + inert_json(tail) + "\n")


def render(report: Report, options: RenderOptions) -> str:
    data = report_json(report, options.fail_on, allow_partial=options.allow_partial)
    if options.pretty:
        return inert_json(json.dumps(data, indent=2, default=str)) + "\n"
    # Without indent json uses its C encoder: about 3x faster on large reports.
    return inert_json(json.dumps(data, **_COMPACT)) + "\n"  # type: ignore[arg-type]
