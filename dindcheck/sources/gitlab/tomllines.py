"""Where each key of a TOML file is written (``tomllib`` reads values, not positions).

A small line scanner: table headers (``[runners.docker]``, ``[[runners]]`` counted per
array), ``key = value`` lines, and the lines a multi-line array spans, so that a value
or one item of an array can be pointed at. It only locates: ``tomllib`` decides what
the file means, and a line this scanner misreads costs a less precise location.
"""

from __future__ import annotations

import re

Path = tuple[str | int, ...]
_KEY = re.compile(r"\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"
                  r"\"[^\"]*\"|'[^']*'))*)\s*=")
_HEADER = re.compile(r"\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")


def _parts(dotted: str) -> list[str]:
    return [p.strip().strip("\"'") for p in re.findall(r"\"[^\"]*\"|'[^']*'|[^.]+", dotted)]


class TomlLines:
    """``line(path)``: the 1-based line of a table or key; ``span(path)``: its lines."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.spans: dict[Path, tuple[int, int]] = {}
        self._scan()

    def line(self, path: Path) -> int | None:
        span = self.spans.get(path)
        return span[0] if span else None

    def item_line(self, path: Path, text: str) -> int | None:
        """The line, within the value at ``path``, where ``text`` is written."""
        span = self.spans.get(path)
        if span is None:
            return None
        for number in range(span[0], span[1] + 1):
            if text in self.lines[number - 1]:
                return number
        return span[0]

    def _scan(self) -> None:
        table: Path = ()
        counts: dict[Path, int] = {}
        number = 0
        while number < len(self.lines):
            raw = self.lines[number]
            number += 1
            header = _HEADER.match(raw)
            if header and not _KEY.match(raw):
                names = _parts(header.group(2))
                table = self._resolve(names, header.group(1) == "[[", counts)
                self.spans[table] = (number, number)
                continue
            key = _KEY.match(raw)
            if key is None:
                continue
            path = (*table, *_parts(key.group(1)))
            end = self._value_end(number, raw[key.end():])
            self.spans[path] = (number, end)
            number = end

    def _resolve(self, names: list[str], array: bool, counts: dict[Path, int]) -> Path:
        """A header's path, each array of tables replaced by its latest index."""
        path: Path = ()
        for i, name in enumerate(names):
            path = (*path, name)
            last = i == len(names) - 1
            if last and array:
                index = counts.get(path, -1) + 1
                counts[path] = index
                path = (*path, index)
            elif path in counts:
                path = (*path, counts[path])
        return path

    def _value_end(self, start: int, rest: str) -> int:
        """The last line of a value that starts on line ``start`` (arrays, long strings)."""
        depth = 0
        line = start
        text = rest
        quote: str | None = None
        while True:
            i = 0
            while i < len(text):
                ch = text[i]
                if quote is not None:
                    if text.startswith(quote, i):
                        i += len(quote)
                        quote = None
                        continue
                    if ch == "\\" and quote.startswith('"'):
                        i += 2
                        continue
                    i += 1
                    continue
                if text.startswith('"""', i) or text.startswith("'''", i):
                    quote = text[i:i + 3]
                    i += 3
                    continue
                if ch in "\"'":
                    quote = ch
                elif ch == "#":
                    break
                elif ch in "[{":
                    depth += 1
                elif ch in "]}":
                    depth -= 1
                i += 1
            if quote is not None and len(quote) == 1:
                quote = None  # a one-line string cannot go on to the next line
            if (depth <= 0 and quote is None) or line >= len(self.lines):
                return line
            text = self.lines[line]
            line += 1
