"""The command line: parse arguments, pick the source and reporter, return the exit code."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import math
import os
import signal
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from dindcheck import __version__
from dindcheck.errors import EXIT_USAGE, DindcheckError, ReportWriteError, UsageError
from dindcheck.model import DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_STDIN_SIZE, FAIL_ON_CHOICES
from dindcheck.report import FORMATS

if TYPE_CHECKING:
    from dindcheck.catalogue import Rule
    from dindcheck.emit import Emitter
    from dindcheck.model import Report
    from dindcheck.report import Verdict
    from dindcheck.report.summary import Summary

EXIT_CODES_HELP = """exit codes:
  0  nothing at or above --fail-on
  1  findings at or above --fail-on
  2  bad usage, an unreadable or invalid input file, an invalid rule or config,
     a report that could not be written
  3  a Docker endpoint or container could not be audited (audit; --allow-partial: only
     when none could)
A reader that closes the pipe early (| head) does not change the code.
"""
# Seconds: an engine call that may wait longer than this is a hang, not a timeout.
MAX_TIMEOUT = 600.0
# Worker processes per CPU: -j above it is lowered to it.
JOBS_PER_CPU = 4


def max_jobs() -> int:
    return JOBS_PER_CPU * (os.cpu_count() or 1)


def _ids(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _size(text: str) -> int:
    from dindcheck.config import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= MAX_TIMEOUT:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(
            f"must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}, got {text!r}")
    return value


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1 or not text.strip().isascii():
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return min(value, max_jobs())


def _output_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("output")
    group.add_argument("--format", choices=FORMATS, default=None,
                       help="report format (default: text): json for CI gates, sarif for "
                            "code scanning, github for Actions annotations, gitlab for "
                            "GitLab Code Quality, junit for test reports")
    group.add_argument("--json", dest="format", action="store_const", const="json",
                       help="alias of --format json")
    group.add_argument("-o", "--output", type=Path, default=None, metavar="FILE",
                       help="write the report to FILE instead of standard output")
    group.add_argument("--fail-on", choices=FAIL_ON_CHOICES, default=None,
                       help="lowest severity that makes the exit code 1 (default: error)")
    group.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the text report (default: auto: on a terminal, unless "
                            "NO_COLOR is set or TERM=dumb; FORCE_COLOR forces it)")
    group.add_argument("--no-color", dest="color", action="store_const", const="never",
                       help="alias of --color never")
    group.add_argument("-v", "--verbose", "--show-fixes", dest="verbose",
                       action="store_true",
                       help="print each finding's whole fix under it and each rule's whole "
                            "rationale")
    group.add_argument("-q", "--quiet", action="store_true",
                       help="text: only the finding lines, and the summary when the run "
                            "fails")
    group.add_argument("--tui", action="store_true",
                       help="open the interactive view (needs a terminal)")
    baseline = parser.add_argument_group("baseline")
    baseline.add_argument("--baseline", type=Path, default=None, metavar="FILE",
                          help="report only findings FILE does not hold (written by "
                               "--write-baseline; default: the config's baseline)")
    baseline.add_argument("--write-baseline", type=Path, default=None, metavar="FILE",
                          help="record this run's findings in FILE, report none of them")
    rules = parser.add_argument_group("rules")
    rules.add_argument("--rules", action="append", type=Path, default=[], metavar="DIR",
                       help="add the rule files of DIR (repeatable)")
    rules.add_argument("--select", type=_ids, default=[], metavar="IDS",
                       help="only these rule ids, names or categories (comma-separated)")
    rules.add_argument("--ignore", type=_ids, default=[], metavar="IDS",
                       help="skip these rule ids, names or categories (comma-separated)")
    rules.add_argument("--config", type=Path, default=None, metavar="FILE",
                       help="configuration file (default: the nearest .dindcheck.yaml, or "
                            "pyproject.toml with [tool.dindcheck], from the working "
                            "directory up to the repository root)")


class UnknownOptions(UsageError):
    """Arguments no option takes: the reason, then the subcommand's usage."""

    def __init__(self, message: str, usage: str) -> None:
        super().__init__(message)
        self.usage = usage


