from __future__ import annotations

from typing import Any

import pytest

from dindcheck.sources.kubernetes.status import observation, statuses
from dindcheck.workload import State

RUNNING = {"phase": "Running"}


@pytest.mark.parametrize(
    ("container", "pod", "state", "notes"),
    [
        pytest.param({"name": "d", "ready": True, "restartCount": 0,
                      "state": {"running": {"startedAt": "2026-05-04T08:12:40Z"}}}, RUNNING,
                     State(status="running", running=True, restart_count=0,
                           started_at="2026-05-04T08:12:40Z"), (), id="running"),
        pytest.param({"name": "d", "ready": False, "restartCount": 4,
                      "state": {"running": {"startedAt": "t2"}},
                      "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137,
                                                   "finishedAt": "t1"}}}, RUNNING,
                     State(status="running", running=True, restart_count=4, oom_killed=True,
                           started_at="t2"),
                     ("previous run ended: OOMKilled (exit 137) at t1", "running but not ready"),
                     id="restarted-after-oom"),
        pytest.param({"name": "d", "restartCount": 7,
                      "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off"}}},
                     RUNNING, State(status="waiting", running=False, restart_count=7,
                                    error="CrashLoopBackOff"), (), id="crash-loop"),
        pytest.param({"name": "t", "restartCount": 0,
                      "state": {"terminated": {"reason": "Completed", "exitCode": 0,
                                               "startedAt": "a", "finishedAt": "b"}}},
                     RUNNING, State(status="exited", running=False, exit_code=0,
                                    restart_count=0, started_at="a", finished_at="b"), (),
                     id="completed"),
        pytest.param({"name": "t", "restartCount": "x",
                      "state": {"terminated": {"reason": "Error\x1b[2J", "exitCode": 1}}},
                     {"phase": "Failed", "reason": "Evicted"},
                     State(status="exited", running=False, exit_code=1, restart_count=None,
                           error="'Error\\x1b[2J'"), ("pod Failed ('Evicted')",),
                     id="hostile-text"),
        pytest.param(None, {"phase": "Pending"},
                     State(status="waiting", running=False, restart_count=None),
                     ("pod Pending", "no status for this container"), id="not-started"),
    ],
)
def test_container_status_becomes_an_observation(
        container: dict[str, Any] | None, pod: dict[str, Any], state: State,
        notes: tuple[str, ...]) -> None:
    found = observation(container, pod)
    assert found.state == state
    assert found.notes == notes


def test_statuses_by_name_include_init_containers() -> None:
    status = {"initContainerStatuses": [{"name": "dind"}, "junk", {"name": 3}],
              "containerStatuses": [{"name": "runner"}]}
    assert list(statuses(status)) == ["dind", "runner"]
