from __future__ import annotations

import pytest

from dindcheck.shell.docker import read_script
from dindcheck.shell.workloads import Naming, parse_port, workloads
from dindcheck.workload import (
    ANONYMOUS_VOLUME,
    BIND,
    TMPFS,
    UNKNOWN,
    VOLUME,
    Mount,
    Port,
    VolumesFrom,
    Workload,
)

NAMING = Naming(path="ci/run.sh", origin="shell")


def read(text: str) -> list[Workload]:
    return workloads(read_script(text).runs, NAMING)


def one(text: str) -> Workload:
    found = read(text)
    assert len(found) == 1
    return found[0]


def mount_facts(m: Mount) -> tuple[str, str, str | None, bool, bool, bool]:
    return (m.kind, m.target, m.storage, m.read_only, m.persistent, m.per_instance)


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        pytest.param("-v cache:/var/lib/docker",
                     (VOLUME, "/var/lib/docker", "volume:cache", False, True, False),
                     id="named-volume"),
        pytest.param("--volume /srv/d/:/var/lib/docker:ro,z",
                     (BIND, "/var/lib/docker", "bind:/srv/d", True, True, False), id="bind-ro"),
        pytest.param("-v /var/lib/docker",
                     (ANONYMOUS_VOLUME, "/var/lib/docker",
                      "anonymous_volume:d:/var/lib/docker", False, False, True),
                     id="anonymous"),
        pytest.param("-v \"$PWD/cache:/var/lib/docker\"",
                     (BIND, "/var/lib/docker", "bind:$PWD/cache", False, True, False),
                     id="bind-with-variable"),
        pytest.param("-v $(pwd):/src", (BIND, "/src", "bind:$(pwd)", False, True, False),
                     id="bind-pwd"),
        pytest.param("-v ${CACHE:-dind}:/var/lib/docker",
                     (UNKNOWN, "/var/lib/docker", "unknown:${CACHE:-dind}", False, False,
                      False), id="variable-may-be-volume-or-path"),
        pytest.param("--mount type=bind,src=/d,dst=/var/lib/docker,readonly",
                     (BIND, "/var/lib/docker", "bind:/d", True, True, False), id="mount-bind"),
        pytest.param("--mount source=c,target=/var/lib/docker",
                     (VOLUME, "/var/lib/docker", "volume:c", False, True, False),
                     id="mount-volume-default-type"),
        pytest.param("--mount type=volume,destination=/var/lib/docker",
                     (ANONYMOUS_VOLUME, "/var/lib/docker",
                      "anonymous_volume:d:/var/lib/docker", False, False, True),
                     id="mount-anonymous"),
        pytest.param("--mount 'type=volume,\"source=c\",target=/x,ro=true'",
                     (VOLUME, "/x", "volume:c", True, True, False), id="mount-csv-quotes"),
        pytest.param("--tmpfs /var/lib/docker:size=1g",
                     (TMPFS, "/var/lib/docker", "tmpfs:d:/var/lib/docker", False, False, True),
                     id="tmpfs"),
        pytest.param("--use-api-socket",
                     (BIND, "/var/run/docker.sock", "bind:/var/run/docker.sock", False, True,
                      False), id="api-socket"),
    ],
)
def test_mounts(flag: str, expected: tuple[object, ...]) -> None:
    w = one(f"docker run --name d {flag} docker:dind")
    assert w.mounts is not None
    assert len(w.mounts) == 1
    assert mount_facts(w.mounts[0]) == expected
    assert w.mounts[0].location is not None
    assert w.mounts[0].location.column == 21


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param("2375:2375", Port(container_port=2375, host_port="2375"), id="pair"),
        pytest.param("127.0.0.1:2376:2376/tcp",
                     Port(container_port=2376, host_port="2376", host_ip="127.0.0.1"),
                     id="ip"),
        pytest.param("[::1]:80:80", Port(container_port=80, host_port="80", host_ip="::1"),
                     id="ipv6"),
        pytest.param("2376", Port(container_port=2376), id="container-only"),
        pytest.param("53:53/udp", Port(container_port=53, host_port="53", protocol="udp"),
                     id="udp"),
        pytest.param("$P:2375", Port(container_port=2375, host_port="$P"), id="variable"),
        pytest.param("8000-8010:8000-8010", Port(container_port=8000, host_port="8000-8010"),
                     id="range"),
    ],
)
def test_ports(spec: str, expected: Port) -> None:
    assert parse_port(spec) == expected


def test_a_dind_line_becomes_a_workload() -> None:
    w = one("docker run -d --name dind --privileged --restart=always \\\n"
            "  --network ci --network-alias docker -e DOCKER_TLS_CERTDIR=/certs -e X \\\n"
            "  -v dind-certs:/certs/client --cap-add SYS_ADMIN --security-opt "
            "seccomp=unconfined \\\n"
            "  --runtime sysbox-runc -p 127.0.0.1:2376:2376 docker:27-dind --mtu 1400")
    assert (w.name, w.id, w.image, w.command) == (
        "dind", "ci/run.sh:1:1", "docker:27-dind", ("--mtu", "1400"))
    assert (w.privileged, w.cap_add, w.security_opt, w.runtime) == (
        True, ("SYS_ADMIN",), ("seccomp=unconfined",), "sysbox-runc")
    assert (w.network_mode, w.host_network, w.netns) == ("ci", False, None)
    assert w.aliases == {"docker", "dind"}
    assert w.env("DOCKER_TLS_CERTDIR") == "/certs"
    assert "X" in w.environment
    assert w.env("X") is None
    assert w.env_location("DOCKER_TLS_CERTDIR").line == 2
    assert w.replicas == 1
    assert w.entrypoint is None
    assert {k: (v.line, v.column) for k, v in w.locations.items()
            if k in ("subject", "privileged", "image", "command", "runtime", "network_mode",
                     "ports", "--restart")} == {
        "subject": (1, 1), "privileged": (1, 27), "--restart": (1, 40), "network_mode": (2, 3),
        "runtime": (4, 3), "ports": (4, 25), "image": (4, 48), "command": (4, 63)}


