"""Evaluate rules over subjects and turn matches into findings."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from dindcheck.catalogue import Rule
from dindcheck.model import Finding, Location, Severity, Subject

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")
_MISSING = object()


def lookup(subject: Any, dotted: str) -> Any:
    """The value at ``a.b.c`` in nested dicts (list indexes allowed), or ``_MISSING``."""
    value = subject
    for part in dotted.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def _text(value: Any) -> str:
    if value is _MISSING or value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value) or "none"
    return str(value)


def render(template: str, subject: Subject) -> str:
    if "{" not in template:
        return template  # shared with the rule, not copied into every finding
    return _PLACEHOLDER.sub(lambda m: _text(lookup(subject, m.group(1))), template)


_SHARED: dict[str, str] = {}
# Distinct remediations remembered: enough for the few that recur across projects, few
# enough that a streamed run of any size holds a bounded amount.
_SHARED_MAX = 2_000


def _shared(text: str) -> str:
    """One copy of each distinct rendered remediation.

    Remediations are long and mostly identical across projects (the same service names
    recur), and a whole report (the TUI) holds every finding.
    """
    if len(_SHARED) > _SHARED_MAX:
        _SHARED.clear()
    return _SHARED.setdefault(text, text)


def evaluate(rules: Sequence[Rule], subjects: Iterable[Subject]) -> tuple[list[Finding], int]:
    """Findings for every rule whose condition holds, and the number suppressed in place."""
    findings, silenced = evaluate_all(rules, subjects)
    return findings, len(silenced)


def evaluate_all(rules: Sequence[Rule], subjects: Iterable[Subject],
                 ) -> tuple[list[Finding], list[Finding]]:
    """Findings for every rule whose condition holds, and those a subject's ``suppress``
    list silences (rule ids or names, in any case)."""
    by_kind: dict[str, list[Rule]] = {}
    for rule in rules:
        by_kind.setdefault(rule.subject, []).append(rule)
    findings: list[Finding] = []
    silenced: list[Finding] = []
    for subject in subjects:
        ignored = {str(t).lower() for t in subject.get("suppress") or ()}
        for rule in by_kind.get(subject.get("kind", ""), ()):
            if not rule.condition(subject):
                continue
            finding = make_finding(rule, subject)
            if ignored and (rule.id.lower() in ignored or rule.name.lower() in ignored):
                silenced.append(finding)
            else:
                findings.append(finding)
    findings.sort(key=Finding.sort_key)
    return findings, silenced


def make_finding(rule: Rule, subject: Subject) -> Finding:
    severity = rule.severity
    evidence: dict[str, Any] = {}
    for path in rule.evidence:
        value = lookup(subject, path)
        if value is not _MISSING:
            evidence[path] = value
    for escalation in rule.escalations:
        if escalation.when(subject) and escalation.severity.rank > severity.rank:
            severity = escalation.severity
            if escalation.reason:
                evidence["escalated"] = escalation.reason
    locations = subject.get("locations") or {}
    raw_location = locations.get(rule.location) or locations.get("subject") or {}
    return Finding(
        rule_id=rule.id,
        name=rule.name,
        severity=Severity(severity),
        category=rule.category,
        title=rule.title,
        message=render(rule.message, subject),
        subject_kind=str(subject.get("kind")),
        subject_name=str(subject.get("name")),
        subject_id=str(subject.get("id")),
        location=Location.from_json(raw_location),
        evidence=evidence,
        rationale=rule.rationale,
        remediation=_shared(render(rule.remediation_for(subject.get("origin")), subject)),
        references=rule.references,
    )
