"""The lint pipeline: input files → setups (one per group, by their source) → findings."""

from __future__ import annotations

import dataclasses
import gc
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from dindcheck.catalogue import Rule
from dindcheck.errors import WorkerLost
from dindcheck.evaluate import evaluate_setup
from dindcheck.gcpause import gc_paused
from dindcheck.model import (
    DEFAULT_MAX_FILE_SIZE,
    DEFAULT_MAX_STDIN_SIZE,
    Finding,
    InputProblem,
    Report,
    Suppressed,
    Target,
)
from dindcheck.sources import FILE_SOURCES, STDIN, LoadOptions
from dindcheck.suppress import CommentSuppressions, RuleNames, unused_suppressions
from dindcheck.workload import Setup

# Below this many projects a process pool costs more than it saves.
PARALLEL_THRESHOLD = 200
# Work is handed out in about this many chunks per worker: fewer chunks cost less
# pickling and IPC, more chunks balance better at the end of the run.
CHUNKS_PER_WORKER = 8


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectResult:
    """What one group of files gave: a target per setup its source read from it, the
    findings no suppression silenced, and the problems, notes and warnings of its input."""

    targets: tuple[Target, ...] = ()
    findings: tuple[Finding, ...] = ()
    problems: tuple[InputProblem, ...] = ()
    suppressions: tuple[Suppressed, ...] = ()
    unresolved: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    warnings: tuple[InputProblem, ...] = ()

    @property
    def suppressed(self) -> int:
        return len(self.suppressions)


@dataclass(frozen=True, slots=True)
class LintJob:
    """What every group of one run is linted with: ``rules`` run; a suppression may name
    any of ``known`` (the whole catalogue, whatever ``--select`` chose)."""

    rules: Sequence[Rule]
    options: LoadOptions
    keep_subjects: bool = True
    known: RuleNames | None = None


Group = tuple[str, Sequence[Path]]


def lint_project(group: Group, job: LintJob) -> ProjectResult:
    """One group's findings (read by its source), after the suppressions written in it;
    its subjects only when the job keeps them (the TUI)."""
    kind, files = group
    return _evaluated(FILE_SOURCES[kind].load(files, job.options), job)


def _evaluated(setups: Sequence[Setup], job: LintJob,
               texts: Mapping[str, str] | None = None) -> ProjectResult:
    """The setups' findings after the suppressions written in them (workloads' own, and
    comments in their files), with the warnings about those suppressions."""
    ran = RuleNames(job.rules)
    known = job.known or ran
    results = [evaluate_setup(s, job.rules, keep_subjects=job.keep_subjects, known=known)
               for s in setups]
    written = [r for result in results for r in result.suppressions]
    comments = CommentSuppressions(ran, known, job.options.max_file_size)
    findings, by_comment, comment_warnings = comments.apply(
        [f for r in results for f in r.findings], (p for s in setups for p in s.paths), texts)
    warnings = [w for s in setups for w in s.warnings]
    warnings += [w for r in results for w in r.warnings]
    warnings += unused_suppressions(setups, written, ran)
    warnings += comment_warnings
    return ProjectResult(
        targets=tuple(r.target for r in results), findings=tuple(findings),
        problems=tuple(dict.fromkeys(p for s in setups for p in s.problems)),
        suppressions=(*written, *by_comment),
        unresolved=tuple(dict.fromkeys(u for s in setups for u in s.unresolved)),
        notes=tuple(dict.fromkeys(n for s in setups for n in s.notes)),
        warnings=tuple(dict.fromkeys(warnings)))


_WORKER_JOB: list[LintJob] = []


def _init_worker(job: LintJob) -> None:
    import signal

    gc.enable()  # the parent pauses it while collecting results; workers parse, so keep it
    # Ctrl-C reaches the whole process group: the parent answers it and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The parent's SIGTERM handler raises in the main thread only, which may sit in a
    # blocking write for ever; a worker the parent (or anyone) terminates just ends.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORKER_JOB[:] = [job]


_Packed = tuple[Any, ...]


def _work(group: Group) -> tuple[ProjectResult, tuple[_Packed, ...]]:
    """A worker's result, with findings packed without their rule's texts.

    Pickling every finding's rationale, title and references back to the parent cost
    more than the second core saved; the parent takes them from its own rules.
    """
    result = lint_project(group, _WORKER_JOB[0])
    packed = tuple((f.rule_id, f.severity, f.message, f.subject_kind, f.subject_name,
                    f.subject_id, f.location, f.evidence, f.remediation)
                   for f in result.findings)
    return dataclasses.replace(result, findings=()), packed


def _unpack(packed: _Packed, rules: Mapping[str, Rule]) -> Finding:
    rule_id, severity, message, kind, name, subject_id, location, evidence, fix = packed
    rule = rules[rule_id]
    return Finding(rule_id=rule_id, name=rule.name, severity=severity, category=rule.category,
                   title=rule.title, message=message, subject_kind=kind, subject_name=name,
                   subject_id=subject_id, location=location, evidence=evidence,
                   rationale=rule.rationale, remediation=fix, references=rule.references)


