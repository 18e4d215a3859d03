"""What reading a pipeline found wrong, and the work budget that keeps hostile input bounded."""

from __future__ import annotations

from dindcheck.model import InputProblem
from dindcheck.yamlload import Mark

# Nodes that merging, references and flattening may visit for one pipeline: real
# pipelines (GitLab's own, 600 lines with hundreds of references) stay under 100,000.
MAX_WORK = 2_000_000


TOO_BIG = ("the configuration expands to more than dindcheck reads (a reference, extends or "
           "include bomb?); nothing was linted")


TOO_DEEP = "values nest too deep to read once !reference tags are replaced; nothing was linted"


class BudgetExceeded(Exception):
    """The configuration expands beyond :data:`MAX_WORK` nodes (a reference or extends bomb)."""

    def __init__(self, mark: Mark | None) -> None:
        super().__init__("budget exceeded")
        self.mark = mark


class Collector:
    """Problems (exit 2, located), notes (said once each), and the shared work budget.

    ``lenient``: the pipeline includes files dindcheck does not read, so a missing
    ``extends`` target or ``!reference`` may be defined there: a note, not a problem.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[InputProblem] = []
        self.notes: list[str] = []
        self.lenient = False
        self.work = MAX_WORK
        self._seen: set[tuple[str, int | None, int | None, str]] = set()

    def fork(self) -> Collector:
        """A copy that goes on from here (what one runner's jobs add stays in it)."""
        other = Collector(self.path)
        other.problems = list(self.problems)
        other.notes = list(self.notes)
        other.lenient = self.lenient
        other.work = self.work
        other._seen = set(self._seen)
        return other

    def problem(self, message: str, mark: Mark | None = None, *, path: str | None = None) -> None:
        where = mark.path if mark is not None else (path or self.path)
        line = mark.line if mark is not None else None
        column = mark.column if mark is not None else None
        key = (where, line, column, message)
        if key in self._seen:
            return
        self._seen.add(key)
        self.problems.append(InputProblem(path=where, message=message, line=line,
                                          column=column))

    def missing(self, message: str, mark: Mark | None) -> None:
        """Something the pipeline names but no file read here defines."""
        if self.lenient:
            where = f"{mark.path}:{mark.line}: " if mark is not None else ""
            self.note(f"{where}{message}; it may come from an include that was not followed")
        else:
            self.problem(message, mark)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def spend(self, cost: int, mark: Mark | None) -> None:
        self.work -= cost
        if self.work < 0:
            raise BudgetExceeded(mark)
