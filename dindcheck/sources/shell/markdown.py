"""The shell in a Markdown file: its fenced code blocks, as a reader would copy them.

Blocks tagged ``sh``, ``bash``, ``shell``, ``zsh``, ``console`` or ``shell-session``
are read, and untagged blocks that start a line with ``docker``. In a console block
only prompt lines (``$ cmd``, and their ``\\`` continuations) are commands; the other
lines are output. A leading ``$ `` prompt is dropped from a shell block's lines too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^\n`]*)$")
_SHELL_TAGS = frozenset({"sh", "bash", "shell", "zsh", "console", "shell-session",
                         "shellsession", "terminal"})
_CONSOLE_TAGS = frozenset({"console", "shell-session", "shellsession", "terminal"})
_PROMPT = re.compile(r"^\s*(?:\$|[\w.@~:/-]+\$)\s")
_DOCKER_LINE = re.compile(r"^\s*(?:\$\s+)?(?:sudo\s+)?docker\s", re.MULTILINE)


@dataclass(slots=True)
class Blocks:
    text: str = ""
    offsets: list[int] = field(default_factory=list)


def shell_blocks(source: str) -> Blocks:
    blocks = Blocks()
    parts: list[str] = []
    lines = source.split("\n")
    starts: list[int] = []
    offset = 0
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        index += 1
        if opening is None:
            continue
        fence = opening.group("fence")
        tag = (opening.group("info").split() or [""])[0].lower().lstrip("{.").rstrip("}")
        body: list[int] = []
        while index < len(lines) and not lines[index].strip().startswith(fence):
            body.append(index)
            index += 1
        index += 1
        text = "\n".join(lines[k] for k in body)
        if tag not in _SHELL_TAGS and not (tag == "" and _DOCKER_LINE.search(text)):
            continue
        console = tag in _CONSOLE_TAGS
        continued = False
        for k in body:
            line = lines[k]
            prompt = _PROMPT.match(line)
            if prompt:
                line_text, skip = line[prompt.end():], prompt.end()
            elif console and not continued:
                continue
            else:
                line_text, skip = line, 0
            parts.append(line_text + "\n")
            blocks.offsets.extend(range(starts[k] + skip, starts[k] + len(lines[k]) + 1))
            continued = line.rstrip().endswith("\\")
        parts.append("\n")
        blocks.offsets.append(blocks.offsets[-1] if blocks.offsets else 0)
    blocks.text = "".join(parts)
    return blocks
