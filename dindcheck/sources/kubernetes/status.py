"""A running pod's container status as an :class:`~dindcheck.workload.Observation`.

``kubectl get pods -o json`` carries, per container, its state (running, waiting with a
reason such as ``CrashLoopBackOff``, terminated with an exit code), the previous run's
end (``lastState.terminated``: ``OOMKilled``, ``Error``), the restart count and whether
it is ready. Docker's words are kept where they exist (``running``, ``exited``) so the
fact model reads the same as a live audit's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dindcheck.sources.kubernetes.pods import mapping, sequence
from dindcheck.sources.kubernetes.scalars import show
from dindcheck.workload import Observation, State


def statuses(status: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Container statuses (init, sidecar and main) by container name."""
    result: dict[str, Mapping[str, Any]] = {}
    for key in ("initContainerStatuses", "containerStatuses"):
        for item in sequence(status.get(key)):
            item = mapping(item)
            if isinstance(item.get("name"), str):
                result[item["name"]] = item
    return result


def observation(container: Mapping[str, Any] | None,
                pod_status: Mapping[str, Any]) -> Observation:
    notes: list[str] = []
    phase = pod_status.get("phase")
    reason = pod_status.get("reason")
    if isinstance(phase, str) and phase not in ("Running", "Succeeded"):
        notes.append(f"pod {phase}" + (f" ({show(reason)})" if isinstance(reason, str) else ""))
    if container is None:
        notes.append("no status for this container")
        return Observation(state=State(status=_word(phase), running=False, restart_count=None),
                           notes=tuple(notes))
    state = mapping(container.get("state"))
    last = mapping(mapping(container.get("lastState")).get("terminated"))
    restarts = container.get("restartCount")
    restart_count = restarts if isinstance(restarts, int) and not isinstance(restarts, bool) \
        else None
    running = mapping(state.get("running"))
    waiting = mapping(state.get("waiting"))
    ended = mapping(state.get("terminated"))
    oom = _text(ended.get("reason")) == "OOMKilled" or _text(last.get("reason")) == "OOMKilled"
    if last:
        notes.append(f"previous run ended: {_text(last.get('reason')) or 'unknown reason'} "
                     f"(exit {last.get('exitCode')}) at {_text(last.get('finishedAt'))}")
    if container.get("ready") is False and "running" in state:
        notes.append("running but not ready")
    if "running" in state:
        found = State(status="running", running=True, restart_count=restart_count,
                      oom_killed=oom, started_at=_text(running.get("startedAt")))
    elif "terminated" in state:
        code = ended.get("exitCode")
        reason_text = _text(ended.get("reason"))
        found = State(status="exited", running=False,
                      exit_code=code if isinstance(code, int) else None,
                      restart_count=restart_count,
                      error=None if reason_text in (None, "Completed") else reason_text,
                      oom_killed=oom, started_at=_text(ended.get("startedAt")),
                      finished_at=_text(ended.get("finishedAt")))
    else:
        found = State(status="waiting", running=False, restart_count=restart_count,
                      error=_text(waiting.get("reason")), oom_killed=oom)
    return Observation(state=found, notes=tuple(notes))


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return value if value.isprintable() and len(value) <= 200 else show(value, 200)


def _word(phase: Any) -> str | None:
    return {"Pending": "waiting", "Succeeded": "exited", "Failed": "exited"}.get(
        phase if isinstance(phase, str) else "")
