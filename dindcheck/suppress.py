"""Suppressions written in the inputs, applied and checked.

A rule is silenced where it is accepted, next to the reason:

* on a workload, by its source: ``x-dindcheck: {ignore: [DIND007], reason: ...}`` on a
  compose service, a ``dindcheck.ignore=DIND007`` label (compose service or running
  container, with ``dindcheck.ignore.reason``), the ``dindcheck.io/ignore`` annotation of a
  Kubernetes pod, the ``DINDCHECK_IGNORE`` variable of a GitLab job; the engine skips the
  rule for that workload's subjects (:func:`dindcheck.engine.evaluate`);
* in any file with ``#`` comments (YAML, shell, Makefile): ``# dindcheck:
  ignore[DIND007, DIND009] reason`` on a finding's line, or alone on the line above it;
  ``# dindcheck: ignore-file[DIND007] reason`` anywhere for the whole file.

Rule ids and names are matched case-insensitively. What cannot be right is a warning
(never a failure: it does not change the exit code): a token that names no rule, a
comment directive that is not ``ignore``/``ignore-file`` or names no rule, and a
suppression that silenced nothing although its rule ran (as ruff's unused ``noqa``).
Every silenced finding is kept in the report as :class:`~dindcheck.model.Suppressed`,
with the reason and where the suppression is written.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dindcheck.model import Finding, InputProblem, Location, Suppressed
from dindcheck.reading import read_head

if TYPE_CHECKING:
    from dindcheck.catalogue import Rule
    from dindcheck.workload import Setup, Workload

LABEL = "dindcheck.ignore"
LABEL_REASON = "dindcheck.ignore.reason"
WARNING = "suppression"  # the kind of the InputProblem a warning is
_TOKENS = re.compile(r"[\s,]+")
_DIRECTIVE = re.compile(r"(?:^|(?<=\s))#[ \t]*dindcheck:[ \t]*(?P<word>[A-Za-z_-]*)"
                        r"(?:\[(?P<ids>[^\]\n]*)\])?(?P<rest>[^\n]*)", re.M)
_DIRECTIVE_WORDS = ("ignore", "ignore-file")


def split_ids(text: str) -> tuple[str, ...]:
    """``DIND007, DIND009`` or ``DIND007 DIND009`` as tokens."""
    return tuple(t for t in _TOKENS.split(text) if t)


def from_labels(labels: Mapping[str, str]) -> tuple[tuple[str, ...], str | None]:
    """The rule tokens of a ``dindcheck.ignore`` label, and its reason label."""
    ids = split_ids(labels.get(LABEL) or "")
    reason = (labels.get(LABEL_REASON) or "").strip() or None
    return ids, reason


def warning(location: Location | None, message: str) -> InputProblem:
    loc = location or Location()
    return InputProblem(path=loc.path or loc.endpoint or "", line=loc.line,
                        column=loc.column, message=message, kind=WARNING)


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word.lower(), choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _not_a_rule(token: str, known: RuleNames) -> str:
    close = difflib.get_close_matches(token.lower(), list(known.ids), n=1)
    hint = f" (did you mean {known.ids[close[0]]}?)" if close else ""
    return f"{token!r} is not a rule id or name{hint}; `dindcheck rules` lists them"


class RuleNames:
    """Rule ids and names, matched case-insensitively, to the rule id."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.ids: dict[str, str] = {}
        for rule in rules:
            self.ids[rule.id.lower()] = rule.id
            self.ids[rule.name.lower()] = rule.id

    def id_of(self, token: str) -> str | None:
        return self.ids.get(token.lower())

    def __contains__(self, rule_id: object) -> bool:
        return isinstance(rule_id, str) and rule_id.lower() in self.ids


# ----------------------------------------------------------------- on workloads


def written_suppressions(setup: Setup, silenced: Sequence[Finding],
                         known: RuleNames) -> tuple[list[Suppressed], list[InputProblem]]:
    """The findings the workloads' own suppressions silenced, as records, and a warning
    for each token that names no rule."""
    by_name = {w.name: w for w in setup.workloads}
    records = []
    for f in silenced:
        workload = by_name.get(f.subject_name)
        source = workload.suppress_source if workload is not None else None
        records.append(Suppressed(
            rule_id=f.rule_id, subject_id=f.subject_id, location=f.location,
            by=source.by if source else "input", reason=source.reason if source else None,
            written_at=_written_at(workload) if workload is not None else f.location))
    warnings = []
    for w in setup.workloads:
        by = w.suppress_source.by if w.suppress_source else "suppression"
        for token in w.suppress:
            if known.id_of(token) is None:
                warnings.append(warning(_written_at(w),
                                        f"{by} of {w.name}: {_not_a_rule(token, known)}"))
    return records, warnings


def _written_at(workload: Workload) -> Location:
    """Where a workload's suppression is written (the workload itself when not said)."""
    source = workload.suppress_source
    if source is not None and source.location is not None:
        return source.location
    return workload.location("subject")


