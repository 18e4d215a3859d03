"""The values that flow through the pipeline: subjects, findings, input problems, reports.

Subjects (the fact model) are plain JSON-serialisable dicts so that rules, written as
JSON Schema, can be evaluated on them directly; their shape is documented in
``schemas/facts.schema.json`` and ``docs/facts.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

Subject = dict[str, Any]

SUBJECT_KINDS = ("daemon", "socket_mount", "client", "host")


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Severity.INFO: 1, Severity.WARNING: 2, Severity.ERROR: 3}

FAIL_ON_CHOICES = ("error", "warning", "info", "never")
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024  # input files above it are reported, not read
# Standard input is most often a cluster dump (`kubectl get pods -A -o json`): about 6 KiB a
# pod, so 30 MiB for 5,000 pods. Its own default cap (an explicit --max-file-size applies
# to it too) lets one through whole; reading one takes about 4 times its size in memory.
DEFAULT_MAX_STDIN_SIZE = 256 * 1024 * 1024


def fails(severity: Severity, fail_on: str) -> bool:
    """Whether a finding of ``severity`` reaches the ``--fail-on`` threshold."""
    if fail_on == "never":
        return False
    return severity.rank >= Severity(fail_on).rank


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """Where a person can go to see the cause.

    Files: ``path`` with 1-based ``line`` and ``column``. Live subjects: ``endpoint``,
    ``container`` (name) and ``field`` (the inspect path, e.g. ``HostConfig.Privileged``).
    """

    path: str | None = None
    line: int | None = None
    column: int | None = None
    endpoint: str | None = None
    container: str | None = None
    container_id: str | None = None
    field: str | None = None

    def __post_init__(self) -> None:
        for name in ("line", "column"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} is 1-based, got {value}")

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__ if getattr(self, k) is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Location:
        return cls(**{k: v for k, v in data.items() if k in cls.__slots__})

    def __str__(self) -> str:
        if self.path is not None:
            parts = [self.path]
            if self.line is not None:
                parts.append(str(self.line))
                if self.column is not None:
                    parts.append(str(self.column))
            return ":".join(parts)
        where = " ".join(p for p in (self.endpoint, self.container) if p)
        return f"{where} {self.field}" if self.field else where


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    rule_id: str
    name: str
    severity: Severity
    category: str
    title: str
    message: str
    subject_kind: str
    subject_name: str
    subject_id: str
    location: Location
    evidence: dict[str, Any]
    rationale: str
    remediation: str
    references: tuple[str, ...] = ()

    def sort_key(self) -> tuple[Any, ...]:
        loc = self.location
        return (
            loc.path or loc.endpoint or "",
            loc.line or 0,
            loc.column or 0,
            loc.container or "",
            -self.severity.rank,
            self.rule_id,
            self.subject_id,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class InputProblem:
    """An input that could not be read, or an endpoint that could not be audited."""

    path: str
    message: str
    line: int | None = None
    column: int | None = None
    # "input" (exit 2), "engine" (exit 3 when nothing was audited); as a warning, which
    # never changes the exit code: "suppression"
    kind: str = "input"

    @property
    def where(self) -> str:
        """``path:line:col`` as far as known."""
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Suppressed:
    """A finding that a suppression written in the input silenced, with its reason.

    ``by`` says how it was written: ``x-dindcheck`` (a compose service), ``comment`` (a
    ``# dindcheck: ignore[...]`` line), ``file comment`` (``ignore-file``), ``label`` (a
    container label), ``annotation`` (Kubernetes), ``variable`` (GitLab CI).
    """

    rule_id: str
    subject_id: str
    location: Location          # the finding's
    by: str
    written_at: Location        # the suppression's
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """One audited thing: a compose project or a Docker endpoint, with its subjects."""

    kind: str  # "compose" or "engine"
    name: str
    paths: tuple[str, ...] = ()
    subjects: tuple[Subject, ...] = ()
    subject_count: int | None = None  # when the subjects themselves were not kept

    @property
    def size(self) -> int:
        """How many subjects the target had."""
        return len(self.subjects) if self.subject_count is None else self.subject_count


def run_exit_code(errors: Iterable[InputProblem], failed: bool) -> int:
    """0/1/2/3 per the CI contract: input errors (2) win over engines that could not be
    audited (3), which win over findings at or above ``--fail-on`` (``failed``, 1): a
    gate never passes what it did not check."""
    kinds = {e.kind for e in errors}
    if "input" in kinds:
        return 2
    if "engine" in kinds:
        return 3
    return 1 if failed else 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """A whole run at once (the TUI, tests); the command line streams instead and keeps
    only a :class:`~dindcheck.report.summary.Summary`.

    ``warnings`` are located problems that do not fail the run (a suppression naming no
    rule, or one that matched nothing); ``suppressions`` the findings that suppressions
    silenced (``suppressed`` counts them).
    """

    mode: str  # "lint" or "audit"
    targets: tuple[Target, ...]
    findings: tuple[Finding, ...]
    errors: tuple[InputProblem, ...] = ()
    suppressed: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)
    warnings: tuple[InputProblem, ...] = ()
    suppressions: tuple[Suppressed, ...] = ()

    def counts(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Severity}
        for f in self.findings:
            counts[f.severity.value] += 1
        return counts

    def fails(self, fail_on: str) -> bool:
        """Whether a finding is at or above ``fail_on``."""
        return any(fails(f.severity, fail_on) for f in self.findings)

    def exit_code(self, fail_on: str) -> int:
        """0/1/2/3 per the CI contract (:func:`run_exit_code`)."""
        return run_exit_code(self.errors, self.fails(fail_on))
