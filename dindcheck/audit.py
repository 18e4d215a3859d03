"""The audit pipeline: live engines → setups → findings."""

from __future__ import annotations

from collections.abc import Sequence

from dindcheck.catalogue import Rule
from dindcheck.evaluate import evaluate_setup
from dindcheck.model import Finding, Report, Target


def audit(endpoints: Sequence[str | None], rules: Sequence[Rule], *, exec_probes: bool = True,
          timeout: float = 10.0, context: str | None = None,
          deadline: float | None = None) -> Report:
    from dindcheck.sources.live.engine import DEADLINE, audit_endpoints

    setups, problems, notes = audit_endpoints(endpoints, exec_probes=exec_probes,
                                              timeout=timeout, context=context,
                                              deadline=DEADLINE if deadline is None
                                              else deadline)
    targets: list[Target] = []
    findings: list[Finding] = []
    suppressed = 0
    for setup in setups:
        result = evaluate_setup(setup, rules)
        targets.append(result.target)
        findings.extend(result.findings)
        suppressed += result.suppressed
    findings.sort(key=Finding.sort_key)
    return Report(mode="audit", targets=tuple(targets), findings=tuple(findings),
                  errors=tuple(problems), suppressed=suppressed, notes=tuple(notes))