class _Parser(argparse.ArgumentParser):
    """Bad usage is one line on stderr, like every other non-zero exit."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


DESCRIPTION = """\
Diagnose Docker-in-Docker setups: lint their configuration (compose files, GitLab CI,
GitHub Actions, Kubernetes manifests, shell scripts) before they run, audit running
Docker engines read-only.

Bare `dindcheck` is `dindcheck audit` of the current engine (DOCKER_HOST or the docker
context), in the interactive view (TUI) when run on a terminal. `dindcheck lint` with no
PATH lints the current folder (.).
"""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="dindcheck", description=DESCRIPTION,
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"dindcheck {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND",
                                help="what to do (default: audit)")

    lint = sub.add_parser("lint", help="lint configuration files or folders (default: .)",
                          description="Lint configuration files or folders (default: .).",
                          epilog=EXIT_CODES_HELP,
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    lint.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                      help="file or folder (searched recursively; default: .); - reads "
                           "standard input")
    lint.add_argument("-f", "--file", action="append", type=Path, default=[], dest="files",
                      metavar="FILE",
                      help="compose file; repeated files merge into one project, in order")
    lint.add_argument("--stdin-filename", default=None, metavar="NAME",
                      help="read standard input (-) as a file named NAME: the name picks "
                           "the source and names it in the report (default: Kubernetes "
                           "objects, as kubectl prints them)")
    lint.add_argument("--ignore-unknown", action="store_true",
                      help="skip a file named on the command line that no source reads, "
                           "instead of reporting it (pre-commit passes every changed file)")
    lint.add_argument("--profile", action="append", default=None, dest="profiles",
                      metavar="NAME", help="lint only the compose services this profile "
                      "starts (repeatable; default: every service; COMPOSE_PROFILES is "
                      "read when no --profile is given)")
    lint.add_argument("--root", type=Path, default=None, metavar="DIR",
                      help="reads stay inside DIR: a file an input names outside it is not "
                           "read, an input problem (exit 2) (default: the repository of the "
                           "first PATH)")
    lint.add_argument("--allow-outside", action="store_true",
                      help="read files that inputs name outside the root too")
    lint.add_argument("--max-file-size", type=_size, default=None, metavar="SIZE",
                      help="skip files larger than SIZE with an error (default: 10M; 256M "
                           "for standard input)")
    lint.add_argument("-j", "--jobs", type=_jobs, default=None,
                      help="worker processes for many projects (default: CPU count; "
                           f"at most {JOBS_PER_CPU}x the CPU count, larger values are "
                           "lowered to it)")
    lint.add_argument("--runner-config", type=Path, default=None, metavar="FILE",
                      help="the GitLab Runner config.toml that runs the pipelines "
                           "(privilege, volumes, executor)")
    _output_options(lint)

    audit = sub.add_parser("audit", help="audit running Docker engines (read-only; the "
                           "default command)",
                           description="Audit running Docker engines and their dind "
                                       "containers, read-only.",
                           epilog=EXIT_CODES_HELP,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    audit.add_argument("-H", "--host", action="append", default=[], dest="hosts",
                       metavar="URL",
                       help="engine URL (repeatable); default: DOCKER_HOST or the context")
    audit.add_argument("--context", default=None, metavar="NAME",
                       help="docker context to audit")
    audit.add_argument("--no-exec", action="store_true",
                       help="do not run the read-only probes inside dind containers")
    audit.add_argument("--timeout", type=_timeout, default=10.0, metavar="SECONDS",
                       help="seconds to wait for each engine call (default: 10, at most "
                            f"{MAX_TIMEOUT:g})")
    audit.add_argument("--deadline", type=_timeout, default=None, metavar="SECONDS",
                       help="seconds the whole audit may take; an engine not done by then "
                            "is reported as not audited (default: 300, at most "
                            f"{MAX_TIMEOUT:g})")
    audit.add_argument("--allow-partial", action="store_true",
                       help="exit by the findings when some engines or containers could not "
                            "be audited (default: exit 3 for any of them)")
    _output_options(audit)

    rules = sub.add_parser("rules", help="list the rule catalogue",
                           description="List the rule catalogue.")
    rules.add_argument("--rules", action="append", type=Path, default=[], metavar="DIR",
                       help="add the rule files of DIR (repeatable)")
    explain = sub.add_parser("explain", help="print one rule's documentation",
                             description="Print one rule's documentation.")
    explain.add_argument("rule", help="rule id or name, e.g. DIND001")
    explain.add_argument("--rules", action="append", type=Path, default=[], metavar="DIR",
                         help="add the rule files of DIR (repeatable)")
    completion = sub.add_parser(
        "completion", help="print a shell completion script (bash, zsh, fish)",
        description="Print a completion script for SHELL, generated from these options. "
                    "bash: `source <(dindcheck completion bash)`; zsh: `dindcheck "
                    "completion zsh > ~/.zfunc/_dindcheck`; fish: `dindcheck completion "
                    "fish > ~/.config/fish/completions/dindcheck.fish`.")
    completion.add_argument("shell", choices=("bash", "zsh", "fish"),
                            help="the shell to complete in")
    return parser


def _catalogue(args: argparse.Namespace) -> tuple[tuple[Rule, ...], tuple[Rule, ...]]:
    """The rules to run, and every rule a suppression may name, after the config file and
    the command line (which wins) are applied."""
    from dindcheck.catalogue import load_catalogue, select_rules
    from dindcheck.config import apply_severity, find_config, load_config

    path = args.config
    if path is not None and not (path.exists() or path.is_symlink()):
        raise UsageError(f"{path}: no such config file")
    config = load_config(path or find_config(_cwd()))
    if args.fail_on is None:
        args.fail_on = config.fail_on or "error"
    if getattr(args, "max_file_size", None) is None:
        args.max_size_given = bool(config.max_file_size)
        args.max_file_size = config.max_file_size or DEFAULT_MAX_FILE_SIZE
    else:
        args.max_size_given = True
    if getattr(args, "runner_config", False) is None:
        args.runner_config = config.runner_config
    if args.baseline is None:
        args.baseline = config.baseline
    everything = apply_severity(load_catalogue([*config.rules, *args.rules]), config.severity)
    return select_rules(everything, args.select or list(config.select),
                        [*config.ignore, *args.ignore]), everything


def _cwd() -> Path | None:
    """The working directory; None when it was deleted or cannot be read."""
    try:
        return Path(os.getcwd())
    except OSError:
        return None


def use_color(choice: str, stream: TextIO, environ: Mapping[str, str]) -> bool:
    """``--color`` (and ``--no-color``) win; in ``auto``: no colour with ``NO_COLOR``
    (no-color.org), colour with ``FORCE_COLOR`` (force-color.org) even off a terminal, no
    colour on ``TERM=dumb``, else colour on a terminal. Python's own order (3.13)."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    if environ.get("TERM") == "dumb":
        return False
    return _isatty(stream)


