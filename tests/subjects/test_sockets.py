"""Which engine socket a container is given: one rule for every source."""

from __future__ import annotations

import pytest

from dindcheck.subjects import build_subjects
from dindcheck.workload import BIND, EMPTYDIR, TMPFS, VOLUME, Host, Mount, Setup, Workload


def sockets(origin: str, *mounts: Mount, host: Host | None = None,
            extra: tuple[Workload, ...] = ()) -> list[tuple[str, str, bool]]:
    client = Workload(name="app", id="p/app", origin=origin, image="alpine", mounts=mounts)
    subjects = build_subjects(Setup(kind="k", name="p", origin=origin, host=host,
                                    workloads=(*extra, client)))
    return [(s["engine"], s["via"], s["host_socket"]) for s in subjects
            if s["kind"] == "socket_mount" and s["name"] == "app"]


ORIGINS = ["compose", "live", "kubernetes", "shell"]


@pytest.mark.parametrize("origin", ORIGINS)
@pytest.mark.parametrize(("mount", "found"), [
    pytest.param(Mount(kind=BIND, source="/var/run/docker.sock", target="/var/run/docker.sock"),
                 [("docker", "bind", True)], id="socket-file"),
    pytest.param(Mount(kind=BIND, source="/run/podman/podman.sock",
                       target="/var/run/docker.sock"), [("podman", "bind", True)], id="podman"),
    pytest.param(Mount(kind=BIND, source="/var/run", target="/host/run"),
                 [("docker", "directory", True)], id="socket-folder"),
    pytest.param(Mount(kind=BIND, source="/srv", target="/srv"), [], id="other-folder"),
    pytest.param(Mount(kind=TMPFS, target="/var/run/docker.sock"), [], id="tmpfs"),
])
def test_host_sockets(origin: str, mount: Mount, found: list[tuple[str, str, bool]]) -> None:
    assert sockets(origin, mount) == found


def test_a_folder_without_the_audited_engines_socket_is_an_unknown_engine() -> None:
    host = Host(endpoint="unix:///tmp/x/docker.sock", name="h", facts={})
    assert sockets("live", Mount(kind=BIND, source="/run", target="/h"), host=host) == [
        ("unknown", "directory", True)]


@pytest.mark.parametrize("origin", ORIGINS)
@pytest.mark.parametrize("kind", [VOLUME, EMPTYDIR])
def test_a_dind_socket_shared_through_storage_is_not_the_hosts(origin: str, kind: str) -> None:
    run = Mount(kind=kind, source="run", target="/var/run", storage="volume:p_run")
    dind = Workload(name="dind", id="p/dind", origin=origin, image="docker:27-dind",
                    mounts=(run,))
    found = sockets(origin, Mount(kind=kind, source="run", target="/dind-run",
                                  storage="volume:p_run"), extra=(dind,))
    assert found == [("docker", "volume", False)]
