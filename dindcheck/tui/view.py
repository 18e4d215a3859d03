"""What the TUI shows, computed from a Report with no Textual in sight: filters, order, facts."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dindcheck.model import Finding, Location, Report, Severity, Subject, Target

SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.INFO)
"""Worst first: the order of the severity keys 1, 2, 3 and of the summary counts."""

KIND_ORDER = {"host": 0, "daemon": 1, "socket_mount": 2, "client": 3}
KIND_LABELS = {"host": "host", "daemon": "daemon", "socket_mount": "socket", "client": "client"}


def worst(severities: Iterable[Severity]) -> Severity | None:
    return max(severities, key=lambda s: s.rank, default=None)


def severity_by_subject(report: Report) -> dict[str, Severity]:
    """The worst severity among each subject's findings, keyed by subject id."""
    result: dict[str, Severity] = {}
    for f in report.findings:
        current = result.get(f.subject_id)
        if current is None or f.severity.rank > current.rank:
            result[f.subject_id] = f.severity
    return result


def target_severity(target: Target, by_subject: dict[str, Severity]) -> Severity | None:
    return worst(by_subject[s["id"]] for s in target.subjects if s.get("id") in by_subject)


def verdict(report: Report, fail_on: str) -> str:
    """The outcome in the words of the CI contract (exit codes 0/1/2/3)."""
    code = report.exit_code(fail_on)
    if code == 2:
        return "INPUT ERROR (exit 2)"
    if code == 3:
        return "ENGINE UNREACHABLE (exit 3)"
    return f"{'FAIL' if code else 'PASS'} (fail-on {fail_on})"


def categories(report: Report) -> tuple[str, ...]:
    return tuple(sorted({f.category for f in report.findings}))


def find_subject(report: Report, subject_id: str) -> Subject | None:
    for target in report.targets:
        for subject in target.subjects:
            if subject.get("id") == subject_id:
                return subject
    return None


# -- filtering and sorting ---------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingFilter:
    """Which findings the table shows; every field narrows, the default shows all."""

    severities: frozenset[Severity] = frozenset(Severity)
    category: str | None = None
    text: str = ""
    subject_id: str | None = None

    def matches(self, f: Finding) -> bool:
        if f.severity not in self.severities:
            return False
        if self.category is not None and f.category != self.category:
            return False
        if self.subject_id is not None and f.subject_id != self.subject_id:
            return False
        needle = self.text.strip().casefold()
        if not needle:
            return True
        haystack = (f.rule_id, f.name, f.title, f.message, f.category, f.subject_name,
                    f.subject_kind, str(f.location))
        return any(needle in part.casefold() for part in haystack)

    def toggle(self, severity: Severity) -> FindingFilter:
        return dataclasses.replace(self, severities=self.severities ^ {severity})

    def with_category(self, category: str | None) -> FindingFilter:
        return dataclasses.replace(self, category=category)

    def with_text(self, text: str) -> FindingFilter:
        return dataclasses.replace(self, text=text)

    def with_subject(self, subject_id: str | None) -> FindingFilter:
        return dataclasses.replace(self, subject_id=subject_id)

    def describe(self) -> str:
        """The active filters in words, empty when none is active."""
        parts: list[str] = []
        if self.severities != frozenset(Severity):
            shown = [s.value for s in SEVERITIES if s in self.severities]
            parts.append(f"severity {'+'.join(shown) or 'none'}")
        if self.category is not None:
            parts.append(f"category {self.category}")
        if self.subject_id is not None:
            parts.append(f"subject {self.subject_id}")
        if self.text.strip():
            parts.append(f'text "{self.text.strip()}"')
        return ", ".join(parts)


def next_category(current: str | None, available: Sequence[str]) -> str | None:
    """Cycle all → each category → all."""
    if not available:
        return None
    if current is None or current not in available:
        return available[0]
    index = available.index(current) + 1
    return available[index] if index < len(available) else None


class SortColumn(StrEnum):
    SEVERITY = "severity"
    RULE = "rule"
    SUBJECT = "subject"
    TITLE = "title"
    LOCATION = "location"

    def next(self) -> SortColumn:
        members = list(SortColumn)
        return members[(members.index(self) + 1) % len(members)]


