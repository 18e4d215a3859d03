"""What a dind container's log says: known lines of dockerd, containerd and the official
entrypoint, and the causes they name (knowledge/daemon_log.json).

Pure: it reads lines a source kept (the tail of a container's log, redacted) and returns
the ``log`` block of the fact model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from dindcheck.knowledge import load

# At most this many matched lines are shown: one per signature, the last one seen.
MAX_SHOWN = 12
MAX_SHOWN_LINE = 300


@dataclass(frozen=True, slots=True)
class Signature:
    id: str
    cause: str
    fatal: bool
    pattern: re.Pattern[str]
    rules: tuple[str, ...]


@cache
def signatures() -> tuple[Signature, ...]:
    return tuple(Signature(id=s["id"], cause=s["cause"], fatal=bool(s["fatal"]),
                           pattern=re.compile(s["pattern"], re.IGNORECASE),
                           rules=tuple(s["rules"]))
                 for s in load("daemon_log.json")["signatures"])


def match(line: str) -> Signature | None:
    """The first signature that matches ``line``."""
    return next((s for s in signatures() if s.pattern.search(line)), None)


def log_facts(lines: Sequence[str] | None, *, running: bool | None) -> dict[str, Any] | None:
    """The ``log`` block: the signatures found (the last line of each), their causes (and
    the last line of each cause), and for a container that is not running the cause of
    the last fatal line (``stopped_by``)."""
    if lines is None:
        return None
    found: dict[str, dict[str, Any]] = {}
    last_fatal: tuple[Signature, str] | None = None
    for line in lines:
        signature = match(line)
        if signature is None:
            continue
        shown = line[:MAX_SHOWN_LINE]
        found.pop(signature.id, None)
        found[signature.id] = {"id": signature.id, "cause": signature.cause,
                               "fatal": signature.fatal, "line": shown}
        if signature.fatal:
            last_fatal = (signature, shown)
    shown_signatures = list(found.values())[-MAX_SHOWN:]
    stopped = last_fatal if running is False else None
    return {"lines": len(lines), "signatures": shown_signatures,
            "causes": sorted({s["cause"] for s in found.values()}),
            "cause_lines": {s["cause"]: s["line"] for s in found.values()},
            "stopped_by": stopped[0].cause if stopped else None,
            "stopped_line": stopped[1] if stopped else None}
