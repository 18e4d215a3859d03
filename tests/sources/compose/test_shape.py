from __future__ import annotations

import pytest

from dindcheck.sources.compose.shape import go_float, parse_int


@pytest.mark.parametrize(
    ("value", "text"),
    [(2.5, "2.5"), (1.0, "1"), (0.1, "0.1"), (123456.0, "123456"), (1234567.0, "1.234567e+06"),
     (1e6, "1e+06"), (0.0001, "0.0001"), (0.00001, "1e-05"), (-3.25, "-3.25"),
     (float("inf"), "+Inf"), (float("nan"), "NaN")],
)
def test_floats_read_as_go_prints_them(value: float, text: str) -> None:
    assert go_float(value) == text


@pytest.mark.parametrize(
    ("text", "number"),
    [("3", 3), ("+3", 3), ("-3", -3), ("007", 7), ("9223372036854775807", 2 ** 63 - 1),
     ("9223372036854775808", None), ("²", None), ("٣", None), ("", None), ("1.0", None),
     (" 1", None), ("9" * 5000, None)],
)
def test_integers_read_as_go_atoi(text: str, number: int | None) -> None:
    assert parse_int(text) == number
