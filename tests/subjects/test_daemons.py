"""The daemon subject's own facts, for every source."""

from __future__ import annotations

from typing import Any

import pytest

from dindcheck.subjects import build_subjects
from dindcheck.workload import Observation, Setup, State, Workload


def daemon(origin: str = "compose", **fields: Any) -> dict[str, Any]:
    w = Workload(name="dind", id="p/dind", origin=origin, **fields)
    (subject,) = [s for s in build_subjects(Setup(kind="k", name="p", origin=origin,
                                                  workloads=(w,))) if s["kind"] == "daemon"]
    return subject


RUNNING = State(status="running", running=True)


@pytest.mark.parametrize(("fields", "features"), [
    pytest.param({"image": "docker:27-dind",
                  "command": ("--feature", "containerd-snapshotter=true")},
                 {"containerd-snapshotter": True}, id="flag-to-the-entrypoint"),
    pytest.param({"image": "docker:27-dind", "observation": Observation(
        state=RUNNING, daemon_json={"features": {"containerd-snapshotter": False}})},
                 {"containerd-snapshotter": False}, id="daemon-json"),
    pytest.param({"image": "docker:27-dind",
                  "command": ("--feature=containerd-snapshotter",),
                  "observation": Observation(
                      state=RUNNING, daemon_json={"features": {"containerd-snapshotter": False,
                                                               "cdi": True}})},
                 {"containerd-snapshotter": True, "cdi": True}, id="flag-over-daemon-json"),
    pytest.param({"image": "alpine", "observation": Observation(
        state=RUNNING, processes=("dockerd --feature containerd-snapshotter=false",),
        daemon_argv=("dockerd", "--feature", "containerd-snapshotter=false"))},
                 {"containerd-snapshotter": False}, id="seen-running"),
    pytest.param({"image": "docker:27-dind"}, {}, id="none"),
])
@pytest.mark.parametrize("origin", ["compose", "live", "kubernetes"])
def test_features_from_flags_and_daemon_json(origin: str, fields: dict[str, Any],
                                             features: dict[str, object]) -> None:
    assert daemon(origin, **fields)["features"] == features