_SORT_KEYS: dict[SortColumn, Callable[[Finding], tuple[Any, ...]]] = {
    SortColumn.SEVERITY: lambda f: (-f.severity.rank, *f.sort_key()),
    SortColumn.RULE: lambda f: (f.rule_id, *f.sort_key()),
    SortColumn.SUBJECT: lambda f: (f.subject_name, -f.severity.rank, *f.sort_key()),
    SortColumn.TITLE: lambda f: (f.title.casefold(), *f.sort_key()),
    SortColumn.LOCATION: lambda f: f.sort_key(),
}


def visible_findings(report: Report, flt: FindingFilter, column: SortColumn,
                     reverse: bool = False) -> list[Finding]:
    return sorted((f for f in report.findings if flt.matches(f)), key=_SORT_KEYS[column],
                  reverse=reverse)


# -- the tree ----------------------------------------------------------------------------


def subject_order(subject: Subject) -> tuple[int, str]:
    return KIND_ORDER.get(str(subject.get("kind")), 9), str(subject.get("name", ""))


def target_groups(target: Target) -> list[tuple[str | None, list[Subject]]]:
    """A target's subjects grouped by project (a compose project, a CI job, a pod: where
    names resolve); ``None`` when there is only one."""
    groups: dict[str, list[Subject]] = {}
    for subject in target.subjects:
        groups.setdefault(str(subject.get("project") or target.name), []).append(subject)
    ordered = [(name, sorted(subjects, key=subject_order)) for name, subjects in groups.items()]
    if len(ordered) == 1:
        return [(None, ordered[0][1])]
    return [(name, subjects) for name, subjects in sorted(ordered, key=lambda g: g[0])]


def subject_label(subject: Subject) -> str:
    kind = str(subject.get("kind", "?"))
    return f"{subject.get('name', subject.get('id', '?'))} ({KIND_LABELS.get(kind, kind)})"


def target_label(target: Target) -> str:
    return f"{target.kind}: {target.name}"


# -- facts -------------------------------------------------------------------------------

Facts = list[tuple[str, list[tuple[str, str]]]]
"""Sections of (label, value) rows."""

UNKNOWN = "unknown"


