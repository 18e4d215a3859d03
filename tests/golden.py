"""Golden outputs: the subjects and findings a report holds, kept as JSON under
``tests/golden/`` so that any change of a verdict shows as a diff.

``DINDCHECK_UPDATE_GOLDEN=1 pytest`` rewrites them; commit the diff with the change that
caused it, and say why.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from dindcheck.model import Finding, Report
from tests.repo import CORPUS, REPO

GOLDEN = REPO / "tests" / "golden"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def _finding(f: Finding) -> dict[str, Any]:
    return {"rule_id": f.rule_id, "severity": f.severity.value, "message": f.message,
            "subject": {"kind": f.subject_kind, "name": f.subject_name, "id": f.subject_id},
            "location": f.location.to_json(), "evidence": f.evidence,
            "remediation": f.remediation}


def snapshot(report: Report) -> dict[str, Any]:
    return {
        "targets": [{"kind": t.kind, "name": t.name, "paths": list(t.paths),
                     "subjects": list(t.subjects)} for t in report.targets],
        "findings": [_finding(f) for f in report.findings],
        "suppressed": report.suppressed,
        "errors": [str(e) for e in report.errors],
        "notes": list(report.notes),
    }


_SAME_TARGET = re.compile(r"(<\w+>[^\s\"]*) \(-> \1\)")


def _normalised(text: str, places: dict[str, str]) -> str:
    for real, shown in sorted(places.items(), key=lambda p: -len(p[0])):
        text = text.replace(real, shown)
    # "P (-> P)": a path shown with its resolved form, the same once both are normalised.
    return _SAME_TARGET.sub(r"\1", text)


def golden_name(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("_")[:150]


def check_golden(name: str, report: Report, places: dict[str, str] | None = None) -> None:
    """Compare ``report`` with ``tests/golden/<name>.json`` (write it when updating)."""
    where = {str(REPO): "<repo>", str(CORPUS): "<corpus>", str(CORPUS.resolve()): "<corpus>",
             str(CORPUS.parent): "<shared>", str(CORPUS.resolve().parent): "<shared>",
             **(places or {})}
    text = _normalised(json.dumps(snapshot(report), indent=1, sort_keys=True, default=str),
                       where) + "\n"
    path = GOLDEN / f"{golden_name(name)}.json"
    if os.environ.get("DINDCHECK_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return
    assert path.is_file(), f"no golden {path.name}: run with DINDCHECK_UPDATE_GOLDEN=1"
    if text != path.read_text():
        hint = f"{path.name} changed: rerun with DINDCHECK_UPDATE_GOLDEN=1, review the diff"
        assert json.loads(text) == json.loads(path.read_text()), hint
        raise AssertionError(hint)
