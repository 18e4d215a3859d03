"""Load a pipeline: its files (with local includes), ``!reference`` tags, ``extends`` and
defaults once, then its jobs for a runner's environment (variables and services).

GitLab's order: includes are merged, then references resolved, then ``extends``. A file
not named ``.gitlab-ci.yml`` is read as a fragment (its includer may define what it
names): what it names but does not define is a note, not a problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dindcheck.model import DEFAULT_MAX_FILE_SIZE
from dindcheck.sources.gitlab.discover import is_pipeline_name
from dindcheck.sources.gitlab.document import read_pipeline
from dindcheck.sources.gitlab.jobs import Prepared, build_jobs, prepare
from dindcheck.sources.gitlab.model import Pipeline, Variable
from dindcheck.sources.gitlab.problems import TOO_BIG, TOO_DEEP, BudgetExceeded, Collector
from dindcheck.sources.gitlab.references import resolve_references
from dindcheck.yamlload import Mark, PosDict


@dataclass
class Loaded:
    """A pipeline read once; :func:`jobs_for` builds its jobs for one runner."""

    name: str
    root: str
    files: tuple[str, ...]
    prepared: Prepared
    sink: Collector
    unfollowed: tuple[str, ...]


def load(main: Path, *, root: Path | None = None,
         max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> Loaded:
    root = root if root is not None else main.parent
    sink = Collector(str(main))
    files: tuple[str, ...] = (str(main),)
    unfollowed: tuple[str, ...] = ()
    prepared = Prepared(jobs=(), global_variables=())
    try:
        document = read_pipeline(main, root, sink, max_file_size)
        files = tuple(document.files) or files
        unfollowed = tuple(document.unfollowed)
        fragment = not is_pipeline_name(main.name)
        sink.lenient = bool(unfollowed) or fragment
        for item in unfollowed:
            sink.note(f"include {item} not followed: its jobs and templates are not linted")
        resolved = resolve_references(document.data, sink)
        prepared = prepare(resolved, sink, fragment=fragment)
    except BudgetExceeded as exc:
        sink.problem(TOO_BIG, exc.mark)
    except RecursionError:  # references stacked into values too deep to walk
        sink.problem(TOO_DEEP, Mark(str(main), 1, 1))
    return Loaded(name=str(main), root=str(root), files=files, prepared=prepared, sink=sink,
                  unfollowed=unfollowed)


def jobs_for(loaded: Loaded, runner_environment: Sequence[Variable] = (),
             runner_services: Sequence[PosDict] = ()) -> Pipeline:
    """The pipeline's jobs as a runner with this environment and these services runs them."""
    sink = loaded.sink.fork()
    unresolved: set[str] = set()
    jobs = []
    try:
        jobs = build_jobs(loaded.prepared, runner_environment, runner_services, sink,
                          unresolved)
    except BudgetExceeded as exc:
        sink.problem(TOO_BIG, exc.mark)
        jobs = []
    except RecursionError:
        sink.problem(TOO_DEEP, Mark(loaded.name, 1, 1))
        jobs = []
    return Pipeline(name=loaded.name, root=loaded.root, files=loaded.files, jobs=tuple(jobs),
                    problems=tuple(sink.problems), notes=tuple(sink.notes),
                    unresolved=tuple(sorted(unresolved)), unfollowed=loaded.unfollowed)
