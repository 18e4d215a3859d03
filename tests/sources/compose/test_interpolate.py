from __future__ import annotations

import time

import pytest

from dindcheck.sources.compose.interpolate import (
    MAX_NESTING,
    Interpolated,
    TemplateError,
    Unresolved,
    interpolate,
    interpolate_tree,
    substitute,
    written_form,
)
from dindcheck.yamlload import Mark, load_text

ENV = {"A": "a", "EMPTY": "", "PORT": "8080", "JSON": '{"json":2}'}


@pytest.mark.parametrize(
    ("text", "expected", "missing", "required"),
    [
        pytest.param("plain", "plain", set(), set(), id="no-dollar"),
        pytest.param("$A", "a", set(), set(), id="bare"),
        pytest.param("${A}", "a", set(), set(), id="braced"),
        pytest.param("x-$A-y", "x-a-y", set(), set(), id="bare-in-text"),
        pytest.param("$A_B", "", {"A_B"}, set(), id="bare-name-is-greedy"),
        pytest.param("${A}_B", "a_B", set(), set(), id="braced-stops-name"),
        pytest.param("${MISSING}", "", {"MISSING"}, set(), id="missing-is-empty"),
        pytest.param("$MISSING/x", "/x", {"MISSING"}, set(), id="missing-bare"),
        pytest.param("${EMPTY}", "", set(), set(), id="set-but-empty"),
        pytest.param("${MISSING:-dflt}", "dflt", set(), set(), id="colon-dash-missing"),
        pytest.param("${EMPTY:-dflt}", "dflt", set(), set(), id="colon-dash-empty"),
        pytest.param("${A:-dflt}", "a", set(), set(), id="colon-dash-set"),
        pytest.param("${MISSING-dflt}", "dflt", set(), set(), id="dash-missing"),
        pytest.param("${EMPTY-dflt}", "", set(), set(), id="dash-empty-keeps-empty"),
        pytest.param("${MISSING:?need it}", "", set(), {"MISSING"}, id="required-missing"),
        pytest.param("${EMPTY:?need it}", "", set(), {"EMPTY"}, id="required-empty"),
        pytest.param("${EMPTY?need it}", "", set(), set(), id="question-empty-ok"),
        pytest.param("${MISSING?need $OTHER}", "", {"OTHER"}, {"MISSING"},
                     id="required-message-interpolated"),
        pytest.param("${A:?x}", "a", set(), set(), id="colon-question-set"),
        pytest.param("${A:+alt}", "alt", set(), set(), id="colon-plus-set"),
        pytest.param("${EMPTY:+alt}", "", set(), set(), id="colon-plus-empty"),
        pytest.param("${MISSING:+alt}", "", set(), set(), id="colon-plus-missing"),
        pytest.param("${EMPTY+alt}", "alt", set(), set(), id="plus-empty-is-set"),
        pytest.param("${MISSING+alt}", "", set(), set(), id="plus-missing"),
        pytest.param("$$A", "$A", set(), set(), id="escape"),
        pytest.param("$${MISSING}", "${MISSING}", set(), set(), id="escape-braced"),
        pytest.param("a$$$A", "a$a", set(), set(), id="escape-then-var"),
        pytest.param("${MISSING:-${OTHER:-x}}", "x", set(), set(), id="nested-default"),
        pytest.param("${MISSING:-${A}}", "a", set(), set(), id="nested-var"),
        pytest.param("${MISSING:-${OTHER}}", "", {"OTHER"}, set(), id="nested-missing"),
        pytest.param("${A:-${OTHER}}", "a", set(), set(), id="unused-default-not-recorded"),
        pytest.param("${MISSING:-a}b}", "ab}", set(), set(), id="brace-after"),
        pytest.param('${MISSING:-{"json":1}}', '{"json":1}', set(), set(),
                     id="braces-in-default"),
        pytest.param('${JSON:-{"json":1}}', '{"json":2}', set(), set(),
                     id="braces-in-unused-default"),
        pytest.param("${PORT:-80}:${PORT:-80}", "8080:8080", set(), set(), id="twice"),
        pytest.param("${MISSING:-$2a$14$1l}", "$2a$14$1l", set(), set(),
                     id="dollar-digit-literal"),
        pytest.param("cost $5", "cost $5", set(), set(), id="dollar-digit"),
        pytest.param("end$", "end$", set(), set(), id="trailing-dollar"),
        pytest.param("$}", "$}", set(), set(), id="dollar-brace"),
        pytest.param("${MISSING:-x\ny}", None, set(), set(), id="default-across-lines"),
    ],
)
def test_substitute(text: str, expected: str | None, missing: set[str],
                    required: set[str]) -> None:
    found = Unresolved()
    if expected is None:
        with pytest.raises(TemplateError):
            substitute(text, ENV.get, found)
        return
    assert substitute(text, ENV.get, found) == expected
    assert (found.missing, found.required) == (missing, required)


@pytest.mark.parametrize("text", ["${", "${}", "${ }", "${ foo}", "${foo }", "${foo!}",
                                  "${A", "${1A}", "${A/x/y}", "ok ${A:-${", "${A:-x} ${"])
def test_invalid_templates(text: str) -> None:
    with pytest.raises(TemplateError, match="invalid interpolation format"):
        substitute(text, ENV.get)


def test_the_error_does_not_quote_the_text() -> None:
    with pytest.raises(TemplateError) as caught:
        substitute("password=s3cret${", ENV.get)
    assert "s3cret" not in caught.value.message


def test_interpolated_keeps_the_written_form() -> None:
    value = interpolate("docker:${TOKEN}-${A}", ENV.get)
    assert isinstance(value, Interpolated)
    assert (value, value.written, value.unresolved) == ("docker:-a", "docker:${TOKEN}-${A}",
                                                       ("TOKEN",))
    assert not isinstance(interpolate("plain", ENV.get), Interpolated)
    assert (written_form(value), written_form("plain"), written_form(5)) == (
        "docker:${TOKEN}-${A}", "plain", 5)


def test_nesting_is_bounded_and_flat_text_is_linear() -> None:
    deep = "${A:-" * (MAX_NESTING + 10) + "x" + "}" * (MAX_NESTING + 10)
    with pytest.raises(TemplateError, match="nested deeper"):
        substitute(deep, {}.get)
    ok = "${X:-" * 40 + "x" + "}" * 40
    assert substitute(ok, {}.get) == "x"
    with pytest.raises(TemplateError):
        substitute("${A:-" * 400, {}.get)
    start = time.monotonic()
    assert substitute("${A:-x} " * 20_000, {}.get) == "x " * 20_000
    assert time.monotonic() - start < 2


def test_interpolate_tree_in_place_keeps_marks_and_reports_bad_templates() -> None:
    data = load_text("a:\n  - $A\n  - {k: '${MISSING:-d}'}\nb: 3\nc: '${'\n", "f.yml")
    found = Unresolved()
    problems: list[tuple[str, Mark | None]] = []
    result = interpolate_tree(data, ENV.get, found, lambda m, at: problems.append((m, at)))
    assert result is data
    assert data == {"a": ["a", {"k": "d"}], "b": 3, "c": "${"}
    assert data["a"].item_mark(0) == Mark("f.yml", 2, 5)
    assert data["a"][1].key_marks["k"] == Mark("f.yml", 3, 6)
    assert [at for _, at in problems] == [Mark("f.yml", 5, 1)]
    assert interpolate_tree("$A", ENV.get, found, lambda m, at: None) == "a"
