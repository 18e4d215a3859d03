"""Expected failures, each carrying the exit code the CLI returns for it."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_ENGINE = 3


class DindcheckError(Exception):
    """A failure with a one-line reason for stderr and a documented exit code."""

    exit_code = EXIT_USAGE


class UsageError(DindcheckError):
    exit_code = EXIT_USAGE


class RuleError(DindcheckError):
    """A rule or config file that does not validate."""

    exit_code = EXIT_USAGE


class ReportWriteError(DindcheckError):
    """The report could not be written (a full disk, a closed standard output): the
    reader did not get the verdict's grounds, so the run does not pass."""

    exit_code = EXIT_USAGE


class EngineError(DindcheckError):
    """No Docker endpoint could be audited."""

    exit_code = EXIT_ENGINE


class WorkerLost(DindcheckError):
    """A lint worker process ended without its results (killed from outside, out of
    memory): what it held was not checked, so the run does not pass."""

    exit_code = EXIT_USAGE

    def __str__(self) -> str:
        return ("a worker process ended abruptly (killed, or out of memory); the lint was "
                "not finished")
