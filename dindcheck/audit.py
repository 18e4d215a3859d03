"""The audit pipeline: live engines → setups → findings."""

from __future__ import annotations

from collections.abc import Sequence

from dindcheck.catalogue import Rule
from dindcheck.evaluate import evaluate_setup
from dindcheck.model import Finding, InputProblem, Report, Suppressed, Target
from dindcheck.suppress import RuleNames, unused_suppressions


def audit(endpoints: Sequence[str | None], rules: Sequence[Rule], *, exec_probes: bool = True,
          timeout: float = 10.0, context: str | None = None,
          deadline: float | None = None, known_rules: Sequence[Rule] | None = None) -> Report:
    """``known_rules``: what a suppression (a container label) may name (default
    ``rules``)."""
    from dindcheck.sources.live.engine import DEADLINE, audit_endpoints

    setups, problems, notes = audit_endpoints(endpoints, exec_probes=exec_probes,
                                              timeout=timeout, context=context,
                                              deadline=DEADLINE if deadline is None
                                              else deadline)
    ran = RuleNames(rules)
    known = RuleNames(known_rules) if known_rules is not None else ran
    targets: list[Target] = []
    findings: list[Finding] = []
    suppressions: list[Suppressed] = []
    warnings: list[InputProblem] = []
    for setup in setups:
        result = evaluate_setup(setup, rules, known=known)
        targets.append(result.target)
        findings.extend(result.findings)
        suppressions.extend(result.suppressions)
        warnings.extend(result.warnings)
        warnings.extend(unused_suppressions([setup], result.suppressions, ran))
    findings.sort(key=Finding.sort_key)
    return Report(mode="audit", targets=tuple(targets), findings=tuple(findings),
                  errors=tuple(problems), suppressed=len(suppressions), notes=tuple(notes),
                  warnings=tuple(warnings), suppressions=tuple(suppressions))
