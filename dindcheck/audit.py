"""The audit pipeline: live engines → subjects → findings."""

from __future__ import annotations

from collections.abc import Sequence

from dindcheck.catalogue import Rule
from dindcheck.engine import evaluate
from dindcheck.model import Finding, Report


def audit(endpoints: Sequence[str | None], rules: Sequence[Rule], *, exec_probes: bool = True,
          timeout: float = 10.0, context: str | None = None) -> Report:
    from dindcheck.sources.live.engine import audit_endpoints

    targets, problems, notes = audit_endpoints(endpoints, exec_probes=exec_probes,
                                               timeout=timeout, context=context)
    findings: list[Finding] = []
    suppressed = 0
    for target in targets:
        found, ignored = evaluate(rules, target.subjects)
        findings.extend(found)
        suppressed += ignored
    findings.sort(key=Finding.sort_key)
    return Report(mode="audit", targets=tuple(targets), findings=tuple(findings),
                  errors=tuple(problems), suppressed=suppressed, notes=tuple(notes))
