from __future__ import annotations

import pytest

from dindcheck.sources.compose.documents import parse_documents
from dindcheck.yamlload import Mark, YamlError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a: 1\n", [{"a": 1}], id="one"),
        pytest.param("# c\n---\na: 1\n", [{"a": 1}], id="comment-then-start"),
        pytest.param("a: 1\n---\nb: 2\n", [{"a": 1}, {"b": 2}], id="two"),
        pytest.param("---\na: 1\n---\nb: 2\n...\n", [{"a": 1}, {"b": 2}], id="explicit"),
        pytest.param("a: 1\n---\n", [{"a": 1}, None], id="empty-last"),
        pytest.param("a: |\n  x\n  ---\n  y\n", [{"a": "x\n---\ny\n"}], id="indented-marker"),
        pytest.param("a: 1\n--- {b: 2}\n", [{"a": 1}, {"b": 2}], id="content-on-marker"),
        pytest.param("a: 1\n...\n%YAML 1.1\n---\nb: 2\n", [{"a": 1}, {"b": 2}],
                     id="directive"),
        pytest.param("a: '---'\nb: ---x\n", [{"a": "---", "b": "---x"}], id="not-markers"),
    ],
)
def test_documents(text: str, expected: list[object]) -> None:
    assert parse_documents(text, "f.yml") == expected


def test_marks_keep_the_files_line_numbers() -> None:
    first, second = parse_documents("a: 1\n---\n\nservices:\n  s: {}\n", "f.yml")
    assert first.key_marks["a"] == Mark("f.yml", 1, 1)
    assert second.key_marks["services"] == Mark("f.yml", 4, 1)
    assert second["services"].key_marks["s"] == Mark("f.yml", 5, 3)


def test_an_error_in_a_later_document_is_located_in_the_file() -> None:
    with pytest.raises(YamlError) as caught:
        parse_documents("a: 1\n---\nb: [\n", "f.yml")
    assert caught.value.line == 4


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param("s:\n  <<: 5\n", 2, id="number"),
        pytest.param("s:\n  <<:\n  a: 1\n", 2, id="null"),
        pytest.param("x: &x abc\ns:\n  <<: *x\n", 3, id="alias-to-scalar"),
        pytest.param("s:\n  <<: [{a: 1}, 2]\n", 2, id="list-with-a-scalar"),
    ],
)
def test_merge_keys_take_mappings_only(text: str, line: int) -> None:
    with pytest.raises(YamlError, match="merge key") as caught:
        parse_documents(text, "f.yml")
    assert caught.value.line == line


def test_merge_keys_over_mappings_and_lists_of_mappings() -> None:
    text = "x: &x {a: 1}\ny: &y [{b: 2}]\ns:\n  <<: *x\nt:\n  <<: *y\nu:\n  <<: [*x, {c: 3}]\n"
    (data,) = parse_documents(text, "f.yml")
    assert (data["s"], data["t"], data["u"]) == ({"a": 1}, {"b": 2}, {"a": 1, "c": 3})
