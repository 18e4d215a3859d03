"""Where a YAML string value's text is in the file, so that shell read from it (a ``run:``
script, ``options:``) points at the right line and column.

The YAML loader marks keys and list items; a mapping value's own text is found on the
key's line (plain or quoted) or, for a block scalar (``|``, ``>``), line by line below
it. Where a line cannot be found (folded or escaped text), the nearest found line is
used: a location is never invented past the value.
"""

from __future__ import annotations

from collections.abc import Sequence

from dindcheck.shell.positions import Locator, TextLocator, block_locator
from dindcheck.yamlload import Mark


def value_locator(lines: Sequence[str], mark: Mark | None, value: str,
                  is_item: bool = False) -> Locator:
    """A locator for the text of a value whose key (or list item, ``is_item``) is at
    ``mark``; ``lines`` are the file's lines."""
    if mark is None or not 1 <= mark.line <= len(lines):
        return TextLocator(value)
    row = mark.line - 1
    line = lines[row]
    column = mark.column - 1
    if not is_item:
        colon = line.find(":", column)
        column = len(line) if colon < 0 else colon + 1
        while column < len(line) and line[column] in " \t":
            column += 1
    head = line[column:column + 1]
    if head in ("|", ">") or (not is_item and column >= len(line)):
        return block_locator(lines, row + 1, value)
    if head in ("'", '"'):
        column += 1
    return TextLocator(value, line=mark.line, column=column + 1)
