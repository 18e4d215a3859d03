"""The one subject builder: workloads → the fact model's subjects.

This is the only place that decides what is a Docker daemon, where its data root is and
what covers it, which socket a container is given, which daemon a client's DOCKER_HOST
reaches and which TLS mode applies; and the only caller of :func:`dindcheck.derive.link`.
Sources describe containers (:mod:`dindcheck.workload`); nothing here knows an input format.
"""

from __future__ import annotations

from dindcheck.derive import link
from dindcheck.model import Subject
from dindcheck.subjects.clients import Reach, client_subject
from dindcheck.subjects.daemons import daemon_hosts, daemon_subject, data_root_path
from dindcheck.subjects.detection import detect
from dindcheck.subjects.header import host_subject
from dindcheck.subjects.images import ImageFacts
from dindcheck.subjects.sockets import shared_socket_subjects, socket_subjects
from dindcheck.workload import Setup

__all__ = ["ImageFacts", "build_subjects", "daemon_hosts", "data_root_path", "detect"]


def build_subjects(setup: Setup) -> list[Subject]:
    """All subjects of one setup, cross-linked."""
    subjects: list[Subject] = []
    if setup.host is not None:
        subjects.append(host_subject(setup.host, setup.origin))
    images = {w.name: ImageFacts.of(w) for w in setup.workloads}
    daemons: dict[str, Subject] = {}
    for workload in setup.workloads:
        daemon = daemon_subject(workload, images[workload.name], setup)
        root_target = None
        if daemon is not None:
            daemons[workload.name] = daemon
            subjects.append(daemon)
            root_target = (daemon["data_root"].get("mount") or {}).get("target")
        subjects.extend(socket_subjects(workload, images[workload.name], setup, root_target))
    subjects.extend(shared_socket_subjects(setup, daemons, images))
    by_name = {w.name: w for w in setup.workloads}
    _fill_peers(setup, daemons)
    reach = Reach(daemons, by_name)
    for workload in setup.workloads:
        client = client_subject(workload, images[workload.name], daemons, by_name, reach,
                                closed=setup.closed)
        if client is not None:
            subjects.append(client)
    link(subjects)
    return subjects


def _fill_peers(setup: Setup, daemons: dict[str, Subject]) -> None:
    """Each daemon's ``peers``: the other main containers of its group (a pod), which
    start and stop with it; only where the source says what a container's role is."""
    mains: dict[str, list[str]] = {}
    for w in setup.workloads:
        if w.netns and w.role == "main":
            mains.setdefault(w.netns, []).append(w.name)
    for w in setup.workloads:
        daemon = daemons.get(w.name)
        if daemon is not None and w.netns and w.role is not None:
            daemon["peers"] = list(dict.fromkeys(n for n in mains.get(w.netns, ())
                                                 if n != w.name))