def exit_code(report: Verdict, args: argparse.Namespace) -> int:
    """The run's code per the CI contract, with ``--allow-partial`` for audits."""
    from dindcheck.report import verdict_code

    return verdict_code(report, args.fail_on, allow_partial=getattr(args, "allow_partial", False))


class _Guarded:
    """The report's stream: a reader gone early (``| head``) is no failure, the rest of
    the report goes nowhere; any other write error ends the run with exit 2."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.gone = False

    def write(self, text: str) -> int:
        if self.gone:
            return len(text)
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            self.gone = True
            _reader_gone(self.stream)
            return len(text)
        except OSError as exc:
            raise ReportWriteError(f"cannot write the report: {exc.strerror or exc}") \
                from None

    def flush(self) -> None:
        if self.gone:
            return
        try:
            self.stream.flush()
        except BrokenPipeError:
            self.gone = True
            _reader_gone(self.stream)
        except OSError as exc:
            raise ReportWriteError(f"cannot write the report: {exc.strerror or exc}") \
                from None


@contextlib.contextmanager
def _output(path: Path | None, stdout: TextIO) -> Iterator[TextIO]:
    """Standard output, or ``-o FILE`` (created or truncated)."""
    if path is None:
        yield stdout
        return
    try:
        handle = path.open("w", encoding="utf-8", errors="backslashreplace", newline="\n")
    except OSError as exc:
        raise ReportWriteError(f"{path}: cannot write the report: {exc.strerror or exc}") \
            from None
    with handle:
        yield handle


Feed = Callable[["Emitter"], None]


def _stream(mode: str, feed: Feed, args: argparse.Namespace, rules: Sequence[Rule],
            root: Path | None, stdout: TextIO, stderr: TextIO) -> int:
    """Run ``feed`` (the lint loop, or an audit) into the chosen format, batch by batch;
    the exit code from the summary."""
    from dindcheck.baseline import BaselineFilter, BaselineRecorder
    from dindcheck.emit import Emitter
    from dindcheck.report import RenderOptions, open_writer, verdict_code
    from dindcheck.sanitize import clean_text, inert_lines

    recorder = BaselineRecorder(args.write_baseline) if args.write_baseline else None
    baseline = BaselineFilter(args.baseline) if args.baseline and recorder is None else None
    with _output(args.output, stdout) as stream:
        options = RenderOptions(
            color=use_color(args.color, stream, os.environ), fail_on=args.fail_on,
            verbose=args.verbose, quiet=args.quiet, pretty=_isatty(stream),
            allow_partial=getattr(args, "allow_partial", False),
            rules={rule.id: rule for rule in rules},
            # cleaned as the paths it is compared with are
            root=clean_text(str(root.absolute()), os.environ) if root is not None else None)
        guarded = _Guarded(stream)
        writer = open_writer(args.format or "text", guarded, options)  # type: ignore[arg-type]
        emitter = Emitter(mode, writer, os.environ, baseline=baseline, recorder=recorder)
        feed(emitter)
        summary = emitter.close()
        guarded.flush()
    code = verdict_code(summary, args.fail_on, allow_partial=options.allow_partial)
    stderr.write(inert_lines(_verdict_lines(summary, code, args.fail_on)))
    return code


def _verdict_lines(report: Summary, code: int, fail_on: str) -> str:
    """The one-line reason of a non-zero code (and a warning for a partial audit)."""
    engine = [e for e in report.errors if e.kind == "engine"]
    lines = []
    if code == 2:
        first = next(e for e in report.errors if e.kind == "input")
        lines.append(f"{len(report.errors) - len(engine)} input(s) could not be read "
                     f"(first: {first})")
    elif code == 3:
        first_engine = engine[0]
        reason = first_engine.message if first_engine.path in first_engine.message \
            else str(first_engine)
        lines.append(f"{len(engine)} Docker endpoint(s) or container(s) could not be "
                     f"audited: {reason}")
    elif code == 1:
        lines.append(f"findings at or above --fail-on {fail_on}")
    if code != 3 and engine:
        lines.append(f"{len(engine)} Docker endpoint(s) or container(s) could not be "
                     "audited (accepted by --allow-partial)")
    return "".join(f"dindcheck: {line}\n" for line in lines)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (OSError, ValueError):
        return False


def _reader_gone(stream: TextIO) -> None:
    """The reader closed the pipe (``| head``): what is left unwritten goes nowhere.

    The verdict is kept: the reader chose to stop reading, the run itself is complete.
    Standard output is pointed at the null device so that the interpreter's final flush
    does not fail again.
    """
    try:
        fd = stream.fileno()
    except (OSError, ValueError):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


def _want_tui(args: argparse.Namespace, stdout: TextIO) -> bool:
    if args.tui:
        if args.format:
            raise UsageError("--tui and --format exclude each other")
        if not (_isatty(stdout) and sys.stdin is not None and sys.stdin.isatty()):
            raise UsageError("--tui needs a terminal")
        return True
    return False


def _profiles(given: list[str] | None, environ: Mapping[str, str]) -> list[str] | None:
    """``--profile`` values, else ``COMPOSE_PROFILES`` as docker compose reads it; None:
    every service."""
    if given:
        return [p for value in given for p in value.split(",") if p]
    from_env = environ.get("COMPOSE_PROFILES", "")
    return [p.strip() for p in from_env.split(",") if p.strip()] or None


def _run_lint(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from dindcheck.lint import StdinInput, lint, lint_results, repository_root
    from dindcheck.sources import STDIN

    if args.files and args.paths:
        raise UsageError("give either PATHs or -f FILEs, not both")
    if not args.files and not args.paths:
        args.paths = [Path(".")]
    reads_stdin = any(str(p) == STDIN for p in args.paths)
    if args.stdin_filename is not None and not reads_stdin:
        raise UsageError("--stdin-filename names standard input: give - as a PATH")
    given = [p for p in [*args.paths, *args.files] if str(p) != STDIN]
    if _cwd() is None and not all(p.is_absolute() for p in given):
        raise UsageError("the working directory no longer exists: give absolute paths")
    if args.jobs is None:
        args.jobs = os.cpu_count() or 1
    tui = _want_tui(args, stdout)
    rules, everything = _catalogue(args)
    if args.runner_config is not None and not os.path.lexists(args.runner_config):
        raise UsageError(f"{args.runner_config}: no such runner config file")
    profiles = _profiles(args.profiles, os.environ)
    root = args.root or repository_root(given)
    stdin = StdinInput(name=args.stdin_filename, max_size=args.max_file_size
                       if args.max_size_given else DEFAULT_MAX_STDIN_SIZE)
    options: dict[str, Any] = {
        "merge_files": bool(args.files), "max_file_size": args.max_file_size,
        "jobs": args.jobs, "keep_subjects": tui, "profiles": profiles, "root": args.root,
        "allow_outside": args.allow_outside,
        "runner_config": args.runner_config, "known_rules": everything, "stdin": stdin,
        "ignore_unknown": args.ignore_unknown}
    paths = args.files or args.paths

    if tui:
        return _tui(lambda: lint(paths, rules, **options), args)

    def feed(emitter: Emitter) -> None:
        for result in lint_results(paths, rules, **options):
            emitter.add(targets=result.targets, findings=result.findings,
                        problems=result.problems, warnings=result.warnings,
                        suppressions=result.suppressions, notes=result.notes)

    return _stream("lint", feed, args, everything, root, stdout, stderr)


def _tui(run: Callable[[], Report], args: argparse.Namespace) -> int:
    """The TUI on sanitized reports (the first and every re-run), without what the
    baseline holds; the code is the last report's, with ``--allow-partial``."""
    from dindcheck.sanitize import sanitize_report
    from dindcheck.tui import run_tui

    if args.write_baseline:
        raise UsageError("--write-baseline writes a report, not the interactive view: "
                         "leave out --tui")
    shown: list[Report] = []

    def clean() -> Report:
        report = sanitize_report(run(), os.environ)
        if args.baseline:
            from dindcheck.baseline import BaselineFilter

            report = dataclasses.replace(report, findings=tuple(
                BaselineFilter(args.baseline).findings(report.findings)))
        shown[:] = [report]
        return report

    code = run_tui(clean(), refresh=clean, fail_on=args.fail_on)
    return exit_code(shown[0], args) if code in (0, 1) else code


