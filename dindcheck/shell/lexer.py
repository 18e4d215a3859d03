"""Split shell text into simple commands of words; every word keeps its offset.

This is a reader, not a shell: it knows what decides where words and commands begin
and end (blanks, quotes, escapes, ``\\``-newline continuations, operators, comments,
redirections, here-documents) and keeps every expansion as written (``$VAR``,
``${VAR:-x}``, ``$(cmd)``, backquotes). Commands inside ``$(…)``, backquotes and
``<(…)`` are read too (``id=$(docker run -d …)`` is a common way to start a container),
as commands of a deeper ``depth``. Here-document bodies are data for another program:
they are skipped, with a note when they mention docker.

Nothing here raises on bad input: an unterminated quote or substitution becomes a
located problem and the rest of the text is still read. Work is linear in the text
(ordinary characters are consumed by regular expressions, never one at a time), and
nested substitutions are read to a fixed depth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_DEPTH = 8  # substitutions within substitutions read; deeper ones are noted

_BLANKS = re.compile(r"[ \t\r\f\v]+")
# Ordinary characters of a word: anything that is not a blank, a quote, an escape, an
# expansion or an operator character.
_PLAIN = re.compile(r"[^\s'\"\\$`;&|()<>]+")
_DQ_PLAIN = re.compile(r"[^\"\\$`]+")
_SUBST_SPECIAL = re.compile(r"[()'\"`\\]")
_BRACE_SPECIAL = re.compile(r"[{}'\"\\]")
_DQ_SPECIAL = re.compile(r"[\"\\$`]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REDIRECT = re.compile(r"<<<|<<-|<<|<>|<&|>&|>>|>\||&>>|&>|<|>")
_WORD_BREAK = frozenset(" \t\r\f\v\n;&|()<>")
_DQ_ESCAPABLE = frozenset('"\\$`\n')
_ANSI_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"',
                 "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "v": "\v"}


@dataclass(frozen=True, slots=True)
class Word:
    """One word: its text with quotes and escapes removed (expansions kept as written),
    the offsets of its first character and one past its last in the lexed text,
    whether any part was quoted, and whether it holds an expansion (its value is only
    known when the shell runs)."""

    text: str
    start: int
    end: int
    quoted: bool = False
    expands: bool = False


@dataclass(frozen=True, slots=True)
class Command:
    """A simple command: its words in order (assignments and redirections' targets are
    words too, except redirections, which are dropped); ``depth`` > 0 inside a
    substitution."""

    words: tuple[Word, ...]
    depth: int = 0


@dataclass(frozen=True, slots=True)
class Note:
    """Something said about the text at ``offset``: a problem (it cannot be read as
    written) or a note (read, with a caveat)."""

    offset: int
    message: str


@dataclass(slots=True)
class Lexed:
    commands: list[Command] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    problems: list[Note] = field(default_factory=list)


@dataclass(slots=True)
class _Heredoc:
    delimiter: str
    strip_tabs: bool
    offset: int


def lex(text: str, start: int = 0, end: int | None = None) -> Lexed:
    """The commands of ``text[start:end]``, with notes and problems, in text order
    (commands of a substitution come after the command that holds it)."""
    out = Lexed()
    _Lexer(text, out).run(start, len(text) if end is None else end, 0)
    return out


def unquote(text: str, start: int, end: int) -> tuple[str, list[int]]:
    """A word's text as the shell passes it on, and the offset in ``text`` of each of its
    characters: what a nested reader (``sh -c '…'``) needs to point back at the file."""
    offsets: list[int] = []
    lexer = _Lexer(text, Lexed())
    word_text, _, _, _ = lexer.word(start, end, 0, offsets)
    return word_text, offsets


class _Lexer:
    def __init__(self, text: str, out: Lexed) -> None:
        self.text = text
        self.out = out
        self.subs: list[tuple[int, int]] = []

    # ------------------------------------------------------------------ commands

    def run(self, i: int, end: int, depth: int) -> None:
        text = self.text
        words: list[Word] = []
        heredocs: list[_Heredoc] = []
        commands = self.out.commands
        outer_subs = self.subs
        self.subs = []

        def finish() -> None:
            if words:
                commands.append(Command(tuple(words), depth))
                words.clear()

        while i < end:
            c = text[i]
            if c in " \t\r\f\v":
                m = _BLANKS.match(text, i, end)
                i = m.end() if m else i + 1
                continue
            if c == "\\" and i + 1 < end and text[i + 1] == "\n":
                i += 2
                continue
            if c == "\n":
                finish()
                i += 1
                if heredocs:
                    i = self.skip_heredocs(i, end, heredocs)
                    heredocs = []
                continue
            if c == "#":  # only reached where a word would start: a comment
                nl = text.find("\n", i, end)
                i = end if nl < 0 else nl
                continue
            if c in "<>" or (c == "&" and text.startswith(">", i + 1)):
                if c in "<>" and text.startswith("(", i + 1):
                    word, i = self.word_at(i, end, depth)
                    words.append(word)
                    continue
                i = self.redirect(i, end, depth, words, heredocs)
                continue
            if c in ";&|()":
                finish()
                i += 2 if text.startswith(("&&", "||", ";;", "|&"), i) else 1
                continue
            word, i = self.word_at(i, end, depth)
            if word.text or word.quoted:
                words.append(word)
        finish()
        if heredocs:
            self.skip_heredocs(end, end, heredocs)
        subs, self.subs = self.subs, outer_subs
        for sub_start, sub_end in subs:
            if depth + 1 > MAX_DEPTH:
                self.out.notes.append(Note(sub_start, f"substitutions nested deeper than "
                                                      f"{MAX_DEPTH} levels are not read"))
                break
            self.run(sub_start, sub_end, depth + 1)

    def word_at(self, i: int, end: int, depth: int) -> tuple[Word, int]:
        text, j, quoted, expands = self.word(i, end, depth, None)
        return Word(text, i, j, quoted, expands), j

    def redirect(self, i: int, end: int, depth: int, words: list[Word],
                 heredocs: list[_Heredoc]) -> int:
        """Skip a redirection and its target; a here-document's body is skipped at the
        end of the line. A file-descriptor number written just before it goes too."""
        text = self.text
        at = i
        m = _REDIRECT.match(text, i, end)
        op = m.group() if m else text[i]
        if words and words[-1].end == i and words[-1].text.isdigit() and not words[-1].quoted:
            words.pop()
        i += len(op)
        m = _BLANKS.match(text, i, end)
        if m:
            i = m.end()
        if op in ("<&", ">&") and i < end and (text[i].isdigit() or text[i] == "-"):
            while i < end and (text[i].isdigit() or text[i] == "-"):
                i += 1
            return i
        if i >= end or text[i] in "\n;&|()<>":
            self.out.problems.append(Note(at, f"redirection {op!r} without a target"))
            return i
        target, j = self.word_at(i, end, depth)
        if op in ("<<", "<<-"):
            heredocs.append(_Heredoc(target.text, op == "<<-", i - len(op)))
        return j

    def skip_heredocs(self, i: int, end: int, heredocs: list[_Heredoc]) -> int:
        text = self.text
        for doc in heredocs:
            body_start = i
            found = False
            while i < end:
                nl = text.find("\n", i, end)
                line_end = end if nl < 0 else nl
                line = text[i:line_end].rstrip("\r")
                i = line_end + 1 if nl >= 0 else end
                if (line.lstrip("\t") if doc.strip_tabs else line) == doc.delimiter:
                    found = True
                    break
            body = text[body_start:i]
            if not found:
                self.out.notes.append(Note(doc.offset, f"here-document ending at "
                                                       f"{doc.delimiter!r} is not closed: it "
                                                       "runs to the end of the text"))
            if "docker" in body:
                self.out.notes.append(Note(doc.offset, "here-document skipped: its text is "
                                                       "input to another program, not read"))
        return i

    # ------------------------------------------------------------------ words

    def word(self, i: int, end: int, depth: int,
             offsets: list[int] | None) -> tuple[str, int, bool, bool]:
        """Read one word from ``i``: ``(text, end, quoted, expands)``; ``offsets`` (when
        given) gets the source offset of each character of ``text``."""
        text = self.text
        parts: list[str] = []
        quoted = expands = False
        while i < end:
            m = _PLAIN.match(text, i, end)
            if m:
                parts.append(m.group())
                if offsets is not None:
                    offsets.extend(range(i, m.end()))
                i = m.end()
                continue
            c = text[i]
            if c in _WORD_BREAK:
                if c in "<>" and text.startswith("(", i + 1):  # <(…) >(…)
                    j = self.subst(i + 2, end, depth)
                    self.add(parts, offsets, i, min(j + 1, end))
                    expands = True
                    i = min(j + 1, end)
                    continue
                break
            if c == "\\":
                if i + 1 >= end:
                    self.out.notes.append(Note(i, "'\\' at the end of the text"))
                    i += 1
                    continue
                if text[i + 1] == "\n":
                    i += 2
                else:
                    parts.append(text[i + 1])
                    if offsets is not None:
                        offsets.append(i + 1)
                    i += 2
                quoted = True
            elif c == "'":
                close = text.find("'", i + 1, end)
                if close < 0:
                    self.out.problems.append(Note(i, "unterminated single quote"))
                    close = end
                self.add(parts, offsets, i + 1, close)
                i = close + 1
                quoted = True
            elif c == '"':
                i, has_expansion = self.double_quoted(i + 1, end, depth, parts, offsets)
                expands = expands or has_expansion
                quoted = True
            elif c == "$":
                if text.startswith("'", i + 1):
                    i = self.ansi_c(i + 2, end, parts, offsets)
                    quoted = True
                    continue
                if text.startswith('"', i + 1):  # $"…": a translated string
                    i += 1
                    continue
                j = self.dollar(i, end, depth)
                if j == i + 1:
                    parts.append("$")
                    if offsets is not None:
                        offsets.append(i)
                else:
                    expands = True
                    self.add(parts, offsets, i, j)
                i = j
            else:  # backquote
                j = self.backquote(i, end)
                self.add(parts, offsets, i, j)
                expands = True
                i = j
        return "".join(parts), i, quoted, expands

    def add(self, parts: list[str], offsets: list[int] | None, i: int, j: int) -> None:
        parts.append(self.text[i:j])
        if offsets is not None:
            offsets.extend(range(i, j))

    def double_quoted(self, i: int, end: int, depth: int, parts: list[str],
                      offsets: list[int] | None) -> tuple[int, bool]:
        text = self.text
        expands = False
        start = i - 1
        while i < end:
            m = _DQ_PLAIN.match(text, i, end)
            if m:
                self.add(parts, offsets, i, m.end())
                i = m.end()
                continue
            c = text[i]
            if c == '"':
                return i + 1, expands
            if c == "\\":
                nxt = text[i + 1] if i + 1 < end else ""
                if nxt == "\n":
                    i += 2
                elif nxt in _DQ_ESCAPABLE and nxt:
                    parts.append(nxt)
                    if offsets is not None:
                        offsets.append(i + 1)
                    i += 2
                else:
                    parts.append("\\")
                    if offsets is not None:
                        offsets.append(i)
                    i += 1
            elif c == "$":
                j = self.dollar(i, end, depth)
                expands = expands or j > i + 1
                self.add(parts, offsets, i, j)
                i = j
            else:
                j = self.backquote(i, end)
                expands = True
                self.add(parts, offsets, i, j)
                i = j
        self.out.problems.append(Note(start, "unterminated double quote"))
        return end, expands

    def ansi_c(self, i: int, end: int, parts: list[str], offsets: list[int] | None) -> int:
        """``$'…'``: C-style escapes decoded (the common ones), other text as is."""
        text = self.text
        start = i - 2
        while i < end:
            c = text[i]
            if c == "'":
                return i + 1
            if c == "\\" and i + 1 < end:
                parts.append(_ANSI_ESCAPES.get(text[i + 1], text[i:i + 2]))
                if offsets is not None:
                    offsets.extend([i] * len(parts[-1]))
                i += 2
                continue
            parts.append(c)
            if offsets is not None:
                offsets.append(i)
            i += 1
        self.out.problems.append(Note(start, "unterminated $'…' quote"))
        return end

    def dollar(self, i: int, end: int, depth: int) -> int:
        """The end of the expansion that starts with ``$`` at ``i`` (``i + 1``: a lone ``$``)."""
        text = self.text
        nxt = text[i + 1] if i + 1 < end else ""
        if nxt == "(":
            if text.startswith("((", i + 1):
                close = self.subst(i + 3, end, depth, record=False)
                return min(close + 2, end)
            close = self.subst(i + 2, end, depth)
            return min(close + 1, end)
        if nxt == "{":
            return self.braces(i + 2, end)
        m = _NAME.match(text, i + 1, end)
        if m:
            return m.end()
        if nxt and (nxt.isdigit() or nxt in "@*#?$!-"):
            return i + 2
        return i + 1

    def subst(self, i: int, end: int, depth: int, record: bool = True) -> int:
        """The offset of the ``)`` that closes a ``$(`` whose text starts at ``i``; the
        text in between is queued to be read as commands. Nested parentheses and
        double quotes are followed with a stack, not recursion: any depth is linear."""
        text = self.text
        start = i
        closers = [")"]  # what closes each open context: ")" or a double quote
        while i < end:
            if closers[-1] == '"':
                m = _DQ_SPECIAL.search(text, i, end)
                if m is None:
                    break
                i = m.start()
                c = text[i]
                if c == '"':
                    closers.pop()
                    i += 1
                elif c == "\\":
                    i += 2
                elif c == "`":
                    i = self.backquote_end(i, end)
                elif text.startswith("(", i + 1):
                    closers.append(")")
                    i += 2
                else:
                    i += 1
                continue
            m = _SUBST_SPECIAL.search(text, i, end)
            if m is None:
                break
            i = m.start()
            c = text[i]
            if c == "(":
                closers.append(")")
                i += 1
            elif c == ")":
                closers.pop()
                if not closers:
                    if record:
                        self.subs.append((start, i))
                    return i
                i += 1
            elif c == "\\":
                i += 2
            elif c == "'":
                close = text.find("'", i + 1, end)
                i = end if close < 0 else close + 1
            elif c == '"':
                closers.append('"')
                i += 1
            else:
                i = self.backquote_end(i, end)
        self.out.problems.append(Note(max(start - 2, 0), "unterminated $( … )"))
        if record:
            self.subs.append((start, end))
        return end

    def braces(self, i: int, end: int) -> int:
        """Past the ``}`` that closes ``${``, nested braces and quotes included."""
        text = self.text
        level = 1
        start = i - 2
        while True:
            m = _BRACE_SPECIAL.search(text, i, end)
            if m is None:
                self.out.problems.append(Note(start, "unterminated ${ … }"))
                return end
            i = m.start()
            c = text[i]
            if c == "{":
                level += 1
                i += 1
            elif c == "}":
                level -= 1
                i += 1
                if level == 0:
                    return i
            elif c == "\\":
                i += 2
            elif c == "'":
                close = text.find("'", i + 1, end)
                i = end if close < 0 else close + 1
            else:
                i = self.double_end(i + 1, end)

    def double_end(self, i: int, end: int) -> int:
        """Past the ``"`` that closes a double-quoted string inside ``${…}``."""
        text = self.text
        while i < end:
            c = text[i]
            if c == "\\":
                i += 2
            elif c == '"':
                return i + 1
            else:
                i += 1
        return end

    def backquote_end(self, i: int, end: int) -> int:
        text = self.text
        j = i + 1
        while j < end:
            c = text[j]
            if c == "\\":
                j += 2
                continue
            if c == "`":
                return j + 1
            j += 1
        self.out.problems.append(Note(i, "unterminated backquote"))
        return end

    def backquote(self, i: int, end: int) -> int:
        j = self.backquote_end(i, end)
        self.subs.append((i + 1, max(j - 1, i + 1)))
        return j
