"""The lint pipeline: compose files → projects → subjects → findings."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dindcheck.catalogue import Rule
from dindcheck.derive import link
from dindcheck.engine import evaluate
from dindcheck.model import Finding, InputProblem, Report, Target
from dindcheck.yamlload import DEFAULT_MAX_FILE_SIZE

# Below this many projects a process pool costs more than it saves.
PARALLEL_THRESHOLD = 200
# Work is handed out in about this many chunks per worker: fewer chunks cost less
# pickling and IPC, more chunks balance better at the end of the run.
CHUNKS_PER_WORKER = 8


@dataclass(frozen=True, slots=True)
class ProjectResult:
    target: Target
    findings: tuple[Finding, ...]
    problems: tuple[InputProblem, ...]
    suppressed: int
    unresolved: tuple[str, ...]


def lint_project(files: Sequence[Path], rules: Sequence[Rule], environ: Mapping[str, str],
                 max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> ProjectResult:
    from dindcheck.sources.compose import build_subjects
    from dindcheck.sources.compose_files import load_project

    project = load_project(files, environ=environ, max_file_size=max_file_size)
    subjects = build_subjects(project)
    link(subjects)
    findings, suppressed = evaluate(rules, subjects)
    target = Target(kind="compose", name=project.name, paths=tuple(project.files),
                    subjects=tuple(subjects))
    return ProjectResult(target, tuple(findings), tuple(project.problems), suppressed,
                         tuple(project.unresolved))


_WORKER_STATE: dict[str, object] = {}


def _init_worker(rules: Sequence[Rule], environ: Mapping[str, str], max_file_size: int) -> None:
    gc.enable()  # the parent pauses it while collecting results; workers parse, so keep it
    _WORKER_STATE.update(rules=rules, environ=environ, max_file_size=max_file_size)


def _work(files: Sequence[Path]) -> ProjectResult:
    return lint_project(files, _WORKER_STATE["rules"], _WORKER_STATE["environ"],  # type: ignore[arg-type]
                        _WORKER_STATE["max_file_size"])  # type: ignore[arg-type]


def _results(groups: Sequence[Sequence[Path]], rules: Sequence[Rule],
             environ: Mapping[str, str], max_file_size: int,
             jobs: int) -> Iterator[ProjectResult]:
    if jobs > 1 and len(groups) >= PARALLEL_THRESHOLD:
        yield from _parallel(groups, rules, environ, max_file_size, jobs)
        return
    for files in groups:
        yield lint_project(files, rules, environ, max_file_size)


def _parallel(groups: Sequence[Sequence[Path]], rules: Sequence[Rule],
              environ: Mapping[str, str], max_file_size: int,
              jobs: int) -> Iterator[ProjectResult]:
    # Imported here: a one-file lint should not pay for multiprocessing (~10 ms).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Imported before the fork so that each worker does not import them again.
    import dindcheck.sources.compose
    import dindcheck.sources.compose_files  # noqa: F401

    context = multiprocessing.get_context("fork")
    chunksize = max(1, len(groups) // (jobs * CHUNKS_PER_WORKER))
    # What the workers inherit stays out of their collections (and their pages shared).
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    try:
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                                 initargs=(rules, environ, max_file_size)) as pool:
            yield from pool.map(_work, groups, chunksize=chunksize)
    finally:
        if not frozen_before:  # leave a caller's own gc.freeze() alone
            gc.unfreeze()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while results pile up.

    Results are acyclic and reference counting frees them; but every full collection
    rescans all of them, which cost about a quarter of the CPU at 10,000 projects.
    Linting itself leaves almost no cyclic garbage (~0.5 objects per project).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def lint(paths: Sequence[Path], rules: Sequence[Rule], *, merge_files: bool = False,
         environ: Mapping[str, str] | None = None,
         max_file_size: int = DEFAULT_MAX_FILE_SIZE, jobs: int | None = None) -> Report:
    """Lint PATHs (files or folders); with ``merge_files`` they form one project (``-f``)."""
    from dindcheck.sources.discover import discover

    env = dict(os.environ if environ is None else environ)
    problems: list[InputProblem] = []
    if merge_files:
        groups: list[list[Path]] = [list(paths)]
    else:
        groups, found = discover(paths)
        problems.extend(found)
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    targets: list[Target] = []
    findings: list[Finding] = []
    suppressed = 0
    unresolved: set[str] = set()
    with _gc_paused():
        for result in _results(groups, rules, env, max_file_size, jobs):
            targets.append(result.target)
            findings.extend(result.findings)
            problems.extend(result.problems)
            suppressed += result.suppressed
            unresolved.update(result.unresolved)
    notes = []
    if unresolved:
        notes.append("variables without a value were left as written: "
                     + ", ".join(sorted(unresolved)))
    if not groups and not problems:
        notes.append("no compose files found")
    return Report(mode="lint", targets=tuple(targets), findings=tuple(findings),
                  errors=tuple(problems), suppressed=suppressed, notes=tuple(notes))
