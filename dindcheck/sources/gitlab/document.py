"""Read a pipeline file and the files it includes locally into one document.

GitLab merges the included files in order, then the including file on top (a deep
merge: the including file wins). ``include: local`` paths are relative to the
repository root, whichever file includes them, and may use ``*`` and ``**``.
Includes from other projects, URLs, templates and components are recorded as not
followed. Nothing here raises on bad input: an unreadable file, an include loop or an
include outside the repository is a located problem and reading carries on.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dindcheck.model import DEFAULT_MAX_FILE_SIZE
from dindcheck.sources.gitlab.merge import deep_merge
from dindcheck.sources.gitlab.problems import Collector
from dindcheck.yamlload import Mark, PosDict, PosList, YamlError, load_text, read_text

MAX_INCLUDES = 150        # GitLab's limit per pipeline (duplicates count)
MAX_INCLUDE_DEPTH = 100   # GitLab's limit of nested includes
MAX_WILDCARD_FILES = 10_000
MAX_WALKED = 200_000     # names a wildcard include may look at in the repository
MAX_TOTAL_FILES = 2  # all of a pipeline's files together: at most twice the per-file cap
CI_EXTENSIONS = (".yml", ".yaml")
_SKIPPED_DIRS = frozenset({".git", "node_modules"})
_UNFOLLOWED = ("project", "remote", "template", "component")


@dataclass
class Document:
    """The merged document (``include`` removed), the files read, what was not followed."""

    data: PosDict
    files: list[str] = field(default_factory=list)
    unfollowed: list[str] = field(default_factory=list)


def read_pipeline(main: Path, root: Path, sink: Collector,
                  max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> Document:
    reader = _Reader(root, sink, max_file_size)
    data = reader.file(main, None, ())
    return Document(data=data if data is not None else PosDict(),
                    files=reader.files, unfollowed=reader.unfollowed)


def load_yaml(text: str, path: str) -> Any:
    """One YAML document; a component file's ``spec:`` header document is skipped.

    The header is replaced by blank lines so that the body keeps its line numbers.
    """
    try:
        return load_text(text, path)
    except YamlError as exc:
        if "another document" not in exc.message or exc.line is None:
            raise
        lines = text.splitlines(keepends=True)
        cut = exc.line - 1
        header = load_text("".join(lines[:cut]), path)
        if not isinstance(header, PosDict) or "spec" not in header:
            raise
        return load_text("\n" * (cut + 1) + "".join(lines[cut + 1:]), path)


def read_mapping(path: Path, sink: Collector, max_file_size: int) -> PosDict | None:
    """A YAML file that must hold a mapping; problems are located in it (a file that
    cannot be read at all is named alone, as the walk names it: one problem, whoever
    finds it)."""
    name = str(path)
    try:
        data = load_yaml(read_text(path, max_file_size), name)
    except YamlError as err:
        where = Mark(err.path, err.line, err.column or 1) if err.line else None
        sink.problem(err.message, where, path=name)
        return None
    if data is None:
        return PosDict(Mark(name, 1, 1))
    if not isinstance(data, PosDict):
        sink.problem("a GitLab CI file must be a mapping of keywords and jobs",
                     getattr(data, "mark", None) or Mark(name, 1, 1))
        return None
    return data


class _Reader:
    def __init__(self, root: Path, sink: Collector, max_file_size: int) -> None:
        self.root = root
        self.real_root = root.resolve()
        self.sink = sink
        self.max_file_size = max_file_size
        self.files: list[str] = []
        self.unfollowed: list[str] = []
        self.count = 0
        self.bytes = 0
        self.cache: dict[Path, PosDict | None] = {}
        self.tree: list[str] | None = None

    def file(self, path: Path, mark: Mark | None, ancestors: tuple[Path, ...]) -> PosDict | None:
        """The file with its includes merged under it."""
        real = path.resolve()
        if real in self.cache:
            return self.cache[real]
        with contextlib.suppress(OSError):  # read_mapping says why
            size = path.stat().st_size
            if size <= self.max_file_size:  # a file over the cap alone: read_mapping says so
                self.bytes += size
        if ancestors and self.bytes > MAX_TOTAL_FILES * self.max_file_size:
            self.sink.problem(f"the pipeline's files add up to more than {MAX_TOTAL_FILES} x "
                              f"{self.max_file_size} bytes; {path.name} and the rest are not "
                              "read", mark)
            self.cache[real] = None
            return None
        own = read_mapping(path, self.sink, self.max_file_size)
        if str(path) not in self.files:
            self.files.append(str(path))
        if own is None:
            self.cache[real] = None
            return None
        merged = PosDict(own.mark)
        if "include" in own:
            for included in self.includes(own["include"], own.key_mark("include"),
                                          (*ancestors, real)):
                merged = deep_merge(merged, included, self.sink)
            own = _without(own, "include")
        result = deep_merge(merged, own, self.sink)
        self.cache[real] = result
        return result

    def includes(self, value: Any, mark: Mark | None,
                 ancestors: tuple[Path, ...]) -> list[PosDict]:
        out: list[PosDict] = []
        for spec, item_mark in _entries(value, mark, self.sink):
            for path in self.targets(spec, item_mark):
                self.count += 1
                if self.count > MAX_INCLUDES:
                    self.sink.problem(f"more than {MAX_INCLUDES} includes (GitLab's limit); "
                                      "the rest are not read", item_mark)
                    return out
                if len(ancestors) >= MAX_INCLUDE_DEPTH:
                    self.sink.problem(f"includes nested more than {MAX_INCLUDE_DEPTH} deep "
                                      "(GitLab's limit)", item_mark)
                    return out
                real = path.resolve()
                if real in ancestors:
                    self.sink.problem(f"include loop: {self.relative(real)} includes itself",
                                      item_mark)
                    continue
                data = self.file(path, item_mark, ancestors)
                if data is not None:
                    out.append(data)
        return out

    def targets(self, spec: PosDict, mark: Mark | None) -> list[Path]:
        """The local files an include entry names (none for other kinds: noted)."""
        if "rules" in spec:
            self.sink.note("include rules are not evaluated: included files are read as if "
                           "their rules matched")
        if "inputs" in spec:
            self.sink.note("include inputs are not applied: $[[ inputs.* ]] stays as written")
        kind = next((k for k in ("local", *_UNFOLLOWED) if k in spec), None)
        if kind is None:
            self.sink.problem("include entry names no local, project, remote, template or "
                              "component file", mark)
            return []
        target = spec[kind]
        if kind != "local":
            self.unfollowed.append(_describe(kind, spec))
            return []
        if not isinstance(target, str) or not target.strip():
            self.sink.problem("include local must be a file path", mark)
            return []
        if "$" in target:
            self.unfollowed.append(f"local {target!r} (names a variable)")
            return []
        rel = target.strip().lstrip("/")
        if not rel.endswith(CI_EXTENSIONS):
            self.sink.problem(f"included file {target!r} must end in .yml or .yaml", mark)
            return []
        if "*" in rel:
            found = self.wildcard(rel)
            if not found:
                self.sink.note(f"include local {target!r} matches no file")
            return found
        path = self.root / rel
        if not self.inside(path):
            self.sink.problem(f"include {target!r} points outside the repository; not read",
                              mark)
            return []
        if not path.exists():
            self.sink.missing(f"included file {target!r} does not exist", mark)
            return []
        return [path]

    def inside(self, path: Path) -> bool:
        try:
            return path.resolve().is_relative_to(self.real_root)
        except (OSError, RuntimeError):
            return False

    def relative(self, real: Path) -> str:
        try:
            return str(real.relative_to(self.real_root))
        except ValueError:
            return real.name

    def wildcard(self, pattern: str) -> list[Path]:
        regex = _glob(pattern)
        return [self.root / rel for rel in self.listing() if regex.fullmatch(rel)
                and self.inside(self.root / rel)]

    def listing(self) -> list[str]:
        """The repository's files (relative, sorted), read once, bounded."""
        if self.tree is None:
            tree: list[str] = []
            seen = 0
            for folder, dirs, files in os.walk(self.root):
                dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
                base = os.path.relpath(folder, self.root)
                seen += len(files) + len(dirs)
                for name in sorted(files):
                    if name.endswith(CI_EXTENSIONS):
                        tree.append(name if base == "." else f"{base}/{name}".replace(os.sep,
                                                                                         "/"))
                if len(tree) > MAX_WILDCARD_FILES or seen > MAX_WALKED:
                    self.sink.note("wildcard includes looked at part of the repository only "
                                   f"(the first {MAX_WALKED} names)")
                    break
            self.tree = tree
        return self.tree


