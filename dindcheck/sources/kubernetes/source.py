"""The Kubernetes source: a group of inputs becomes one :class:`~dindcheck.workload.Setup`.

:func:`load_files` reads a folder's group of files, :func:`load_bytes` standard input,
:func:`load_text` text given directly, :func:`load_chart` a Helm chart (not rendered). All
but the chart give the setup and, beside it, the Kubernetes facts the workload model has
no field for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from dindcheck.gcpause import gc_paused
from dindcheck.model import DEFAULT_MAX_FILE_SIZE, InputProblem
from dindcheck.reading import ReadError, decode_text
from dindcheck.sources.kubernetes.discover import chart_mentions
from dindcheck.sources.kubernetes.documents import Reading, read_file, read_source
from dindcheck.sources.kubernetes.facts import KubernetesSetup
from dindcheck.sources.kubernetes.objects import read_documents
from dindcheck.sources.kubernetes.workloads import ORIGIN, build
from dindcheck.workload import IMAGE_VOLUMES_RUNTIME, Setup

KIND = "kubernetes"
T = TypeVar("T")


def _paused(read: Callable[[], T]) -> T:
    with gc_paused():
        return read()


def load_files(files: Sequence[Path], name: str | None = None, *,
               max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> KubernetesSetup:
    label = name or (files[0].stem if len(files) == 1 else files[0].parent.name) if files else ""
    return _paused(lambda: _setup(label, tuple(str(p) for p in files),
                                  [read_file(path, max_file_size) for path in files]))


def load_text(text: str, name: str = "-") -> KubernetesSetup:
    """Text read elsewhere (``name`` decides how: ``.json``, ``.groovy``, else YAML, or by
    content for standard input)."""
    return _paused(lambda: _setup(name, (name,), [read_source(text, name)]))


def load_bytes(data: bytes, name: str = "-") -> KubernetesSetup:
    """Bytes read elsewhere (standard input), decided as YAML or JSON by ``name`` or, for
    ``-``, by content."""
    reading = Reading()
    try:
        text = decode_text(data, name)
    except ReadError as exc:
        reading.problems.append(exc.problem())
        return _setup("stdin", (name,), [reading])
    return _paused(lambda: _setup("stdin", (name,), [read_source(text, name, reading)]))


def load_chart(chart_file: Path) -> Setup:
    """A Helm chart, not rendered: its templates are Go templates, not manifests. A chart
    whose templates or values mention a Docker daemon is an input that could not be
    checked (a problem, located at its Chart.yaml); another is said in a note."""
    chart = chart_file.parent
    words, read = chart_mentions(chart)
    render = (f"render it and lint the output: `helm template {chart} | dindcheck lint -`")
    problems: tuple[InputProblem, ...] = ()
    notes: tuple[str, ...] = ()
    if words:
        problems = (InputProblem(path=str(chart_file), line=1, column=1, message=(
            f"a Helm chart whose templates or values mention {', '.join(words)}; templates "
            f"are not manifests until rendered, so nothing was checked: {render}")),)
    else:
        notes = (f"{chart}: a Helm chart ({read} file(s) of templates and values) that "
                 f"mentions no Docker daemon, socket or privileged container; not rendered "
                 f"and not checked ({render})",)
    return Setup(kind=KIND, name=chart.name or str(chart), origin=ORIGIN,
                 paths=(str(chart_file),), image_volumes=IMAGE_VOLUMES_RUNTIME,
                 problems=problems, notes=notes)


def _setup(name: str, paths: tuple[str, ...], readings: list[Reading]) -> KubernetesSetup:
    documents = [d for r in readings for d in r.documents]
    catalog = read_documents(documents)
    built = build(catalog)
    notes = [n for r in readings for n in r.notes] + catalog.notes
    problems = [p for r in readings for p in r.problems] + catalog.problems
    if not built.workloads and not problems:
        notes.append(f"{', '.join(paths)}: no pod template found; nothing was checked")
    setup = Setup(kind=KIND, name=name, origin=ORIGIN, paths=paths,
                  workloads=tuple(built.workloads), image_volumes=IMAGE_VOLUMES_RUNTIME,
                  problems=tuple(problems),
                  notes=tuple(dict.fromkeys(notes)), unresolved=tuple(sorted(built.unresolved)))
    return KubernetesSetup(setup=setup, facts=built.facts)
