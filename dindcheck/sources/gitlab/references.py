"""Resolve ``!reference [job, key, ...]`` tags the way GitLab does, after includes and
before ``extends``.

A reference is replaced by the value found at that path of the merged document
(itself resolved first, so references may nest); a path that leads nowhere, a tag
that is not a list of names, and a chain that refers back to itself are located
problems, and the reference is dropped. Resolved values are shared, not copied, and
every node visited is charged to the pipeline's work budget.
"""

from __future__ import annotations

from typing import Any

from dindcheck.sources.gitlab.problems import Collector
from dindcheck.yamlload import Mark, PosDict, PosList, Tagged, tag_of

REFERENCE = "!reference"
MAX_DEPTH = 10  # GitLab resolves references nested up to ten levels
# How deep a value may nest once references are replaced (a YAML file alone stops at
# 200 levels; references can stack files' depths on each other).
MAX_NESTING = 300


class _Resolver:
    def __init__(self, document: PosDict, sink: Collector) -> None:
        self.document = document
        self.sink = sink
        self.done: dict[tuple[str, ...], Any] = {}
        self.active: list[tuple[str, ...]] = []
        self.tagged: dict[int, bool] = {}

    def has_reference(self, node: Any) -> bool:
        """Whether a reference tag sits anywhere under ``node`` (memoised per node)."""
        if not isinstance(node, PosDict | PosList):
            return isinstance(node, Tagged) and node.tag == REFERENCE
        key = id(node)
        found = self.tagged.get(key)
        if found is None:
            children = node.values() if isinstance(node, PosDict) else node
            found = tag_of(node) == REFERENCE or any(self.has_reference(c) for c in children)
            self.tagged[key] = found
        return found

    def value(self, node: Any, mark: Mark | None, depth: int) -> Any:
        if depth > MAX_NESTING:
            self.sink.problem(f"values nest more than {MAX_NESTING} levels deep once "
                              "!reference tags are replaced", mark)
            return None
        if isinstance(node, Tagged) and node.tag == REFERENCE:
            self.sink.problem("!reference must be a list of names, like [.job, script]",
                              node.mark or mark)
            return None
        if isinstance(node, PosList) and node.tag == REFERENCE:
            return self.reference(node, mark, depth)
        if isinstance(node, PosDict) and node.tag == REFERENCE:
            self.sink.problem("!reference must be a list of names, like [.job, script]",
                              node.mark or mark)
            return None
        if isinstance(node, PosDict):
            return self.mapping(node, depth)
        if isinstance(node, PosList):
            return self.sequence(node, depth)
        return node

    def mapping(self, node: PosDict, depth: int) -> PosDict:
        self.sink.spend(len(node) + 1, node.mark)
        out: PosDict | None = None
        for key, child in node.items():
            if not self.has_reference(child):
                continue
            if out is None:
                out = PosDict(node.mark, node.tag)
                out.update(node)
                out.key_marks.update(node.key_marks)
            out[key] = self.value(child, node.key_marks.get(key, node.mark), depth + 1)
        return node if out is None else out

    def sequence(self, node: PosList, depth: int) -> PosList:
        self.sink.spend(len(node) + 1, node.mark)
        if not any(self.has_reference(item) for item in node):
            return node
        out = PosList(node.mark, node.tag)
        for index, item in enumerate(node):
            value = self.value(item, node.item_mark(index), depth + 1)
            if value is None and item is not None:
                continue  # a reference that failed (reported): nothing to splice in
            out.append(value)
            out.item_marks.append(_first_mark(value) if tag_of(item) == REFERENCE
                                  else node.item_mark(index))
        return out

    def reference(self, node: PosList, mark: Mark | None, depth: int) -> Any:
        where = node.mark or mark
        if not node or not all(isinstance(part, str) for part in node):
            self.sink.problem("!reference must be a non-empty list of names", where)
            return None
        path = tuple(str(part) for part in node)
        shown = "[" + ", ".join(path) + "]"
        if path in self.done:
            return self.done[path]
        if path in self.active:
            self.sink.problem(f"!reference {shown} refers back to itself", where)
            return None
        if len(self.active) >= MAX_DEPTH:
            self.sink.problem(f"!reference {shown} nests more than {MAX_DEPTH} levels deep",
                              where)
            return None
        found: Any = self.document
        for part in path:
            found = found.get(part) if isinstance(found, PosDict) else None
            if found is None:
                self.sink.missing(f"!reference {shown} could not be found", where)
                self.done[path] = None
                return None
        self.active.append(path)
        try:
            resolved = self.value(found, where, depth)
        finally:
            self.active.pop()
        self.done[path] = resolved
        return resolved


def _first_mark(value: Any) -> Mark | None:
    return value.mark if isinstance(value, PosDict | PosList) else None


def resolve_references(document: PosDict, sink: Collector) -> PosDict:
    """The document with every ``!reference`` replaced (or dropped, with a problem)."""
    resolver = _Resolver(document, sink)
    if not resolver.has_reference(document):
        return document
    return resolver.mapping(document, 0)
