from __future__ import annotations

import pytest

from dindcheck.model import Location
from dindcheck.sources.kubernetes.documents import read_source
from dindcheck.sources.kubernetes.pods import (
    INIT,
    MAIN,
    SIDECAR,
    Source,
    item_location,
    locate,
    pod_containers,
    position,
)


@pytest.mark.parametrize(
    ("path", "line", "column", "field"),
    [("m.yaml", 3, 5, "spec.containers[0]"), ("state.json", None, None, "items[2].spec"),
     (None, None, None, "")],
)
def test_a_fast_location_is_a_location(path: str | None, line: int | None, column: int | None,
                                       field: str) -> None:
    made = Location(path=path, line=line, column=column, field=field)
    fast = position(path, line, column, field)
    assert fast == made
    assert hash(fast) == hash(made)
    assert fast.to_json() == made.to_json()
    assert str(fast) == str(made)


def test_marks_win_over_the_fallback() -> None:
    data = read_source("spec:\n  containers:\n    - name: c\n      image: i\n", "m.yaml")
    spec = data.documents[0].data["spec"]
    fallback = Location(path="elsewhere.yaml", line=40, column=1)
    container = spec["containers"][0]
    assert locate(container, "image", "f", fallback) == Location(
        path="m.yaml", line=4, column=7, field="f")
    assert locate(container, "missing", "f", fallback).line == 3  # the mapping itself
    assert locate({"image": "i"}, "image", "f", fallback) == Location(
        path="elsewhere.yaml", line=40, column=1, field="f")
    assert item_location(spec["containers"], 0, "g", fallback).line == 3
    assert item_location([{"a": 1}], 5, "g", fallback).line == 40


def test_containers_in_start_order_with_their_roles() -> None:
    spec = {"initContainers": [{"name": "a"}, {"name": "b", "restartPolicy": "Always"},
                               {"name": "c", "restartPolicy": "OnFailure"}, "junk"],
            "containers": [{"name": "d"}]}
    found = pod_containers(Source(spec, "spec", Location(path="p")))
    assert [(c.name, c.role, c.index) for c in found] == [
        ("a", INIT, 0), ("b", SIDECAR, 1), ("c", INIT, 2), ("d", MAIN, 3)]
    assert found[3].source.field == "spec.containers[0]"
