"""Where a daemon's data root is, what covers it, and who else uses it: every source."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dindcheck.subjects import build_subjects
from dindcheck.workload import BIND, Host, Mount, Setup, VolumesFrom, Workload


def bind(source: str, *, into_outer_root: bool = False, target: str = "/var/lib/docker"
         ) -> Mount:
    return Mount(kind=BIND, target=target, source=source, storage=f"bind:{source}",
                 persistent=True, into_outer_root=into_outer_root)


def daemon(mount: Mount, origin: str = "compose", host: Host | None = None) -> dict[str, Any]:
    w = Workload(name="dind", id="p/dind", origin=origin, image="docker:27-dind",
                 privileged=True, mounts=(mount,))
    (subject,) = [s for s in build_subjects(Setup(kind="k", name="p", origin=origin,
                                                  workloads=(w,), host=host))
                  if s["kind"] == "daemon"]
    return subject


HOST_ROOT = "/var/lib/docker"
ASSUMED = ("the host's Docker engine (assumed: {} on the host lies in /var/lib/docker, the "
           "host engine's data root; if the host keeps it elsewhere, ignore DIND004 for this "
           "container)")


@pytest.mark.parametrize("origin", ["compose", "shell", "gitlab-ci", "github-actions"])
@pytest.mark.parametrize(("source", "shared"), [
    pytest.param("/var/lib/docker", True, id="the-host-data-root"),
    pytest.param("/var/lib/docker/", True, id="trailing-slash"),
    pytest.param("/var/lib/docker/dind-1", True, id="a-folder-in-it"),
    pytest.param("/var/lib/docker/volumes", True, id="the-volume-store"),
    pytest.param("/var/lib/docker/volumes/ci-cache/_data", False, id="a-named-volume-content"),
    pytest.param("/var/lib/docker-dind", False, id="a-sibling-folder"),
    pytest.param("/srv/dind", False, id="elsewhere"),
])
def test_a_bind_of_the_host_data_root_is_shared_with_the_host_engine(
        origin: str, source: str, shared: bool) -> None:
    data_root = daemon(bind(source), origin)["data_root"]
    assert data_root["shared"] is shared
    assert data_root["shared_with"] == ([ASSUMED.format(source)] if shared else [])
    assert data_root["mount"].get("outer_root_assumed", False) is shared


@pytest.mark.parametrize(("source", "target", "shared"), [
    pytest.param("/var/lib", "/var/lib", True, id="the-folder-that-holds-it-at-its-place"),
    pytest.param("/", "/", True, id="the-host-root"),
    pytest.param("/var/lib", "/host/var/lib", False, id="held-elsewhere-in-the-container"),
    pytest.param("/var/lib/docker/volumes", "/var/lib", True, id="into-the-volume-store"),
    pytest.param("/var/lib/docker/volumes/c/_data", "/var/lib/docker", False,
                 id="a-named-volume-content"),
])
def test_the_part_of_a_bind_at_the_data_root_decides(source: str, target: str,
                                                     shared: bool) -> None:
    data_root = daemon(bind(source, target=target))["data_root"]
    assert data_root["shared"] is shared


def test_kubernetes_host_path_marked_by_the_source() -> None:
    data_root = daemon(bind("/var/lib/docker", into_outer_root=True), "kubernetes")["data_root"]
    assert (data_root["shared"], data_root["mount"]["outer_root"]) == (True, HOST_ROOT)


@pytest.mark.parametrize(("root_dir", "source", "marked", "expected"), [
    pytest.param("/data/docker", "/data/docker/x", True,
                 ["the host's Docker engine (its data root is /data/docker)"],
                 id="engine-root-known"),
    pytest.param("/data/docker", "/var/lib/docker", False, [],
                 id="default-path-is-not-this-engines-root"),
])
def test_live_knows_the_engine_data_root(root_dir: str, source: str, marked: bool,
                                         expected: list[str]) -> None:
    host = Host(endpoint="unix:///run/docker.sock", name="h", facts={"root_dir": root_dir})
    data_root = daemon(bind(source, into_outer_root=marked), "live", host)["data_root"]
    assert data_root["shared_with"] == expected
    assert data_root["shared"] is bool(expected)
    assert data_root["mount"].get("outer_root_assumed") is (False if expected else None)


ROOTLESS_ROOT = "/home/rootless/.local/share/docker"


@pytest.mark.parametrize(("fields", "image_volumes", "path", "covered_by"), [
    pytest.param({"image": "gitea/act_runner:nightly-dind-rootless"}, "created", ROOTLESS_ROOT,
                 "image_volume", id="runner-built-from-rootless-dind"),
    pytest.param({"image": "gitea/act_runner:nightly-dind-rootless"}, "runtime", ROOTLESS_ROOT,
                 "runtime", id="runner-on-kubernetes"),
    pytest.param({"image": None, "built_from": "docker:27-dind-rootless"}, "created",
                 ROOTLESS_ROOT, "image_volume", id="dockerfile-from-rootless-dind"),
    pytest.param({"image": None, "built_from": "ubuntu:24.04", "image_entrypoint": ("dockerd",),
                  "image_volumes": ("/var/lib/docker",)}, "created", "/var/lib/docker",
                 "image_volume", id="dockerfile-declares-the-volume"),
    pytest.param({"image": "summerwind/actions-runner-dind-rootless:latest"}, "created",
                 "/home/runner/.local/share/docker", "layer", id="arc-rootless-declares-none"),
    pytest.param({"image": "summerwind/actions-runner-dind:latest"}, "created",
                 "/var/lib/docker", "image_volume", id="arc-dind-declares-it"),
])
def test_image_knowledge_decides_the_data_root(fields: dict[str, Any], image_volumes: str,
                                               path: str, covered_by: str) -> None:
    w = Workload(name="runner", id="p/runner", origin="compose", privileged=True, **fields)
    (subject,) = [s for s in build_subjects(Setup(kind="k", name="p", origin="compose",
                                                  workloads=(w,), image_volumes=image_volumes))
                  if s["kind"] == "daemon"]
    assert (subject["data_root"]["path"], subject["data_root"]["covered_by"]) == (
        path, covered_by)


def subjects_of(*workloads: Workload) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in build_subjects(Setup(kind="k", name="p", origin="compose",
                                                       workloads=workloads))
            if s["kind"] == "daemon"}


DATA_VOLUME = Mount(kind="volume", target="/var/lib/docker", source="docker-data",
                    storage="volume:p_docker-data", persistent=True)


def borrower(name: str, *sources: str, read_only: bool = False) -> Workload:
    return Workload(name=name, id=f"p/{name}", origin="compose", image="docker:27-dind",
                    privileged=True, mounts=(),
                    volumes_from=tuple(VolumesFrom(workload=s, read_only=read_only)
                                       for s in sources))


DATA_CONTAINER = Workload(name="data", id="p/data", origin="compose", image="busybox:1.36",
                          command=("true",), mounts=(DATA_VOLUME,))


@pytest.mark.parametrize(("workloads", "expected"), [
    pytest.param((DATA_CONTAINER, borrower("a", "data"), borrower("b", "data")),
                 {"a": (["b"], "volume:p_docker-data"), "b": (["a"], "volume:p_docker-data")},
                 id="two-daemons-on-one-data-container"),
    pytest.param((DATA_CONTAINER, borrower("a", "data")),
                 {"a": ([], "volume:p_docker-data")}, id="one-daemon-borrows-alone"),
    pytest.param((borrower("a"), borrower("b", "a")),
                 {"a": (["b"], "image_volume:p/a:/var/lib/docker"),
                  "b": (["a"], "image_volume:p/a:/var/lib/docker")},
                 id="the-image-volume-of-another-dind"),
    pytest.param((DATA_CONTAINER, Workload(name="relay", id="p/relay", origin="compose",
                                           image="busybox:1.36", command=("true",),
                                           volumes_from=(VolumesFrom(workload="data"),)),
                  borrower("a", "relay"), borrower("b", "data")),
                 {"a": (["b"], "volume:p_docker-data"), "b": (["a"], "volume:p_docker-data")},
                 id="through-a-chain"),
    pytest.param((borrower("a", "b"), borrower("b", "a")),
                 {"a": ([], "image_volume:p/b:/var/lib/docker"),
                  "b": ([], "image_volume:p/a:/var/lib/docker")}, id="a-cycle-ends"),
])
def test_volumes_from_carries_the_storage_and_its_sharing(
        workloads: tuple[Workload, ...], expected: dict[str, tuple[list[str], str]]) -> None:
    daemons = subjects_of(*workloads)
    assert {name: (d["data_root"]["shared_with"], d["data_root"]["mount"]["share_key"])
            for name, d in daemons.items()} == expected


def test_a_read_only_borrow_stays_read_only() -> None:
    daemon = subjects_of(DATA_CONTAINER, borrower("a", "data", read_only=True))["a"]
    assert (daemon["data_root"]["covered_by"], daemon["data_root"]["mount"]["read_only"]) == (
        "volumes_from", True)


class _CountedPasses(tuple[Workload, ...]):
    """A setup's workloads that count how often they are walked through."""

    passes = 0

    def __iter__(self) -> Iterator[Workload]:
        type(self).passes += 1
        return super().__iter__()


def _passes(daemons: int) -> int:
    _CountedPasses.passes = 0
    workloads = _CountedPasses(
        Workload(name=f"dind{i}", id=f"p/dind{i}", origin="kubernetes",
                 image="docker:27-dind", privileged=True) for i in range(daemons))
    build_subjects(Setup(kind="k", name="p", origin="kubernetes", workloads=workloads))
    return _CountedPasses.passes


@pytest.mark.parametrize("daemons", [10, 100])
def test_data_roots_do_not_walk_the_setup_once_per_daemon(daemons: int) -> None:
    """A cluster dump of 20,000 pods took a minute when each daemon's data root indexed
    every workload of the setup to look for a ``volumes_from`` it does not have."""
    assert _passes(daemons) == _passes(1)
