"""The ``!reset`` and ``!override`` tags, as compose applies them.

In a document, a value tagged ``!reset`` is removed, and a value tagged ``!override`` is
kept; both record their path. Before the document is merged on top of what came before
(an earlier file or document, the base of an ``extends``, an included definition), every
recorded path is removed from that base: so ``!reset`` removes the base's value and
``!override`` replaces it instead of merging with it. Any other local tag means nothing
to compose; dindcheck reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from dindcheck.yamlload import Mark, PosDict, PosList, Tagged, tag_of

RESET = "!reset"
OVERRIDE = "!override"

Path = tuple[str | int, ...]


def strip_tags(document: Any, problem: Callable[[str, Mark | None], None]) -> set[Path]:
    """Remove ``!reset`` values from ``document`` (in place) and return the paths of the
    reset and overridden values; report other local tags through ``problem``."""
    paths: set[Path] = set()
    stack: list[tuple[Any, Path]] = [(document, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, PosDict):
            for key in list(value):
                item = value[key]
                mark = value.key_marks.get(key, value.mark)
                kept = _handle(item, (*path, key), mark, paths, problem)
                if kept is _REMOVED:
                    del value[key]
                    value.key_marks.pop(key, None)
                else:
                    value[key] = kept
                    stack.append((kept, (*path, key)))
        elif isinstance(value, PosList):
            kept_items: list[tuple[Any, Mark | None]] = []
            for index, item in enumerate(value):
                mark = value.item_mark(index)
                kept = _handle(item, (*path, index), mark, paths, problem)
                if kept is not _REMOVED:
                    kept_items.append((kept, mark))
                    stack.append((kept, (*path, index)))
            if len(kept_items) != len(value) or any(a is not b for a, (b, _) in
                                                     zip(value, kept_items, strict=False)):
                value[:] = [item for item, _ in kept_items]
                value.item_marks[:] = [mark for _, mark in kept_items]
    return paths


_REMOVED = object()


def _handle(value: Any, path: Path, mark: Mark | None, paths: set[Path],
            problem: Callable[[str, Mark | None], None]) -> Any:
    tag = tag_of(value)
    if tag is None:
        return value
    if tag == RESET:
        paths.add(path)
        return _REMOVED
    if tag == OVERRIDE:
        paths.add(path)
    else:
        problem(f"unknown tag {tag} (compose knows only !reset and !override)", mark)
    if isinstance(value, Tagged):
        return str(value)
    value.tag = None
    return value


def under(paths: Iterable[Path], prefix: Path) -> set[Path]:
    """The paths below ``prefix``, relative to it."""
    size = len(prefix)
    return {p[size:] for p in paths if len(p) > size and p[:size] == prefix}


def apply_resets(value: Any, paths: set[Path]) -> Any:
    """``value`` without the mapping entries at ``paths``; containers along the way are
    copied, never changed (list positions are not removed, as in compose)."""
    if not paths or not isinstance(value, PosDict):
        return value
    here = {p[0] for p in paths if len(p) == 1}
    deeper: dict[str | int, set[Path]] = {}
    for p in paths:
        if len(p) > 1:
            deeper.setdefault(p[0], set()).add(p[1:])
    if not here.intersection(value) and not deeper.keys() & value.keys():
        return value
    out = PosDict(value.mark, value.tag)
    for key, item in value.items():
        if key in here:
            continue
        out[key] = apply_resets(item, deeper[key]) if key in deeper else item
        if key in value.key_marks:
            out.key_marks[key] = value.key_marks[key]
    return out