@pytest.mark.parametrize(
    ("flag", "mode", "host", "netns"),
    [
        pytest.param("--net=host", "host", True, None, id="host"),
        pytest.param("--network container:dind", "container:dind", False, "dind",
                     id="container"),
        pytest.param("--network none", "none", False, None, id="none"),
        pytest.param("", None, False, None, id="default"),
    ],
)
def test_network(flag: str, mode: str | None, host: bool, netns: str | None) -> None:
    w = read(f"docker run -d --name dind docker:dind\ndocker run {flag} docker:cli")[1]
    assert (w.network_mode, w.host_network, w.netns) == (mode, host, netns)


def test_entrypoint_is_one_word_and_empty_resets() -> None:
    ws = read("docker run --entrypoint dockerd docker:dind --tls=false\n"
              "docker run --entrypoint '' docker:dind sh")
    assert [(w.entrypoint, w.command) for w in ws] == [
        (("dockerd",), ("--tls=false",)), ((), ("sh",))]


def test_references_resolve_between_lines_of_one_file() -> None:
    ws = read("docker run -d --name certs certs-image\n"
              "docker run -d --name dind --volumes-from certs:ro docker:dind\n"
              "docker run --link dind:docker --volumes-from dind --network container:dind "
              "docker:cli\n"
              "docker run --volumes-from elsewhere img\n")
    client = ws[2]
    assert ws[1].volumes_from[0].workload == "certs"
    assert ws[1].volumes_from[0].read_only
    assert client.links == {"docker": "dind"}
    assert [v.workload for v in client.volumes_from] == ["dind"]
    assert client.netns == "dind"
    assert ws[3].volumes_from == (VolumesFrom(workload="elsewhere",
                                              location=ws[3].volumes_from[0].location),)


def test_a_reused_name_resolves_to_the_nearest_line_before() -> None:
    ws = read("docker run -d --name dind docker:24-dind\n"
              "docker run --volumes-from dind img\n"
              "docker rm -f dind\n"
              "docker run -d --name dind docker:27-dind\n"
              "docker run --volumes-from dind img\n")
    assert [w.name for w in ws] == ["dind", "run.sh:2", "dind@4", "run.sh:5"]
    assert [v.workload for v in ws[1].volumes_from] == ["dind"]
    assert [v.workload for v in ws[3].volumes_from] == ["dind@4"]


def test_two_daemons_on_one_volume_share_its_storage() -> None:
    ws = read("docker run -d --privileged -v cache:/var/lib/docker docker:dind\n"
              "docker run -d --privileged -v cache:/var/lib/docker docker:dind\n")
    assert ws[0].mounts is not None
    assert ws[1].mounts is not None
    assert ws[0].mounts[0].storage == ws[1].mounts[0].storage == "volume:cache"
    assert ws[0].name != ws[1].name


def test_anonymous_volumes_are_per_container() -> None:
    ws = read("docker run -d -v /var/lib/docker docker:dind\n"
              "docker run -d -v /var/lib/docker docker:dind\n")
    assert ws[0].mounts is not None
    assert ws[1].mounts is not None
    assert ws[0].mounts[0].storage != ws[1].mounts[0].storage


def test_inner_runs_and_endpoints_are_noted() -> None:
    ws = read("docker run -d --name dind --privileged docker:dind\n"
              "docker exec dind docker run -v /var/run/docker.sock:/s img\n"
              "DOCKER_HOST=tcp://localhost:2375 docker run img2\n")
    assert any("inside dind" in n for n in ws[1].notes)
    assert any("tcp://localhost:2375" in n for n in ws[2].notes)
    assert not ws[0].notes


def test_secrets_stay_out_of_the_shown_command() -> None:
    w = one("docker run img app --password hunter2 --token=abc")
    assert "hunter2" not in " ".join(w.shown_command)
    assert "abc" not in " ".join(w.shown_command)
    assert w.command == ("app", "--password", "hunter2", "--token=abc")


@pytest.mark.parametrize(("text", "replicas"), [
    pytest.param("for n in 1 2 3; do docker run -d -v c:/var/lib/docker docker:dind; done\n", 3,
                 id="detached-in-a-counted-loop"),
    pytest.param("while read n; do docker run -d -v c:/var/lib/docker docker:dind; done\n", 2,
                 id="detached-in-an-uncounted-loop"),
    pytest.param("for n in 1 2 3; do docker run --rm -v c:/var/lib/docker docker:dind; done\n",
                 1, id="foreground-runs-one-after-another"),
    pytest.param("for n in; do docker run -d -v c:/var/lib/docker docker:dind; done\n", 1,
                 id="empty-loop"),
])
def test_containers_started_detached_in_a_loop_run_at_once(text: str, replicas: int) -> None:
    (w,) = read(text)
    assert w.replicas == replicas
    assert (replicas > 1) is any("loop" in n for n in w.notes)
