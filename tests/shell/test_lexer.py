from __future__ import annotations

import time

import pytest

from dindcheck.shell.lexer import MAX_DEPTH, lex, unquote


def commands(text: str) -> list[list[str]]:
    return [[w.text for w in c.words] for c in lex(text).commands]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("docker run -d img", [["docker", "run", "-d", "img"]], id="plain"),
        pytest.param("a 'b c' \"d $E\" f\\ g", [["a", "b c", "d $E", "f g"]], id="quotes"),
        pytest.param("docker run \\\n  -d \\\n  img", [["docker", "run", "-d", "img"]],
                     id="continuations"),
        pytest.param("a && b; c | d || e & f", [["a"], ["b"], ["c"], ["d"], ["e"], ["f"]],
                     id="operators"),
        pytest.param("a # docker run x\nb", [["a"], ["b"]], id="comment"),
        pytest.param("a#b c", [["a#b", "c"]], id="hash-inside-word"),
        pytest.param("cmd >out 2>&1 <in", [["cmd"]], id="redirections-dropped"),
        pytest.param("id=$(docker run -d img)", [["id=$(docker run -d img)"],
                                                  ["docker", "run", "-d", "img"]],
                     id="command-substitution-read"),
        pytest.param("x=`docker ps`", [["x=`docker ps`"], ["docker", "ps"]], id="backquotes"),
        pytest.param("echo ${A:-\"b c\"} ${{ matrix.v }}", [["echo", '${A:-"b c"}',
                                                              "${{ matrix.v }}"]],
                     id="braces-kept-as-written"),
        pytest.param("cat <<EOF\ndocker run x\nEOF\nls", [["cat"], ["ls"]], id="heredoc-skipped"),
        pytest.param("cat <<-'E'\n\tdocker run x\n\tE\nls", [["cat"], ["ls"]],
                     id="heredoc-dash-quoted"),
        pytest.param("echo $'a\\tb'", [["echo", "a\tb"]], id="ansi-c"),
        pytest.param("echo $((1 + (2)))", [["echo", "$((1 + (2)))"]], id="arithmetic"),
    ],
)
def test_words(text: str, expected: list[list[str]]) -> None:
    assert commands(text) == expected


def test_offsets_point_at_each_word() -> None:
    text = "  docker  run\t-v /a:/b img"
    words = lex(text).commands[0].words
    assert [(w.text, text[w.start:w.end]) for w in words] == [
        ("docker", "docker"), ("run", "run"), ("-v", "-v"), ("/a:/b", "/a:/b"), ("img", "img")]


def test_unquote_maps_each_character_back() -> None:
    text = "sh -c 'docker run \"x\"'"
    word = lex(text).commands[0].words[2]
    value, offsets = unquote(text, word.start, word.end)
    assert value == 'docker run "x"'
    assert [text[o] for o in offsets] == list(value)


def test_expansions_are_flagged() -> None:
    words = lex("a \"$B\" 'c$' $(d)").commands[0].words
    assert [(w.quoted, w.expands) for w in words] == [
        (False, False), (True, True), (True, False), (False, True)]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("docker run 'img", "unterminated single quote", id="single"),
        pytest.param('docker run "img', "unterminated double quote", id="double"),
        pytest.param("x=$(docker run img", "unterminated $( … )", id="substitution"),
        pytest.param("echo ${A", "unterminated ${ … }", id="braces"),
        pytest.param("echo `ls", "unterminated backquote", id="backquote"),
        pytest.param("echo >", "redirection '>' without a target", id="redirect"),
    ],
)
def test_unterminated_is_a_located_problem(text: str, problem: str) -> None:
    lexed = lex(text)
    assert [p.message for p in lexed.problems] == [problem]
    assert 0 <= lexed.problems[0].offset < len(text)


def test_backslash_at_end_of_text_is_noted() -> None:
    lexed = lex("docker run img \\")
    assert [w.text for w in lexed.commands[0].words] == ["docker", "run", "img"]
    assert any("end of the text" in n.message for n in lexed.notes)


def test_unclosed_heredoc_is_noted() -> None:
    lexed = lex("cat <<EOF\ndocker run x\n")
    assert lexed.commands[0].words[0].text == "cat"
    assert any("not closed" in n.message for n in lexed.notes)


def test_deep_substitutions_stop_at_the_depth_limit() -> None:
    text = "echo " + "$(echo " * 50 + "x" + ")" * 50
    lexed = lex(text)
    assert max(c.depth for c in lexed.commands) == MAX_DEPTH
    assert any("nested deeper" in n.message for n in lexed.notes)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("docker run " + "-e A=1 " * 100_000 + "img", id="100k-words"),
        pytest.param('"$(' * 20_000, id="nested-quotes-in-substitutions"),
        pytest.param("${" * 50_000, id="nested-braces"),
        pytest.param("(" * 100_000 + "docker run x", id="parentheses"),
        pytest.param("'" * 100_001, id="quotes"),
        pytest.param("\\\n" * 100_000, id="continuations"),
        pytest.param("a <<E\n" * 20_000, id="heredocs"),
    ],
)
def test_hostile_text_is_read_in_bounded_time(text: str) -> None:
    start = time.perf_counter()
    lex(text)
    assert time.perf_counter() - start < 5
