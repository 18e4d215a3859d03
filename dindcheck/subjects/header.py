"""The fields every subject starts with, and the live-only ``host`` subject."""

from __future__ import annotations

from dindcheck.model import Subject
from dindcheck.workload import Host, Workload


def header(kind: str, subject_id: str, workload: Workload) -> Subject:
    return {
        "kind": kind,
        "id": subject_id,
        "name": workload.name,
        "origin": workload.origin,
        "project": workload.project,
        "suppress": list(workload.suppress),
        "profiles": list(workload.profiles),
        "notes": [],
        "locations": {"subject": workload.location("subject").to_json()},
    }


def host_subject(host: Host, origin: str) -> Subject:
    """The engine a live audit talks to."""
    return {
        "kind": "host",
        "id": host.endpoint,
        "name": host.name,
        "origin": origin,
        "project": host.endpoint,
        "notes": [],
        "locations": {"subject": {"endpoint": host.endpoint, "field": "info"}},
        "endpoint": host.endpoint,
        **host.facts,
    }
