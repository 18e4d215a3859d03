"""The shell in a Jenkinsfile: the strings of its ``sh`` steps, and the containers its
Docker Pipeline steps start.

``sh 'cmd'``, ``sh "cmd"``, ``sh '''…'''``, ``sh \"\"\"…\"\"\"``, ``sh(…)`` and the named
form ``sh script: '…', label: '…'``. Groovy's escapes are undone (``\\$`` is a ``$`` for
the shell); GString interpolations (``${env.X}``, ``$X``) are kept as written, like
shell variables. Comments and other strings are skipped, so a ``sh`` inside them is
not a step. A step whose script is not a string literal is noted.

The Docker Pipeline plugin's ``docker.image('IMAGE').withRun('ARGS', 'COMMAND')``,
``.run(…)`` and ``.inside('ARGS')`` run ``docker run -d ARGS IMAGE COMMAND`` (``inside``
keeps the container up with ``cat`` and runs the block's steps in it): each is read as
that line, located at ``docker.image``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"//|/\*|'''|\"\"\"|'|\"|\bsh\b|\bdocker\s*\.\s*image\s*\(")
_PIPELINE_STEP = re.compile(r"\s*\)\s*\.\s*(withRun|inside|run)\s*\(\s*")
_ARGUMENT_END = re.compile(r"\s*(,)?\s*")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "\\": "\\", "'": "'",
            '"': '"', "$": "$"}
_NAMED_ARG = re.compile(r"\s*\(?\s*[A-Za-z_]\w*\s*:")
_SCRIPT_ARG = re.compile(r"\bscript\s*:\s*")
_STEP_END = re.compile(r"\)|\n\s*\n|\}")


@dataclass(slots=True)
class Steps:
    """The ``sh`` scripts as one shell text (one script after another, a newline between)
    and the file offset of each of its characters; steps that could not be read."""

    text: str = ""
    offsets: list[int] = field(default_factory=list)
    unread: list[tuple[int, str]] = field(default_factory=list)


def sh_steps(source: str) -> Steps:
    steps = Steps()
    parts: list[str] = []
    i = 0
    n = len(source)
    while True:
        m = _TOKEN.search(source, i)
        if m is None:
            break
        token = m.group()
        if token == "//":
            nl = source.find("\n", m.end())
            i = n if nl < 0 else nl
        elif token == "/*":
            close = source.find("*/", m.end())
            i = n if close < 0 else close + 2
        elif token.startswith("docker"):
            i = _pipeline_step(source, m.start(), m.end(), steps, parts)
        elif token != "sh":
            _, _, i = _string(source, m.start())
        else:
            i = _step(source, m.end(), steps, parts)
    steps.text = "".join(parts)
    return steps


def _step(source: str, i: int, steps: Steps, parts: list[str]) -> int:
    """Read the script of the ``sh`` step whose arguments start at ``i``."""
    start = i
    named = _NAMED_ARG.match(source, i)
    if named:
        end_match = _STEP_END.search(source, i)
        limit = end_match.start() if end_match else len(source)
        script = _SCRIPT_ARG.search(source, i, limit)
        if script is None:
            steps.unread.append((start, "a sh step without a script string: not read"))
            return i
        i = script.end()
    else:
        while i < len(source) and source[i] in " \t(":
            i += 1
    if not source.startswith(("'", '"'), i):
        if i < len(source) and (source[i].isalpha() or source[i] == "_"):
            steps.unread.append((i, "a sh step whose script is a variable: not read"))
        return i
    text, offsets, end = _string(source, i)
    if "docker" in text:
        parts.append(text)
        steps.offsets.extend(offsets)
        parts.append("\n")
        steps.offsets.append(offsets[-1] if offsets else i)
    return end


def _pipeline_step(source: str, anchor: int, i: int, steps: Steps, parts: list[str]) -> int:
    """``docker.image('IMAGE').withRun('ARGS', 'COMMAND')`` (or ``run``, ``inside``) at
    ``anchor`` as the ``docker run`` line it runs; ``i`` is past ``docker.image(``."""
    while i < len(source) and source[i] in " \t":
        i += 1
    if not source.startswith(("'", '"'), i):
        return i
    image, image_offsets, i = _string(source, i)
    step = _PIPELINE_STEP.match(source, i)
    if step is None:
        return i  # docker.image(…).pull(), .push(), .id: nothing runs
    i = step.end()
    strings: list[tuple[str, list[int]]] = []
    while len(strings) < 2 and source.startswith(("'", '"'), i):
        text, offsets, i = _string(source, i)
        strings.append((text, offsets))
        comma = _ARGUMENT_END.match(source, i)
        i = comma.end() if comma else i
        if comma is None or comma.group(1) is None:
            break
    args, command = [*strings, ("", []), ("", [])][:2]
    if step.group(1) == "inside":
        command = ("cat", [])

    def put(text: str, offsets: list[int]) -> None:
        parts.append(text)
        steps.offsets.extend(offsets if len(offsets) == len(text) else [anchor] * len(text))

    put("docker run -d ", [])
    put(args[0], args[1])
    put(" ", [])
    put(image, image_offsets)
    if command[0]:
        put(" ", [])
        put(command[0], command[1])
    put("\n", [])
    return i


def _string(source: str, i: int) -> tuple[str, list[int], int]:
    """A Groovy string literal at ``i``: its text, each character's offset, its end."""
    quote = source[i:i + 3] if source.startswith(("'''", '"""'), i) else source[i]
    j = i + len(quote)
    n = len(source)
    chars: list[str] = []
    offsets: list[int] = []
    single_line = len(quote) == 1
    while j < n:
        if source.startswith(quote, j):
            return "".join(chars), offsets, j + len(quote)
        c = source[j]
        if c == "\\" and j + 1 < n:
            nxt = source[j + 1]
            if nxt == "\n":
                j += 2
                continue
            chars.append(_ESCAPES.get(nxt, "\\" + nxt))
            offsets.extend([j + 1] * len(chars[-1]))
            j += 2
            continue
        if c == "\n" and single_line:
            break
        chars.append(c)
        offsets.append(j)
        j += 1
    return "".join(chars), offsets, j
