"""What a report says besides its findings, gathered while they stream past.

The command line does not hold a run's findings: each project's go through the
sanitising pass to a writer that emits them, and a :class:`Tally` keeps what the end of
every format needs (counts by severity, the rules seen with their first finding, the
targets, input problems, warnings, notes and suppressions). A whole :class:`Report` (the
TUI, tests) gives the same :class:`Summary` through :func:`summarize`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from dindcheck.model import (
    Finding,
    InputProblem,
    Report,
    Severity,
    Suppressed,
    Target,
    fails,
    run_exit_code,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class BaselineOutcome:
    """What a baseline did in a run: ``baselined`` findings left out because the baseline
    holds them, ``gone`` entries of the baseline that no finding matched in the files this
    run read (fixed, or moved); ``written``: the entries written by ``--write-baseline``."""

    path: str
    baselined: int = 0
    gone: int = 0
    written: int | None = None


@dataclass(frozen=True, slots=True)
class RuleSeen:
    """A rule that fired: its first finding (for the rule's texts) and how often."""

    first: Finding
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    mode: str
    targets: tuple[Target, ...]
    counts: Mapping[str, int]
    rules: tuple[RuleSeen, ...] = ()
    errors: tuple[InputProblem, ...] = ()
    warnings: tuple[InputProblem, ...] = ()
    notes: tuple[str, ...] = ()
    suppressed: int = 0
    suppressions: tuple[Suppressed, ...] = ()
    baseline: BaselineOutcome | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def subjects(self) -> int:
        return sum(t.size for t in self.targets)

    def fails(self, fail_on: str) -> bool:
        """Whether a finding is at or above ``fail_on``."""
        return any(n and fails(Severity(s), fail_on) for s, n in self.counts.items())

    def exit_code(self, fail_on: str) -> int:
        return run_exit_code(self.errors, self.fails(fail_on))


@dataclass(slots=True)
class Tally:
    """Builds a :class:`Summary` from the batches of a run, holding no finding but the
    first of each rule."""

    mode: str
    targets: list[Target] = field(default_factory=list)
    errors: list[InputProblem] = field(default_factory=list)
    warnings: list[InputProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    suppressed: int = 0
    suppressions: list[Suppressed] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in Severity})
    first: dict[str, Finding] = field(default_factory=dict)
    per_rule: dict[str, int] = field(default_factory=dict)

    def findings(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.counts[f.severity.value] += 1
            if f.rule_id not in self.first:
                self.first[f.rule_id] = f
                self.per_rule[f.rule_id] = 0
            self.per_rule[f.rule_id] += 1

    def summary(self, baseline: BaselineOutcome | None = None) -> Summary:
        return Summary(
            mode=self.mode, targets=tuple(self.targets), counts=dict(self.counts),
            rules=tuple(RuleSeen(f, self.per_rule[rule_id]) for rule_id, f in self.first.items()),
            errors=tuple(self.errors), warnings=tuple(self.warnings), notes=tuple(self.notes),
            suppressed=self.suppressed, suppressions=tuple(self.suppressions),
            baseline=baseline)


def summarize(report: Report, baseline: BaselineOutcome | None = None) -> Summary:
    """The summary of a whole report."""
    tally = Tally(report.mode, targets=list(report.targets), errors=list(report.errors),
                  warnings=list(report.warnings), notes=list(report.notes),
                  suppressed=report.suppressed, suppressions=list(report.suppressions))
    tally.findings(report.findings)
    return tally.summary(baseline)
