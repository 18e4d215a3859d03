"""Compose variable interpolation (``$VAR``, ``${VAR:-default}``, ...) and ``.env`` files.

Unlike docker compose, nothing here raises: a variable that has no value and no default
(and a ``${VAR:?message}`` whose variable is missing) is left exactly as written and its
name is added to the caller's ``unresolved`` set, so a lint can still point at the text
the author wrote.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableSet
from pathlib import Path
from typing import Any

from dindcheck.yamlload import PosDict, PosList

_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NAME_CHARS = _NAME_START | frozenset("0123456789")
# Longest operators first so ":-" is not read as ":" followed by "-".
_OPERATORS = (":-", ":?", ":+", "-", "?", "+")


def interpolate(text: str, lookup: Mapping[str, str], unresolved: MutableSet[str]) -> str:
    """``text`` with its variables substituted from ``lookup``."""
    if "$" not in text:
        return text
    return _Expander(text, lookup, unresolved).expand(0, len(text))


def interpolate_tree(value: Any, lookup: Mapping[str, str], unresolved: MutableSet[str]) -> Any:
    """Interpolate every string in ``value``, in place for PosDict/PosList containers.

    Keys are left alone; values keep their marks because containers are updated in place.
    Returns the (possibly new) value so that a bare string can be interpolated too.
    """
    if isinstance(value, str):
        return interpolate(value, lookup, unresolved) if "$" in value else value
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str):
                if "$" in item:
                    value[key] = interpolate(item, lookup, unresolved)
            elif isinstance(item, dict | list):
                interpolate_tree(item, lookup, unresolved)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str):
                if "$" in item:
                    value[index] = interpolate(item, lookup, unresolved)
            elif isinstance(item, dict | list):
                interpolate_tree(item, lookup, unresolved)
    return value


def interpolate_mapping(mapping: PosDict, lookup: Mapping[str, str],
                        unresolved: MutableSet[str]) -> None:
    """Interpolate the values of ``mapping`` in place, skipping ``x-`` extension keys."""
    for key, item in mapping.items():
        if key.startswith("x-"):
            continue
        if isinstance(item, str):
            if "$" in item:
                mapping[key] = interpolate(item, lookup, unresolved)
        elif isinstance(item, PosDict | PosList):
            interpolate_tree(item, lookup, unresolved)


def find_closing_brace(text: str, start: int, end: int) -> int:
    """Index of the ``}`` that closes a ``${`` whose body starts at ``start``; -1 if none.

    Nested ``${...}`` and ``$$`` escapes inside the body are skipped over.
    """
    depth = 0
    i = start
    while i < end:
        c = text[i]
        if c == "$" and i + 1 < end:
            nxt = text[i + 1]
            if nxt == "$":
                i += 2
                continue
            if nxt == "{":
                depth += 1
                i += 2
                continue
        elif c == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1


class _Expander:
    """Expands one string; operands of ``${VAR:-...}`` are expanded only when used."""

    __slots__ = ("lookup", "text", "unresolved")

    def __init__(self, text: str, lookup: Mapping[str, str],
                 unresolved: MutableSet[str]) -> None:
        self.text = text
        self.lookup = lookup
        self.unresolved = unresolved

    def expand(self, start: int, end: int) -> str:
        text = self.text
        out: list[str] = []
        i = start
        while i < end:
            dollar = text.find("$", i, end)
            if dollar < 0:
                out.append(text[i:end])
                break
            out.append(text[i:dollar])
            i = self._dollar(dollar, end, out)
        return "".join(out)

    def _dollar(self, at: int, end: int, out: list[str]) -> int:
        """Handle the ``$`` at ``at``; append the expansion and return where to continue."""
        text = self.text
        nxt = text[at + 1] if at + 1 < end else ""
        if nxt == "$":
            out.append("$")
            return at + 2
        if nxt == "{":
            return self._braced(at, end, out)
        if nxt in _NAME_START:
            stop = at + 1
            while stop < end and text[stop] in _NAME_CHARS:
                stop += 1
            name = text[at + 1:stop]
            value = self.lookup.get(name)
            if value is None:
                self.unresolved.add(name)
                out.append(text[at:stop])
            else:
                out.append(value)
            return stop
        out.append("$")  # "$" before something that is not a name: literal
        return at + 1

    def _braced(self, at: int, end: int, out: list[str]) -> int:
        text = self.text
        close = find_closing_brace(text, at + 2, end)
        if close < 0:  # unterminated: keep the rest as written
            out.append(text[at:end])
            return end
        raw = text[at:close + 1]
        name_end = at + 2
        while name_end < close and text[name_end] in _NAME_CHARS:
            name_end += 1
        name = text[at + 2:name_end]
        if not name or name[0] not in _NAME_START:
            out.append(raw)  # "${}" or "${1x}": invalid, keep as written
            return close + 1
        if name_end == close:
            value = self.lookup.get(name)
            if value is None:
                self.unresolved.add(name)
                out.append(raw)
            else:
                out.append(value)
            return close + 1
        op = next((o for o in _OPERATORS if text.startswith(o, name_end)), None)
        if op is None:
            out.append(raw)  # "${VAR/x}" and other shell forms compose does not support
            return close + 1
        out.append(self._operator(name, op, name_end + len(op), close, raw))
        return close + 1

    def _operator(self, name: str, op: str, body: int, close: int, raw: str) -> str:
        value = self.lookup.get(name)
        present = value is not None if op in ("-", "?", "+") else bool(value)
        if op in (":-", "-"):
            return value if present and value is not None else self.expand(body, close)
        if op in (":?", "?"):
            if present and value is not None:
                return value
            self.unresolved.add(name)
            return raw
        return self.expand(body, close) if present else ""  # ":+" and "+"


def parse_dotenv(text: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Parse a compose ``.env`` file: ``KEY=VALUE`` lines, quotes, ``export``, comments.

    Double-quoted values may span lines and understand ``\\n``-style escapes; single-quoted
    values are literal; unquoted values end at the line end or at `` #``. Unquoted and
    double-quoted values may refer to earlier keys or to ``environ`` (``${VAR}``).
    Lines that are not ``KEY=VALUE`` are skipped.
    """
    result: dict[str, str] = {}
    lookup: dict[str, str] = dict(environ or {})
    ignored: set[str] = set()
    i, n = 0, len(text)
    while i < n:
        line_end = text.find("\n", i)
        if line_end < 0:
            line_end = n
        line = text[i:line_end].strip()
        if not line or line.startswith("#") or "=" not in line:
            i = line_end + 1
            continue
        start = i + (len(text[i:line_end]) - len(text[i:line_end].lstrip()))
        eq = text.index("=", start)
        key = text[start:eq].strip()
        if key.startswith(("export ", "export\t")):
            key = key[len("export"):].strip()
        value, i = _dotenv_value(text, eq + 1, n)
        if not key or any(c.isspace() for c in key):
            continue
        if value.quote != "'":
            value.text = interpolate(value.text, lookup, ignored)
        result[key] = value.text
        lookup.setdefault(key, value.text)
    return result


class _DotenvValue:
    __slots__ = ("quote", "text")

    def __init__(self, text: str, quote: str) -> None:
        self.text = text
        self.quote = quote


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "$": "$$"}


def _dotenv_value(text: str, i: int, n: int) -> tuple[_DotenvValue, int]:
    """The value starting at ``i`` and the index of the next line."""
    while i < n and text[i] in " \t":
        i += 1
    quote = text[i] if i < n and text[i] in "'\"" else ""
    if quote:
        chars: list[str] = []
        j = i + 1
        while j < n and text[j] != quote:
            if quote == '"' and text[j] == "\\" and j + 1 < n:
                chars.append(_ESCAPES.get(text[j + 1], "\\" + text[j + 1]))
                j += 2
                continue
            chars.append(text[j])
            j += 1
        line_end = text.find("\n", j)
        return _DotenvValue("".join(chars), quote), (n if line_end < 0 else line_end + 1)
    line_end = text.find("\n", i)
    if line_end < 0:
        line_end = n
    raw = text[i:line_end]
    for k, c in enumerate(raw):
        if c == "#" and (k == 0 or raw[k - 1] in " \t"):
            raw = raw[:k]
            break
    return _DotenvValue(raw.strip(), ""), line_end + 1


def load_dotenv(path: Path, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Values from a ``.env`` file; an absent or unreadable file gives none."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return {}
    return parse_dotenv(text, environ)
