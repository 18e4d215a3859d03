"""SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.

What GitHub code scanning reads, and how it is filled
(https://docs.github.com/en/code-security/reference/code-scanning/sarif-support-for-code-scanning):

* ``artifactLocation.uri``: the file relative to the root (the repository), percent-
  encoded, with ``uriBaseId: %SRCROOT%``; the root's own ``file:`` URI is in the run's
  ``originalUriBaseIds``. Never an absolute path.
* ``partialFingerprints``: a hash of the rule, the subject and the file
  (:mod:`dindcheck.identity`), so an edit above a finding keeps its alert, and four
  subjects flagged on one line stay four alerts.
* One ``reportingDescriptor`` per rule that fired, from the rule itself: ``helpUri`` and
  ``help.markdown`` link its page; security rules carry the ``security`` tag and a
  ``security-severity`` score (high for errors, medium for warnings, low for info).

Results stream as they come; the rules follow them (a consumer reads the whole file).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from dindcheck import __url__, __version__
from dindcheck.catalogue import rule_url
from dindcheck.identity import FINGERPRINT_VERSION, fingerprint, relative_file
from dindcheck.model import Finding, InputProblem, Severity, Target
from dindcheck.report import RenderOptions
from dindcheck.report.summary import RuleSeen, Summary
from dindcheck.sanitize import inert_json

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SECURITY_CATEGORIES = frozenset({"security", "supply-chain"})
# GitHub's scale: 9.0+ critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
_SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.5", Severity.INFO: "2.0"}


def root_of(options: RenderOptions) -> str | None:
    """The folder SARIF paths are relative to: the run's root, else the working
    directory (None when it is gone)."""
    if options.root is not None:
        return options.root
    try:
        return os.getcwd()
    except OSError:
        return None


def artifact_location(path: str, root: str | None) -> dict[str, Any]:
    """A file as SARIF names it: percent-encoded, relative to ``%SRCROOT%``."""
    relative = relative_file(path, root)
    uri = quote(relative, safe="/")
    if root is None:
        return {"uri": uri}
    return {"uri": uri, "uriBaseId": SRCROOT}


def _location(f: Finding, root: str | None) -> dict[str, Any]:
    loc = f.location
    if loc.path is not None:
        region = {k: v for k, v in (("startLine", loc.line), ("startColumn", loc.column))
                  if v is not None}
        physical: dict[str, Any] = {"artifactLocation": artifact_location(loc.path, root)}
        if region:
            physical["region"] = region
        return {"physicalLocation": physical}
    name = " ".join(p for p in (loc.endpoint, loc.container, loc.field) if p)
    return {"logicalLocations": [{"name": name or f.subject_name, "kind": "resource"}]}


def result_json(f: Finding, root: str | None) -> dict[str, Any]:
    return {
        "ruleId": f.rule_id,
        "level": _LEVELS[f.severity],
        "message": {"text": f.message},
        "locations": [_location(f, root)],
        "partialFingerprints": {FINGERPRINT_VERSION: fingerprint(f, root)},
        "properties": {"subject": f.subject_id, "evidence": f.evidence},
    }


def rule_json(seen: RuleSeen, options: RenderOptions) -> dict[str, Any]:
    """The rule's own texts (the catalogue's; the first finding's for a rule the
    catalogue given does not hold)."""
    f = seen.first
    rule = options.rules.get(f.rule_id)
    severity = rule.severity if rule is not None else f.severity
    remediation = rule.remediation if rule is not None else f.remediation
    url = rule_url(f.rule_id, rule)
    markdown = f"**{f.title}**\n\n{f.rationale}\n\n## Fix\n\n{remediation}\n"
    if url:
        markdown += f"\n[{f.rule_id} {f.name}]({url})\n"
    properties: dict[str, Any] = {"category": f.category, "tags": [f.category]}
    if f.category in SECURITY_CATEGORIES:
        properties["tags"] = list(dict.fromkeys([f.category, "security"]))
        properties["security-severity"] = _SECURITY_SEVERITY[severity]
    return {
        "id": f.rule_id,
        "name": f.name,
        "shortDescription": {"text": f.title},
        "fullDescription": {"text": f.rationale},
        "help": {"text": f"{f.rationale}\n\nFix:\n\n{remediation}", "markdown": markdown},
        **({"helpUri": url} if url else {}),
        "defaultConfiguration": {"level": _LEVELS[severity]},
        "properties": properties,
    }


def _notification(problem: InputProblem, level: str, root: str | None) -> dict[str, Any]:
    note: dict[str, Any] = {"level": level, "message": {"text": problem.message}}
    if problem.kind != "engine":
        physical: dict[str, Any] = {"artifactLocation": artifact_location(problem.path, root)}
        if problem.line:
            physical["region"] = {"startLine": problem.line,
                                  **({"startColumn": problem.column} if problem.column
                                     else {})}
        note["locations"] = [{"physicalLocation": physical}]
    else:
        note["locations"] = [{"logicalLocations": [{"name": problem.path,
                                                    "kind": "resource"}]}]
    return note


def _run_rest(summary: Summary, options: RenderOptions, root: str | None) -> dict[str, Any]:
    """The run's members after ``results``."""
    notifications = [_notification(e, "error", root) for e in summary.errors]
    notifications += [_notification(w, "warning", root) for w in summary.warnings]
    rest: dict[str, Any] = {
        "tool": {"driver": {"name": "dindcheck", "version": __version__,
                            "informationUri": __url__,
                            "rules": [rule_json(seen, options) for seen in summary.rules]}},
        "invocations": [{"executionSuccessful": not summary.errors,
                         "toolExecutionNotifications": notifications}],
    }
    if root is not None:
        rest["originalUriBaseIds"] = {SRCROOT: {"uri": Path(root).as_uri().rstrip("/") + "/"}}
    return rest


_COMPACT: dict[str, Any] = {"separators": (",", ":"), "default": str}
_HEAD = '{"$schema":"' + SARIF_SCHEMA + '","version":"2.1.0","runs":[{"results":['


class SarifWriter:
    def __init__(self, stream: TextIO, options: RenderOptions) -> None:
        self.stream = stream
        self.options = options
        self.root = root_of(options)
        self.count = 0
        self.held: list[dict[str, Any]] = []  # pretty output only

    def batch(self, targets: Sequence[Target], findings: Sequence[Finding],
              problems: Sequence[InputProblem], warnings: Sequence[InputProblem]) -> None:
        if self.options.pretty:
            self.held.extend(result_json(f, self.root) for f in findings)
            return
        for f in findings:
            self.stream.write(("," if self.count else _HEAD)
                              + inert_json(json.dumps(result_json(f, self.root), **_COMPACT)))
            self.count += 1

    def close(self, summary: Summary) -> None:
        rest = _run_rest(summary, self.options, self.root)
        if self.options.pretty:
            document = {"$schema": SARIF_SCHEMA, "version": "2.1.0",
                        "runs": [{"results": self.held, **rest}]}
            self.stream.write(inert_json(json.dumps(document, indent=2, default=str)) + "\n")
            return
        self.stream.write(("]," if self.count else _HEAD + "],")
                          + inert_json(json.dumps(rest, **_COMPACT))[1:] + "]}\n")