def _run_audit(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from dindcheck.audit import audit

    tui = _want_tui(args, stdout)
    rules, everything = _catalogue(args)

    def run() -> Report:
        return audit(args.hosts or [None], rules, exec_probes=not args.no_exec,
                     timeout=args.timeout, context=args.context, deadline=args.deadline,
                     known_rules=everything)

    if tui:
        return _tui(run, args)

    def feed(emitter: Emitter) -> None:
        report = run()
        emitter.add(targets=report.targets, findings=report.findings, problems=report.errors,
                    warnings=report.warnings, suppressions=report.suppressions,
                    notes=report.notes)

    return _stream("audit", feed, args, everything, None, stdout, stderr)


def _run_completion(args: argparse.Namespace, stdout: TextIO) -> int:
    from dindcheck.completion import script

    return _write(stdout, script(args.shell, build_parser()))


def _write(stdout: TextIO, text: str) -> int:
    """Write a listing (rules, a rule's page); a reader gone early is no failure."""
    try:
        stdout.write(text)
        stdout.flush()
    except BrokenPipeError:
        _reader_gone(stdout)
    except OSError as exc:
        raise ReportWriteError(f"cannot write: {exc.strerror or exc}") from None
    return 0


def _run_rules(args: argparse.Namespace, stdout: TextIO) -> int:
    from dindcheck.catalogue import load_catalogue
    from dindcheck.sanitize import escape_controls

    return _write(stdout, "".join(
        escape_controls(f"{rule.id}  {rule.severity.value:<7}  {rule.category:<13} "
                        f"{rule.name:<30} {rule.title}") + "\n"
        for rule in load_catalogue(args.rules)))


def _run_explain(args: argparse.Namespace, stdout: TextIO) -> int:
    from dindcheck.catalogue import find_rule, load_catalogue
    from dindcheck.rulepages import rule_page
    from dindcheck.sanitize import escape_controls

    rules = load_catalogue(args.rules)
    rule = find_rule(rules, args.rule)
    if rule is None:
        raise UsageError(f"no rule {args.rule!r}; `dindcheck rules` lists them")
    return _write(stdout, escape_controls(rule_page(rule), keep_lines=True))


def _tolerant(stream: TextIO) -> None:
    """Characters the stream's encoding lacks (``PYTHONIOENCODING=ascii``) written as
    escapes instead of failing the run."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        with contextlib.suppress(OSError, ValueError):
            reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    import io

    err = stderr or sys.stderr or io.StringIO()  # no stderr at all: nowhere to say it
    out = stdout or sys.stdout
    for stream in (out, err):
        if stream is not None:
            _tolerant(stream)
    if out is None:
        err.write("dindcheck: standard output is closed: the report cannot be written\n")
        return EXIT_USAGE
    previous = _on_sigterm()
    try:
        return _main(argv, out, err)
    except BrokenPipeError:
        _reader_gone(out)
        return EXIT_USAGE
    except Terminated:
        err.write("dindcheck: terminated\n")
        return 143
    except KeyboardInterrupt:
        err.write("dindcheck: interrupted\n")
        return 130
    except Exception as exc:  # the last guard: one line and exit 2, never a traceback
        if os.environ.get("DINDCHECK_DEBUG"):
            raise
        from dindcheck.sanitize import clean_text

        where = _where(exc)
        err.write(clean_text(f"dindcheck: internal error: {type(exc).__name__}: {exc}"
                             f"{where} (please report it; DINDCHECK_DEBUG=1 shows the "
                             "traceback)", os.environ) + "\n")
        return EXIT_USAGE
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _subparser(parser: argparse.ArgumentParser, command: str | None,
               ) -> argparse.ArgumentParser:
    """The parser of a subcommand (the top-level one without a subcommand)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            found: argparse.ArgumentParser = action.choices[command]
            return found
    return parser


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C does (worker processes are stopped on the way)."""


def _on_sigterm() -> Any:
    """Turn SIGTERM into :class:`Terminated` in the main thread; the previous handler
    (None when handlers cannot be set from here)."""
    def raise_terminated(_signum: int, _frame: Any) -> None:
        raise Terminated

    try:
        return signal.signal(signal.SIGTERM, raise_terminated)
    except ValueError:  # not the main thread
        return None


def _where(exc: BaseException) -> str:
    """`` at module:line`` of the innermost frame of dindcheck's own code."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f"{os.sep}dindcheck{os.sep}" in f.filename]
    if not frames:
        return ""
    frame = frames[-1]
    module = frame.filename.rsplit(f"{os.sep}dindcheck{os.sep}", 1)[-1]
    return f" at dindcheck/{module}:{frame.lineno}"


def _main(argv: Sequence[str] | None, out: TextIO, err: TextIO) -> int:
    from dindcheck.sanitize import clean_text

    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        # Bare `dindcheck` audits the current engine, in the TUI on a terminal.
        bare = not argv
        argv = ["audit", *argv]
        if bare and _isatty(out) and sys.stdin is not None and sys.stdin.isatty():
            argv.append("--tui")
    parser = build_parser()
    try:
        try:
            args, unknown = parser.parse_known_args(argv)
        except SystemExit as exc:  # --help, --version
            return EXIT_USAGE if exc.code not in (0, None) else 0
        if unknown:
            command = _subparser(parser, args.command)
            raise UnknownOptions(
                f"unrecognized arguments: {' '.join(unknown)} (see {command.prog} --help)",
                command.format_usage())
        if args.command == "lint":
            return _run_lint(args, out, err)
        if args.command == "audit":
            return _run_audit(args, out, err)
        if args.command == "rules":
            return _run_rules(args, out)
        if args.command == "explain":
            return _run_explain(args, out)
        if args.command == "completion":
            return _run_completion(args, out)
        parser.print_help(out)
        return EXIT_USAGE
    except UnknownOptions as exc:
        err.write(clean_text(f"dindcheck: {exc}", os.environ) + "\n" + exc.usage)
        return exc.exit_code
    except DindcheckError as exc:
        err.write(clean_text(f"dindcheck: {exc}", os.environ) + "\n")
        return exc.exit_code
