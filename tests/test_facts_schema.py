"""The fact model's schema is the truth about subjects: every field a source emits is in it,
and every path a rule names exists in it (custom rules are written against it)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from dindcheck.catalogue import Rule, load_catalogue
from tests.factmodel import path_exists, schema_errors

RULES = load_catalogue()
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")


def _condition_paths(schema: Any, prefix: str) -> Iterator[str]:
    if not isinstance(schema, dict):
        return
    for name, sub in (schema.get("properties") or {}).items():
        yield prefix + name
        yield from _condition_paths(sub, prefix + name + ".")
    for name in schema.get("required") or ():
        yield prefix + name
    for key in ("anyOf", "allOf", "oneOf"):
        for sub in schema.get(key) or ():
            yield from _condition_paths(sub, prefix)
    if "not" in schema:
        yield from _condition_paths(schema["not"], prefix)
    for key in ("items", "contains"):
        if key in schema:
            yield from _condition_paths(schema[key], prefix + "[].")


def rule_paths(rule: Rule) -> set[str]:
    """Every subject path a rule reads: condition, escalations, evidence, text templates."""
    raw = rule.raw
    paths = set(_condition_paths(raw["condition"], ""))
    for escalation in raw.get("escalate") or ():
        paths.update(_condition_paths(escalation["when"], ""))
    paths.update(raw.get("evidence") or ())
    for key in ("message", "remediation"):
        text = raw[key] if isinstance(raw[key], str) else " ".join(map(str, raw[key].values()))
        paths.update(_PLACEHOLDER.findall(text))
    return paths


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_path_a_rule_names_is_in_the_schema(rule: Rule) -> None:
    missing = sorted(p for p in rule_paths(rule) if not path_exists(rule.subject, p))
    assert missing == []


def _examples() -> list[Any]:
    return [pytest.param(subject, id=f"{rule.id}-{verdict}-{i}")
            for rule in RULES for verdict in ("fail", "pass")
            for i, subject in enumerate(rule.raw["examples"][verdict])]


@pytest.mark.parametrize("subject", _examples())
def test_rule_examples_are_subjects_of_the_fact_model(subject: dict[str, Any]) -> None:
    assert schema_errors(subject, partial=True) == []


@pytest.mark.parametrize(("kind", "path", "exists"), [
    ("daemon", "data_root.mount.share_key", True),
    ("daemon", "image.moving", True),
    ("daemon", "state.running", True),
    ("daemon", "inner.containerd_snapshotter", True),
    ("daemon", "data_root.colour", False),
    ("client", "data_root", False),
])
def test_path_lookup(kind: str, path: str, exists: bool) -> None:
    assert path_exists(kind, path) is exists
