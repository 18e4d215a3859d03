from __future__ import annotations

from typing import Any

import pytest

from dindcheck.conditions import ConditionError, compile_condition

CASES = [
    pytest.param({"const": True}, True, True, id="const-true"),
    pytest.param({"const": True}, 1, False, id="const-bool-is-not-int"),
    pytest.param({"enum": ["vfs", "aufs"]}, "vfs", True, id="enum-hit"),
    pytest.param({"enum": ["vfs", "aufs"]}, "overlay2", False, id="enum-miss"),
    pytest.param({"type": ["string", "null"]}, None, True, id="type-union"),
    pytest.param({"type": "integer"}, True, False, id="bool-is-not-integer"),
    pytest.param({"required": ["a"], "properties": {"a": {"const": 1}}}, {"a": 1}, True,
                 id="properties-hit"),
    pytest.param({"required": ["a"]}, {"b": 1}, False, id="required-missing"),
    pytest.param({"properties": {"a": {"const": 1}}}, {}, True, id="absent-property-passes"),
    pytest.param({"not": {"const": 1}}, 2, True, id="not"),
    pytest.param({"anyOf": [{"const": 1}, {"const": 2}]}, 2, True, id="anyOf"),
    pytest.param({"allOf": [{"type": "integer"}, {"minimum": 3}]}, 2, False, id="allOf"),
    pytest.param({"oneOf": [{"type": "integer"}, {"minimum": 0}]}, 1, False, id="oneOf-two"),
    pytest.param({"contains": {"const": "SYS_ADMIN"}}, ["NET_ADMIN", "SYS_ADMIN"], True,
                 id="contains"),
    pytest.param({"items": {"type": "string"}}, ["a", 1], False, id="items"),
    pytest.param({"pattern": "^tcp://"}, "tcp://docker:2375", True, id="pattern"),
    pytest.param({"minItems": 2}, [1], False, id="minItems"),
    pytest.param({"exclusiveMaximum": 1500}, 1500, False, id="exclusiveMaximum"),
    pytest.param({"version": "<20.10"}, "19.03.12", True, id="version-lt"),
    pytest.param({"version": "<20.10"}, "20.10.24", False, id="version-not-lt"),
    pytest.param({"version": ">=24"}, "24.0.7-0ubuntu4", True, id="version-distro-suffix"),
    pytest.param({"version": ">=18"}, "17.06.0-ce", False, id="version-ce-suffix"),
    pytest.param({"version": ">=29"}, "29.0.0-rc.1", True, id="version-prerelease-as-release"),
    pytest.param({"version": ">=1"}, "dind", False, id="version-unparseable-never-matches"),
    pytest.param({"version": ">=1"}, None, False, id="version-null"),
    # Keywords outside the compiled subset go through jsonschema itself.
    pytest.param({"propertyNames": {"pattern": "^[a-z]+$"}}, {"abc": 1}, True,
                 id="jsonschema-fallback"),
    pytest.param({"propertyNames": {"pattern": "^[a-z]+$"}, "version": ">=1"}, {"A": 1}, False,
                 id="jsonschema-fallback-with-version"),
]


@pytest.mark.parametrize(("schema", "value", "expected"), CASES)
def test_condition(schema: dict[str, Any], value: Any, expected: bool) -> None:
    assert compile_condition(schema)(value) is expected


@pytest.mark.parametrize(("schema", "where"), [
    pytest.param({"type": "strng"}, "$.type", id="bad-type"),
    pytest.param({"pattern": "("}, "$.pattern", id="bad-regex"),
    pytest.param({"version": "<<3"}, "$.version", id="bad-specifier"),
    pytest.param({"anyOf": []}, "$.anyOf", id="empty-anyOf"),
    pytest.param({"properties": {"a": {"minimum": "x"}}}, "$.properties.a.minimum",
                 id="nested-path"),
])
def test_invalid_condition_names_its_path(schema: dict[str, Any], where: str) -> None:
    with pytest.raises(ConditionError, match=rf"^{__import__('re').escape(where)}"):
        compile_condition(schema)
