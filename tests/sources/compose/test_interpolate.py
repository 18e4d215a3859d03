from __future__ import annotations

from pathlib import Path

import pytest

from dindcheck.sources.compose.interpolate import (
    find_closing_brace,
    interpolate,
    interpolate_mapping,
    interpolate_tree,
    load_dotenv,
    parse_dotenv,
)
from dindcheck.yamlload import Mark, load_text

ENV = {"A": "a", "EMPTY": "", "PORT": "8080"}


@pytest.mark.parametrize(
    ("text", "expected", "unresolved"),
    [
        pytest.param("plain", "plain", set(), id="no-dollar"),
        pytest.param("$A", "a", set(), id="bare"),
        pytest.param("${A}", "a", set(), id="braced"),
        pytest.param("x-$A-y", "x-a-y", set(), id="bare-in-text"),
        pytest.param("$A_B", "$A_B", {"A_B"}, id="bare-name-is-greedy"),
        pytest.param("${A}_B", "a_B", set(), id="braced-stops-name"),
        pytest.param("${MISSING}", "${MISSING}", {"MISSING"}, id="missing-stays"),
        pytest.param("$MISSING/x", "$MISSING/x", {"MISSING"}, id="missing-bare-stays"),
        pytest.param("${EMPTY}", "", set(), id="set-but-empty"),
        pytest.param("${MISSING:-dflt}", "dflt", set(), id="colon-dash-missing"),
        pytest.param("${EMPTY:-dflt}", "dflt", set(), id="colon-dash-empty"),
        pytest.param("${A:-dflt}", "a", set(), id="colon-dash-set"),
        pytest.param("${MISSING-dflt}", "dflt", set(), id="dash-missing"),
        pytest.param("${EMPTY-dflt}", "", set(), id="dash-empty-keeps-empty"),
        pytest.param("${MISSING:?need it}", "${MISSING:?need it}", {"MISSING"},
                     id="colon-question-missing-stays"),
        pytest.param("${EMPTY:?need it}", "${EMPTY:?need it}", {"EMPTY"},
                     id="colon-question-empty-stays"),
        pytest.param("${EMPTY?need it}", "", set(), id="question-empty-ok"),
        pytest.param("${MISSING?need it}", "${MISSING?need it}", {"MISSING"},
                     id="question-missing-stays"),
        pytest.param("${A:?x}", "a", set(), id="colon-question-set"),
        pytest.param("${A:+alt}", "alt", set(), id="colon-plus-set"),
        pytest.param("${EMPTY:+alt}", "", set(), id="colon-plus-empty"),
        pytest.param("${MISSING:+alt}", "", set(), id="colon-plus-missing"),
        pytest.param("${EMPTY+alt}", "alt", set(), id="plus-empty-is-set"),
        pytest.param("${MISSING+alt}", "", set(), id="plus-missing"),
        pytest.param("$$A", "$A", set(), id="escape"),
        pytest.param("$${MISSING}", "${MISSING}", set(), id="escape-braced"),
        pytest.param("a$$$A", "a$a", set(), id="escape-then-var"),
        pytest.param("${MISSING:-${OTHER:-x}}", "x", set(), id="nested-default"),
        pytest.param("${MISSING:-${A}}", "a", set(), id="nested-var"),
        pytest.param("${MISSING:-${OTHER}}", "${OTHER}", {"OTHER"}, id="nested-missing"),
        pytest.param("${A:-${OTHER}}", "a", set(), id="unused-default-not-recorded"),
        pytest.param("${MISSING:-a}b}", "ab}", set(), id="brace-after"),
        pytest.param("${PORT:-80}:${PORT:-80}", "8080:8080", set(), id="twice"),
        pytest.param("${MISSING:-$2a$14$1l}", "$2a$14$1l", set(), id="dollar-digit-literal"),
        pytest.param("cost $5", "cost $5", set(), id="dollar-digit"),
        pytest.param("end$", "end$", set(), id="trailing-dollar"),
        pytest.param("${A", "${A", set(), id="unterminated"),
        pytest.param("${}", "${}", set(), id="empty-braces"),
        pytest.param("${A/x/y}", "${A/x/y}", set(), id="unsupported-operator"),
        pytest.param("${1A}", "${1A}", set(), id="bad-name"),
    ],
)
def test_interpolate(text: str, expected: str, unresolved: set[str]) -> None:
    found: set[str] = set()
    assert interpolate(text, ENV, found) == expected
    assert found == unresolved


