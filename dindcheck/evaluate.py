"""One path from a source's setup to findings, shared by lint and audit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dindcheck.catalogue import Rule
from dindcheck.engine import evaluate
from dindcheck.model import Finding, Target
from dindcheck.subjects import build_subjects
from dindcheck.workload import Setup


@dataclass(frozen=True, slots=True)
class Evaluated:
    target: Target
    findings: tuple[Finding, ...]
    suppressed: int


def evaluate_setup(setup: Setup, rules: Sequence[Rule], *,
                   keep_subjects: bool = True) -> Evaluated:
    """The setup's subjects and their findings; the subjects are kept on the target only
    when asked (the TUI shows them; reports only count them)."""
    subjects = build_subjects(setup)
    findings, suppressed = evaluate(rules, subjects)
    target = Target(kind=setup.kind, name=setup.name, paths=setup.paths,
                    subjects=tuple(subjects) if keep_subjects else (),
                    subject_count=len(subjects))
    return Evaluated(target, tuple(findings), suppressed)
