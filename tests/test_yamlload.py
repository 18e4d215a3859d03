from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from dindcheck.yamlload import (
    Mark,
    PosDict,
    PosList,
    YamlError,
    load_file,
    load_text,
    tag_of,
)

BILLION_LAUGHS = "\n".join(
    [ 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi",
                                                                 strict=True)]
) + "\n"


def test_marks_are_one_based_and_survive_merge_keys() -> None:
    data = load_text("base: &b\n  image: docker:dind\nsvc:\n  <<: *b\n  privileged: true\n",
                     "c.yml")
    assert isinstance(data, PosDict)
    svc = data["svc"]
    assert svc == {"privileged": True, "image": "docker:dind"}
    assert svc.key_marks["privileged"] == Mark("c.yml", 5, 3)
    # A merged key points where it is written: inside the anchor.
    assert svc.key_marks["image"] == Mark("c.yml", 2, 3)


def test_list_items_have_marks() -> None:
    data = load_text("volumes:\n  - a:/x\n  - b:/y\n", "c.yml")
    volumes = data["volumes"]
    assert isinstance(volumes, PosList)
    assert volumes.item_mark(1) == Mark("c.yml", 3, 5)


def test_yaml11_booleans() -> None:
    assert load_text("privileged: yes\n", "c.yml") == {"privileged": True}


def test_alias_bomb_is_refused_fast_and_small() -> None:
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(YamlError, match="alias bomb") as info:
        load_text(BILLION_LAUGHS, "bomb.yml")
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert info.value.line is not None
    assert elapsed < 0.5
    assert peak < 5 * 1024 * 1024


@pytest.mark.parametrize(("text", "line", "column"), [
    pytest.param("a: [1\n", 2, 1, id="unclosed-flow"),
    pytest.param("a: 1\nb: 2\n\tc: 3\n", 3, 1, id="tab-indent"),
    pytest.param("a: *nothere\n", 1, 4, id="unknown-alias"),
])
def test_malformed_yaml_gives_position(text: str, line: int, column: int) -> None:
    """libyaml's own words vary between releases; where it points does not."""
    with pytest.raises(YamlError) as info:
        load_text(text, "bad.yml")
    assert (info.value.path, info.value.line, info.value.column) == ("bad.yml", line, column)


@pytest.mark.parametrize(("text", "message", "line", "column"), [
    pytest.param("a: &a\n  b: *a\n", "recursive alias", 1, 4, id="recursive-alias"),
    pytest.param("[" * 100_000 + "]" * 100_000, "nesting deeper than 200", 1, 201,
                 id="deep-nesting"),
    pytest.param("a: " + "{x: " * 5_000 + "1" + "}" * 5_000, "nesting deeper than 200", 1,
                 804, id="deep-flow-mapping"),
    pytest.param("- " * 50_000 + "x", "nesting deeper than 200", 1, 401,
                 id="deep-block-nesting"),
    pytest.param("a: 1\nb: 2\na: 3\n", "duplicate key 'a'", 3, 1, id="duplicate-key"),
    pytest.param("x: &x 5\njob:\n  <<: *x\n", "merge key", 3, 3, id="merge-of-a-scalar"),
    pytest.param("job:\n  <<: [{a: 1}, [b]]\n", "merge key", 2, 3, id="merge-list-of-a-list"),
])
def test_refused_yaml_says_why_and_where(text: str, message: str, line: int,
                                         column: int) -> None:
    with pytest.raises(YamlError, match=message) as info:
        load_text(text, "bad.yml")
    assert (info.value.path, info.value.line, info.value.column) == ("bad.yml", line, column)


@pytest.mark.parametrize(("content", "message", "line"), [
    pytest.param(b"services:\n  a: \x00\x01", "binary", 2, id="binary"),
    pytest.param(b"services:\n  a: \xff\xfe\n", "not UTF-8", 2, id="latin1"),
])
def test_bad_bytes(tmp_path: Path, content: bytes, message: str, line: int) -> None:
    path = tmp_path / "compose.yml"
    path.write_bytes(content)
    with pytest.raises(YamlError, match=message) as info:
        load_file(path)
    assert info.value.line == line


def test_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "compose.yml"
    path.write_text("a: " + "x" * 2000 + "\n")
    with pytest.raises(YamlError, match="over the 1000-byte cap"):
        load_file(path, max_size=1000)


def test_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "compose.yml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert load_file(path) == {"a": 1}


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(YamlError, match="cannot read"):
        load_file(tmp_path / "nope.yml")


def test_reused_anchors_are_not_an_alias_bomb() -> None:
    base = "x: &x {" + ", ".join(f"k{i}: v" for i in range(100)) + "}\n"
    uses = "".join(f"s{i}: *x\n" for i in range(60))  # 60 x 201 nodes from aliases
    data = load_text(base + uses, "anchors.yml")
    assert len(data) == 61
    assert data["s59"]["k99"] == "v"


@pytest.mark.parametrize(("text", "column"), [
    pytest.param("a: 2024-02-30\n", 4, id="impossible-date"),
    pytest.param("a: " + "9" * 5000 + "\n", 4, id="5000-digit-integer"),
    pytest.param("a: !!int abc\n", 4, id="bad-int"),
    pytest.param("a: !!float\n", 4, id="empty-float"),
    pytest.param("a: !!bool maybe\n", 4, id="bad-bool"),
    pytest.param("a:\n  - !!timestamp tomorrow\n", 5, id="bad-timestamp"),
    pytest.param("a: !!binary 'zz'\n", 4, id="bad-base64"),
])
def test_a_scalar_that_cannot_be_built_is_a_located_error(text: str, column: int) -> None:
    with pytest.raises(YamlError, match="cannot read") as info:
        load_text(text, "bad.yml")
    assert (info.value.line, info.value.column) == (text.count("\n", 0, text.index("!!")
                                                               if "!!" in text else 0) + 1,
                                                    column)


def test_local_tags_are_kept_for_the_formats_that_give_them_meaning() -> None:
    data = load_text("a: !reset null\nb: !override [1]\nc: !reference [.x, y]\n"
                     "d: !override {k: 1}\ne: plain\n", "tags.yml")
    assert data == {"a": "null", "b": [1], "c": [".x", "y"], "d": {"k": 1}, "e": "plain"}
    assert {k: tag_of(v) for k, v in data.items()} == {
        "a": "!reset", "b": "!override", "c": "!reference", "d": "!override", "e": None}


def test_a_name_with_a_nul_is_an_error_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(YamlError, match="NUL"):
        load_file(tmp_path / "a\x00b.yaml")
