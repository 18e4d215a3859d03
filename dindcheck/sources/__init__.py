"""Input sources: each reads one kind of input into setups of workloads.

A file source is a package ``dindcheck/sources/<kind>/`` whose ``SOURCE`` object meets
:class:`FileSource`: it says which files of a folder it reads (and how they group into
one setup), whether a file named on the command line is its input, and loads a group.
:data:`FILE_SOURCES` is the registry, in the order a file is offered to them. The live
audit (``sources/live``) reads engines, not files, and is called by the audit pipeline.

Nothing outside ``sources/`` knows an input format: the rest of dindcheck sees
:class:`dindcheck.workload.Setup` values only. Importing this module imports no source's
reader; each loads its modules when it is first asked to load.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from dindcheck.model import DEFAULT_MAX_FILE_SIZE
from dindcheck.workload import Setup


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """What every group of one run is loaded with."""

    environ: Mapping[str, str] = field(default_factory=dict)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    root: Path | None = None           # reads stay inside it (None: no limit)
    allow_outside: bool = False
    runner_config: Path | None = None  # a GitLab Runner config.toml
    profiles: tuple[str, ...] | None = None  # compose profiles (None: every service)


class FileSource(Protocol):
    """One kind of input file."""

    @property
    def kind(self) -> str:
        """The setup kind it produces (``compose``, ``github-actions``, ...)."""
        ...

    @property
    def modules(self) -> tuple[str, ...]:
        """The modules its loader imports (imported once before a process pool forks)."""
        ...

    def groups(self, folder: Path, names: Sequence[str]) -> list[list[Path]]:
        """The groups of files among ``names`` (files of ``folder``, found in a walk)
        that this source reads; each group is loaded as one setup, in order."""
        ...

    def recognises(self, path: Path, head: str) -> bool:
        """Whether a file named on the command line (its first few KiB in ``head``) is
        this source's input, when no source claims it by its name."""
        ...

    def load(self, files: Sequence[Path], options: LoadOptions) -> Sequence[Setup]:
        """One group as setups (usually one; a pipeline gives one per runner that runs
        it); unreadable input becomes their problems, never an error."""
        ...


STDIN = "-"  # a path that names standard input
STDIN_KIND = "kubernetes"  # what standard input is read as, when no name says otherwise


@runtime_checkable
class StreamSource(FileSource, Protocol):
    """A file source that can also read its input from standard input."""

    def load_stream(self, data: bytes, name: str, options: LoadOptions) -> Sequence[Setup]:
        """The setups of ``data`` (standard input, within the size cap), named ``name`` in
        locations; unreadable input becomes their problems, never an error."""
        ...


def _registry() -> dict[str, FileSource]:
    from dindcheck.sources.actions import SOURCE as ACTIONS
    from dindcheck.sources.compose import SOURCE as COMPOSE
    from dindcheck.sources.gitlab import SOURCE as GITLAB
    from dindcheck.sources.kubernetes import SOURCE as KUBERNETES
    from dindcheck.sources.shell import SOURCE as SHELL

    # The formats that recognise themselves most surely come first: a GitLab CI file may
    # have a top-level `services:` too.
    return {source.kind: source for source in (GITLAB, ACTIONS, KUBERNETES, COMPOSE, SHELL)}


FILE_SOURCES: Mapping[str, FileSource] = _registry()


def source(kind: str) -> FileSource:
    return FILE_SOURCES[kind]
