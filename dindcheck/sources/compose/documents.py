"""A compose file's YAML documents, each with the marks of the file it came from.

``docker compose`` reads every document of a file (``---`` separated) and applies each on
top of the ones before, as it does with the files of ``-f a -f b``. The YAML reader parses
one document at a time, so the text is cut at its document markers: a ``---`` at the start
of a line always starts a document (YAML forbids it inside any content), directives just
before it go with it, and each piece is padded with the lines before it so that marks keep
the file's line numbers.
"""

from __future__ import annotations

import re
from typing import Any

from dindcheck.yamlload import load_text

_START = re.compile(r"^---(?=[ \t\r\n]|$)", re.MULTILINE)


def parse_documents(text: str, path: str) -> list[Any]:
    """The documents of ``text`` in order (an empty document is ``None``); YamlError for
    the first one that cannot be read."""
    documents = []
    for offset, piece in _pieces(text):
        padded = "\n" * text.count("\n", 0, offset) + piece
        documents.append(load_text(padded, path))
    return documents


def _pieces(text: str) -> list[tuple[int, str]]:
    """``(offset, text)`` of each document; leading comments stay with the first one."""
    starts = [m.start() for m in _START.finditer(text)]
    if not starts or (len(starts) == 1 and not text[:starts[0]].strip(" \t\r\n")):
        return [(0, text)]
    cuts = [_with_directives(text, start) for start in starts]
    if not _only_comments(text[:cuts[0]]):
        cuts.insert(0, 0)
    else:
        cuts[0] = 0
    cuts.append(len(text))
    return [(cuts[i], text[cuts[i]:cuts[i + 1]]) for i in range(len(cuts) - 1)]


def _with_directives(text: str, start: int) -> int:
    """Move a document's start back over the ``%`` directive lines just before it."""
    while start > 0:
        line_start = text.rfind("\n", 0, start - 1) + 1
        if not text.startswith("%", line_start):
            break
        start = line_start
    return start


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#") or line.startswith("%")
               for line in text.splitlines())