def _results(groups: Sequence[Group], job: LintJob, jobs: int) -> Iterator[ProjectResult]:
    if jobs > 1 and len(groups) >= PARALLEL_THRESHOLD:
        yield from _parallel(groups, job, jobs)
        return
    for group in groups:
        yield lint_project(group, job)


def _stop(pool: Any) -> None:
    import multiprocessing

    pool.shutdown(wait=False, cancel_futures=True)
    for child in multiprocessing.active_children():
        child.kill()


def _parallel(groups: Sequence[Group], job: LintJob, jobs: int) -> Iterator[ProjectResult]:
    # Imported here: a one-file lint should not pay for multiprocessing (~10 ms).
    import importlib
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # Imported before the fork so that each worker does not import them again.
    for kind in {kind for kind, _ in groups}:
        for module in FILE_SOURCES[kind].modules:
            importlib.import_module(module)

    context = multiprocessing.get_context("fork")
    chunksize = max(1, len(groups) // (jobs * CHUNKS_PER_WORKER))
    # What the workers inherit stays out of their collections (and their pages shared).
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    try:
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                                 initargs=(job,)) as pool:
            by_id = {rule.id: rule for rule in job.rules}
            try:
                for result, packed in pool.map(_work, groups, chunksize=chunksize):
                    findings = tuple(_unpack(p, by_id) for p in packed)
                    yield dataclasses.replace(result, findings=findings)
            except BrokenProcessPool as exc:
                _stop(pool)
                raise WorkerLost from exc
            except BaseException:
                # Interrupted or terminated: stop the workers now rather than wait for
                # them (they hold the standard output a reader waits on to end).
                _stop(pool)
                raise
    finally:
        if not frozen_before:  # leave a caller's own gc.freeze() alone
            gc.unfreeze()


def repository_root(paths: Sequence[Path]) -> Path:
    """What a lint reads by default: the repository that holds every given path (the
    nearest folder above them with a ``.git``), else the folder that holds them all."""
    folders = [p if p.is_dir() else p.parent for p in (q.absolute() for q in paths or [Path(".")])]
    start = Path(os.path.commonpath([str(f) for f in folders]))
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


@dataclass(frozen=True, slots=True)
class StdinInput:
    """Standard input as an input: its stream, the name it is read as (which picks the
    source and names it in reports), and its size cap."""

    stream: BinaryIO | None = None     # None: the process's standard input
    name: str | None = None            # --stdin-filename
    max_size: int = DEFAULT_MAX_STDIN_SIZE


def _stdin_result(stdin: StdinInput, job: LintJob) -> ProjectResult:
    """Standard input, read by the source its name (or, without one, the default) picks."""
    import sys

    from dindcheck.sources.walk import stdin_source

    name = stdin.name or STDIN
    stream = stdin.stream if stdin.stream is not None else sys.stdin.buffer
    try:
        data = stream.read(stdin.max_size + 1)
    except (OSError, ValueError) as exc:
        return _input_problem(name, f"cannot read standard input: {exc}")
    if len(data) > stdin.max_size:
        return _input_problem(name, (
            f"standard input holds more than {stdin.max_size} bytes; not read (raise the cap "
            f"with --max-file-size, e.g. --max-file-size {_next_size(stdin.max_size)})"))
    if not data.strip():  # a pipe whose writer failed: nothing to check is not a pass
        return _input_problem(name, "standard input is empty: nothing was checked")
    source, reason = stdin_source(FILE_SOURCES, stdin.name, data[:16 * 1024])
    if source is None:
        return _input_problem(name, reason)
    text = data.decode("utf-8", errors="replace") if b"dindcheck:" in data else ""
    return _evaluated(source.load_stream(data, name, job.options), job, {name: text})


def _input_problem(name: str, message: str) -> ProjectResult:
    return ProjectResult(problems=(InputProblem(path=name, message=message),))


def _next_size(size: int) -> str:
    """A cap four times ``size``, written as --max-file-size takes it."""
    return f"{max(1, size * 4 // (1024 * 1024))}M"


