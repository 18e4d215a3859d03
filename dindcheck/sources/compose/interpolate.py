"""Compose variable interpolation (``$VAR``, ``${VAR:-default}``, ...), as compose computes it.

The rules are those of compose-go's ``template`` package, which ``docker compose`` uses:

- ``$$`` is a literal ``$``; ``$`` before anything that cannot start a name is literal.
- ``$NAME`` and ``${NAME}`` take the variable's value; an unset variable becomes ``""``
  (compose warns). ``${NAME:-x}``/``${NAME-x}`` default when empty-or-unset / unset,
  ``${NAME:+x}``/``${NAME+x}`` replace when non-empty / set, ``${NAME:?msg}``/``${NAME?msg}``
  require a value. Operands are interpolated themselves, only when used.
- A braced variable with an operator reaches to the last ``}`` of its line and is then cut at
  the ``}`` that balances its ``{`` (so ``${JSON:-{"a":1}}`` keeps the braces of its default).
- ``${``, ``${}``, ``${ x}``, ``${x!}`` are invalid templates: compose refuses the file.

Two deliberate differences, because a lint runs without the deployment's environment:
a variable a ``${NAME:?msg}`` requires, when missing, is recorded (and evaluates to ``""``)
instead of refusing the file; and every interpolated scalar is an :class:`Interpolated`
string that keeps the text as written, so that reports can show ``${TOKEN}`` rather than a
secret's value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dindcheck.yamlload import Mark, PosDict, PosList

# compose-go matches names with (?i)[_a-z][_a-z0-9]*; Go's case folding lets two non-ASCII
# letters fold onto ASCII ones (U+017F onto s, U+212A onto k), so they are name letters too.
_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_\u017f\u212a")
_NAME_CHARS = _NAME_START | frozenset("0123456789")
_OPERATORS = ("-", "+", "?")

# Defaults nest (``${A:-${B:-...}}``); past this depth the text is refused rather than
# recursed into. No real file comes near it.
MAX_NESTING = 64


class TemplateError(Exception):
    """An invalid template: compose refuses the file."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Interpolated(str):
    """A scalar after interpolation: its value is what compose computes; ``written`` is the
    text as written and ``unresolved`` the variables it used that had no value."""

    __slots__ = ("unresolved", "written")
    written: str
    unresolved: tuple[str, ...]

    def __new__(cls, value: str, written: str,
                unresolved: tuple[str, ...] = ()) -> Interpolated:
        text = super().__new__(cls, value)
        text.written = written
        text.unresolved = unresolved
        return text

    def __reduce__(self) -> tuple[type[Interpolated], tuple[str, str, tuple[str, ...]]]:
        """Pickled with what it was written as: a parallel lint sends it back from its
        workers (inside evidence and subjects)."""
        return Interpolated, (str(self), self.written, self.unresolved)


def written_form(value: object) -> object:
    """The text as written for an interpolated scalar (what a report shows); any other
    value unchanged."""
    return value.written if isinstance(value, Interpolated) else value


@dataclass(slots=True)
class Unresolved:
    """Variables an interpolation used without a value: ``missing`` were plain references
    (compose substitutes ``""`` and warns), ``required`` were ``${NAME:?...}``."""

    missing: set[str] = field(default_factory=set)
    required: set[str] = field(default_factory=set)

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self.missing | self.required))


Lookup = Callable[[str], "str | None"]


def substitute(text: str, lookup: Lookup, unresolved: Unresolved | None = None) -> str:
    """``text`` with its variables substituted; :class:`TemplateError` when it is invalid."""
    if "$" not in text:
        return text
    return _Substitution(lookup, unresolved or Unresolved()).run(text, 0)


def interpolate(text: str, lookup: Lookup) -> str:
    """``text`` interpolated; an :class:`Interpolated` when it holds a ``$`` at all."""
    if "$" not in text:
        return text
    found = Unresolved()
    value = substitute(text, lookup, found)
    return Interpolated(value, text, found.names())


