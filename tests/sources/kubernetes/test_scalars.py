from __future__ import annotations

from typing import Any

import pytest

from dindcheck.sources.kubernetes.scalars import INT32_MAX, Unknown, count, flag, quantity, show


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3),
        (0, 0),
        (INT32_MAX, INT32_MAX),
        (INT32_MAX + 1, "replicas 2147483648 is out of range (at most 2147483647)"),
        (10**30, "replicas 10000000000000000000000… is out of range (at most 2147483647)"),
        (-1, "replicas -1 is below 0"),
        (True, "replicas must be an integer, not a boolean true"),
        ("3", "replicas must be an integer, not the string '3'"),
        ("３", "replicas must be an integer, not the string '３'"),
        (2.0, "replicas must be an integer, not the number 2.0"),
        (None, "replicas must be an integer, not null"),
        ({"a": 1}, "replicas must be an integer, not a mapping"),
    ],
)
def test_counts_are_int32_like_the_api_server_reads_them(value: Any, expected: Any) -> None:
    assert count(value, "replicas") == expected


@pytest.mark.parametrize("value", ["${REPLICAS}", "{{ .Values.replicas }}", "$(N)"])
def test_placeholders_are_unknown_not_broken(value: str) -> None:
    found = count(value, "replicas")
    assert isinstance(found, Unknown)
    assert found.text == value
    assert isinstance(flag(value, "privileged"), Unknown)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("true", "privileged must be true or false, not the string 'true'"),
        (1, "privileged must be true or false, not the number 1"),
    ],
)
def test_flags_take_booleans_only(value: Any, expected: Any) -> None:
    assert flag(value, "privileged") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2Gi", 2 * 2**30),
        ("512Mi", 512 * 2**20),
        ("1G", 10**9),
        ("1.5Gi", 3 * 2**29),
        ("100m", 0),
        ("1500m", 1),
        ("1e3", 1000),
        ("1E", 10**18),
        ("2Ei", 2 * 2**60),
        (1073741824, 1073741824),
        ("", None),
        ("２Gi", None),
        ("1Gb", None),
        ("lots", None),
        (True, None),
        ("9" * 100, None),
    ],
)
def test_quantities(value: Any, expected: int | None) -> None:
    assert quantity(value) == expected


def test_shown_values_are_escaped_and_short() -> None:
    assert show("a\x1b[31mred\u202e") == "'a\\x1b[31mred\\u202e'"
    assert show("x" * 100) == repr("x" * 39 + "…")
    assert [show(v) for v in (True, None, 3, [1], {})] == ["true", "null", "3", "a list",
                                                            "a mapping"]
