"""Find the inputs under the paths given on the command line, each with the source that
reads it, grouped as the source loads them.

A folder is walked (depth first, sorted; hidden folders too, since CI configuration lives
in ``.github``, ``.gitlab``, ``.devcontainer``; version-control and cache folders are
skipped); in each folder every file source is offered its files. A file may be read by
more than one source (a Jenkinsfile: its ``sh`` steps, and the agent pod's YAML). A file
named on the command line goes to the sources that claim it, else to the first that
recognises its content.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from dindcheck.model import InputProblem
from dindcheck.reading import is_outside, not_regular, read_head
from dindcheck.sources import STDIN_KIND, FileSource, StreamSource

SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".tox",
                          ".nox", ".venv", ".mypy_cache", ".ruff_cache", ".pytest_cache"})
HEAD_BYTES = 16 * 1024
FALLBACK = "compose"  # an unrecognised YAML file named on the command line
# Names a source may claim by their content: a file that may not be opened (not a regular
# file, or outside the root) with one of them is reported as not read.
_SNIFFED_SUFFIXES = (".yml", ".yaml", ".json", ".groovy")
_ALLOW_HINT = "--allow-outside reads it"

Group = tuple[str, list[Path]]


class Found(NamedTuple):
    """What a walk found: groups to load (source kind, files), the paths that cannot be
    read (each an input problem: exit 2), and what was left out on purpose (notes)."""

    groups: list[Group]
    problems: list[InputProblem]
    notes: list[str]


def walk(paths: Sequence[Path], sources: Mapping[str, FileSource], *,
         root: Path | None = None, allow_outside: bool = False,
         ignore_unknown: bool = False) -> Found:
    """The inputs under ``paths``; each file appears in at most one group of each source.

    With a ``root``, what lies outside it once symlinks are resolved is not read (unless
    ``allow_outside``): an input file there is a problem, a folder there is not walked (a
    note). ``ignore_unknown``: a file named that no source claims or recognises is passed
    over (not read as compose, not a problem).
    """
    walker = _Walker(sources, None if allow_outside else root, ignore_unknown=ignore_unknown)
    for path in paths:
        if path.is_dir():
            walker.walk(path)
        elif path.exists() or path.is_symlink():
            walker.explicit(path)
        else:
            walker.problems.append(InputProblem(path=str(path),
                                                message="no such file or directory"))
    return Found(walker.groups, walker.problems, walker.notes)


class _Walker:
    def __init__(self, sources: Mapping[str, FileSource], root: Path | None, *,
                 ignore_unknown: bool = False) -> None:
        self.sources = sources
        self.root = root
        self.ignore_unknown = ignore_unknown
        self.groups: list[Group] = []
        self.problems: list[InputProblem] = []
        self.notes: list[str] = []
        self.seen: set[tuple[str, str]] = set()
        self.visited: set[tuple[int, int]] = set()

    def add(self, kind: str, group: list[Path]) -> None:
        """Add a group unless its first file is already in one of the same source; drop
        repeated files."""
        keys = [(kind, os.path.abspath(p)) for p in group]
        if keys[0] in self.seen:
            self.seen.update(keys)
            return
        fresh = [p for p, k in zip(group, keys, strict=True) if k not in self.seen]
        self.seen.update(keys)
        self.groups.append((kind, fresh))

    def claim(self, folder: Path, names: list[str]) -> list[str]:
        """Offer ``names`` to every source; the names nobody took."""
        taken: set[str] = set()
        for kind, source in self.sources.items():
            for group in source.groups(folder, names):
                self.add(kind, group)
                taken.update(p.name for p in group)
        return [n for n in names if n not in taken]

    def outside(self, path: Path) -> str | None:
        """Where ``path`` really is, when that is outside the root (else None)."""
        if self.root is None or not is_outside(path, self.root):
            return None
        return os.path.realpath(path)

    def explicit(self, path: Path) -> None:
        """A file named on the command line: read only if it is a regular file inside the
        root, whichever source claims it (by its name or its content)."""
        real = self.outside(path)
        if real is not None:
            self.problems.append(_outside_problem(path, real, self.root))
            return
        refused = _not_regular(path)
        if refused is not None:
            self.problems.append(InputProblem(path=str(path), message=refused))
            return
        if not self.claim(path.parent, [path.name]):
            return
        head = read_head(path, HEAD_BYTES)
        if head is None:  # replaced since it was looked at
            self.problems.append(InputProblem(path=str(path), message=(
                _not_regular(path) or "cannot read: changed while it was read")))
            return
        text = head.decode("utf-8", errors="replace")
        for kind, source in self.sources.items():
            if source.recognises(path, text):
                self.add(kind, [path])
                return
        if self.ignore_unknown:
            return
        if path.suffix.lower() in (".yml", ".yaml") and FALLBACK in self.sources:
            self.add(FALLBACK, [path])
            return
        kinds = ", ".join(self.sources)
        self.problems.append(InputProblem(path=str(path), message=(
            f"not an input dindcheck reads ({kinds}): nothing was checked")))

    def walk(self, top: Path) -> None:
        """Depth first, each real folder once (no symlink loops); a symlinked folder is
        followed when it stays inside the root."""
        real = self.outside(top)
        if real is not None:
            self.problems.append(_outside_problem(top, real, self.root))
            return
        stack = [top]
        while stack:
            folder = stack.pop()
            try:
                st = folder.stat()
                if (st.st_dev, st.st_ino) in self.visited:
                    continue
                self.visited.add((st.st_dev, st.st_ino))
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                self.problems.append(InputProblem(
                    path=str(folder), message=f"cannot read directory: {exc.strerror or exc}"))
                continue
            files: list[str] = []
            special: list[str] = []
            outside: list[str] = []
            subdirs: list[Path] = []
            for entry in entries:
                linked = _is_symlink(entry)
                if _is_dir(entry):
                    if entry.name in SKIPPED_DIRS:
                        continue
                    real = self.outside(folder / entry.name) if linked else None
                    if real is None:
                        subdirs.append(folder / entry.name)
                    else:
                        self.notes.append(
                            f"{folder / entry.name}: resolves to {real}, outside "
                            f"{self.root}; not walked (--allow-outside walks it)")
                elif linked and self.outside(folder / entry.name):
                    outside.append(entry.name)
                elif _is_file(entry):
                    files.append(entry.name)
                else:
                    special.append(entry.name)
            self.claim(folder, files)
            self.refuse(folder, special)
            self.refuse_outside(folder, outside)
            stack.extend(reversed(subdirs))

    def unopened(self, folder: Path, names: list[str]) -> list[str]:
        """The names among ``names`` (entries no source may open) that an input could
        have: those a source claims by name, and those it would claim by content."""
        sniffed = [n for n in names if n.lower().endswith(_SNIFFED_SUFFIXES)
                   or n.lower().startswith("jenkinsfile")]
        others = [n for n in names if n not in sniffed]
        claimed = {p.name for source in self.sources.values()
                   for group in source.groups(folder, others) for p in group} if others else set()
        return sorted({*sniffed, *claimed})

    def refuse(self, folder: Path, names: list[str]) -> None:
        """Entries that are no regular file (a FIFO, a device, a dangling or looping
        link) but could be an input: a problem each, never silently skipped."""
        for name in self.unopened(folder, names):
            path = folder / name
            refused = _not_regular(path) or "cannot read: not a regular file"
            self.problems.append(InputProblem(path=str(path), message=refused))

    def refuse_outside(self, folder: Path, names: list[str]) -> None:
        """Symlinked files that resolve outside the root and could be an input: a problem
        each (they are not opened to find out)."""
        for name in self.unopened(folder, names):
            path = folder / name
            self.problems.append(_outside_problem(path, os.path.realpath(path), self.root))


def _outside_problem(path: Path, real: str, root: Path | None) -> InputProblem:
    return InputProblem(path=str(path), message=(
        f"resolves to {real}, outside {root}: not read ({_ALLOW_HINT})"
        if real != os.path.abspath(path) else
        f"outside {root}: not read ({_ALLOW_HINT}, or --root names another root)"))


def _not_regular(path: Path) -> str | None:
    """Why ``path`` cannot be read as a regular file (None when it can); it is not
    opened. Worded as :mod:`dindcheck.reading` words it."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if path.is_symlink() and not os.path.lexists(os.path.realpath(path)):
            return "cannot read: a broken symbolic link"
        return f"cannot read: {exc.strerror or exc}"
    except ValueError:
        return "cannot read: the path holds a NUL byte"
    return None if stat.S_ISREG(mode) else not_regular(mode)


def _is_symlink(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def stdin_source(sources: Mapping[str, FileSource], name: str | None,
                 head: bytes) -> tuple[StreamSource | None, str]:
    """The source that reads standard input, and why none does.

    Without a name it is read as Kubernetes objects (a ``kubectl get … -o json`` dump, or
    ``helm template`` output); a name (``--stdin-filename``) is offered to the sources that
    can read a stream, as a file of that name and content would be.
    """
    if name is None:
        default = sources.get(STDIN_KIND)
        if isinstance(default, StreamSource):
            return default, ""
        return None, "no source reads standard input"
    text = head.decode("utf-8", errors="replace")
    for kind, source in sources.items():
        if source.recognises(Path(name), text):
            if isinstance(source, StreamSource):
                return source, ""
            return None, (f"{kind} input cannot be read from standard input: name the file "
                          "instead")
    streams = ", ".join(k for k, s in sources.items() if isinstance(s, StreamSource))
    return None, (f"standard input named {name} is not an input dindcheck reads from "
                  f"standard input ({streams}): nothing was checked")
