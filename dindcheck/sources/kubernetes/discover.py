"""Find Kubernetes inputs under the paths given on the command line, grouped.

A file named on the command line is read whatever it holds, as a group of its own (``-``
is standard input: a ``kubectl get … -o json`` piped in). In a directory walk, the
files of one folder that hold Kubernetes objects (``apiVersion:``/``kind:`` at the start
of a line), Prow job configs, values of the runner scale-set chart, or pod YAML in a
Jenkinsfile form one group, as ``kubectl apply -f folder/`` would apply them together.
A Helm chart's templates are not YAML until rendered: the chart is named in a note and
skipped. Hidden folders, ``.git`` and ``node_modules`` are skipped; symlinked folders
are followed once; symlinks that lead out of the folder walked are not read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dindcheck.model import InputProblem
from dindcheck.sources.kubernetes.documents import STDIN_NAMES

SKIPPED_DIRS = frozenset({".git", "node_modules"})
CHART_FILE = "Chart.yaml"
CHART_SNIFF_FILES = 500  # a chart's templates and values read to say what it holds
# What in a chart's templates or values shows a Docker daemon or the node's engine.
_DOCKER_IN_CHART = re.compile(rb"dind|dockerd|docker\.sock|/var/lib/docker|privileged:\s*true",
                              re.IGNORECASE)
SNIFF_BYTES = 256 * 1024
_MANIFEST = re.compile(rb"^(?:apiVersion|kind)[ \t]*:|\"(?:apiVersion|kind)\"[ \t]*:"
                       rb"|^(?:presubmits|postsubmits|periodics)[ \t]*:", re.M)
_VALUES = re.compile(rb"^(?:githubConfigUrl|containerMode)[ \t]*:", re.M)
_TEMPLATE = re.compile(rb"^template[ \t]*:", re.M)
_POD_IN_GROOVY = re.compile(rb"containers[ \t]*:")
_YAML = (".yaml", ".yml", ".json")


@dataclass(slots=True)
class Group:
    """Inputs read together: one folder's manifests, one named file, or standard input."""

    name: str
    files: list[Path] = field(default_factory=list)
    stdin: bool = False


@dataclass(slots=True)
class Found:
    groups: list[Group] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def discover(paths: Sequence[Path | str]) -> Found:
    found = Found()
    seen: set[str] = set()
    visited: set[tuple[int, int]] = set()
    for given in paths:
        if str(given) in STDIN_NAMES:
            found.groups.append(Group(name="stdin", stdin=True))
            continue
        path = Path(given)
        if path.is_dir():
            _walk(path, found, seen, visited)
        elif path.exists() or path.is_symlink():
            key = os.path.abspath(path)
            if key not in seen:
                seen.add(key)
                found.groups.append(Group(name=path.stem or path.name, files=[path]))
        else:
            found.problems.append(InputProblem(path=str(path),
                                               message="no such file or directory"))
    return found


def is_input(path: Path) -> bool:
    """Whether a file met in a directory walk holds something this source reads (by its
    first 256 KiB; a file over the size cap that does is read, to report the cap)."""
    name = path.name.lower()
    groovy = name.endswith(".groovy") or name.startswith("jenkinsfile")
    if not groovy and not name.endswith(_YAML):
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        return False
    if groovy:
        return bool(_POD_IN_GROOVY.search(head))
    return bool(_MANIFEST.search(head)) or bool(_TEMPLATE.search(head)
                                                and _VALUES.search(head))


def _walk(root: Path, found: Found, seen: set[str], visited: set[tuple[int, int]]) -> None:
    real_root = os.path.realpath(root)
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
            if (st.st_dev, st.st_ino) in visited:
                continue
            visited.add((st.st_dev, st.st_ino))
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            found.problems.append(InputProblem(
                path=str(folder), message=f"cannot read directory: {exc.strerror or exc}"))
            continue
        names = {e.name for e in entries}
        if "Chart.yaml" in names:
            found.notes.append(f"{folder}: a Helm chart; its templates are not YAML until "
                               "rendered: run `helm template` and check the output")
            continue
        group = Group(name=folder.name or str(folder))
        subdirs: list[Path] = []
        for entry in entries:
            path = folder / entry.name
            if _is_dir(entry):
                if not entry.name.startswith(".") and entry.name not in SKIPPED_DIRS:
                    subdirs.append(path)
                continue
            if not _is_file(entry) or not is_input(path):
                continue
            real = os.path.realpath(path)
            if entry.is_symlink() and not (real == real_root
                                           or real.startswith(real_root.rstrip("/") + "/")):
                found.notes.append(f"{path}: a symlink out of {root}; not read")
                continue
            if real not in seen:
                seen.add(real)
                group.files.append(path)
        if group.files:
            found.groups.append(group)
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


def chart_of_templates(folder: Path) -> Path | None:
    """The chart whose ``templates`` folder ``folder`` is or lies in, if any."""
    for parent in (folder, *folder.parents):
        if parent.name == "templates" and (parent.parent / CHART_FILE).is_file():
            return parent.parent
    return None


def chart_mentions(chart: Path) -> tuple[list[str], int]:
    """What in a chart's ``values.yaml`` and templates shows a Docker daemon (the words,
    sorted), and how many files were read (at most CHART_SNIFF_FILES, each's first
    256 KiB; subcharts under ``charts/`` are charts of their own)."""
    found: set[str] = set()
    read = 0
    for path in _chart_files(chart):
        if read >= CHART_SNIFF_FILES:
            break
        try:
            if path.is_symlink() or not path.is_file():
                continue
            with path.open("rb") as handle:
                head = handle.read(SNIFF_BYTES)
        except OSError:
            continue
        read += 1
        found.update(m.group().decode("ascii", "replace").lower()
                     for m in _DOCKER_IN_CHART.finditer(head))
    return sorted(found), read


def _chart_files(chart: Path) -> Iterator[Path]:
    """``values.yaml``, then the files under ``templates`` (symlinked folders not followed)."""
    yield chart / "values.yaml"
    for folder, dirs, names in os.walk(chart / "templates", followlinks=False):
        dirs.sort()
        for name in sorted(names):
            yield Path(folder) / name
