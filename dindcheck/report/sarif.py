"""SARIF 2.1.0, for GitHub code scanning and other SARIF consumers."""

from __future__ import annotations

import json
from typing import Any

from dindcheck import __version__
from dindcheck.model import Finding, Report, Severity
from dindcheck.report import RenderOptions
from dindcheck.sanitize import inert_json

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule(f: Finding) -> dict[str, Any]:
    return {
        "id": f.rule_id,
        "name": f.name,
        "shortDescription": {"text": f.title},
        "fullDescription": {"text": f.rationale},
        "help": {"text": f.remediation},
        **({"helpUri": f.references[0]} if f.references else {}),
        "defaultConfiguration": {"level": _LEVELS[f.severity]},
        "properties": {"category": f.category},
    }


def _location(f: Finding) -> dict[str, Any]:
    loc = f.location
    if loc.path is not None:
        region = {k: v for k, v in (("startLine", loc.line), ("startColumn", loc.column))
                  if v is not None}
        physical: dict[str, Any] = {"artifactLocation": {"uri": loc.path}}
        if region:
            physical["region"] = region
        return {"physicalLocation": physical}
    name = " ".join(p for p in (loc.endpoint, loc.container, loc.field) if p)
    return {"logicalLocations": [{"name": name or f.subject_name, "kind": "resource"}]}


def render(report: Report, options: RenderOptions) -> str:
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for f in report.findings:
        rules.setdefault(f.rule_id, _rule(f))
        results.append({
            "ruleId": f.rule_id,
            "level": _LEVELS[f.severity],
            "message": {"text": f.message},
            "locations": [_location(f)],
            "properties": {"subject": f.subject_id, "evidence": f.evidence},
        })
    notifications = [{
        "level": "error",
        "message": {"text": e.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": e.path},
            **({"region": {"startLine": e.line}} if e.line else {})}}],
    } for e in report.errors]
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "dindcheck", "version": __version__,
                                "rules": list(rules.values())}},
            "results": results,
            "invocations": [{"executionSuccessful": not report.errors,
                             "toolExecutionNotifications": notifications}],
        }],
    }
    if options.pretty:
        return inert_json(json.dumps(document, indent=2, default=str)) + "\n"
    return inert_json(json.dumps(document, separators=(",", ":"), default=str)) + "\n"