def lint(paths: Sequence[Path], rules: Sequence[Rule], *, merge_files: bool = False,
         environ: Mapping[str, str] | None = None,
         max_file_size: int = DEFAULT_MAX_FILE_SIZE, jobs: int | None = None,
         keep_subjects: bool = True, profiles: Sequence[str] | None = None,
         root: Path | None = None, allow_outside: bool = False,
         runner_config: Path | None = None, known_rules: Sequence[Rule] | None = None,
         stdin: StdinInput | None = None, ignore_unknown: bool = False) -> Report:
    """Lint PATHs (files or folders) into one report; see :func:`lint_results`."""
    targets: list[Target] = []
    findings: list[Finding] = []
    problems: list[InputProblem] = []
    suppressions: list[Suppressed] = []
    notes: list[str] = []
    warnings: list[InputProblem] = []
    for result in lint_results(paths, rules, merge_files=merge_files, environ=environ,
                               max_file_size=max_file_size, jobs=jobs,
                               keep_subjects=keep_subjects, profiles=profiles, root=root,
                               allow_outside=allow_outside, runner_config=runner_config,
                               known_rules=known_rules,
                               stdin=stdin, ignore_unknown=ignore_unknown):
        targets.extend(result.targets)
        findings.extend(result.findings)
        problems.extend(result.problems)
        suppressions.extend(result.suppressions)
        notes.extend(result.notes)
        warnings.extend(result.warnings)
    return Report(mode="lint", targets=tuple(targets), findings=tuple(findings),
                  errors=tuple(dict.fromkeys(problems)), suppressed=len(suppressions),
                  notes=tuple(notes),
                  warnings=tuple(warnings), suppressions=tuple(suppressions))


def lint_results(paths: Sequence[Path], rules: Sequence[Rule], *, merge_files: bool = False,
                 environ: Mapping[str, str] | None = None,
                 max_file_size: int = DEFAULT_MAX_FILE_SIZE, jobs: int | None = None,
                 keep_subjects: bool = True, profiles: Sequence[str] | None = None,
                 root: Path | None = None, allow_outside: bool = False,
                 runner_config: Path | None = None,
                 known_rules: Sequence[Rule] | None = None,
                 stdin: StdinInput | None = None,
                 ignore_unknown: bool = False) -> Iterator[ProjectResult]:
    """Lint PATHs (files or folders), one result per project as it is done; with
    ``merge_files`` they form one compose project (``-f``). The first result holds the
    problems of the walk itself, the last the run's closing notes and problems.

    Nothing is held across projects but what says which files were read (a file one
    project read is not linted again on its own). ``keep_subjects=False`` drops the
    subjects as each project is done (less to pickle back from workers). ``profiles``:
    lint only what ``docker compose --profile ...`` would start (None: every service).
    Reads stay inside ``root`` (None: the repository the first path lies in) unless
    ``allow_outside``. ``runner_config``: the GitLab Runner ``config.toml`` that runs the
    pipelines (without it, what only the runner decides stays unknown). ``known_rules``:
    what a suppression may name (default ``rules``). A path ``-`` is standard input
    (``stdin`` says how to read it), linted first.
    ``ignore_unknown``: a file named that no source reads is passed over (pre-commit
    names every changed file), not reported.
    """
    from dindcheck.sources.walk import walk

    env = dict(os.environ if environ is None else environ)
    reads_stdin = not merge_files and any(str(p) == STDIN for p in paths)
    paths = [p for p in paths if str(p) != STDIN] if reads_stdin else paths
    groups: list[Group]
    root = root or repository_root(paths)
    found: list[InputProblem] = []
    walk_notes: list[str] = []
    if merge_files:
        groups = [("compose", list(paths))]
    elif paths or not reads_stdin:
        walked = walk(paths, FILE_SOURCES, root=root, allow_outside=allow_outside,
                      ignore_unknown=ignore_unknown)
        groups = list(walked.groups)
        found = list(dict.fromkeys(walked.problems))
        walk_notes = walked.notes
    else:
        groups = []
    if found or walk_notes:
        yield ProjectResult(problems=tuple(found), notes=tuple(walk_notes))
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    unresolved: set[str] = set()
    with gc_paused():
        options = LoadOptions(environ=env, max_file_size=max_file_size,
                              profiles=tuple(profiles) if profiles is not None else None,
                              root=root, allow_outside=allow_outside,
                              runner_config=runner_config)
        job = LintJob(rules, options, keep_subjects,
                      RuleNames(known_rules) if known_rules is not None else None)
        if reads_stdin:
            yield _stdin_result(stdin or StdinInput(), job)
        read: set[tuple[str, str]] = set()
        for (kind, group_files), result in zip(groups, _results(groups, job, jobs),
                                               strict=True):
            files = {(kind, os.path.abspath(p)) for p in group_files}
            if files and files <= read:
                continue  # its source read it already, in an earlier group (an include)
            read.update((kind, os.path.abspath(p)) for t in result.targets for p in t.paths)
            unresolved.update(result.unresolved)
            yield result
    closing: list[str] = []
    if unresolved:
        closing.append("variables with no value in the input or its environment: "
                       + ", ".join(sorted(unresolved)) + " (compose reads them as empty, as "
                       "docker compose does; the other inputs keep them as written)")
    missing: tuple[InputProblem, ...] = ()
    if not groups and not found and not reads_stdin and not ignore_unknown:
        names = ", ".join(str(p) for p in paths) or "."
        missing = (InputProblem(path=names, message=(
            "no input file found (compose, GitLab CI, GitHub Actions, Kubernetes, shell): "
            "nothing was checked")),)
    if closing or missing:
        yield ProjectResult(problems=missing, notes=tuple(closing))
