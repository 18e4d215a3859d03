"""From an offset in the text a reader lexed to a line and column in the file.

Shell text often is not a file of its own: a Makefile recipe without its tabs and with
``$$`` made ``$``, the string of a Jenkinsfile ``sh`` step, a YAML block scalar, the
script of ``sh -c '…'``. Each is lexed as a text of its own with a locator that points
back at the file.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from dindcheck.model import Location

_NEWLINE = re.compile("\n")


class Locator(Protocol):
    def __call__(self, offset: int) -> tuple[int, int]:
        """The 1-based line and column in the file of the character at ``offset``."""
        ...


class TextLocator:
    """Offsets of a file's own text (``line``/``column``: where the text starts)."""

    __slots__ = ("_starts", "column", "line", "text")

    def __init__(self, text: str, line: int = 1, column: int = 1) -> None:
        self.text = text
        self.line = line
        self.column = column
        self._starts: list[int] | None = None

    def __call__(self, offset: int) -> tuple[int, int]:
        starts = self._starts
        if starts is None:
            starts = self._starts = [0, *(m.end() for m in _NEWLINE.finditer(self.text))]
        index = bisect.bisect_right(starts, max(offset, 0)) - 1
        column = offset - starts[index] + 1
        if index == 0:
            column += self.column - 1
        return self.line + index, max(column, 1)


class MappedLocator:
    """A derived text whose every character came from ``offsets[k]`` of a base text."""

    __slots__ = ("base", "offsets")

    def __init__(self, offsets: Sequence[int], base: Locator) -> None:
        self.offsets = offsets
        self.base = base

    def __call__(self, offset: int) -> tuple[int, int]:
        if not self.offsets:
            return self.base(0)
        return self.base(self.offsets[min(max(offset, 0), len(self.offsets) - 1)])


class LineLocator:
    """A text whose line ``k`` (0-based) starts in the file at ``lines[k]`` (line, column):
    a block scalar's content, found line by line in the file it came from."""

    __slots__ = ("_text", "lines")

    def __init__(self, text: str, lines: Sequence[tuple[int, int]]) -> None:
        self._text = TextLocator(text)
        self.lines = lines

    def __call__(self, offset: int) -> tuple[int, int]:
        line, column = self._text(offset)
        if not self.lines:
            return line, column
        index = min(line - 1, len(self.lines) - 1)
        file_line, file_column = self.lines[index]
        return file_line, file_column + column - 1


SEARCH_SLACK = 8  # extra file lines a block scalar's line may be looked for in


def block_locator(file_lines: Sequence[str], row: int, value: str) -> LineLocator:
    """Each line of a block scalar (``value``), found in order in ``file_lines`` from
    ``row`` (0-based) on; a line that is not found stays on the line after the last one
    found."""
    found: list[tuple[int, int]] = []
    cursor = row
    limit = min(len(file_lines), row + value.count("\n") + SEARCH_SLACK + 1)
    for text in value.split("\n"):
        position: tuple[int, int] | None = None
        if text.strip():
            for k in range(cursor, limit):
                at = file_lines[k].find(text)
                if at >= 0:
                    position = (k + 1, at + 1)
                    cursor = k + 1
                    break
        if position is None:
            position = (max(min(cursor + 1, len(file_lines)), 1), 1)
            if not text.strip() and cursor < limit:
                cursor += 1
        found.append(position)
    return LineLocator(value, found)


@dataclass(frozen=True, slots=True)
class Located:
    """A note or problem at a place in a file."""

    line: int
    column: int
    message: str

    def location(self, path: str) -> Location:
        return Location(path=path, line=self.line, column=self.column)
