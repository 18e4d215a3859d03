"""Read YAML into plain dicts and lists that remember where each key and item was written.

PyYAML's C loader composes a node graph (aliases stay shared references, so nothing
expands while parsing); this module measures the size the graph would have once
aliases are expanded, refuses alias bombs and cycles before building anything, and
then builds :class:`PosDict`/:class:`PosList` values carrying 1-based marks.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from dindcheck import reading
from dindcheck.model import DEFAULT_MAX_FILE_SIZE

# Nodes that aliases may add on top of the document's own: real files reuse a few
# anchors (tens to hundreds of nodes); a billion-laughs file needs billions.
MAX_ALIAS_NODES = 20_000
MAX_DEPTH = 200

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"


class Mark(NamedTuple):
    path: str
    line: int
    column: int


class YamlError(Exception):
    """A file that cannot be turned into data; ``line``/``column`` are 1-based when known."""

    def __init__(self, path: str, message: str, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.line = line
        self.column = column


class PosDict(dict[str, Any]):
    """A mapping that knows where it and each of its keys were written, and the local tag
    it was written with (``!override``, ...), if any."""

    __slots__ = ("key_marks", "mark", "tag")

    def __init__(self, mark: Mark | None = None, tag: str | None = None) -> None:
        super().__init__()
        self.mark = mark
        self.key_marks: dict[str, Mark] = {}
        self.tag = tag

    def key_mark(self, key: str) -> Mark | None:
        return self.key_marks.get(key, self.mark)


class PosList(list[Any]):
    """A sequence that knows where it and each of its items were written, and the local
    tag it was written with (``!reference``, ``!reset``, ...), if any."""

    __slots__ = ("item_marks", "mark", "tag")

    def __init__(self, mark: Mark | None = None, tag: str | None = None) -> None:
        super().__init__()
        self.mark = mark
        self.item_marks: list[Mark | None] = []
        self.tag = tag

    def item_mark(self, index: int) -> Mark | None:
        if 0 <= index < len(self.item_marks):
            return self.item_marks[index] or self.mark
        return self.mark


class Tagged(str):
    """A scalar written with a local tag (``!reset``, ``!override``, ``!reference``, any
    ``!name``): the text as written, and the tag. Which tags mean something, and what, is
    each input format's business."""

    __slots__ = ("mark", "tag")
    tag: str
    mark: Mark | None

    def __new__(cls, text: str, tag: str, mark: Mark | None = None) -> Tagged:
        value = super().__new__(cls, text)
        value.tag = tag
        value.mark = mark
        return value


def tag_of(value: Any) -> str | None:
    """The local tag a value was written with (None for plain YAML)."""
    if isinstance(value, PosDict | PosList | Tagged):
        return value.tag
    return None


def read_text(path: Path, max_size: int = DEFAULT_MAX_FILE_SIZE) -> str:
    """The file's text (:func:`dindcheck.reading.read_text`), or a :class:`YamlError` for
    what is not a regular file, over the size cap, binary or not UTF-8."""
    try:
        return reading.read_text(path, max_size)
    except reading.ReadError as exc:
        raise YamlError(exc.path, exc.message, exc.line, exc.column) from None


def load_text(text: str, path: str) -> Any:
    """Parse one YAML document; an empty document is ``None``."""
    if text.count("[") + text.count("{") > MAX_DEPTH:
        _check_flow_depth(text, path)
    if text.count("- ") > _DEPTH_SCAN_THRESHOLD:
        _check_depth(text, path)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if mark is None:
            raise YamlError(path, problem) from None
        raise YamlError(path, problem, mark.line + 1, mark.column + 1) from None
    except yaml.YAMLError as exc:
        raise YamlError(path, str(exc).splitlines()[0]) from None
    except RecursionError:
        raise YamlError(path, "nesting too deep to parse") from None
    finally:
        loader.dispose()
    if node is None:
        return None
    return _Builder(loader, path).build(node, 0)


def load_file(path: Path, max_size: int = DEFAULT_MAX_FILE_SIZE) -> Any:
    return load_text(read_text(path, max_size), str(path))


_DEPTH_SCAN_THRESHOLD = 5_000
_FLOW = re.compile(r"[\[\]{}]")


def _check_depth(text: str, path: str) -> None:
    """Refuse deep block nesting before composing: the C composer recurses and can crash.

    Only texts with many ``- `` get here; indentation alone cannot nest deeply within
    the file size cap.
    """
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    m = event.start_mark
                    raise YamlError(path, f"nesting deeper than {MAX_DEPTH} levels",
                                    m.line + 1 if m else None, m.column + 1 if m else None)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError:
        return  # the real parse reports it with its position


def _check_flow_depth(text: str, path: str) -> None:
    """Refuse flow brackets nested deeper than ``MAX_DEPTH``, counted on the text.

    libyaml's scanner reads a whole flow collection ahead before it yields an event (and
    from 0.2.6 refuses 1,000 levels in words of its own), so events come too late. Brackets
    inside quoted or plain scalars count too; a real file never has hundreds of
    them unclosed, and this only over-counts, so it refuses nothing libyaml would nest less.
    """
    depth = 0
    for match in _FLOW.finditer(text):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                start = match.start()
                line = text.count("\n", 0, start) + 1
                column = start - (text.rfind("\n", 0, start) + 1) + 1
                raise YamlError(path, f"nesting deeper than {MAX_DEPTH} levels", line, column)
        elif depth:
            depth -= 1