class _Substitution:
    __slots__ = ("last_brace", "lookup", "unresolved")

    def __init__(self, lookup: Lookup, unresolved: Unresolved) -> None:
        self.lookup = lookup
        self.unresolved = unresolved
        self.last_brace: dict[int, int] = {}

    def run(self, text: str, depth: int) -> str:
        if depth > MAX_NESTING:
            raise TemplateError(f"variables nested deeper than {MAX_NESTING} levels")
        out: list[str] = []
        i, n = 0, len(text)
        self.last_brace = {}
        while True:
            dollar = text.find("$", i)
            if dollar < 0:
                out.append(text[i:])
                return "".join(out)
            out.append(text[i:dollar])
            nxt = text[dollar + 1] if dollar + 1 < n else ""
            if nxt == "$":
                out.append("$")
                i = dollar + 2
            elif nxt and nxt in _NAME_START:
                stop = _name_end(text, dollar + 1)
                out.append(self._value(text[dollar + 1:stop]))
                i = stop
            elif nxt == "{":
                i = self._braced(text, dollar, out, depth)
            else:
                out.append("$")
                i = dollar + 1

    def _value(self, name: str) -> str:
        value = self.lookup(name)
        if value is None:
            self.unresolved.missing.add(name)
            return ""
        return value

    def _braced(self, text: str, dollar: int, out: list[str], depth: int) -> int:
        """Handle ``${`` at ``dollar``; append the expansion, return where to go on."""
        start = dollar + 2
        if start >= len(text) or text[start] not in _NAME_START:
            raise TemplateError(_INVALID)
        stop = _name_end(text, start)
        after = text[stop] if stop < len(text) else ""
        if after == "}":
            out.append(self._value(text[start:stop]))
            return stop + 1
        if after == ":" and stop + 1 < len(text) and text[stop + 1] in _OPERATORS:
            operator = text[stop:stop + 2]
        elif after and after in _OPERATORS:
            operator = after
        else:
            raise TemplateError(_INVALID)
        last = self._last_brace(text, stop)
        if last < 0:
            raise TemplateError(_INVALID)
        close = _balancing_brace(text, dollar, last)
        operand = text[stop + len(operator):close]
        out.append(self._operator(text[start:stop], operator, operand, depth))
        return close + 1

    def _last_brace(self, text: str, start: int) -> int:
        """The last ``}`` on the line of ``start`` (compose's ``(.*)}`` is greedy and does
        not cross a newline)."""
        line_end = text.find("\n", start)
        if line_end < 0:
            line_end = len(text)
        last = self.last_brace.get(line_end)
        if last is None:
            last = text.rfind("}", 0, line_end)
            self.last_brace[line_end] = last
        return last if last > start else -1

    def _operator(self, name: str, operator: str, operand: str, depth: int) -> str:
        value = self.lookup(name)
        if operator in (":-", "-"):
            if value is None or (operator == ":-" and value == ""):
                return self._nested(operand, depth)
            return value
        if operator in (":+", "+"):
            if value is not None and (operator == "+" or value != ""):
                return self._nested(operand, depth)
            return value or ""
        if value is None or (operator == ":?" and value == ""):
            self._nested(operand, depth)  # an invalid message is still an invalid template
            self.unresolved.required.add(name)
            return ""
        return value

    def _nested(self, operand: str, depth: int) -> str:
        if "$" not in operand:
            return operand
        saved = self.last_brace
        try:
            return self.run(operand, depth + 1)
        finally:
            self.last_brace = saved


def _name_end(text: str, start: int) -> int:
    stop = start
    while stop < len(text) and text[stop] in _NAME_CHARS:
        stop += 1
    return stop


def _balancing_brace(text: str, dollar: int, last: int) -> int:
    """compose-go's cut of a braced match (``getFirstBraceClosingIndex``): count ``{`` (the
    character after each one is skipped) and ``}`` from ``dollar``; the ``}`` that brings
    the count back to zero ends the variable, else the match ends at ``last``."""
    depth = 0
    i = dollar
    while i <= last:
        c = text[i]
        if c == "}":
            depth -= 1
            if depth == 0:
                return i
        if c == "{":
            depth += 1
            i += 1
        i += 1
    return last


# The message does not quote the text, which may hold a secret written in place.
_INVALID = "invalid interpolation format: a variable is written ${NAME}, a literal $ as $$"


def interpolate_tree(value: Any, lookup: Lookup, found: Unresolved,
                     problem: Callable[[str, Mark | None], None]) -> Any:
    """Interpolate every string value (not keys) under ``value``, in place; returns the new
    value for a bare string. An invalid template is reported at its key or item and left
    as written."""
    if isinstance(value, str):
        return _interpolate_one(value, lookup, found, problem, None)
    stack = [value]
    while stack:
        container = stack.pop()
        if isinstance(container, PosDict):
            for key, item in container.items():
                if isinstance(item, str):
                    if "$" in item:
                        container[key] = _interpolate_one(
                            item, lookup, found, problem, container.key_marks.get(key))
                elif isinstance(item, PosDict | PosList):
                    stack.append(item)
        elif isinstance(container, PosList):
            for index, item in enumerate(container):
                if isinstance(item, str):
                    if "$" in item:
                        container[index] = _interpolate_one(
                            item, lookup, found, problem, container.item_mark(index))
                elif isinstance(item, PosDict | PosList):
                    stack.append(item)
    return value


def _interpolate_one(text: str, lookup: Lookup, found: Unresolved,
                     problem: Callable[[str, Mark | None], None], mark: Mark | None) -> str:
    if "$" not in text:
        return text
    here = Unresolved()
    try:
        value = substitute(text, lookup, here)
    except TemplateError as exc:
        problem(exc.message, mark)
        return text
    found.missing |= here.missing
    found.required |= here.required
    return Interpolated(value, text, here.names())
