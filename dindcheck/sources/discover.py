"""Find the compose files under the paths given on the command line, grouped by project.

In each folder the standard file (``compose.yaml``, ...) and its override file form one
project, as ``docker compose`` would load them there; any other ``*compose*.y[a]ml``
file is a project on its own. An explicit file path is always its own project.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from dindcheck.model import InputProblem

# docker compose's order of preference (compose-go cli/options.go).
STANDARD_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_FILES = ("compose.override.yml", "compose.override.yaml",
                  "docker-compose.override.yml", "docker-compose.override.yaml")
SKIPPED_DIRS = frozenset({".git", "node_modules"})


def discover(paths: Sequence[Path]) -> tuple[list[list[Path]], list[InputProblem]]:
    """Projects (each a list of files to merge in order) and the paths that do not exist.

    Each file appears in at most one project; directories are walked in sorted order.
    """
    walker = _Walker()
    for path in paths:
        if path.is_dir():
            walker.walk(path)
        elif path.exists():
            walker.add([path])
        else:
            walker.problems.append(InputProblem(path=str(path),
                                                message="no such file or directory"))
    return walker.groups, walker.problems


def is_compose_name(name: str) -> bool:
    """Whether a file found in a directory walk looks like a compose file."""
    lower = name.lower()
    return "compose" in lower and lower.endswith((".yml", ".yaml"))


def folder_groups(folder: Path, names: set[str]) -> list[list[Path]]:
    """The projects in one folder, given the names of its files."""
    groups: list[list[Path]] = []
    used: set[str] = set()
    base = next((n for n in STANDARD_FILES if n in names), None)
    if base is not None:
        group = [folder / base]
        used.add(base)
        override = next((n for n in OVERRIDE_FILES if n in names), None)
        if override is not None:
            group.append(folder / override)
            used.add(override)
        groups.append(group)
    groups.extend([folder / name] for name in sorted(names - used) if is_compose_name(name))
    return groups


class _Walker:
    def __init__(self) -> None:
        self.groups: list[list[Path]] = []
        self.problems: list[InputProblem] = []
        self.seen: set[str] = set()
        self.visited: set[tuple[int, int]] = set()

    def add(self, group: list[Path]) -> None:
        """Add a project unless its first file is already in one; drop repeated files."""
        keys = [os.path.abspath(p) for p in group]
        if keys[0] in self.seen:
            self.seen.update(keys)
            return
        fresh = [p for p, k in zip(group, keys, strict=True) if k not in self.seen]
        self.seen.update(keys)
        self.groups.append(fresh)

    def walk(self, root: Path) -> None:
        """Depth first, sorted; hidden, ``.git`` and ``node_modules`` folders are skipped.

        Symlinked folders are followed, each real folder once (no symlink loops).
        """
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
            files: set[str] = set()
            subdirs: list[Path] = []
            for entry in entries:
                if _is_dir(entry):
                    if not entry.name.startswith(".") and entry.name not in SKIPPED_DIRS:
                        subdirs.append(folder / entry.name)
                elif _is_file(entry):
                    files.add(entry.name)
            for group in folder_groups(folder, files):
                self.add(group)
            stack.extend(reversed(subdirs))


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