def unused_suppressions(setups: Sequence[Setup], records: Iterable[Suppressed],
                        ran: RuleNames) -> list[InputProblem]:
    """A warning for each workload suppression of a rule that ran and silenced nothing in
    any of ``setups`` (the setups of one group: a pipeline per runner)."""
    used = {(str(r.written_at), r.rule_id) for r in records}
    warnings: dict[InputProblem, None] = {}
    for setup in setups:
        for w in setup.workloads:
            at = _written_at(w)
            by = w.suppress_source.by if w.suppress_source else "suppression"
            for token in w.suppress:
                rule_id = ran.id_of(token)
                if rule_id is not None and (str(at), rule_id) not in used:
                    warnings[warning(at, (
                        f"{by} of {w.name}: {rule_id} does not fire there; the suppression "
                        "is not needed"))] = None
    return list(warnings)


# ----------------------------------------------------------------- comments


@dataclass(frozen=True, slots=True)
class Directive:
    """``# dindcheck: ignore[...]`` (or ``ignore-file``) in a file."""

    location: Location
    ids: tuple[str, ...]
    reason: str | None
    whole_file: bool
    alone: bool  # the line holds nothing but the comment


def scan(text: str, path: str) -> tuple[list[Directive], list[InputProblem]]:
    """The directives of a file's text, and warnings for malformed ones."""
    if "dindcheck:" not in text:
        return [], []
    directives: list[Directive] = []
    warnings: list[InputProblem] = []
    starts = [0]
    starts += [m.end() for m in re.finditer("\n", text)]
    for match in _DIRECTIVE.finditer(text):
        offset = match.start()
        line = _line_of(starts, offset)
        column = offset - starts[line - 1] + 1
        where = Location(path=path, line=line, column=column)
        word = match.group("word").lower()
        if word not in _DIRECTIVE_WORDS:
            warnings.append(warning(where, (
                f"`# dindcheck: {match.group('word')}` is not a directive"
                f"{did_you_mean(word, _DIRECTIVE_WORDS)}; write "
                "`# dindcheck: ignore[DIND007] reason`")))
            continue
        ids = split_ids(match.group("ids") or "")
        if not ids:
            warnings.append(warning(where, (
                f"`# dindcheck: {word}` names no rule: write `# dindcheck: {word}[DIND007] "
                "reason`")))
            continue
        reason = match.group("rest").strip().lstrip(":-—").strip() or None
        alone = not text[starts[line - 1]:offset].strip()
        directives.append(Directive(where, ids, reason, word == "ignore-file", alone))
    return directives, warnings


def _line_of(starts: list[int], offset: int) -> int:
    import bisect

    return bisect.bisect_right(starts, offset)


def read_text(path: str, max_size: int) -> str | None:
    """A regular file's text (None when it is not one, cannot be read or is over
    ``max_size``: its source has said so already)."""
    data = read_head(path, max_size + 1)
    if data is None:
        return None
    if len(data) > max_size or b"dindcheck:" not in data:
        return ""
    return data.decode("utf-8", errors="replace")


@dataclass(slots=True)
class CommentSuppressions:
    """The directives of a group's files, applied to its findings."""

    ran: RuleNames
    known: RuleNames
    max_size: int

    def apply(self, findings: Sequence[Finding], paths: Iterable[str],
              texts: Mapping[str, str] | None = None,
              ) -> tuple[list[Finding], list[Suppressed], list[InputProblem]]:
        """The findings no directive silences, the silenced ones as records, and the
        warnings (malformed, unknown rule, silenced nothing). ``texts``: inputs that are no
        file to read (standard input, by the name it is reported as); only they are read
        for their names, never a file of the same name."""
        files: dict[str, list[Directive]] = {}
        warnings: list[InputProblem] = []
        wanted = dict.fromkeys([*paths, *(f.location.path for f in findings
                                          if f.location.path is not None)])
        for path in wanted:
            key = os.path.abspath(path)
            if key in files:
                continue
            text = texts[path] if texts and path in texts else read_text(path, self.max_size)
            directives, problems = scan(text, path) if text else ([], [])
            files[key] = directives
            warnings += problems
            for d in directives:
                warnings += [warning(d.location,
                                     f"`# dindcheck: ignore`: {_not_a_rule(token, self.known)}")
                             for token in d.ids if self.known.id_of(token) is None]
        if not any(files.values()):
            return list(findings), [], warnings
        used: set[tuple[int, str]] = set()
        kept: list[Finding] = []
        records: list[Suppressed] = []
        for f in findings:
            match = self._match(f, files)
            if match is None:
                kept.append(f)
                continue
            used.add((id(match), f.rule_id))
            records.append(Suppressed(
                rule_id=f.rule_id, subject_id=f.subject_id, location=f.location,
                by="file comment" if match.whole_file else "comment", reason=match.reason,
                written_at=match.location))
        for directives in files.values():
            for d in directives:
                for token in d.ids:
                    rule_id = self.ran.id_of(token)
                    if rule_id is not None and (id(d), rule_id) not in used:
                        scope = "in this file" if d.whole_file else "on this line or the next"
                        warnings.append(warning(d.location, (
                            f"`# dindcheck: ignore`: no {rule_id} finding {scope}; the "
                            "suppression is not needed")))
        return kept, records, warnings

    def _match(self, f: Finding, files: Mapping[str, list[Directive]]) -> Directive | None:
        loc = f.location
        if loc.path is None:
            return None
        for d in files.get(os.path.abspath(loc.path), ()):
            if f.rule_id not in {self.known.id_of(t) for t in d.ids}:
                continue
            line = d.location.line or 0
            if d.whole_file or line == loc.line or (d.alone and line + 1 == loc.line):
                return d
        return None
