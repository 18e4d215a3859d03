"""One path from a source's setup to findings, shared by lint and audit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dindcheck.catalogue import Rule
from dindcheck.engine import evaluate_all
from dindcheck.model import Finding, InputProblem, Suppressed, Target
from dindcheck.subjects import build_subjects
from dindcheck.suppress import RuleNames, written_suppressions
from dindcheck.workload import Setup


@dataclass(frozen=True, slots=True)
class Evaluated:
    target: Target
    findings: tuple[Finding, ...]
    suppressions: tuple[Suppressed, ...] = ()
    warnings: tuple[InputProblem, ...] = ()  # suppression tokens that name no rule

    @property
    def suppressed(self) -> int:
        return len(self.suppressions)


def evaluate_setup(setup: Setup, rules: Sequence[Rule], *, keep_subjects: bool = True,
                   known: RuleNames | None = None) -> Evaluated:
    """The setup's subjects and their findings; the subjects are kept on the target only
    when asked (the TUI shows them; reports only count them). ``known``: every rule a
    suppression may name (default: ``rules``)."""
    subjects = build_subjects(setup)
    findings, silenced = evaluate_all(rules, subjects)
    suppressions, warnings = written_suppressions(setup, silenced, known or RuleNames(rules))
    target = Target(kind=setup.kind, name=setup.name, paths=setup.paths,
                    subjects=tuple(subjects) if keep_subjects else (),
                    subject_count=len(subjects))
    return Evaluated(target, tuple(findings), tuple(suppressions), tuple(warnings))
