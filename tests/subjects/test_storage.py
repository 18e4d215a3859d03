"""Where a daemon's data root is, what covers it, and who else uses it: every source."""

from __future__ import annotations

from typing import Any

import pytest

from dindcheck.subjects import build_subjects
from dindcheck.workload import BIND, Host, Mount, Setup, Workload


def bind(source: str, *, into_outer_root: bool = False) -> Mount:
    return Mount(kind=BIND, target="/var/lib/docker", source=source, storage=f"bind:{source}",
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
