"""GitLab Code Quality: the CodeClimate issue list that ``artifacts:reports:codequality``
reads (https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format).

Each finding is an issue with the fields GitLab requires (``description``,
``check_name``, ``fingerprint``, ``severity``, ``location.path`` relative to the
repository, ``location.lines.begin``) and the CodeClimate ones it ignores but other
readers show (``type``, ``categories``, ``content.body`` with the rule's page). The
fingerprint hashes the rule, the subject and the file (:mod:`dindcheck.identity`): stable
across edits above the finding, distinct for two subjects on one line. An input that
could not be read is an issue too (``check_name`` ``dindcheck-input``), so the merge
request shows why the job failed; a suppression warning is an ``info`` issue. The list
streams, one issue at a time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any, TextIO

from dindcheck.catalogue import rule_url
from dindcheck.identity import fingerprint, relative_file
from dindcheck.model import Finding, InputProblem, Severity, Target
from dindcheck.report import RenderOptions
from dindcheck.report.sarif import root_of
from dindcheck.report.summary import Summary
from dindcheck.report.text import headline
from dindcheck.sanitize import inert_json

# GitLab's scale: info, minor, major, critical, blocker.
SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}
# CodeClimate's categories.
CATEGORIES = {"security": "Security", "supply-chain": "Security", "compatibility":
              "Compatibility", "capacity": "Performance"}
INPUT_CHECK = "dindcheck-input"
SUPPRESSION_CHECK = "dindcheck-suppression"


def issue_json(f: Finding, options: RenderOptions, root: str | None) -> dict[str, Any]:
    loc = f.location
    url = rule_url(f.rule_id, options.rules.get(f.rule_id))
    body = f"**{f.rule_id} {f.name}**: {f.title}\n\n{f.remediation}\n"
    if url:
        body += f"\n[Rule page]({url})\n"
    path = relative_file(loc.path, root) if loc.path is not None else str(loc)
    return {
        "type": "issue",
        "check_name": f.rule_id,
        "description": headline(f),
        "content": {"body": body},
        "categories": [CATEGORIES.get(f.category, "Bug Risk")],
        "severity": SEVERITIES[f.severity],
        "fingerprint": fingerprint(f, root),
        "location": {"path": path, "lines": {"begin": loc.line or 1}},
    }


def problem_issue(e: InputProblem, root: str | None) -> dict[str, Any]:
    check = SUPPRESSION_CHECK if e.kind == "suppression" else INPUT_CHECK
    path = relative_file(e.path, root) if e.kind != "engine" else e.path
    digest = hashlib.sha256(f"{check}\0{path}\0{e.line}\0{e.message}".encode(
        "utf-8", "backslashreplace")).hexdigest()
    return {
        "type": "issue",
        "check_name": check,
        "description": e.message,
        "categories": ["Bug Risk"],
        "severity": "info" if e.kind == "suppression" else "blocker",
        "fingerprint": digest,
        "location": {"path": path, "lines": {"begin": e.line or 1}},
    }


_COMPACT: dict[str, Any] = {"separators": (",", ":"), "default": str}
_PRETTY: dict[str, Any] = {"indent": 2, "default": str}


class GitlabWriter:
    def __init__(self, stream: TextIO, options: RenderOptions) -> None:
        self.stream = stream
        self.options = options
        self.root = root_of(options)
        self.count = 0

    def _write(self, issue: dict[str, Any]) -> None:
        pretty = self.options.pretty
        text = json.dumps(issue, **(_PRETTY if pretty else _COMPACT))
        self.stream.write(("," if self.count else "[") + ("\n" if pretty else "")
                          + inert_json(text))
        self.count += 1

    def batch(self, targets: Sequence[Target], findings: Sequence[Finding],
              problems: Sequence[InputProblem], warnings: Sequence[InputProblem]) -> None:
        for f in findings:
            self._write(issue_json(f, self.options, self.root))

    def close(self, summary: Summary) -> None:
        for e in (*summary.errors, *summary.warnings):
            self._write(problem_issue(e, self.root))
        self.stream.write(("\n]" if self.count else "[]") + "\n")
