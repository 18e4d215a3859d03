"""JUnit XML, as GitLab (``artifacts:reports:junit``) and GitHub test-report actions read it.

One ``<testsuite>`` per project as it is done (its counts are known then): a failing
``<testcase>`` per finding (``<failure type="SEVERITY">`` with the finding's line, its fix
and its rule's page), and a passing one for each input with nothing to report, so a clean
run still lists what was checked. Inputs that could not be read close the document as
``<error>`` test cases of a suite of their own. Every finding is a failure, whatever
``--fail-on`` says (as hadolint and ansible-lint do); the exit code is the gate.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from dindcheck.catalogue import rule_url
from dindcheck.model import Finding, InputProblem, Target
from dindcheck.report import RenderOptions
from dindcheck.report.summary import Summary
from dindcheck.report.text import finding_line, problem_line
from dindcheck.sanitize import inert_lines

# Characters XML 1.0 cannot hold at all, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: str) -> str:
    return escape(_NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", value))


def _attr(value: str | int) -> str:
    return quoteattr(_NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", str(value)))


def _target_name(target: Target) -> str:
    return f"{target.kind} {target.name}"


def _owner(f: Finding, targets: Sequence[Target]) -> Target:
    """The target a finding belongs to (by its file or endpoint; the first otherwise)."""
    loc = f.location
    for target in targets:
        if loc.endpoint is not None and loc.endpoint == target.name:
            return target
        if loc.path is not None and (loc.path in target.paths or os.path.abspath(loc.path)
                                     in map(os.path.abspath, target.paths)):
            return target
    return targets[0]


def _finding_case(f: Finding, options: RenderOptions) -> str:
    loc = f.location
    where = (f" file={_attr(loc.path)}" if loc.path else "") + (
        f" line={_attr(loc.line)}" if loc.line else "")
    url = rule_url(f.rule_id, options.rules.get(f.rule_id))
    body = f"{finding_line(f)}\n\n{f.remediation}\n" + (f"\nsee: {url}\n" if url else "")
    return (f'<testcase classname={_attr("dindcheck." + f.rule_id)} '
            f'name={_attr(f"{f.rule_id} {f.subject_id}")}{where}>'
            f'<failure type={_attr(f.severity.value)} message={_attr(f.message)}>'
            f'{_text(body)}</failure></testcase>\n')


def _passing_case(target: Target) -> str:
    first = f" file={_attr(target.paths[0])}" if target.paths else ""
    return (f'<testcase classname="dindcheck" name={_attr(_target_name(target) + ": no findings")}'
            f"{first}/>\n")


class JunitWriter:
    def __init__(self, stream: TextIO, options: RenderOptions) -> None:
        self.stream = stream
        self.options = options
        self.started = False

    def _start(self) -> None:
        if not self.started:
            self.stream.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                              '<testsuites name="dindcheck">\n')
            self.started = True

    def batch(self, targets: Sequence[Target], findings: Sequence[Finding],
              problems: Sequence[InputProblem], warnings: Sequence[InputProblem]) -> None:
        if not targets and not findings:
            return
        self._start()
        owners = {id(f): _owner(f, targets) for f in findings} if targets else {}
        clean = [t for t in targets if all(owners[id(f)] is not t for f in findings)]
        name = _target_name(targets[0]) if len(targets) == 1 else "dindcheck"
        cases = [_finding_case(f, self.options) for f in findings]
        cases += [_passing_case(t) for t in clean]
        self.stream.write(inert_lines(
            f"<testsuite name={_attr(name)} tests={_attr(len(cases))} "
            f'failures={_attr(len(findings))} errors="0" skipped="0">\n'
            + "".join(cases) + "</testsuite>\n"))

    def close(self, summary: Summary) -> None:
        self._start()
        if summary.errors:
            cases = "".join(
                f'<testcase classname="dindcheck.inputs" name={_attr(e.where)}>'
                f"<error type={_attr(e.kind)} message={_attr(e.message)}>"
                f"{_text(problem_line(e))}</error></testcase>\n" for e in summary.errors)
            self.stream.write(inert_lines(
                f'<testsuite name="dindcheck inputs" tests={_attr(len(summary.errors))} '
                f'failures="0" errors={_attr(len(summary.errors))} skipped="0">\n'
                f"{cases}</testsuite>\n"))
        self.stream.write("</testsuites>\n")
