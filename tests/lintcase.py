"""Shared helper: lint a small compose project written from a dict of files."""

from __future__ import annotations

from pathlib import Path

from dindcheck.catalogue import load_catalogue
from dindcheck.lint import lint
from dindcheck.model import Report

RULES = load_catalogue()


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def lint_tree(root: Path, files: dict[str, str], *, merge: list[str] | None = None,
              environ: dict[str, str] | None = None) -> Report:
    write_tree(root, files)
    if merge:
        return lint([root / m for m in merge], RULES, merge_files=True, environ=environ or {},
                    jobs=1)
    return lint([root], RULES, environ=environ or {}, jobs=1)


def found(report: Report) -> set[tuple[str, str, int | None]]:
    """``(rule_id, service, line)`` of every finding."""
    return {(f.rule_id, f.subject_name, f.location.line) for f in report.findings}


def ids(report: Report, service: str) -> set[str]:
    return {f.rule_id for f in report.findings if f.subject_name == service}
