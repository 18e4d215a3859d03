"""``.env`` and ``env_file`` parsing, as compose-go's ``dotenv`` package does it.

A file is a series of statements: ``KEY=VALUE`` or ``KEY: VALUE`` (``export`` allowed in
front), or a bare ``KEY`` that takes its value from the lookup when it has one. Keys are
letters, digits, ``_ . - [ ]``; a space inside a key or any other character is an error.
Unquoted values end at the line end or at `` #``; single-quoted values are literal but for
``\\'``; double-quoted values may span lines and understand ``\\a \\b \\f \\n \\r \\t \\v
\\\\ \\" \\$ \\0NNN``. Unquoted and double-quoted values are interpolated with the lookup
first and the file's earlier values second (such a value keeps its written form, as an
:class:`Interpolated`). An unterminated quote, a bad key or an invalid
template is a :class:`DotenvError` with its line; its message never quotes the file (values
are secrets).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from dindcheck.sources.compose.interpolate import (
    Interpolated,
    TemplateError,
    Unresolved,
    substitute,
)

# Go's unicode.IsSpace, less the line breaks (compose-go's isSpace): \t \v \f \r space NEL NBSP
_SPACE = "\t\v\f\r \x85\xa0"
_KEY_PUNCTUATION = frozenset("_.-[]")
_EXPORT = re.compile(r"export[\t\n\f\r ]+")
_ESCAPE = re.compile(r"\\(?:[abcfnrtv$\"\\]|0[0-9]{0,3})")
_ESCAPES = {"a": "\a", "b": "\b", "c": "\\c", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
            "v": "\v", '"': '"', "\\": "\\", "$": "$$"}


class DotenvError(Exception):
    """A statement compose refuses; ``line`` is 1-based."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(slots=True)
class Dotenv:
    """The values of one file (in file order), the line each was set on, and the variables
    interpolation found without a value."""

    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    unresolved: Unresolved = field(default_factory=Unresolved)


def parse_dotenv(text: str, lookup: Callable[[str], str | None] | None = None,
                 into: Mapping[str, str] | None = None) -> Dotenv:
    """Parse ``text``; ``lookup`` answers bare keys and references first, then the values
    already read (starting with ``into``, as compose does for a service's ``env_file``)."""
    parser = _Parser(text.removeprefix("\ufeff"), lookup or _nothing, dict(into or {}))
    parser.parse()
    return parser.result


def _nothing(_: str) -> str | None:
    return None


class _Parser:
    __slots__ = ("known", "line", "lookup", "pos", "result", "text")

    def __init__(self, text: str, lookup: Callable[[str], str | None],
                 known: dict[str, str]) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.lookup = lookup
        self.known = known
        self.result = Dotenv()

    def parse(self) -> None:
        while self._statement_start():
            line = self.line
            key, inherited = self._key()
            if " " in key:
                raise DotenvError("a key cannot contain a space", line)
            if inherited:
                value = self.lookup(key)
                if value is not None:
                    self._set(key, value, line)
                continue
            self._set(key, self._value(line), line)

    def _set(self, key: str, value: str, line: int) -> None:
        self.result.values[key] = value
        self.result.lines[key] = line
        self.known[key] = value

    def _statement_start(self) -> bool:
        """Skip blank space and comment lines; False at the end of the text."""
        text, n = self.text, len(self.text)
        while True:
            while self.pos < n and text[self.pos] in _SPACE + "\n":
                if text[self.pos] == "\n":
                    self.line += 1
                self.pos += 1
            if self.pos >= n:
                return False
            if text[self.pos] != "#":
                return True
            newline = text.find("\n", self.pos)
            if newline < 0:
                self.pos = n
                return False
            self.pos = newline

    def _key(self) -> tuple[str, bool]:
        text, n = self.text, len(self.text)
        export = _EXPORT.match(text, self.pos)
        if export:
            self.pos += len("export")
            while self.pos < n and text[self.pos] in _SPACE:
                self.pos += 1
        start = i = self.pos
        while i < n:
            c = text[i]
            if c in "=:\n":
                key = text[start:i].rstrip(_SPACE + "\n")
                self.pos = i + 1
                if c == "\n":
                    self.line += 1
                    return key, True
                while self.pos < n and text[self.pos] in _SPACE:
                    self.pos += 1
                return key, False
            if not (c in _SPACE or c in _KEY_PUNCTUATION or c.isalpha() or _is_number(c)):
                raise DotenvError(f"unexpected character {c!r} in a variable name", self.line)
            i += 1
        # The last statement has no separator: compose reads it as a value with no key.
        return "", False

    def _value(self, line: int) -> str:
        text, n = self.text, len(self.text)
        quote = text[self.pos] if self.pos < n and text[self.pos] in "'\"" else ""
        if not quote:
            end = text.find("\n", self.pos)
            end = n if end < 0 else end
            raw = text[self.pos:end]
            self.pos = end + 1
            self.line += 1
            raw = raw.split(" #", 1)[0].rstrip()
            return self._expand(raw, line)
        chars: list[str] = []
        escaped = False
        i = self.pos + 1
        while i < n:
            c = text[i]
            if c == "\n":
                self.line += 1
            if c != quote:
                if not escaped and c == "\\":
                    escaped = True
                elif escaped:
                    escaped = False
                    chars.append("\\" + c)
                else:
                    chars.append(c)
            elif escaped:
                escaped = False
                chars.append(c)
            else:
                self.pos = i + 1
                value = "".join(chars)
                return self._expand(_unescape(value), line) if quote == '"' else value
            i += 1
        raise DotenvError("unterminated quoted value", line)

    def _expand(self, value: str, line: int) -> str:
        if "$" not in value:
            return value
        known = self.known

        def lookup(name: str) -> str | None:
            found = self.lookup(name)
            return known.get(name) if found is None else found

        found = Unresolved()
        try:
            expanded = substitute(value, lookup, found)
        except TemplateError as exc:
            raise DotenvError(exc.message, line) from None
        self.result.unresolved.missing |= found.missing
        self.result.unresolved.required |= found.required
        return Interpolated(expanded, value, found.names())


def _is_number(c: str) -> bool:
    """Go's unicode.IsNumber: any digit or numeric character (Nd, Nl, No)."""
    return c.isnumeric()


def _unescape(value: str) -> str:
    """compose-go's ``expandEscapes``: shell-echo escapes in double-quoted values."""
    if "\\" not in value:
        return value

    def one(match: re.Match[str]) -> str:
        body = match.group()[1:]
        if body[0] == "0":  # \0NNN: exactly three octal digits up to 0377, else kept as is
            digits = body[1:]
            if len(digits) == 3 and all(d in "01234567" for d in digits) and digits <= "377":
                return chr(int(digits, 8))
            return match.group()
        return _ESCAPES[body]

    return _ESCAPE.sub(one, value)
