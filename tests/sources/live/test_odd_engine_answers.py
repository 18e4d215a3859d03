"""Engine answers of the wrong shape, found by the fuzz harness's fake engine
(bench/fuzz.py): the recorded observation with one field changed. Strict xfails until
the live source checks shapes: an engine is untrusted input too."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from dindcheck.sources.live.observation import EngineObservation, build_subjects
from tests.sources.live.test_recorded import DATA


def _container(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["containers"][0]["inspect"][field] = value
    return change


def _network(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["containers"][0]["inspect"].setdefault("NetworkSettings", {})[field] = value
    return change


@pytest.mark.xfail(strict=True, reason="inspect.py/observation.py call .get/.values on "
                   "values of the wrong type: AttributeError")
@pytest.mark.parametrize("change", [
    pytest.param(_container("State", "running"), id="State-string"),
    pytest.param(_container("Mounts", [1]), id="Mounts-of-numbers"),
    pytest.param(_network("Ports", [1]), id="Ports-list"),
    pytest.param(_network("Networks", {"n": "x"}), id="Networks-of-strings"),
])
def test_wrong_shapes_do_not_crash_the_audit(change: Callable[[dict[str, Any]], None]) -> None:
    data = copy.deepcopy(json.loads((DATA / "scenarios.json").read_text()))
    change(data)
    assert build_subjects(EngineObservation.from_json(data))
