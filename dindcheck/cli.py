"""The command line: parse arguments, pick the source and reporter, return the exit code."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from dindcheck import __version__
from dindcheck.errors import EXIT_USAGE, DindcheckError, UsageError
from dindcheck.model import DEFAULT_MAX_FILE_SIZE, FAIL_ON_CHOICES
from dindcheck.report import FORMATS

if TYPE_CHECKING:
    from dindcheck.catalogue import Rule
    from dindcheck.model import Report

EXIT_CODES_HELP = """exit codes:
  0  nothing at or above --fail-on
  1  findings at or above --fail-on
  2  bad usage, an unreadable or invalid input file, an invalid rule or config
  3  no Docker endpoint could be audited (audit)
"""


def _ids(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _size(text: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    text = text.strip().lower().removesuffix("ib").removesuffix("b")
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 10M)") from None


def _output_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("output")
    group.add_argument("--format", choices=FORMATS, default=None,
                       help="report format (default: text)")
    group.add_argument("--json", dest="format", action="store_const", const="json",
                       help="alias of --format json")
    group.add_argument("--fail-on", choices=FAIL_ON_CHOICES, default=None,
                       help="lowest severity that makes the exit code 1 (default: error)")
    group.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    group.add_argument("-v", "--verbose", action="store_true",
                       help="print the whole rationale and fix of each finding")
    group.add_argument("--tui", action="store_true", help="open the interactive view")
    rules = parser.add_argument_group("rules")
    rules.add_argument("--rules", action="append", type=Path, default=[], metavar="DIR",
                       help="add the rule files of DIR (repeatable)")
    rules.add_argument("--select", type=_ids, default=[], metavar="IDS",
                       help="only these rule ids, names or categories (comma-separated)")
    rules.add_argument("--ignore", type=_ids, default=[], metavar="IDS",
                       help="skip these rule ids, names or categories (comma-separated)")
    rules.add_argument("--config", type=Path, default=None, metavar="FILE",
                       help="configuration file (default: ./.dindcheck.yaml if present)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dindcheck",
        description="Diagnose Docker-in-Docker setups: lint compose files, audit live engines.",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"dindcheck {__version__}")
    sub = parser.add_subparsers(dest="command")

    lint = sub.add_parser("lint", help="lint compose files or folders",
                          epilog=EXIT_CODES_HELP,
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    lint.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                      help="compose file or folder (searched recursively)")
    lint.add_argument("-f", "--file", action="append", type=Path, default=[], dest="files",
                      help="compose file; repeated files merge into one project, in order")
    lint.add_argument("--max-file-size", type=_size, default=None, metavar="SIZE",
                      help="skip files larger than SIZE with an error (default: 10M)")
    lint.add_argument("-j", "--jobs", type=int, default=None,
                      help="worker processes for many projects (default: CPU count)")
    lint.add_argument("--runner-config", type=Path, default=None, metavar="FILE",
                      help="the GitLab Runner config.toml that runs the pipelines "
                           "(privilege, volumes, executor)")
    _output_options(lint)

    audit = sub.add_parser("audit", help="audit running Docker engines (read-only)",
                           epilog=EXIT_CODES_HELP,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    audit.add_argument("-H", "--host", action="append", default=[], dest="hosts",
                       help="engine URL (repeatable); default: DOCKER_HOST or the context")
    audit.add_argument("--context", default=None, help="docker context to audit")
    audit.add_argument("--no-exec", action="store_true",
                       help="do not run the read-only probes inside dind containers")
    audit.add_argument("--timeout", type=float, default=10.0,
                       help="seconds to wait for each engine call (default: 10)")
    _output_options(audit)

    sub.add_parser("rules", help="list the rule catalogue").add_argument(
        "--rules", action="append", type=Path, default=[], metavar="DIR")
    explain = sub.add_parser("explain", help="print one rule's documentation")
    explain.add_argument("rule", help="rule id or name, e.g. DIND001")
    explain.add_argument("--rules", action="append", type=Path, default=[], metavar="DIR")
    return parser


def _catalogue(args: argparse.Namespace) -> tuple[Rule, ...]:
    """Rules after the config file and the command line (which wins) are applied."""
    from dindcheck.catalogue import load_catalogue, select_rules
    from dindcheck.config import apply_severity, find_config, load_config

    path = args.config
    if path is not None and not path.is_file():
        raise UsageError(f"{path}: no such config file")
    config = load_config(path or find_config(Path.cwd()))
    if args.fail_on is None:
        args.fail_on = config.fail_on or "error"
    if getattr(args, "max_file_size", None) is None:
        args.max_file_size = _size(str(config.max_file_size)) if config.max_file_size \
            else DEFAULT_MAX_FILE_SIZE
    if getattr(args, "runner_config", False) is None:
        args.runner_config = config.runner_config
    rules = apply_severity(load_catalogue([*config.rules, *args.rules]), config.severity)
    return select_rules(rules, args.select or list(config.select),
                        [*config.ignore, *args.ignore])


def _color(choice: str, stream: TextIO) -> bool:
    if choice == "auto":
        return stream.isatty() and "NO_COLOR" not in os.environ
    return choice == "always"


def _emit(report: Report, args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    import gc

    from dindcheck.report import RenderOptions, writer

    fmt = args.format or "text"
    options = RenderOptions(color=_color(args.color, stdout), fail_on=args.fail_on,
                            verbose=args.verbose, pretty=stdout.isatty())
    gc.freeze()  # the report is acyclic; collections while rendering would rescan it all
    try:
        writer(fmt)(report, options, stdout)
    finally:
        gc.unfreeze()
    code = report.exit_code(args.fail_on)
    if code == 2:
        stderr.write(f"dindcheck: {len(report.errors)} input(s) could not be read "
                     f"(first: {report.errors[0]})\n")
    elif code == 3:
        stderr.write(f"dindcheck: no Docker endpoint could be audited: "
                     f"{report.errors[0].message}\n")
    elif code == 1:
        stderr.write(f"dindcheck: findings at or above --fail-on {args.fail_on}\n")
    return code


def _want_tui(args: argparse.Namespace, stdout: TextIO) -> bool:
    if args.tui:
        if args.format:
            raise UsageError("--tui and --format exclude each other")
        if not (stdout.isatty() and sys.stdin.isatty()):
            raise UsageError("--tui needs a terminal")
        return True
    return False


def _run_lint(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from dindcheck.lint import lint

    if args.files and args.paths:
        raise UsageError("give either PATHs or -f FILEs, not both")
    if not args.files and not args.paths:
        args.paths = [Path(".")]
    tui = _want_tui(args, stdout)
    rules = _catalogue(args)
    if args.runner_config is not None and not args.runner_config.is_file():
        raise UsageError(f"{args.runner_config}: no such runner config file")

    def run() -> Report:
        if args.files:
            return lint(args.files, rules, merge_files=True, max_file_size=args.max_file_size,
                        jobs=args.jobs, keep_subjects=tui)
        return lint(args.paths, rules, max_file_size=args.max_file_size, jobs=args.jobs,
                    keep_subjects=tui, runner_config=args.runner_config)

    if tui:
        from dindcheck.tui import run_tui

        return run_tui(run(), refresh=run, fail_on=args.fail_on)
    return _emit(run(), args, stdout, stderr)


def _run_audit(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from dindcheck.audit import audit

    tui = _want_tui(args, stdout)
    rules = _catalogue(args)

    def run() -> Report:
        return audit(args.hosts or [None], rules, exec_probes=not args.no_exec,
                     timeout=args.timeout, context=args.context)

    if tui:
        from dindcheck.tui import run_tui

        return run_tui(run(), refresh=run, fail_on=args.fail_on)
    return _emit(run(), args, stdout, stderr)


def _run_rules(args: argparse.Namespace, stdout: TextIO) -> int:
    from dindcheck.catalogue import load_catalogue

    for rule in load_catalogue(args.rules):
        stdout.write(f"{rule.id}  {rule.severity.value:<7}  {rule.category:<13} "
                     f"{rule.name:<30} {rule.title}\n")
    return 0


def _run_explain(args: argparse.Namespace, stdout: TextIO) -> int:
    from dindcheck.catalogue import find_rule, load_catalogue
    from dindcheck.rulepages import rule_page

    rules = load_catalogue(args.rules)
    rule = find_rule(rules, args.rule)
    if rule is None:
        raise UsageError(f"no rule {args.rule!r}; `dindcheck rules` lists them")
    stdout.write(rule_page(rule))
    return 0


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        # Bare `dindcheck` audits the current engine, in the TUI on a terminal.
        bare = not argv
        argv = ["audit", *argv]
        if bare and out.isatty() and sys.stdin.isatty():
            argv.append("--tui")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code not in (0, None) else 0
    try:
        if args.command == "lint":
            return _run_lint(args, out, err)
        if args.command == "audit":
            return _run_audit(args, out, err)
        if args.command == "rules":
            return _run_rules(args, out)
        if args.command == "explain":
            return _run_explain(args, out)
        parser.print_help(out)
        return EXIT_USAGE
    except DindcheckError as exc:
        err.write(f"dindcheck: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        err.write("dindcheck: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