def _text(value: Any) -> str:
    if value is None or value == "":
        return UNKNOWN
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) if value else "none"
    return str(value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _joined(*parts: str | None) -> str:
    return ", ".join(p for p in parts if p) or UNKNOWN


def _image(image: dict[str, Any]) -> str:
    if not image:
        return UNKNOWN
    ref = _text(image.get("ref"))
    extra = []
    if image.get("variant"):
        extra.append(str(image["variant"]))
    if image.get("moving"):
        extra.append("moving tag")
    if image.get("digest"):
        extra.append("pinned by digest")
    return f"{ref} ({', '.join(extra)})" if extra else ref


def _mount(mount: dict[str, Any]) -> str:
    if not mount:
        return UNKNOWN
    text = _text(mount.get("type"))
    if mount.get("source"):
        text += f" {mount['source']}"
    flags = [name for name in ("persistent", "read_only") if mount.get(name)]
    if "persistent" in mount and not mount.get("persistent"):
        flags.append("not persistent")
    return f"{text} ({', '.join(flags)})" if flags else text


def _daemon_facts(s: Subject) -> Facts:
    data_root = _dict(s.get("data_root"))
    driver = _dict(s.get("storage_driver"))
    tls = _dict(s.get("tls"))
    runtime = _text(s.get("runtime")) if s.get("runtime") else "default (runc)"
    if s.get("sysbox"):
        runtime += ", sysbox"
    if s.get("rootless"):
        runtime += ", rootless"
    configured = driver.get("configured")
    if configured:
        configured = f"{configured} via {driver.get('configured_via') or '?'}"
    backing = _text(data_root.get("backing_fs"))
    if data_root.get("backing_fs_d_type") is False:
        backing += " (no d_type)"
    shared = _text(data_root.get("shared"))
    if data_root.get("shared_with"):
        shared += f" with {_text(data_root.get('shared_with'))}"
    tls_mode = _text(tls.get("mode"))
    if tls.get("certdir"):
        tls_mode += f" (certs {tls['certdir']})"
    if tls.get("plaintext_ports"):
        tls_mode += f", plaintext on {_text(tls['plaintext_ports'])}"
    sections: Facts = [
        ("Container", [
            ("image", _image(_dict(s.get("image")))),
            ("privileged", _text(s.get("privileged"))),
            ("runtime", runtime),
            ("engine version", _text(s.get("engine_version"))),
        ]),
        ("Storage", [
            ("data root", _text(data_root.get("path"))),
            ("mount", _mount(_dict(data_root.get("mount")))),
            ("shared", shared),
            ("driver expected", _text(driver.get("expected"))),
            ("driver observed", _text(driver.get("observed"))),
            ("driver configured", _text(configured)),
            ("backing fs", backing),
        ]),
        ("TLS", [("mode", tls_mode)]),
    ]
    inner = _dict(s.get("inner"))
    if inner:
        rows = [(label, _text(inner.get(key))) for key, label in (
            ("driver", "driver"), ("backing_fs", "backing fs"), ("images", "images"),
            ("version", "version"), ("api_version", "api version"),
            ("cgroup_version", "cgroup version")) if key in inner]
        sections.append(("Inner daemon", rows))
    state = _dict(s.get("state"))
    if state:
        sections.append(("State", [(str(k), _text(v)) for k, v in state.items()]))
    return sections


def _socket_facts(s: Subject) -> Facts:
    return [("Socket", [
        ("source", _text(s.get("source"))),
        ("target", _text(s.get("target"))),
        ("engine", _text(s.get("engine"))),
        ("host socket", _text(s.get("host_socket"))),
        ("via", _text(s.get("via"))),
        ("read only", _text(s.get("read_only"))),
        ("image", _image(_dict(s.get("image")))),
        ("privileged", _text(s.get("privileged"))),
    ])]


def _client_facts(s: Subject) -> Facts:
    return [("Client", [
        ("DOCKER_HOST", _text(s.get("docker_host"))),
        ("daemon", _text(s.get("daemon"))),
        ("daemon TLS", _text(s.get("daemon_tls_mode"))),
        ("expects TLS", _text(s.get("client_expects_tls"))),
        ("TLS agrees", _text(s.get("tls_agrees"))),
        ("mismatch", _text(s.get("mismatch")) if s.get("mismatch") else "none"),
        ("waits for daemon", _text(s.get("waits_for_daemon"))),
    ])]


def _host_facts(s: Subject) -> Facts:
    return [("Engine", [
        ("endpoint", _text(s.get("endpoint"))),
        ("version", _joined(s.get("version"), s.get("api_version") and
                            f"API {s.get('api_version')}")),
        ("storage driver", _text(s.get("storage_driver"))),
        ("backing fs", _text(s.get("backing_fs"))),
        ("cgroup", _text(s.get("cgroup_version"))),
        ("kernel", _text(s.get("kernel"))),
        ("os", _text(s.get("os"))),
        ("rootless", _text(s.get("rootless"))),
        ("runtimes", _text(s.get("runtimes"))),
    ])]


def _no_facts(_: Subject) -> Facts:
    return []


_KIND_FACTS: dict[str, Callable[[Subject], Facts]] = {
    "daemon": _daemon_facts,
    "socket_mount": _socket_facts,
    "client": _client_facts,
    "host": _host_facts,
}


def subject_facts(subject: Subject) -> Facts:
    """What a subject looks like, in sections, even when nothing about it is wrong."""
    kind = str(subject.get("kind", "?"))
    where = _dict(_dict(subject.get("locations")).get("subject"))
    head = [
        ("id", _text(subject.get("id"))),
        ("origin", _text(subject.get("origin"))),
    ]
    if where:
        head.append(("location", str(Location.from_json(where))))
    sections: Facts = [("Subject", head), *_KIND_FACTS.get(kind, _no_facts)(subject)]
    notes = subject.get("notes") or []
    if notes:
        sections.append(("Notes", [("", str(n)) for n in notes]))
    return sections



def evidence_rows(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    """Evidence as key/value rows: scalars as JSON scalars, larger values as indented JSON."""
    rows: list[tuple[str, str]] = []
    for key, value in evidence.items():
        if isinstance(value, str):
            rows.append((key, value))
            continue
        compact = json.dumps(value, default=str)
        if len(compact) <= 60 or not isinstance(value, dict | list):
            rows.append((key, compact))
        else:
            rows.append((key, json.dumps(value, indent=2, default=str)))
    return rows
