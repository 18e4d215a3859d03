"""The ``docker run``/``docker create`` lines of a job's script, read with the shared shell
reader (:mod:`dindcheck.shell`), each located at its line in the pipeline file.

``before_script`` and ``script`` run in one shell (a ``DOCKER_HOST`` exported in one reaches
the next); ``after_script`` runs in a shell of its own. A script item is a plain line or a
block scalar: each of its lines is found in the file's text below the item's mark, so a
finding points at the line the user wrote.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dindcheck.reading import ReadError, read_text
from dindcheck.shell.docker import DockerRun, read_script
from dindcheck.shell.positions import Located, Locator, TextLocator, block_locator
from dindcheck.sources.gitlab.model import ScriptLine

_RUN_TEXT = re.compile(r"\bdocker\s+(?:container\s+)?(?:run|create)\b")


@dataclass(slots=True)
class ScriptRuns:
    """A job's run lines in script order, and what could not be read (as notes, with the
    file they are in)."""

    runs: list[DockerRun] = field(default_factory=list)
    notes: list[tuple[str, Located]] = field(default_factory=list)


class FileLines:
    """The lines of the pipeline's files, read once per file when a script needs them."""

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self._lines: dict[str, list[str]] = {}
        # Jobs that extend one template run the same script: read it once per environment.
        self.readings: dict[tuple[object, ...], dict[str, ScriptRuns]] = {}

    def __call__(self, path: str) -> list[str]:
        found = self._lines.get(path)
        if found is None:
            try:
                found = read_text(path, self.max_size).split("\n")
            except ReadError:
                found = []  # the pipeline's reader reported it
            self._lines[path] = found
        return found


class _Joined:
    """A locator over script items joined by newlines: each item keeps its own."""

    __slots__ = ("locators", "starts")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.locators: list[Locator] = []

    def add(self, start: int, locator: Locator) -> None:
        self.starts.append(start)
        self.locators.append(locator)

    def __call__(self, offset: int) -> tuple[int, int]:
        index = max(bisect.bisect_right(self.starts, offset) - 1, 0)
        return self.locators[index](offset - self.starts[index])


def script_runs(script: Sequence[ScriptLine], environ: Mapping[str, str],
                lines: FileLines) -> dict[str, ScriptRuns]:
    """The run lines by the file whose script item wrote them, read with the job's
    variables as the shell's environment."""
    key = (tuple(script), tuple(sorted(environ.items())))
    cached = lines.readings.get(key)
    if cached is None:
        cached = lines.readings[key] = _script_runs(script, environ, lines)
    return cached


def _script_runs(script: Sequence[ScriptLine], environ: Mapping[str, str],
                 lines: FileLines) -> dict[str, ScriptRuns]:
    found: dict[str, ScriptRuns] = {}
    shells = ([line for line in script if line.section != "after_script"],
              [line for line in script if line.section == "after_script"])
    for items in shells:
        if not any(_RUN_TEXT.search(item.text) for item in items):
            continue
        text, locate, paths = _joined(items, lines)
        reading = read_script(text, locate, environ)
        for run in reading.runs:
            path = paths[max(bisect.bisect_right(locate.starts, run.docker.start) - 1, 0)]
            found.setdefault(path, ScriptRuns()).runs.append(run)
        for note in (*reading.notes, *reading.problems):
            path = paths[0]
            found.setdefault(path, ScriptRuns()).notes.append((path, note))
    return found


def _joined(items: Sequence[ScriptLine], lines: FileLines) -> tuple[str, _Joined, list[str]]:
    parts: list[str] = []
    paths: list[str] = []
    locate = _Joined()
    offset = 0
    for item in items:
        where = item.location
        paths.append(where.path if where is not None and where.path else "")
        locate.add(offset, _item_locator(item, lines))
        parts.append(item.text)
        offset += len(item.text) + 1
    return "\n".join(parts), locate, paths


def _item_locator(item: ScriptLine, lines: FileLines) -> Locator:
    where = item.location
    if where is None or where.line is None or not where.path:
        return TextLocator(item.text)
    file_lines = lines(where.path)
    row = where.line - 1
    column = (where.column or 1) - 1
    if not 0 <= row < len(file_lines):
        return TextLocator(item.text, line=where.line, column=column + 1)
    first = item.text.split("\n", 1)[0]
    line = file_lines[row]
    head = line[column:column + 1]
    if "\n" not in item.text.rstrip("\n") and head not in ("|", ">"):
        at = line.find(first, column) if first else -1
        return TextLocator(item.text, line=where.line,
                           column=(at if at >= 0 else column + _quoted(head)) + 1)
    return block_locator(file_lines, row + 1 if head in ("|", ">") else row, item.text)


def _quoted(head: str) -> int:
    return 1 if head in ("'", '"') else 0
