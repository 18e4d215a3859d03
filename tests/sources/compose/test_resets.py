from __future__ import annotations

from dindcheck.sources.compose.resets import apply_resets, strip_tags, under
from dindcheck.yamlload import Mark, load_text


def test_strip_tags_removes_resets_and_records_both_tags() -> None:
    data = load_text("a: !reset 1\nb: !override [x]\nc:\n  - keep\n  - !reset drop\n"
                     "d: !weird v\ne: {f: !override {g: 1}}\n", "f.yml")
    problems: list[tuple[str, Mark | None]] = []
    paths = strip_tags(data, lambda message, mark: problems.append((message, mark)))
    assert data == {"b": ["x"], "c": ["keep"], "d": "v", "e": {"f": {"g": 1}}}
    assert paths == {("a",), ("b",), ("c", 1), ("e", "f")}
    assert [(m.line, m.column) for _, m in problems if m] == [(6, 1)]
    assert "unknown tag !weird" in problems[0][0]
    assert data["c"].item_marks == [Mark("f.yml", 4, 5)]


def test_apply_resets_copies_and_never_changes_its_input() -> None:
    base = load_text("s:\n  ports: [1]\n  image: x\n  env: {A: 1, B: 2}\nt: {image: y}\n", "f")
    out = apply_resets(base, {("s", "ports"), ("s", "env", "A")})
    assert out == {"s": {"image": "x", "env": {"B": 2}}, "t": {"image": "y"}}
    assert base == {"s": {"ports": [1], "image": "x", "env": {"A": 1, "B": 2}},
                    "t": {"image": "y"}}
    assert out["t"] is base["t"]
    assert out["s"].key_marks["image"] == base["s"].key_marks["image"]
    assert apply_resets(base, set()) is base


def test_under() -> None:
    assert under({("services", "a", "ports"), ("services", "b"), ("volumes", "a")},
                 ("services", "a")) == {("ports",)}
