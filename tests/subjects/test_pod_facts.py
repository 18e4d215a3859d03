"""The builder's facts about groups of containers and their storage bounds: whether dockerd
keeps its container running, who runs beside it, memory-backed data roots, the outer
engine's data root bound in, claims only one pod may mount."""

from __future__ import annotations

from typing import Any

import pytest

from dindcheck.model import Subject
from dindcheck.subjects import build_subjects
from dindcheck.workload import BIND, PVC, TMPFS, Mount, Setup, Workload


def workload(name: str, **fields: Any) -> Workload:
    return Workload(name=name, id=f"ci/{name}", origin="kubernetes", **fields)


def subjects(*workloads: Workload) -> list[Subject]:
    return build_subjects(Setup(kind="kubernetes", name="t", origin="kubernetes",
                                workloads=workloads))


def daemon(*workloads: Workload, name: str = "dind") -> Subject:
    return next(s for s in subjects(*workloads) if s["kind"] == "daemon" and s["name"] == name)


@pytest.mark.parametrize(("fields", "foreground"), [
    pytest.param({"image": "docker:27-dind"}, True, id="official-entrypoint"),
    pytest.param({"image": "docker:27-dind", "command": ("dockerd", "--tls=false")}, True,
                 id="dockerd-command"),
    pytest.param({"image": "alpine", "command": ("sh", "-c", "dockerd --tls=false & sleep 3; "
                                                 "make test")}, False, id="backgrounded"),
    pytest.param({"image": "alpine", "command": ("sh", "-c", "mkdir -p /x; dockerd")}, True,
                 id="last-in-a-script"),
    pytest.param({"image": "acme/dind-runner:2"}, None, id="another-image's-entrypoint"),
    pytest.param({"image": "acme/runner:2", "declared_daemon": "the input says so"}, None,
                 id="declared"),
])
def test_whether_dockerd_keeps_its_container_running(fields: dict[str, Any],
                                                     foreground: bool | None) -> None:
    assert daemon(workload("dind", **fields))["foreground"] is foreground


def test_peers_are_the_other_main_containers_of_the_pod() -> None:
    pod = {"netns": "ci/p", "project": "ci/p"}
    found = daemon(workload("dind", image="docker:27-dind", role="main", **pod),
                   workload("runner", image="acme/runner", role="main", **pod),
                   workload("init", image="busybox", role="init", **pod),
                   workload("other", image="acme/runner", role="main", netns="ci/q"))
    assert found["peers"] == ["runner"]
    # Without roles (compose), nothing is said about peers.
    assert daemon(workload("dind", image="docker:27-dind", netns="p"),
                  workload("x", image="alpine", netns="p"))["peers"] == []


@pytest.mark.parametrize(("memory", "size", "exhausts"), [
    (2 * 2**30, 4 * 2**30, True),     # the tmpfs may outgrow the limit
    (2 * 2**30, 2 * 2**30, True),     # equal: nothing is left for the daemon
    (4 * 2**30, 2 * 2**30, False),    # bounded below it
    (2 * 2**30, None, True),          # unbounded
    (None, 2 * 2**30, True),          # no memory limit: the node's memory
])
def test_a_memory_backed_data_root_against_the_memory_limit(
        memory: int | None, size: int | None, exhausts: bool) -> None:
    ram = Mount(kind=TMPFS, target="/var/lib/docker", storage="emptydir:ci/p/ram",
                per_instance=True, size_limit=size)
    found = daemon(workload("dind", image="docker:27-dind", mounts=(ram,),
                            memory_limit=memory))
    assert found["data_root"]["may_exhaust_memory"] is exhausts
    assert found["data_root"]["mount"].get("size_limit") == size


def test_may_exhaust_memory_is_null_off_a_tmpfs() -> None:
    assert daemon(workload("dind", image="docker:27-dind"))["data_root"][
        "may_exhaust_memory"] is None


def test_the_outer_data_root_bound_in_is_a_subject_unless_it_is_the_daemons_own() -> None:
    node = Mount(kind=BIND, source="/var/lib/docker", target="/var/lib/docker",
                 storage="bind:/var/lib/docker", into_outer_root=True, field="volumeMounts[0]")
    elsewhere = Mount(kind=BIND, source="/var/lib/docker", target="/host/docker",
                      storage="bind:/var/lib/docker", into_outer_root=True,
                      field="volumeMounts[1]")
    found = subjects(workload("dind", image="docker:27-dind", mounts=(node, elsewhere)),
                     workload("cleaner", image="alpine", mounts=(elsewhere,)))
    mounts = sorted((s["name"], s["target"], s["via"], s["host_socket"])
                    for s in found if s["kind"] == "socket_mount")
    assert mounts == [("cleaner", "/host/docker", "data_root", True),
                      ("dind", "/host/docker", "data_root", True)]
    dind = next(s for s in found if s["kind"] == "daemon")
    assert dind["data_root"]["mount"]["into_outer_root"] is True


@pytest.mark.parametrize(("modes", "shared"), [
    (("ReadWriteOnce",), True),
    (("ReadWriteOncePod",), False),  # the second replica waits for the claim instead
    (None, True),
])
def test_replicas_on_one_claim(modes: tuple[str, ...] | None, shared: bool) -> None:
    claim = Mount(kind=PVC, target="/var/lib/docker", source="cache", storage="pvc:ci/cache",
                  persistent=True, access_modes=modes)
    found = daemon(workload("dind", image="docker:27-dind", mounts=(claim,), replicas=2))
    assert found["data_root"]["shared"] is shared
    assert found["data_root"]["mount"].get("access_modes") == (
        list(modes) if modes is not None else None)


def test_missing_source_and_lifecycle_facts_reach_the_subjects() -> None:
    sock = Mount(kind=BIND, source="/var/run/docker.sock", target="/var/run/docker.sock",
                 storage="bind:/var/run/docker.sock", missing_source="create-directory",
                 field="volumeMounts[0]")
    found = subjects(workload("agent", image="alpine", mounts=(sock,)),
                     workload("dind", image="docker:27-dind", pre_stop=True, ended_by="Jenkins",
                              pod_security="baseline", ephemeral_storage_limit=10 * 2**30))
    socket = next(s for s in found if s["kind"] == "socket_mount")
    assert (socket["via"], socket["missing_source"]) == ("bind", "create-directory")
    dind = next(s for s in found if s["kind"] == "daemon")
    assert (dind["pre_stop"], dind["ended_by"], dind["pod_security"],
            dind["ephemeral_storage_limit"]) == (True, "Jenkins", "baseline", 10 * 2**30)
