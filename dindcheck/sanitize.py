"""One pass over a report before anything leaves the process: secrets out, control
characters made visible.

Every string of a :class:`~dindcheck.model.Report` (findings, their evidence and
locations, input problems, notes, targets and the subjects the TUI shows) comes from
hostile files, engines or rule folders. :func:`sanitize_report` returns a copy in which

* secrets are redacted (:mod:`dindcheck.redact`: ``NAME=value`` and ``--flag value``
  with a secret-looking name, URL credentials), and so is every value of a secret-looking
  variable of dindcheck's own environment (``CI_JOB_TOKEN``, ``REGISTRY_PASSWORD``...),
  wherever it appears;
* control characters (C0, DEL, C1), line and paragraph separators, bidirectional
  overrides and undecodable bytes (file names that are not UTF-8) are written as visible
  escapes (``\\x1b``, ``\\n``, ``\\u202e``, ``\\xff``), so no terminal sequence, no forged
  line and no encoding error can come out of a reporter. Rule texts (rationale,
  remediation) keep their line breaks and tabs.

The command line applies it to each finding (and input problem, target, note...) on its
way from the lint loop to the writer, to the whole report the TUI receives, and to its
own stderr lines (:func:`clean_text`). Escaping is idempotent: an escape is printable.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from dindcheck.model import Finding, InputProblem, Location, Report, Suppressed, Target
from dindcheck.redact import REDACTED, is_secret_name, may_redact, redact_text

# C1, DEL, line/paragraph separators, bidi embeddings/overrides/isolates, surrogates.
_UNSAFE = "\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_CONTROL = re.compile(f"[\x00-\x1f{_UNSAFE}]")
_CONTROL_KEEP_LINES = re.compile(f"[\x00-\x08\x0b-\x1f{_UNSAFE}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Values of secret-looking variables shorter than this are too likely to be words
# (``AUTH_ENABLED=true``) to be replaced wherever they appear.
MIN_SECRET_VALUE = 6
# Distinct strings remembered (rule texts recur in every finding); the cache is emptied
# when full, so a streamed run holds a bounded amount whatever its size.
_CACHE_SIZE = 4_096
_NOT_SECRETS = frozenset({"true", "false", "enabled", "disabled", "required", "optional"})


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str, *, keep_lines: bool = False) -> str:
    """``text`` with control characters written as visible escapes; ``keep_lines``
    keeps line feeds and tabs (multi-line texts of rules)."""
    if text.isprintable():  # the common case, in C: nothing to escape
        return text
    pattern = _CONTROL_KEEP_LINES if keep_lines else _CONTROL
    if pattern.search(text) is None:
        return text
    return pattern.sub(_escape_char, text)


# What a CI log reader acts on: ``::command::`` at the start of a line (after blanks) and
# ``##[command]`` anywhere (GitHub Actions' two workflow command syntaxes).
# Blanks are any white space but the line break (the runner trims them all), so each
# line is scanned once.
_WORKFLOW_COMMAND = re.compile(r"^([^\S\n]*):(?=:)|##\[", re.M)


def inert_lines(text: str) -> str:
    """Plain text in which no line reads as a CI workflow command: the ``:`` or ``[``
    that would start one is written as an escape (``\\x3a``, ``\\x5b``)."""
    if "::" not in text and "##[" not in text:
        return text
    return _WORKFLOW_COMMAND.sub(
        lambda m: "##\\x5b" if m.group(0) == "##[" else m.group(1) + "\\x3a", text)


def inert_json(text: str) -> str:
    """JSON text in which ``##[`` (only possible inside strings) is written ``##\\u005b``:
    the same data once parsed, and no workflow command in a CI log."""
    return text.replace("##[", "##\\u005b") if "##[" in text else text


def secret_values(environ: Mapping[str, str]) -> tuple[str, ...]:
    """Values of the secret-looking variables of ``environ``, longest first."""
    values = {value for name, value in environ.items()
              if is_secret_name(name) and len(value) >= MIN_SECRET_VALUE
              and value.lower() not in _NOT_SECRETS and value != REDACTED}
    return tuple(sorted(values, key=len, reverse=True))


class Sanitizer:
    """Cleans strings (each distinct one once: rule texts recur in every finding)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.secrets = secret_values(environ)
        self._lines: dict[str, str] = {}
        self._texts: dict[str, str] = {}

    def _redact(self, text: str) -> str:
        for value in self.secrets:
            if value in text:
                text = text.replace(value, REDACTED)
        return redact_text(text)

    def line(self, text: str) -> str:
        """A one-line string: redacted, every control character escaped."""
        return self._clean(text, self._lines, keep_lines=False)

    def text(self, text: str) -> str:
        """A multi-line text (a rule's rationale or fix): line breaks kept."""
        return self._clean(text, self._texts, keep_lines=True)

    def _clean(self, text: str, cache: dict[str, str], *, keep_lines: bool) -> str:
        """``text`` itself when it needs no change (so callers can tell by identity)."""
        cleaned = cache.get(text)
        if cleaned is None:
            cleaned = escape_controls(self._redact(text), keep_lines=keep_lines)
            if len(cache) >= _CACHE_SIZE:
                cache.clear()
            cache[text] = cleaned
        return text if cleaned == text else cleaned

    def value(self, value: Any) -> Any:
        """Any JSON-like value: strings cleaned, dict keys too, numbers kept; the very
        same object when nothing changed (most of a report), so nothing is copied."""
        if isinstance(value, str):
            return self.line(value)
        if isinstance(value, dict):
            items = [(self.line(str(k)), self.value(v)) for k, v in value.items()]
            if all(k is k2 and v is v2 for (k, v), (k2, v2) in zip(value.items(), items,
                                                                      strict=True)):
                return value
            return dict(items)
        if isinstance(value, list | tuple):
            cleaned = [self.value(v) for v in value]
            if all(a is b for a, b in zip(value, cleaned, strict=True)):
                return value
            return cleaned
        return value

    def location(self, location: Location) -> Location:
        changes: dict[str, Any] = {}
        for name in location.__slots__:
            value = getattr(location, name)
            if isinstance(value, str) and self.line(value) is not value:
                changes[name] = self.line(value)
        return dataclasses.replace(location, **changes) if changes else location

    def _quiet(self, value: Any) -> bool:
        """Whether a one-line value (or a JSON-like tree of them) needs no change: the
        common case, told without building anything."""
        if isinstance(value, str):
            # isprintable() is False for every character escape_controls escapes.
            if not value.isprintable() or "=" in value or "@" in value \
                    or ("-" in value and may_redact(value)):
                return False
            return all(secret not in value for secret in self.secrets)
        if value is None:
            return True
        if isinstance(value, dict):
            return all(self._quiet(str(k)) and self._quiet(v) for k, v in value.items())
        if isinstance(value, list | tuple):
            return all(self._quiet(v) for v in value)
        return True

    def finding(self, f: Finding) -> Finding:
        loc = f.location
        # One test over the one-line fields joined by a blank (a blank starts a word, as
        # the start of each field does, so the join hides nothing from the test).
        joined = " ".join((f.rule_id, f.name, f.category, f.title, f.message, f.subject_kind,
                           f.subject_name, f.subject_id, *f.references,
                           *(v for v in (loc.path, loc.endpoint, loc.container,
                                         loc.container_id, loc.field) if v is not None)))
        if self._quiet(joined) and self._quiet(f.evidence) \
                and self.text(f.rationale) is f.rationale \
                and self.text(f.remediation) is f.remediation:
            return f
        line, text = self.line, self.text
        changes: dict[str, Any] = {name: new for name, new, old in (
            ("rule_id", line(f.rule_id), f.rule_id), ("name", line(f.name), f.name),
            ("category", line(f.category), f.category), ("title", line(f.title), f.title),
            ("message", line(f.message), f.message),
            ("subject_kind", line(f.subject_kind), f.subject_kind),
            ("subject_name", line(f.subject_name), f.subject_name),
            ("subject_id", line(f.subject_id), f.subject_id),
            ("location", self.location(f.location), f.location),
            ("evidence", self.value(f.evidence), f.evidence),
            ("rationale", text(f.rationale), f.rationale),
            ("remediation", text(f.remediation), f.remediation),
            ("references", self.value(f.references), f.references),
        ) if new is not old}
        if "references" in changes:
            changes["references"] = tuple(changes["references"])
        return dataclasses.replace(f, **changes) if changes else f

    def problem(self, e: InputProblem) -> InputProblem:
        path, message = self.line(e.path), self.line(e.message)
        if path is e.path and message is e.message:
            return e
        return dataclasses.replace(e, path=path, message=message)

    def target(self, t: Target) -> Target:
        name, paths, subjects = self.line(t.name), self.value(t.paths), self.value(t.subjects)
        if name is t.name and paths is t.paths and subjects is t.subjects:
            return t
        return dataclasses.replace(t, name=name, paths=tuple(paths),
                                   subjects=tuple(subjects))

    def suppressed(self, s: Suppressed) -> Suppressed:
        return dataclasses.replace(
            s, rule_id=self.line(s.rule_id), subject_id=self.line(s.subject_id),
            location=self.location(s.location), written_at=self.location(s.written_at),
            by=self.line(s.by), reason=None if s.reason is None else self.line(s.reason))

    def report(self, report: Report) -> Report:
        return dataclasses.replace(
            report, targets=tuple(self.target(t) for t in report.targets),
            findings=tuple(self.finding(f) for f in report.findings),
            errors=tuple(self.problem(e) for e in report.errors),
            notes=tuple(self.line(n) for n in report.notes),
            warnings=tuple(self.problem(w) for w in report.warnings),
            suppressions=tuple(self.suppressed(s) for s in report.suppressions))


def sanitize_report(report: Report, environ: Mapping[str, str]) -> Report:
    """The report as it may leave the process (see the module docstring)."""
    return Sanitizer(environ).report(report)


def clean_text(text: str, environ: Mapping[str, str]) -> str:
    """One line for stderr: redacted and escaped like the report."""
    return inert_lines(Sanitizer(environ).line(text))
