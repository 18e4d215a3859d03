"""From the lint loop (or an audit) to a writer, one batch at a time.

Each batch (a project's targets, findings, input problems, warnings, suppressions and
notes) goes through the sanitising pass, then the baseline, to the format's writer; a
:class:`~dindcheck.report.summary.Tally` keeps what the end of the report needs. Nothing
else of a batch outlives it, so a run holds the same memory for ten projects or ten
thousand, but for its list of targets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from dindcheck.baseline import BaselineFilter, BaselineRecorder
from dindcheck.model import Finding, InputProblem, Suppressed, Target
from dindcheck.report import Writer
from dindcheck.report.summary import Summary, Tally
from dindcheck.sanitize import Sanitizer


class Emitter:
    def __init__(self, mode: str, out: Writer, environ: Mapping[str, str], *,
                 baseline: BaselineFilter | None = None,
                 recorder: BaselineRecorder | None = None) -> None:
        self.out = out
        self.clean = Sanitizer(environ)
        self.tally = Tally(mode)
        self.baseline = baseline
        self.recorder = recorder
        self.said: set[InputProblem] = set()

    def add(self, *, targets: Sequence[Target] = (), findings: Sequence[Finding] = (),
            problems: Sequence[InputProblem] = (), warnings: Sequence[InputProblem] = (),
            suppressions: Sequence[Suppressed] = (), notes: Sequence[str] = ()) -> None:
        clean = self.clean
        kept_targets = [clean.target(t) for t in targets]
        kept = [clean.finding(f) for f in findings]
        kept_problems = self.first_time(clean.problem(e) for e in problems)
        kept_warnings = self.first_time(clean.problem(w) for w in warnings)
        if self.recorder is not None:
            kept = list(self.recorder.findings(kept))
        elif self.baseline is not None:
            self.baseline.targets(kept_targets)
            kept = list(self.baseline.findings(kept))
        tally = self.tally
        tally.targets.extend(kept_targets)
        tally.findings(kept)
        tally.errors.extend(kept_problems)
        tally.warnings.extend(kept_warnings)
        tally.suppressions.extend(clean.suppressed(s) for s in suppressions)
        tally.suppressed += len(suppressions)
        tally.notes.extend(clean.line(n) for n in notes)
        self.out.batch(kept_targets, kept, kept_problems, kept_warnings)

    def first_time(self, problems: Iterable[InputProblem]) -> list[InputProblem]:
        """Problems not reported yet: a file two sources (or two projects) tried to read is
        one problem."""
        fresh = [p for p in dict.fromkeys(problems) if p not in self.said]
        self.said.update(fresh)
        return fresh

    def close(self) -> Summary:
        """The summary, with the baseline's outcome (a recorded baseline is written now);
        the writer has closed the report."""
        outcome = None
        if self.recorder is not None:
            outcome = self.recorder.outcome(self.recorder.write())
        elif self.baseline is not None:
            outcome = self.baseline.outcome()
        summary = self.tally.summary(outcome)
        self.out.close(summary)
        return summary
