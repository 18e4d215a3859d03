from __future__ import annotations

from dindcheck.sources.compose.merge import unique_service
from dindcheck.yamlload import Mark, load_text


def test_one_entry_per_key_first_position_last_value() -> None:
    service = load_text("cap_add: [A, B, A]\nvolumes: [aa:/x, bb:/y, cc:/x]\n"
                        "ports: [{target: 80, published: '1'}, {target: 80, published: '1'}]\n"
                        "networks:\n  n:\n    aliases: [a, b, a]\n", "f.yml")
    out = unique_service(service)
    assert out == {"cap_add": ["A", "B"], "volumes": ["cc:/x", "bb:/y"],
                   "ports": [{"target": 80, "published": "1"}],
                   "networks": {"n": {"aliases": ["a", "b"]}}}
    assert out["volumes"].item_marks == [Mark("f.yml", 2, 25), Mark("f.yml", 2, 18)]
    assert service["cap_add"] == ["A", "B", "A"]  # the input is unchanged
    plain = load_text("cap_add: [A]\n", "f.yml")
    assert unique_service(plain) is plain
