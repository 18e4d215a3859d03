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

from dindcheck.model import InputProblem
from dindcheck.sources import STDIN_KIND, FileSource, StreamSource

SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".tox",
                          ".nox", ".venv", ".mypy_cache", ".ruff_cache", ".pytest_cache"})
HEAD_BYTES = 16 * 1024
FALLBACK = "compose"  # an unrecognised YAML file named on the command line

Group = tuple[str, list[Path]]


def walk(paths: Sequence[Path], sources: Mapping[str, FileSource], *,
         ignore_unknown: bool = False) -> tuple[list[Group], list[InputProblem]]:
    """Groups to load (source kind, files) and the paths that cannot be read.

    Each file appears in at most one group of each source. ``ignore_unknown``: a file
    named that no source claims or recognises is passed over (not read as compose, not a
    problem).
    """
    walker = _Walker(sources, ignore_unknown=ignore_unknown)
    for path in paths:
        if path.is_dir():
            walker.walk(path)
        elif path.exists() or path.is_symlink():
            walker.explicit(path)
        else:
            walker.problems.append(InputProblem(path=str(path),
                                                message="no such file or directory"))
    return walker.groups, walker.problems


class _Walker:
    def __init__(self, sources: Mapping[str, FileSource], *,
                 ignore_unknown: bool = False) -> None:
        self.sources = sources
        self.ignore_unknown = ignore_unknown
        self.groups: list[Group] = []
        self.problems: list[InputProblem] = []
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

    def explicit(self, path: Path) -> None:
        if not self.claim(path.parent, [path.name]):
            return
        head = _head(path)
        if head is None:
            self.problems.append(InputProblem(path=str(path), message=(
                "not a regular file" if path.exists() else "broken symbolic link")))
            return
        for kind, source in self.sources.items():
            if source.recognises(path, head):
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

    def walk(self, root: Path) -> None:
        """Symlinked folders are followed, each real folder once (no symlink loops)."""
        stack = [root]
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
            subdirs: list[Path] = []
            for entry in entries:
                if _is_dir(entry):
                    if entry.name not in SKIPPED_DIRS:
                        subdirs.append(folder / entry.name)
                elif _is_file(entry):
                    files.append(entry.name)
                else:
                    special.append(entry.name)
            self.claim(folder, files)
            self.refuse(folder, special)
            stack.extend(reversed(subdirs))

    def refuse(self, folder: Path, names: list[str]) -> None:
        """Entries that are no regular file (a FIFO, a device, a dangling or looping
        link) but carry the name of an input: a problem each, never silently skipped."""
        if not names:
            return
        claimed = {p.name for source in self.sources.values()
                   for group in source.groups(folder, names) for p in group}
        for name in sorted(claimed):
            path = folder / name
            what = "a broken symbolic link" if path.is_symlink() and not path.exists() \
                else "not a regular file"
            self.problems.append(InputProblem(path=str(path), message=f"{what}: not read"))


def _head(path: Path) -> str | None:
    """The first bytes of a regular file as text (None: not a regular file)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, HEAD_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return None
    finally:
        os.close(fd)


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
