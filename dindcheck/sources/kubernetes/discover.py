"""Which files of a folder are Kubernetes inputs, and what a Helm chart holds.

The walker (:mod:`dindcheck.sources.walk`) offers each folder's files; the files that hold
Kubernetes objects (``apiVersion:``/``kind:`` at the start of a line), Prow job configs,
values of the runner scale-set chart, or pod YAML in a Jenkinsfile form one group, as
``kubectl apply -f folder/`` would apply them together. A Helm chart's templates are not
YAML until rendered: the chart (its ``Chart.yaml``) is a group of its own, and what its
templates and values mention decides what is said about it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from dindcheck.reading import is_regular, read_head

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


def is_input(path: Path) -> bool:
    """Whether a file met in a directory walk holds something this source reads (by its
    first 256 KiB; a file over the size cap that does is read, to report the cap)."""
    name = path.name.lower()
    groovy = name.endswith(".groovy") or name.startswith("jenkinsfile")
    if not groovy and not name.endswith(_YAML):
        return False
    head = read_head(path, SNIFF_BYTES)
    if head is None:
        return False
    if groovy:
        return bool(_POD_IN_GROOVY.search(head))
    return bool(_MANIFEST.search(head)) or bool(_TEMPLATE.search(head)
                                                and _VALUES.search(head))


def chart_of_templates(folder: Path) -> Path | None:
    """The chart whose ``templates`` folder ``folder`` is or lies in, if any."""
    for parent in (folder, *folder.parents):
        if parent.name == "templates" and is_regular(parent.parent / CHART_FILE):
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
        head = None if path.is_symlink() else read_head(path, SNIFF_BYTES)
        if head is None:
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
