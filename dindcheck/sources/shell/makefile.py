"""The shell in a Makefile: its recipe lines, as make hands them to the shell.

A recipe line starts with a tab after a rule line (``target: prerequisites``, or
``target: ; command``); make drops the tab and the ``@``/``-``/``+`` prefixes, keeps a
``\\``-newline for the shell (dropping the next line's leading tab) and expands
``$(VAR)``/``${VAR}`` itself, ``$$`` being a literal ``$`` for the shell. Make variables
are not expanded here: they are handed on as ``${VAR}`` (the same width, so columns
stay right), which the shell reader keeps as written. Variable definitions, directives
and ``define`` blocks are not recipes.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

_DIRECTIVE = re.compile(r"^\s*(?:ifeq|ifneq|ifdef|ifndef|else|endif|-?include|sinclude|"
                        r"override|unexport|vpath|export\s*$)\b")
_DEFINE = re.compile(r"^\s*(?:(?:override|export)\s+)*define\b")
_ENDEF = re.compile(r"^\s*endef\b")
_RULE = re.compile(r"^(?P<targets>[^:=#\t][^:=#]*?)\s*(?P<colons>::?)(?!=)(?P<rest>.*)$")
_PLAIN = re.compile(r"[^$\n]+")
_PREFIXES = re.compile(r"[@+\-\s]*")


@dataclass(slots=True)
class Recipes:
    """The recipe lines of a Makefile as one shell text; ``offsets[k]``: the file offset
    of the text's character ``k``; ``targets``: each rule's first target, ``lines``: the
    file line it is written on."""

    text: str = ""
    offsets: list[int] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)

    def target_at(self, line: int) -> str | None:
        """The rule whose recipe holds the file's ``line``."""
        index = bisect.bisect_right(self.lines, line) - 1
        return self.targets[index] if index >= 0 else None


def recipes(source: str) -> Recipes:
    out = _Writer()
    in_recipe = in_define = False
    lines = source.split("\n")
    offset = 0
    index = 0
    while index < len(lines):
        line_number = index + 1
        line = lines[index]
        line_start = offset
        offset += len(line) + 1
        index += 1
        if in_define:
            in_define = not _ENDEF.match(line)
            continue
        if line.startswith("\t") and in_recipe:
            index, offset = out.recipe(lines, index - 1, line_start)
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if _DEFINE.match(line):
            in_define = True
            continue
        if _DIRECTIVE.match(line):
            continue
        rule = _RULE.match(line) if _is_rule(line) else None
        if rule is None:
            in_recipe = False
            continue
        in_recipe = True
        targets = rule.group("targets").split()
        out.start_rule(targets[0] if targets else "", line_number)
        rest = rule.group("rest")
        semicolon = rest.find(";")
        if semicolon >= 0:
            start = line_start + rule.start("rest") + semicolon + 1
            out.line(source, start, line_start + len(line))
    out.result.text = "".join(out.parts)
    return out.result


def _is_rule(line: str) -> bool:
    """A ``:`` before any ``=`` (``X = a:b`` and ``X := y`` are assignments)."""
    colon = line.find(":")
    equals = line.find("=")
    if colon < 0:
        return False
    if equals >= 0 and equals < colon:
        return False
    return not line.startswith(("::=", ":="), colon)


class _Writer:
    def __init__(self) -> None:
        self.result = Recipes()
        self.parts: list[str] = []
        self.length = 0

    def start_rule(self, target: str, line: int) -> None:
        self.result.lines.append(line)
        self.result.targets.append(target)

    def emit(self, text: str, offsets: range | list[int]) -> None:
        self.parts.append(text)
        self.result.offsets.extend(offsets)
        self.length += len(text)

    def recipe(self, lines: list[str], index: int, line_start: int) -> tuple[int, int]:
        """Emit one logical recipe line (with its continuations); the next line's index
        and offset."""
        source_offset = line_start
        first = True
        while index < len(lines):
            line = lines[index]
            body_start = source_offset + (1 if line.startswith("\t") else 0)
            if first:
                prefix = _PREFIXES.match(line, 1)
                body_start = source_offset + (prefix.end() if prefix else 1)
            end = source_offset + len(line)
            self.convert(lines[index], body_start - source_offset, source_offset)
            index += 1
            source_offset = end + 1
            first = False
            backslashes = len(line) - len(line.rstrip("\\"))
            if backslashes % 2 == 0:
                break
        self.finish()
        return index, source_offset

    def line(self, source: str, start: int, end: int) -> None:
        line_start = source.rfind("\n", 0, start) + 1
        self.convert(source[line_start:end], start - line_start, line_start)
        self.finish()

    def finish(self) -> None:
        last = self.result.offsets[-1] if self.result.offsets else 0
        self.emit("\n", [last + 1])

    def convert(self, line: str, i: int, base: int) -> None:
        """Make's ``$`` syntax to the shell's: ``$$`` → ``$``, ``$(X)`` → ``${X}``."""
        n = len(line)
        while i < n:
            m = _PLAIN.match(line, i)
            if m:
                self.emit(m.group(), range(base + i, base + m.end()))
                i = m.end()
                continue
            nxt = line[i + 1] if i + 1 < n else ""
            if nxt == "$":
                self.emit("$", [base + i + 1])
                i += 2
            elif nxt == "(":
                close = _matching(line, i + 2, "(", ")")
                self.emit("${", [base + i, base + i + 1])
                self.emit(line[i + 2:close], range(base + i + 2, base + close))
                if close < n:
                    self.emit("}", [base + close])
                i = close + 1
            else:
                self.emit("$", [base + i])
                i += 1
        if line.endswith("\\") and (len(line) - len(line.rstrip("\\"))) % 2:
            self.emit("\n", [base + n])


def _matching(text: str, i: int, opener: str, closer: str) -> int:
    depth = 1
    while i < len(text):
        if text[i] == opener:
            depth += 1
        elif text[i] == closer:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(text)
