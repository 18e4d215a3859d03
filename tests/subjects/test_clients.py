"""Which daemon a client's DOCKER_HOST reaches, and what the client subject says."""

from __future__ import annotations

from typing import Any

import pytest

from dindcheck.subjects import build_subjects
from dindcheck.workload import EnvVar, Port, Setup, Workload

ORIGINS = ["compose", "live", "kubernetes", "gitlab-ci"]


def client_of(origin: str, docker_host: str, **client: Any) -> dict[str, Any] | None:
    dind = Workload(name="dind", id="p/dind", origin=origin, image="docker:27-dind",
                    aliases=frozenset({"dind", "docker"}), netns=client.pop("dind_netns", None),
                    ports=tuple(Port(container_port=c, host_port=h)
                                for h, c in client.pop("dind_ports", ())))
    app = Workload(name="app", id="p/app", origin=origin, image="docker:27-cli",
                   environment={"DOCKER_HOST": EnvVar(value=docker_host)}, **client)
    subjects = build_subjects(Setup(kind="k", name="p", origin=origin, workloads=(dind, app)))
    found = [s for s in subjects if s["kind"] == "client"]
    return found[0] if found else None


@pytest.mark.parametrize("origin", ORIGINS)
@pytest.mark.parametrize(("docker_host", "client", "reaches"), [
    pytest.param("tcp://docker:2376", {}, True, id="alias"),
    pytest.param("tcp://builder:2376", {"links": {"builder": "dind"}}, True, id="link"),
    pytest.param("tcp://elsewhere:2376", {}, False, id="unknown-name"),
    pytest.param("tcp://localhost:2376", {"netns": "dind"}, True, id="localhost-joined"),
    pytest.param("tcp://[::1]:2376", {"netns": "dind"}, True, id="ipv6-loopback-joined"),
    pytest.param("tcp://127.0.0.1:2376", {"netns": "pod", "dind_netns": "pod"}, True,
                 id="loopback-same-pod"),
    pytest.param("tcp://localhost:2376", {}, False, id="localhost-own-namespace"),
    pytest.param("unix:///var/run/docker.sock", {}, False, id="unix-socket"),
])
def test_docker_host_resolution(origin: str, docker_host: str, client: dict[str, Any],
                                reaches: bool) -> None:
    found = client_of(origin, docker_host, **client)
    assert (found is not None and found["daemon"] == "dind") is reaches


@pytest.mark.parametrize("origin", ORIGINS)
@pytest.mark.parametrize(("docker_host", "client", "port"), [
    pytest.param("tcp://localhost:2376", {"host_network": True, "dind_ports": [("2376", 2376)]},
                 2376, id="published-same-port"),
    pytest.param("tcp://127.0.0.1:12376",
                 {"host_network": True, "dind_ports": [("12376", 2376)]}, 2376,
                 id="published-other-port"),
    pytest.param("tcp://localhost:2376", {"host_network": True, "dind_ports": [("12376", 2376)]},
                 None, id="not-that-host-port"),
    pytest.param("tcp://localhost:2376", {"dind_ports": [("2376", 2376)]}, None,
                 id="own-network-namespace"),
])
def test_a_client_on_the_host_network_reaches_a_published_daemon(
        origin: str, docker_host: str, client: dict[str, Any], port: int | None) -> None:
    found = client_of(origin, docker_host, **client)
    reached = found is not None and found["daemon"] == "dind"
    assert reached is (port is not None)
    if found is not None and port is not None:
        assert found["port"] == port  # compared with the ports the daemon serves


@pytest.mark.parametrize("origin", ORIGINS)
def test_client_ids_never_collide_with_the_daemon_of_the_same_workload(origin: str) -> None:
    found = client_of(origin, "tcp://docker:2376")
    assert found is not None
    assert found["id"] == "p/app#client"


@pytest.mark.parametrize(("depends_on", "waits"), [
    (None, None), ({}, False), ({"dind": "service_started"}, False),
])
def test_waiting_is_unknown_where_the_source_cannot_say(depends_on: dict[str, str] | None,
                                                        waits: bool | None) -> None:
    found = client_of("compose", "tcp://docker:2376", depends_on=depends_on)
    assert found is not None
    assert found["waits_for_daemon"] is waits


@pytest.mark.parametrize("origin", ORIGINS)
def test_credentials_in_addresses_never_reach_a_subject(origin: str) -> None:
    dind = Workload(name="dind", id="p/dind", origin=origin, image="docker:27-dind",
                    command=("--registry-mirror", "https://bob:hunter2@mirror.example"),
                    aliases=frozenset({"docker"}))
    app = Workload(name="app", id="p/app", origin=origin, image="alpine", environment={
        "DOCKER_HOST": EnvVar(value="tcp://bob:hunter2@docker:2376")})
    subjects = build_subjects(Setup(kind="k", name="p", origin=origin, workloads=(dind, app)))
    text = repr(subjects)
    assert "hunter2" not in text
    assert "mirror.example" in text
    assert "docker:2376" in text


@pytest.mark.parametrize("origin", ORIGINS)
def test_every_subject_carries_its_suppressions(origin: str) -> None:
    dind = Workload(name="dind", id="p/dind", origin=origin, image="docker:27-dind",
                    suppress=("DIND007",))
    (daemon,) = build_subjects(Setup(kind="k", name="p", origin=origin, workloads=(dind,)))
    assert daemon["suppress"] == ["DIND007"]


@pytest.mark.parametrize("origin", ORIGINS)
def test_daemons_show_their_docker_variables_redacted(origin: str) -> None:
    dind = Workload(name="dind", id="p/dind", origin=origin, image="docker:27-dind",
                    environment={"DOCKER_TLS_CERTDIR": EnvVar(value="/certs"),
                                 "DOCKER_AUTH_CONFIG": EnvVar(value='{"auths": {}}'),
                                 "AWS_SECRET_ACCESS_KEY": EnvVar(value="hunter2")})
    (daemon,) = build_subjects(Setup(kind="k", name="p", origin=origin, workloads=(dind,)))
    assert daemon["environment"] == {"DOCKER_AUTH_CONFIG": "<redacted>",
                                     "DOCKER_TLS_CERTDIR": "/certs"}
    assert daemon["observed_command"] is None
