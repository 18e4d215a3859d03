"""Shared helper: lint a small compose project written from a dict of files."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from dindcheck.catalogue import load_catalogue
from dindcheck.lint import lint
from dindcheck.model import Report
from tests.golden import check_golden

RULES = load_catalogue()
_CALLS: Counter[str] = Counter()


def _check_golden(root: Path, report: Report) -> None:
    """Every inline case's report is also a golden output (named by its test)."""
    test = os.environ.get("PYTEST_CURRENT_TEST", "inline").rsplit(" ", 1)[0]
    _CALLS[test] += 1
    name = "inline-" + test.rsplit("/", 1)[-1] + (f"-{_CALLS[test]}" if _CALLS[test] > 1
                                                  else "")
    check_golden(name, report, {str(root): "<tmp>", root.name: "<tmp-name>"})


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def lint_tree(root: Path, files: dict[str, str], *, merge: list[str] | None = None,
              environ: dict[str, str] | None = None) -> Report:
    write_tree(root, files)
    if merge:
        report = lint([root / m for m in merge], RULES, merge_files=True,
                      environ=environ or {}, jobs=1)
    else:
        report = lint([root], RULES, environ=environ or {}, jobs=1)
    _check_golden(root, report)
    return report


def found(report: Report) -> set[tuple[str, str, int | None]]:
    """``(rule_id, service, line)`` of every finding."""
    return {(f.rule_id, f.subject_name, f.location.line) for f in report.findings}


def ids(report: Report, service: str) -> set[str]:
    return {f.rule_id for f in report.findings if f.subject_name == service}