def _mark(node: Node, path: str) -> Mark:
    return Mark(path, node.start_mark.line + 1, node.start_mark.column + 1)


_STR_TAG = "tag:yaml.org,2002:str"
_YAML_TAGS = "tag:yaml.org,2002:"
_KINDS = {"int": "an integer", "float": "a number", "bool": "a boolean",
          "timestamp": "a date", "null": "null", "binary": "base64 data"}


def _local_tag(node: Node) -> str | None:
    tag = node.tag
    return None if not tag or tag.startswith(_YAML_TAGS) else tag


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


class _Builder:
    """Build values from the node graph, with a budget for what aliases add.

    A node met again is an alias: its whole expanded size (memoised per node, so
    computed once) is charged *before* it is built, so a billion-laughs file is refused
    after building at most ``MAX_ALIAS_NODES`` extra nodes. A document without aliases
    is a tree no bigger than its text, which the file size cap bounds.
    """

    def __init__(self, loader: Any, path: str) -> None:
        self.loader = loader
        self.path = path
        self.budget = MAX_ALIAS_NODES
        self.seen: set[int] = set()
        self.active: set[int] = set()
        self.sizes: dict[int, int] = {}

    def _fail(self, node: Node, message: str) -> YamlError:
        m = _mark(node, self.path)
        return YamlError(self.path, message, m.line, m.column)

    def _spend(self, cost: int, node: Node) -> None:
        self.budget -= cost
        if self.budget < 0:
            raise self._fail(node, f"aliases would add more than {MAX_ALIAS_NODES} nodes "
                                   "(alias bomb?); refusing to expand")

    def _size(self, node: Node) -> int:
        key = id(node)
        size = self.sizes.get(key)
        if size is None:
            size = 1
            for child in _children(node):
                size += self._size(child)
                if size > MAX_ALIAS_NODES:
                    break
            self.sizes[key] = size
        return size

    def build(self, node: Node, depth: int, counted: bool = True) -> Any:
        if depth > MAX_DEPTH:
            raise self._fail(node, f"nesting deeper than {MAX_DEPTH} levels")
        key = id(node)
        if counted and key in self.seen:
            if key in self.active:
                raise self._fail(node, "recursive alias")
            self._spend(self._size(node), node)
            counted = False
        elif counted:
            self.seen.add(key)
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        self.active.add(key)
        try:
            if isinstance(node, SequenceNode):
                seq = PosList(_mark(node, self.path), _local_tag(node))
                for item in node.value:
                    seq.append(self.build(item, depth + 1, counted))
                    seq.item_marks.append(_mark(item, self.path))
                return seq
            if isinstance(node, MappingNode):
                return self.mapping(node, depth, counted)
            return None
        finally:
            self.active.discard(key)

    def scalar(self, node: ScalarNode) -> Any:
        if node.tag == _STR_TAG:
            return node.value  # what PyYAML's construct_yaml_str returns, without dispatch
        local = _local_tag(node)
        if local is not None:
            return Tagged(node.value, local, _mark(node, self.path))
        try:
            return self.loader.construct_object(node, deep=True)
        except Exception:  # PyYAML's constructors raise anything on bad text
            # An impossible date, a number past Python's digit limit, `!!bool maybe`.
            kind = _KINDS.get(node.tag.removeprefix(_YAML_TAGS), node.tag)
            text = node.value if len(node.value) <= 40 else node.value[:37] + "..."
            raise self._fail(node, f"cannot read {text!r} as {kind}") from None

    def mapping(self, node: MappingNode, depth: int, counted: bool) -> PosDict:
        result = PosDict(_mark(node, self.path), _local_tag(node))
        merged: list[PosDict] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                if not _mergeable(value_node):
                    # As compose (Go's YAML) and GitLab do; the merge is not guessed.
                    raise self._fail(key_node, "a merge key (<<) takes a mapping or a list "
                                               "of mappings")
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:
                    built = self.build(source, depth + 1, counted)
                    if isinstance(built, PosDict):
                        merged.append(built)
                continue
            key = self.scalar(key_node) if isinstance(key_node, ScalarNode) else None
            if key is None and not isinstance(key_node, ScalarNode):
                m = _mark(key_node, self.path)
                raise YamlError(self.path, "a mapping key must be a scalar", m.line, m.column)
            key = "null" if key is None else key if isinstance(key, str) else str(key)
            if key in result:
                raise self._fail(key_node, f"duplicate key {key!r} (Docker Compose rejects it)")
            result[key] = self.build(value_node, depth + 1, counted)
            result.key_marks[key] = _mark(key_node, self.path)
        # YAML merge keys: explicit keys win, earlier merge sources win over later ones.
        for source in merged:
            for key, value in source.items():
                if key not in result:
                    result[key] = value
                    result.key_marks[key] = source.key_marks[key]
        return result


def _mergeable(node: Node) -> bool:
    if isinstance(node, MappingNode):
        return True
    if isinstance(node, SequenceNode):
        return all(isinstance(item, MappingNode) for item in node.value)
    return False