def _entries(value: Any, mark: Mark | None,
             sink: Collector) -> list[tuple[PosDict, Mark | None]]:
    """``include`` in any of its forms as mappings, each with its mark."""
    if isinstance(value, str):
        return [(_string_include(value, mark), mark)]
    if isinstance(value, PosDict):
        return [(value, value.mark or mark)]
    if isinstance(value, PosList):
        out: list[tuple[PosDict, Mark | None]] = []
        for index, item in enumerate(value):
            item_mark = value.item_mark(index)
            if isinstance(item, str):
                out.append((_string_include(item, item_mark), item_mark))
            elif isinstance(item, PosDict):
                out.append((item, item_mark))
            else:
                sink.problem("an include entry must be a path or a mapping", item_mark)
        return out
    if value is not None:
        sink.problem("include must be a path, a mapping or a list of them", mark)
    return []


def _string_include(text: str, mark: Mark | None) -> PosDict:
    spec = PosDict(mark)
    kind = "remote" if text.startswith(("http://", "https://")) else "local"
    spec[kind] = text
    return spec


def _describe(kind: str, spec: PosDict) -> str:
    target = spec.get(kind)
    if kind == "project":
        files = spec.get("file")
        names = ", ".join(str(f) for f in files) if isinstance(files, list) else str(files)
        return f"project {target!s} file {names}"
    return f"{kind} {target!s}"


def _without(mapping: PosDict, key: str) -> PosDict:
    out = PosDict(mapping.mark, mapping.tag)
    for name, value in mapping.items():
        if name != key:
            out[name] = value
            if name in mapping.key_marks:
                out.key_marks[name] = mapping.key_marks[name]
    return out


def _glob(pattern: str) -> re.Pattern[str]:
    """``*`` within one folder, ``**`` across folders (``**/`` also matches none)."""
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            parts.append(".*")
            i += 2
        elif pattern[i] == "*":
            parts.append("[^/]*")
            i += 1
        else:
            parts.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(parts))
