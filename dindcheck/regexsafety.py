"""Refuse regular expressions that backtrack catastrophically, and bound what they read.

A user rule's ``pattern`` runs on values taken from hostile files and engines. Python's
``re`` backtracks, so ``^(a+)+$`` takes exponential time on ``aaaa…b``. Rather than a
new engine, :func:`check_pattern` walks the parse tree Python's own compiler builds and
refuses the shapes that make backtracking blow up:

* a repeat whose body, read twice in a row, has two variable repeats that can take the
  same characters with nothing forcing where one ends (``(a+)+``, ``(\\w+\\s?)*``,
  ``(a*b*)*``): nested quantifiers;
* a repeat over alternatives that can start with the same character (``(a|ab)*``,
  ``(x|x?)+``, an empty alternative);
* two variable repeats in one sequence that can take the same characters with nothing
  mandatory in between that one of them cannot take (``\\d+\\d+``, ``.*x?.*``).

What remains is at worst quadratic (a search retried at every position), and
:data:`MAX_PATTERN_INPUT` bounds the string a pattern reads. Character sets are
approximated from above (any non-ASCII class may overlap any other), so a refusal may be
cautious, never lax.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Any

# Patterns read at most this many characters of a value (its start).
MAX_PATTERN_INPUT = 1024

_parser: Any = importlib.import_module("re._parser")
_MAXREPEAT: int = _parser.MAXREPEAT
_REPEATS = {"MAX_REPEAT", "MIN_REPEAT"}
# Repeats and groups that never backtrack into themselves.
_ATOMIC = {"POSSESSIVE_REPEAT", "ATOMIC_GROUP"}
_ZERO_WIDTH = {"AT", "ASSERT", "ASSERT_NOT"}

_ASCII = frozenset(range(128))
_DIGITS = frozenset(range(ord("0"), ord("9") + 1))
_SPACE = frozenset(map(ord, " \t\n\r\f\v"))
_WORD = frozenset(c for c in range(128) if chr(c).isalnum()) | {ord("_")}


class UnsafePattern(ValueError):
    """A pattern whose matching time can blow up; the message says which part."""


# Non-ASCII characters, by which of \d, \w and \s they match: enough to tell whether
# two classes can share a character.
_DIGIT, _LETTER, _SPACE_U, _OTHER = "digit", "letter", "space", "other"
_ALL_U = frozenset({_DIGIT, _LETTER, _SPACE_U, _OTHER})


@dataclass(frozen=True, slots=True)
class _Chars:
    """An over-approximation of the characters one position can match."""

    ascii: frozenset[int]
    other: frozenset[str]  # the kinds of non-ASCII characters it may match

    def overlaps(self, other: _Chars) -> bool:
        return bool(self.ascii & other.ascii) or bool(self.other & other.other)

    def __or__(self, other: _Chars) -> _Chars:
        return _Chars(self.ascii | other.ascii, self.other | other.other)

    def folded(self) -> _Chars:
        """Both cases of every ASCII letter (for IGNORECASE)."""
        return _Chars(self.ascii | {ord(chr(c).swapcase()) for c in self.ascii
                                    if chr(c).isalpha()}, self.other)


_ANY = _Chars(_ASCII, _ALL_U)
_NONE = _Chars(frozenset(), frozenset())
_CATEGORIES = {
    "CATEGORY_DIGIT": _Chars(_DIGITS, frozenset({_DIGIT})),
    "CATEGORY_NOT_DIGIT": _Chars(_ASCII - _DIGITS, _ALL_U - {_DIGIT}),
    "CATEGORY_SPACE": _Chars(_SPACE, frozenset({_SPACE_U})),
    "CATEGORY_NOT_SPACE": _Chars(_ASCII - _SPACE, _ALL_U - {_SPACE_U}),
    "CATEGORY_WORD": _Chars(_WORD, frozenset({_DIGIT, _LETTER})),
    "CATEGORY_NOT_WORD": _Chars(_ASCII - _WORD, frozenset({_SPACE_U, _OTHER})),
}


def _kind(code: int) -> str:
    char = chr(code)
    if re.match(r"\d", char):
        return _DIGIT
    if re.match(r"\w", char):
        return _LETTER
    return _SPACE_U if re.match(r"\s", char) else _OTHER


def _literal(code: int) -> _Chars:
    if code < 128:
        return _Chars(frozenset({code}), frozenset())
    return _Chars(frozenset(), frozenset({_kind(code)}))


def _in_set(items: list[tuple[Any, Any]]) -> _Chars:
    chars = _NONE
    negate = False
    for op, arg in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chars = chars | _literal(arg)
        elif name == "RANGE":
            low, high = arg
            chars = chars | _Chars(frozenset(range(low, min(high, 127) + 1)),
                                   _ALL_U if high >= 128 else frozenset())
        elif name == "CATEGORY":
            chars = chars | _CATEGORIES.get(str(arg), _ANY)
        else:
            return _ANY
    return _Chars(_ASCII - chars.ascii, _ALL_U) if negate else chars


def _single(op: str, arg: Any) -> _Chars | None:
    """The characters of an item that matches exactly one character, else None."""
    if op == "LITERAL":
        return _literal(arg)
    if op == "NOT_LITERAL":
        return _Chars(_ASCII - {arg}, _ALL_U)
    if op == "ANY":
        return _ANY
    if op == "IN":
        return _in_set(arg)
    return None


def _chars_of(items: Any, fold: bool) -> _Chars:
    """Every character a sequence may match anywhere (an over-approximation)."""
    chars = _NONE
    for op, arg in items:
        name = str(op)
        single = _single(name, arg)
        if single is not None:
            chars = chars | (single.folded() if fold else single)
        elif name in _REPEATS or name == "POSSESSIVE_REPEAT":
            chars = chars | _chars_of(arg[2], fold)
        elif name in ("SUBPATTERN", "ATOMIC_GROUP"):
            chars = chars | _chars_of(arg[-1] if name == "SUBPATTERN" else arg, fold)
        elif name == "BRANCH":
            for alternative in arg[1]:
                chars = chars | _chars_of(alternative, fold)
        elif name in _ZERO_WIDTH:
            continue
        else:
            return _ANY
    return chars


def _last(items: Any, fold: bool) -> _Chars:
    """The characters a sequence may end with; any, when it may match nothing."""
    for op, arg in reversed(items):
        name = str(op)
        if name in _ZERO_WIDTH:
            continue
        single = _single(name, arg)
        if single is not None:
            return single.folded() if fold else single
        if name == "SUBPATTERN":
            return _last(arg[-1], fold)
        if name == "BRANCH":
            chars = _NONE
            for alternative in arg[1]:
                chars = chars | _last(alternative, fold)
            return chars
        if name in _REPEATS and arg[0] >= 1:
            return _last(arg[2], fold)
        return _ANY
    return _ANY


def _first(items: Any, fold: bool) -> _Chars:
    """The characters a sequence may start with; any, when it may match nothing."""
    for op, arg in items:
        name = str(op)
        if name in _ZERO_WIDTH:
            continue
        single = _single(name, arg)
        if single is not None:
            return single.folded() if fold else single
        if name == "SUBPATTERN":
            return _first(arg[-1], fold)
        if name == "BRANCH":
            chars = _NONE
            for alternative in arg[1]:
                chars = chars | _first(alternative, fold)
            return chars
        if name in _REPEATS and arg[0] >= 1:
            return _first(arg[2], fold)
        return _ANY
    return _ANY


_ADJACENT = ("two repeats next to each other can match the same text (e.g. \\d+\\d+ or "
             ".*x?.*); write the pattern so that something one of them cannot match "
             "separates them")
_NESTED = ("a repeated group can match the same text in more than one way (nested "
           "quantifiers such as (a+)+ or (\\w+\\s?)*)")


def _adjacent(items: Any, fold: bool) -> bool:
    """Whether two variable repeats of this sequence (not nested deeper) can take the
    same characters with nothing mandatory between them that one of them cannot take."""
    open_repeats: list[tuple[_Chars, _Chars]] = []  # (all characters, last characters)
    for op, arg in _flatten(items):
        name = str(op)
        if name in _REPEATS:
            low, high, body = arg
            if high > low:
                chars, first = _chars_of(body, fold), _first(body, fold)
                # The earlier repeat could hand text to this one: it can take what this
                # one starts with, and this one can take what it ends with.
                if any(first.overlaps(o) and chars.overlaps(last) for o, last in open_repeats):
                    return True
                open_repeats.append((chars, _last(body, fold)))
            if low >= 1 and len(body) == 1 and _single(str(body[0][0]), body[0][1]):
                mandatory = _first(body, fold)
                open_repeats = [o for o in open_repeats if o[0].overlaps(mandatory)]
            continue
        single = _single(name, arg)
        if single is not None:
            chars = single.folded() if fold else single
            open_repeats = [o for o in open_repeats if o[0].overlaps(chars)]
        elif name in _ATOMIC:
            open_repeats = []
    return False


def _walk(items: Any, fold: bool, where: str, depth: int = 0) -> None:
    """Check a sequence and every sequence nested in it."""
    if depth > 100:
        raise UnsafePattern(f"{where}: nested too deeply")
    if _adjacent(items, fold):
        raise UnsafePattern(f"{where}: {_ADJACENT}")
    for op, arg in _flatten(items):
        name = str(op)
        if name in _REPEATS:
            _, high, body = arg
            _walk(body, fold, where, depth + 1)
            if high > 1:
                for inner_op, inner_arg in _flatten(body):
                    if str(inner_op) == "BRANCH":
                        _check_alternatives(inner_arg[1], fold, where)
                if _adjacent([*body, *body], fold):
                    raise UnsafePattern(f"{where}: {_NESTED}")
        elif name == "POSSESSIVE_REPEAT":
            _walk(arg[2], fold, where, depth + 1)
        elif name == "ATOMIC_GROUP":
            _walk(arg, fold, where, depth + 1)
        elif name == "BRANCH":
            for alternative in arg[1]:
                _walk(alternative, fold, where, depth + 1)
        elif name in ("ASSERT", "ASSERT_NOT"):
            _walk(arg[1], fold, where, depth + 1)
        elif name == "GROUPREF_EXISTS":
            for branch in arg[1:]:
                if branch is not None:
                    _walk(branch, fold, where, depth + 1)


def _flatten(items: Any) -> list[tuple[Any, Any]]:
    """Items with plain groups opened: a group matched once is part of its sequence."""
    result: list[tuple[Any, Any]] = []
    for op, arg in items:
        if str(op) == "SUBPATTERN":
            result.extend(_flatten(arg[-1]))
        else:
            result.append((op, arg))
    return result


def _check_alternatives(alternatives: Any, fold: bool, where: str) -> None:
    firsts = [_first(alternative, fold) for alternative in alternatives]
    for i, a in enumerate(firsts):
        for b in firsts[i + 1:]:
            if a.overlaps(b):
                raise UnsafePattern(
                    f"{where}: alternatives inside a repeat can start with the same "
                    "character (e.g. (a|ab)* or an empty alternative)")


def check_pattern(pattern: str, where: str = "pattern") -> re.Pattern[str]:
    """The compiled pattern, or :class:`UnsafePattern` (or ``re.error``) for one that can
    backtrack catastrophically."""
    compiled = re.compile(pattern)
    parsed = _parser.parse(pattern, 0)
    # IGNORECASE for the whole pattern, or for a group: (?i:...), (?mi), (?x-i:...)...
    fold = bool(parsed.state.flags & re.IGNORECASE) \
        or re.search(r"\(\?[a-zA-Z]*i", pattern) is not None
    _walk(list(parsed), fold, where)
    return compiled


def bounded_search(regex: re.Pattern[str], text: str) -> bool:
    """Whether ``regex`` matches in the first :data:`MAX_PATTERN_INPUT` characters."""
    return regex.search(text[:MAX_PATTERN_INPUT]) is not None
