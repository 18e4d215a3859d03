"""User rule patterns: the shapes that backtrack catastrophically are refused."""

from __future__ import annotations

import re
import time

import pytest

from dindcheck.regexsafety import MAX_PATTERN_INPUT, UnsafePattern, bounded_search, check_pattern

EXPONENTIAL_OR_WORSE = [
    r"^(a+)+$", r"(a*)*", r"(a|a)*", r"(a|ab)*c", r"(\w+\s?)*$", r"(a*b*)*", r"(x|x?)+",
    r"(a|)+", r"((ab)+)+", r"(.*a){12}", r"^(\w+)*$", r"(a?)+", r"(?:a+){2}",
    r"^([a-z0-9]+\.?)+$",
]
POLYNOMIAL = [r"\d+\d+", r".*x?.*", r"\w+é?\w+", r"(ab)+(ab)+", r"\s+\s*", r"\w+\s?\w+",
              r"a.*a.*a.*b", r"(?i)a+A+", r"x(?mi:a+A+)"]
SAFE = [
    r"^docker:(\d+)(\.\d+)*-dind$", r"(?:\d+\.)+\d+", r"^[a-z]+-[0-9]+$", r"\d+\.\d+",
    r"foo|bar", r"(?:foo|bar)+", r"^https?://", r"overlay2?", r"^/var/lib/docker(/.*)?$",
    r"-?\d+", r"[a-z]+@[a-z]+", r"(?>a+)+", r"a++a+", r"^\s*$", r"DOCKER_TLS_CERTDIR",
    r"^(tcp|unix)://", r"v?\d+(\.\d+){0,2}", r"é+\d+", r"[a-z]+\s+[a-z]+", r"^docker(:|$)",
    r"a+A+", r"(?i)(?:a|A)+b",
]


@pytest.mark.parametrize("pattern", EXPONENTIAL_OR_WORSE + POLYNOMIAL)
def test_backtracking_shapes_are_refused(pattern: str) -> None:
    with pytest.raises(UnsafePattern):
        check_pattern(pattern)


@pytest.mark.parametrize("pattern", SAFE)
def test_ordinary_patterns_are_accepted(pattern: str) -> None:
    assert check_pattern(pattern).pattern == pattern


@pytest.mark.parametrize("pattern", SAFE)
def test_accepted_patterns_stay_fast_on_long_values(pattern: str) -> None:
    """What is accepted is at worst quadratic in the capped input: a few ms each."""
    regex = re.compile(pattern)
    start = time.perf_counter()
    for value in ("a" * 100_000, "1" * 100_000, "1." * 50_000, " " * 100_000, "ab" * 50_000):
        bounded_search(regex, value + "!")
    assert time.perf_counter() - start < 5.0


def test_patterns_read_only_the_start_of_a_value() -> None:
    regex = re.compile("needle")
    assert bounded_search(regex, "x" * (MAX_PATTERN_INPUT - 6) + "needle")
    assert not bounded_search(regex, "x" * MAX_PATTERN_INPUT + "needle")


def test_invalid_pattern_is_a_regex_error() -> None:
    with pytest.raises(re.error):
        check_pattern("(")
