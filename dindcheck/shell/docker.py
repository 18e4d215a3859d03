"""Find the ``docker run`` / ``docker create`` lines of a shell text and read their options.

A command is looked through what only changes how it is started (``sudo``, ``env``,
``exec``, ``nohup``, ``timeout``, ``time``, ``FOO=1`` prefixes, ``if``/``then``/``!``,
``sh -c '…'``), then ``docker`` with its own options (``-H``, ``--context``) and the
subcommand (``run``, ``create``, ``container run``, ``container create``).
``docker exec X …`` marks what it runs as running inside container X, so a
``docker run`` there is created by X's daemon, not the host's.

What cannot be read is said, at its place: a ``docker run`` assembled in a variable,
``eval``, options hidden in ``$OPTS``, an unknown flag.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dindcheck.shell import flags as F
from dindcheck.shell.lexer import Command, Word, lex, unquote
from dindcheck.shell.positions import Located, Locator, MappedLocator, TextLocator

MAX_NESTING = 6  # `sh -c` within `docker exec` within `sh -c` …
MAX_RUNS = 5_000  # run lines read from one text; real files have a handful
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\+?=")
_BARE_VARIABLE = re.compile(r"^\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[^}]*\}|@|\*)$")
_RUN_TEXT = re.compile(r"\bdocker\s+(?:container\s+)?(?:run|create)\b")
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh"})
_TRANSPARENT = frozenset({"exec", "command", "builtin", "nohup", "time", "!", "{", "}", "if",
                          "then", "else", "elif", "do", "while", "until", "setsid"})
_DECLARE = frozenset({"export", "local", "declare", "typeset", "readonly"})
# `sudo` options that take a value.
_SUDO_VALUE = frozenset("CDghprtTUu")
_ENDPOINT_VARIABLES = ("DOCKER_HOST", "DOCKER_CONTEXT")


@dataclass(frozen=True, slots=True)
class Flag:
    """One option: its canonical long name, its value (None for a flag without one), the
    word it was written in, and the word holding its value."""

    name: str
    value: str | None
    word: Word
    value_word: Word | None = None


@dataclass(frozen=True, slots=True)
class DockerRun:
    """One ``docker run``/``docker create`` as written.

    ``inside``: the container (as written) whose shell runs it (``docker exec X docker
    run …``): its daemon creates the container. ``endpoint``: the engine the docker CLI
    talks to when not the default socket (``-H``, ``--context``, ``DOCKER_HOST`` or
    ``DOCKER_CONTEXT`` set before it), as written. ``passes``: how many times it runs,
    inside ``for``/``while``/``until`` loops (None: a loop whose count is not written).
    """

    docker: Word
    subcommand: str
    flags: tuple[Flag, ...]
    image: Word | None
    args: tuple[Word, ...]
    locate: Locator
    inside: str | None = None
    endpoint: str | None = None
    notes: tuple[str, ...] = ()
    passes: int | None = 1

    def all(self, name: str) -> list[Flag]:
        return [f for f in self.flags if f.name == name]

    def first(self, name: str) -> Flag | None:
        return next((f for f in self.flags if f.name == name), None)

    def enabled(self, name: str) -> bool:
        """Whether a flag without a value is on (its last ``--x=false`` form wins)."""
        on = False
        for flag in self.flags:
            if flag.name == name:
                on = flag.value is None or flag.value.lower() not in ("false", "0")
        return on

    def where(self, word: Word) -> tuple[int, int]:
        return self.locate(word.start)


@dataclass(slots=True)
class Reading:
    """What one shell text said: its docker run lines, and what could not be read."""

    runs: list[DockerRun] = field(default_factory=list)
    notes: list[Located] = field(default_factory=list)
    problems: list[Located] = field(default_factory=list)


def read_script(text: str, locate: Locator | None = None,
                environ: Mapping[str, str] | None = None) -> Reading:
    """The ``docker run`` lines of a shell text, in the order they are written."""
    reading = Reading()
    state = {k: v for k, v in (environ or {}).items() if k in _ENDPOINT_VARIABLES}
    _read(text, locate or TextLocator(text), reading, state, None, 0, environ or {}, 1)
    reading.runs.sort(key=lambda r: r.where(r.docker))
    if len(reading.runs) > MAX_RUNS:
        line, column = reading.runs[MAX_RUNS].where(reading.runs[MAX_RUNS].docker)
        reading.notes.append(Located(line, column, f"{len(reading.runs)} docker run lines: "
                                                   f"the first {MAX_RUNS} are read"))
        del reading.runs[MAX_RUNS:]
    return reading


def _read(text: str, locate: Locator, reading: Reading, state: dict[str, str],
          inside: str | None, nesting: int, known: Mapping[str, str],
          passes: int | None) -> None:
    lexed = lex(text)
    for note in lexed.notes:
        reading.notes.append(Located(*locate(note.offset), note.message))
    for problem in lexed.problems:
        reading.problems.append(Located(*locate(problem.offset), problem.message))
    reader = _Reader(text, locate, reading, state, nesting, known)
    loops = _Loops(passes)
    for command in lexed.commands:
        reader.passes = loops.enter(command)
        reader.command(command, inside)


class _Loops:
    """The loops the commands of a text run in, from their keywords: ``for``, ``while``
    and ``until`` open one at their ``do``, ``done`` closes it."""

    def __init__(self, passes: int | None) -> None:
        self.outer = passes
        self.stack: list[int | None] = []
        self.header: list[int | None] = []

    def enter(self, command: Command) -> int | None:
        """How many times ``command`` runs."""
        words = command.words if command.depth == 0 else ()
        i = 0
        while i < len(words) and not words[i].quoted and words[i].text in _OPENERS:
            if words[i].text == "do" and self.header:
                self.stack.append(self.header.pop())
            i += 1
        keyword = words[i].text if i < len(words) and not words[i].quoted else ""
        if keyword in ("for", "select"):
            self.header.append(_for_passes(words[i:]))
        elif keyword in ("while", "until"):
            self.header.append(None)
        elif keyword == "done" and self.stack:
            self.stack.pop()
        passes = self.outer
        for count in self.stack:
            passes = None if passes is None or count is None else passes * count
        return passes


_OPENERS = frozenset({"do", "then", "else", "{", "!"})


def _for_passes(words: tuple[Word, ...]) -> int | None:
    """``for NAME in WORDS``: the number of words, when none expands or globs."""
    if len(words) < 3 or words[2].text != "in":
        return None
    items = words[3:]
    if any(w.expands or (not w.quoted and any(c in w.text for c in "*?[{")) for w in items):
        return None
    return len(items)


class _Reader:
    def __init__(self, text: str, locate: Locator, reading: Reading, state: dict[str, str],
                 nesting: int, known: Mapping[str, str] | None = None) -> None:
        self.text = text
        self.known = known or {}
        self.locate = locate
        self.reading = reading
        self.state = state
        self.unexported: dict[str, str] = {}
        self.run_variables: set[str] = set()
        self.nesting = nesting
        self.passes: int | None = 1

    def note(self, word: Word, message: str) -> None:
        self.reading.notes.append(Located(*self.locate(word.start), message))

    def problem(self, word: Word, message: str) -> None:
        self.reading.problems.append(Located(*self.locate(word.start), message))

    def names_image(self, text: str) -> bool:
        """A bare ``$VAR`` whose value the environment gives, and it is not an option
        (``docker run --rm $IMAGE --flag``: the image, then its arguments)."""
        name = text[1:].strip("{}")
        value = self.known.get(name)
        return bool(value) and not str(value).lstrip().startswith("-")

    def holds_run(self, text: str) -> bool:
        """Whether a word expands a variable that was given a docker run line."""
        return any(f"${name}" in text or f"${{{name}}}" in text for name in self.run_variables)

    # ------------------------------------------------------------------ commands

    def command(self, command: Command, inside: str | None) -> None:
        self.words(list(command.words), inside, top=command.depth == 0)

    def words(self, words: list[Word], inside: str | None, top: bool) -> None:
        prefix: dict[str, str] = {}
        i = self.skip_wrappers(words, 0, prefix)
        if i >= len(words):
            self.assignments(words, top and inside is None, exported=False)
            return
        head = words[i]
        name = head.text.rsplit("/", 1)[-1]
        if name in _DECLARE:
            self.assignments(words[i + 1:], top and inside is None, exported=name == "export")
            return
        if name == "unset":
            if top and inside is None:
                for word in words[i + 1:]:
                    self.state.pop(word.text, None)
                    self.unexported.pop(word.text, None)
            return
        if name == "eval" or (head.expands and not words[i + 1:]):
            if any("docker" in w.text or self.holds_run(w.text) for w in words[i:]):
                self.note(head, "a command built when the script runs (eval, or a command "
                                "in a variable): not read")
            return
        if name in _SHELLS and not head.expands:
            self.shell_c(words, i, inside)
            return
        if (name in ("docker", "docker.exe") and not head.quoted) or (
                head.expands and "docker" in head.text.lower()):
            env = {**self.state, **{k: v for k, v in prefix.items()
                                    if k in _ENDPOINT_VARIABLES}}
            self.docker(words, i, inside, env)

    def skip_wrappers(self, words: list[Word], i: int, prefix: dict[str, str]) -> int:
        """Past assignments and the commands that only start the next one."""
        n = len(words)
        while i < n:
            word = words[i]
            text = word.text
            match = _ASSIGNMENT.match(text)
            if match:
                prefix[match.group(1)] = text[match.end():]
                i += 1
            elif text in _TRANSPARENT:
                i += 1
            elif text == "sudo":
                i = _skip_options(words, i + 1, _SUDO_VALUE, long_values=("--user", "--group",
                                  "--host", "--prompt", "--chdir", "--close-from"))
            elif text == "env":
                i = _skip_options(words, i + 1, frozenset("uCS"),
                                  long_values=("--unset", "--chdir", "--split-string"))
            elif text == "timeout":
                i = _skip_options(words, i + 1, frozenset("sk"),
                                  long_values=("--signal", "--kill-after"))
                i += 1  # the duration
            elif text == "nice":
                i = _skip_options(words, i + 1, frozenset("n"), long_values=("--adjustment",))
            else:
                break
        return i

    def assignments(self, words: list[Word], track: bool, exported: bool) -> None:
        """Follow ``DOCKER_HOST``/``DOCKER_CONTEXT`` through the script, in text order: the
        docker CLI sees a variable once it is exported (or was in the environment)."""
        for word in words:
            match = _ASSIGNMENT.match(word.text)
            if not match:
                if track and exported and word.text in self.unexported:
                    self.state[word.text] = self.unexported.pop(word.text)
                continue
            name, value = match.group(1), word.text[match.end():]
            found = _RUN_TEXT.search(value)
            if found and "$(" not in value[:found.start()] and "`" not in value[:found.start()]:
                self.note(word, f"a docker run line kept in the variable {name} is run "
                                "through an expansion: not read")
                self.run_variables.add(name)
            if track and name in _ENDPOINT_VARIABLES:
                if exported or name in self.state:
                    self.state[name] = value
                else:
                    self.unexported[name] = value

    def shell_c(self, words: list[Word], i: int, inside: str | None) -> None:
        """``sh -c 'script'``: read the script as shell text of its own."""
        j = i + 1
        has_c = False
        while j < len(words) and words[j].text.startswith(("-", "+")) and not has_c:
            option = words[j].text
            if option in ("-o", "+o", "-O", "+O"):
                j += 2
                continue
            if not option.startswith("--") and "c" in option[1:]:
                has_c = True
            j += 1
        if not has_c or j >= len(words):
            return
        script = words[j]
        if self.nesting >= MAX_NESTING:
            self.note(script, f"shell scripts nested deeper than {MAX_NESTING} levels "
                              "are not read")
            return
        value, offsets = unquote(self.text, script.start, script.end)
        if "docker" not in value:
            return
        _read(value, MappedLocator(offsets, self.locate), self.reading, dict(self.state),
              inside, self.nesting + 1, self.known, self.passes)

    # ------------------------------------------------------------------ docker

    def docker(self, words: list[Word], i: int, inside: str | None,
               env: Mapping[str, str]) -> None:
        head = words[i]
        options, j = self.options(words, i + 1, F.GLOBAL_WITH_VALUE, F.GLOBAL_BOOLEAN,
                                  F.GLOBAL_SHORT, stop_at_unknown=True)
        if j >= len(words):
            return
        endpoint = env.get("DOCKER_HOST") or (
            f"context:{env['DOCKER_CONTEXT']}" if env.get("DOCKER_CONTEXT") else None)
        for option in options:
            if option.name == "--host" and option.value is not None:
                endpoint = option.value
            elif option.name == "--context" and option.value is not None:
                endpoint = f"context:{option.value}"
        sub = words[j].text
        if sub == "container" and j + 1 < len(words):
            j += 1
            sub = words[j].text
        if sub in ("run", "create"):
            self.run(words, head, sub, j + 1, inside, endpoint)
        elif sub == "exec":
            self.exec(words, j + 1, inside)

    def run(self, words: list[Word], head: Word, sub: str, j: int, inside: str | None,
            endpoint: str | None) -> None:
        flags, j = self.options(words, j, F.RUN_WITH_VALUE, F.RUN_BOOLEAN, F.RUN_SHORT,
                                aliases=F.RUN_ALIASES, hidden_options=True)
        notes: list[str] = []
        image = words[j] if j < len(words) else None
        if image is None:
            self.problem(head, f"docker {sub} without an image")
        elif head.expands:
            notes.append(f"the command {head.text} is taken to be docker")
        self.reading.runs.append(DockerRun(
            docker=head, subcommand=sub, flags=tuple(flags), image=image,
            args=tuple(words[j + 1:]), locate=self.locate, inside=inside, endpoint=endpoint,
            notes=tuple(notes), passes=self.passes))

    def exec(self, words: list[Word], j: int, inside: str | None) -> None:
        _, j = self.options(words, j, F.EXEC_WITH_VALUE, F.EXEC_BOOLEAN, F.EXEC_SHORT)
        if j + 1 >= len(words):
            return
        container = words[j].text
        if inside is not None:
            container = f"{inside}/{container}"
        self.words(words[j + 1:], container, top=False)

    def options(self, words: list[Word], j: int, with_value: frozenset[str],
                boolean: frozenset[str], short: Mapping[str, str],
                aliases: Mapping[str, str] | None = None, stop_at_unknown: bool = False,
                hidden_options: bool = False) -> tuple[list[Flag], int]:
        """Read options from ``j`` up to the first word that is not one (or ``--``)."""
        found: list[Flag] = []
        n = len(words)
        while j < n:
            word = words[j]
            text = word.text
            if text == "--":
                return found, j + 1
            if text.startswith("--") and len(text) > 2:
                name, eq, value = text.partition("=")
                name = (aliases or {}).get(name, name)
                if name in with_value:
                    if eq:
                        found.append(Flag(name, value, word, word))
                        j += 1
                    elif j + 1 < n:
                        found.append(Flag(name, words[j + 1].text, word, words[j + 1]))
                        j += 2
                    else:
                        self.problem(word, f"{name} needs a value")
                        return found, n
                elif name in boolean:
                    found.append(Flag(name, value if eq else None, word))
                    j += 1
                else:
                    if stop_at_unknown:
                        return found, n
                    self.note(word, f"unknown option {name}: taken to need no value")
                    found.append(Flag(name, value if eq else None, word))
                    j += 1
            elif text.startswith("-") and len(text) > 1:
                j = self.short_cluster(words, j, found, with_value, short)
                if j < 0:
                    return found, n
            elif hidden_options and _BARE_VARIABLE.match(text) and not word.quoted and \
                    self.known.get(text[1:].strip("{}")) == "":
                j += 1  # an empty variable, unquoted: the word vanishes
            elif hidden_options and _BARE_VARIABLE.match(text) and not word.quoted and (
                    j + 1 < n and words[j + 1].text.startswith("-")) and \
                    not self.names_image(text):
                self.note(word, f"options in {text} are known only when the script runs: "
                                "not read")
                j += 1
            else:
                return found, j
        return found, j

    def short_cluster(self, words: list[Word], j: int, found: list[Flag],
                      with_value: frozenset[str], short: Mapping[str, str]) -> int:
        """``-dit``, ``-p8080:80``, ``-v /a:/b``: the index after it, -1 to stop."""
        word = words[j]
        text = word.text
        k = 1
        while k < len(text):
            name = short.get(text[k])
            if name is None:
                self.note(word, f"unknown option -{text[k]}: taken to need no value")
                return j + 1
            if name in with_value:
                rest = text[k + 1:]
                if rest:
                    found.append(Flag(name, rest.removeprefix("="), word, word))
                    return j + 1
                if j + 1 < len(words):
                    found.append(Flag(name, words[j + 1].text, word, words[j + 1]))
                    return j + 2
                self.problem(word, f"-{text[k]} needs a value")
                return -1
            found.append(Flag(name, None, word))
            k += 1
        return j + 1


def _skip_options(words: Sequence[Word], i: int, short_values: frozenset[str],
                  long_values: tuple[str, ...]) -> int:
    """Past the options of a wrapper command (``sudo -u x``, ``env -i``)."""
    n = len(words)
    while i < n:
        text = words[i].text
        if text == "--":
            return i + 1
        if not text.startswith("-") or text == "-":
            return i
        if text.startswith("--"):
            i += 2 if text in long_values else 1
            continue
        takes = next((k for k, ch in enumerate(text[1:], 1) if ch in short_values), None)
        i += 2 if takes is not None and takes == len(text) - 1 else 1
    return i


def read_options(text: str, locate: Locator) -> tuple[DockerRun, Reading]:
    """An option string handed to ``docker create`` as written (GitHub Actions
    ``options:``): its flags, as a run without an image; words that are not options are
    noted (docker would take the first for the image)."""
    reading = Reading()
    lexed = lex(text)
    for note in lexed.notes:
        reading.notes.append(Located(*locate(note.offset), note.message))
    for problem in lexed.problems:
        reading.problems.append(Located(*locate(problem.offset), problem.message))
    words = [w for c in lexed.commands if c.depth == 0 for w in c.words]
    reader = _Reader(text, locate, reading, {}, 0)
    flags, j = reader.options(words, 0, F.RUN_WITH_VALUE, F.RUN_BOOLEAN, F.RUN_SHORT,
                              aliases=F.RUN_ALIASES)
    if j < len(words):
        reader.note(words[j], f"{words[j].text!r} is not an option: docker create would "
                              "take it for the image")
    anchor = words[0] if words else Word("", 0, 0)
    return DockerRun(docker=anchor, subcommand="create", flags=tuple(flags), image=None,
                     args=(), locate=locate), reading
