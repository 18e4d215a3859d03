"""The fact model's schema as the tests use it: validate subjects, look up paths."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema

from dindcheck.schemas import load

SCHEMA: dict[str, Any] = load("facts.schema.json")


def _without_required(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_required(v) for k, v in node.items() if k != "required"}
    if isinstance(node, list):
        return [_without_required(v) for v in node]
    return node


SUBJECT = jsonschema.Draft202012Validator(SCHEMA)
PARTIAL = jsonschema.Draft202012Validator(_without_required(copy.deepcopy(SCHEMA)))


def schema_errors(subject: dict[str, Any], *, partial: bool = False) -> list[str]:
    """What is wrong with ``subject`` against the fact model (``partial``: fields may be
    missing, as in a rule's examples; those given must be right)."""
    validator = PARTIAL if partial else SUBJECT
    return [f"{subject.get('id', subject.get('kind'))}: {e.json_path}: {e.message}"
            for e in validator.iter_errors(subject)]


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _properties(node: dict[str, Any]) -> dict[str, Any]:
    node = _resolve(node)
    props = dict(node.get("properties") or {})
    for part in node.get("allOf") or ():
        props.update(_properties(part))
    return props


def path_exists(kind: str, dotted: str) -> bool:
    """Whether ``a.b.c`` names a field the schema documents for subjects of ``kind``."""
    node: dict[str, Any] = SCHEMA["$defs"][kind]
    for part in dotted.split("."):
        if part == "[]" or part.isdigit():
            node = _resolve(node).get("items") or {}
            continue
        props = _properties(node)
        if part not in props:
            return False
        node = props[part]
    return True