def test_find_closing_brace_skips_nesting_and_escapes() -> None:
    text = "${A:-${B}$$}x}"
    assert find_closing_brace(text, 2, len(text)) == 11
    assert find_closing_brace("${A", 2, 3) == -1


def test_interpolate_tree_in_place_keeps_marks() -> None:
    data = load_text("a:\n  - $A\n  - {k: '${MISSING:-d}'}\nb: 3\n", "f.yml")
    found: set[str] = set()
    result = interpolate_tree(data, ENV, found)
    assert result is data
    assert data == {"a": ["a", {"k": "d"}], "b": 3}
    assert data["a"].item_mark(0) == Mark("f.yml", 2, 5)
    assert data["a"][1].key_marks["k"] == Mark("f.yml", 3, 6)
    assert interpolate_tree("$A", ENV, found) == "a"


def test_interpolate_mapping_skips_extensions() -> None:
    data = load_text("image: $A\nx-dindcheck: {note: $NOPE}\nx-other: $NOPE\n", "f.yml")
    found: set[str] = set()
    interpolate_mapping(data, ENV, found)
    assert data == {"image": "a", "x-dindcheck": {"note": "$NOPE"}, "x-other": "$NOPE"}
    assert found == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("A=1\nB=two\n", {"A": "1", "B": "two"}, id="simple"),
        pytest.param("# comment\n\nA=1\n", {"A": "1"}, id="comments-blank"),
        pytest.param("export A=1\n", {"A": "1"}, id="export"),
        pytest.param(" A = spaced \n", {"A": "spaced"}, id="spaces"),
        pytest.param("A=x # note\n", {"A": "x"}, id="inline-comment"),
        pytest.param("A=x#y\n", {"A": "x#y"}, id="hash-in-value"),
        pytest.param("A='lit $B # x'\n", {"A": "lit $B # x"}, id="single-quoted"),
        pytest.param('A="q # x" # c\n', {"A": "q # x"}, id="double-quoted"),
        pytest.param('A="l1\nl2"\nB=3\n', {"A": "l1\nl2", "B": "3"}, id="multiline"),
        pytest.param('A="a\\nb\\"c"\n', {"A": 'a\nb"c'}, id="escapes"),
        pytest.param("A=\n", {"A": ""}, id="empty"),
        pytest.param("A=1\nB=${A}-2\n", {"A": "1", "B": "1-2"}, id="refers-earlier"),
        pytest.param("A=x=y\n", {"A": "x=y"}, id="equals-in-value"),
        pytest.param("NOVALUE\nbad key=1\nA=1", {"A": "1"}, id="skips-junk"),
        pytest.param("A=$$B\n", {"A": "$B"}, id="escape"),
    ],
)
def test_parse_dotenv(text: str, expected: dict[str, str]) -> None:
    assert parse_dotenv(text) == expected


def test_parse_dotenv_reads_environ_for_references() -> None:
    assert parse_dotenv("B=${HOME_X}/b\n", {"HOME_X": "/h"}) == {"B": "/h/b"}


def test_load_dotenv(tmp_path: Path) -> None:
    assert load_dotenv(tmp_path / ".env") == {}
    (tmp_path / ".env").write_text("\ufeffA=1\n", encoding="utf-8")
    assert load_dotenv(tmp_path / ".env") == {"A": "1"}
    (tmp_path / "bad").write_bytes(b"A=\xff\n")
    assert load_dotenv(tmp_path / "bad") == {}
