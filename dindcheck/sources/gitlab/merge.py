"""GitLab's deep merge (``include`` and ``extends``): mappings merge key by key, anything
else (lists included) is replaced by the closer definition, and ``null`` removes a key.

Each key keeps the mark of the mapping that wrote its value, so a location points at the
template or included file where the text is. Inputs are never changed.
"""

from __future__ import annotations

from typing import Any

from dindcheck.sources.gitlab.problems import Collector
from dindcheck.yamlload import PosDict, PosList

# Lists nested inside lists (``!reference`` inside ``script``, ``services``, ``rules``) are
# flattened by GitLab up to this depth.
MAX_LIST_NESTING = 10


def copy_dict(source: PosDict) -> PosDict:
    out = PosDict(source.mark, source.tag)
    out.update(source)
    out.key_marks.update(source.key_marks)
    return out


def deep_merge(base: PosDict, over: PosDict, sink: Collector) -> PosDict:
    """``over`` on top of ``base``; the result carries ``over``'s own mark."""
    sink.spend(len(base) + len(over) + 1, over.mark)
    out = copy_dict(base)
    out.mark = over.mark or base.mark
    for key, value in over.items():
        mark = over.key_marks.get(key)
        current = out.get(key)
        if isinstance(current, PosDict) and isinstance(value, PosDict):
            value = deep_merge(current, value, sink)
        out[key] = value
        if mark is not None:
            out.key_marks[key] = mark
    return out


def without_nulls(mapping: PosDict) -> PosDict:
    """The mapping without the keys set to ``null`` (how GitLab removes inherited keys)."""
    if all(v is not None for v in mapping.values()):
        return mapping
    out = PosDict(mapping.mark, mapping.tag)
    for key, value in mapping.items():
        if value is not None:
            out[key] = value
            if key in mapping.key_marks:
                out.key_marks[key] = mapping.key_marks[key]
    return out


def flatten(items: Any, sink: Collector) -> PosList:
    """A list with nested lists spliced in place (each item keeps its own mark).

    Lists nested deeper than GitLab allows are a problem at the list that is too deep.
    """
    out = PosList(items.mark if isinstance(items, PosList) else None)
    if not isinstance(items, list):
        return out
    stack: list[tuple[PosList | list[Any], int, int]] = [(items, 0, 0)]
    while stack:
        seq, index, depth = stack.pop()
        if index >= len(seq):
            continue
        stack.append((seq, index + 1, depth))
        item = seq[index]
        mark = seq.item_mark(index) if isinstance(seq, PosList) else None
        sink.spend(1, mark)
        if isinstance(item, list):
            if depth + 1 > MAX_LIST_NESTING:
                sink.problem(f"lists nested more than {MAX_LIST_NESTING} levels deep",
                             mark)
                continue
            stack.append((item, 0, depth + 1))
            continue
        out.append(item)
        out.item_marks.append(mark)
    return out
