from __future__ import annotations

import pytest

from dindcheck.sources.compose.dotenv import DotenvError, parse_dotenv


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("A=1\nB=two\n", {"A": "1", "B": "two"}, id="simple"),
        pytest.param("# comment\n\nA=1\n", {"A": "1"}, id="comments-blank"),
        pytest.param("export A=1\n", {"A": "1"}, id="export"),
        pytest.param(" A = spaced \n", {"A": "spaced"}, id="spaces"),
        pytest.param("A: yaml style\n", {"A": "yaml style"}, id="colon"),
        pytest.param("A=x # note\n", {"A": "x"}, id="inline-comment"),
        pytest.param("A=x#y\n", {"A": "x#y"}, id="hash-in-value"),
        pytest.param("A='lit $B # x'\n", {"A": "lit $B # x"}, id="single-quoted"),
        pytest.param("A='it\\'s'\n", {"A": "it's"}, id="single-quote-escape"),
        pytest.param('A="q # x" # c\n', {"A": "q # x"}, id="double-quoted"),
        pytest.param('A="l1\nl2"\nB=3\n', {"A": "l1\nl2", "B": "3"}, id="multiline"),
        pytest.param('A="a\\nb\\"c"\n', {"A": 'a\nb"c'}, id="escapes"),
        pytest.param('A="\\a\\b\\f\\v\\0101"\n', {"A": "\a\b\f\vA"}, id="shell-escapes"),
        pytest.param('A="\\x41\\0"\n', {"A": "\\x41\\0"}, id="unknown-escapes-kept"),
        pytest.param("A=\n", {"A": ""}, id="empty"),
        pytest.param("A=1\nB=${A}-2\n", {"A": "1", "B": "1-2"}, id="refers-earlier"),
        pytest.param("A=x=y\n", {"A": "x=y"}, id="equals-in-value"),
        pytest.param("A=$$B\n", {"A": "$B"}, id="escape"),
        pytest.param('A="\\$B"\n', {"A": "$B"}, id="escaped-dollar"),
        pytest.param("B=${UNSET}\n", {"B": ""}, id="unset-is-empty"),
        pytest.param("a.b-c[0]=1\nrvztr=2\n", {"a.b-c[0]": "1", "rvztr": "2"},
                     id="key-characters"),
    ],
)
def test_parse_dotenv(text: str, expected: dict[str, str]) -> None:
    assert parse_dotenv(text).values == expected


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param('A="open\nB=1\n', 1, id="unterminated-double"),
        pytest.param("X=1\nA='open\n", 2, id="unterminated-single"),
        pytest.param("A='v\\'\n", 1, id="escaped-closing-quote"),
        pytest.param("KEY NAME=1\n", 1, id="space-in-key"),
        pytest.param("A=1\nlol$wut\n", 2, id="bad-character"),
        pytest.param("A=${\n", 1, id="invalid-template"),
    ],
)
def test_errors_are_located(text: str, line: int) -> None:
    with pytest.raises(DotenvError) as caught:
        parse_dotenv(text)
    assert caught.value.line == line


def test_errors_do_not_quote_values() -> None:
    with pytest.raises(DotenvError) as caught:
        parse_dotenv('PASSWORD="hunter2\n')
    assert "hunter2" not in caught.value.message


def test_lookup_comes_first_and_bare_keys_are_inherited() -> None:
    env = {"HOME_X": "/h", "INHERITED": "from-shell"}
    parsed = parse_dotenv("HOME_X=file\nB=${HOME_X}/b\nINHERITED\nNOT_SET\n", env.get)
    assert parsed.values == {"HOME_X": "file", "B": "/h/b", "INHERITED": "from-shell"}
    assert parsed.lines == {"HOME_X": 1, "B": 2, "INHERITED": 3}


def test_required_and_missing_variables_are_recorded() -> None:
    parsed = parse_dotenv("A=${NOPE:?set it}\nB=$GONE\n")
    assert parsed.values == {"A": "", "B": ""}
    assert (parsed.unresolved.required, parsed.unresolved.missing) == ({"NOPE"}, {"GONE"})
