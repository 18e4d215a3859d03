from __future__ import annotations

import pytest

from dindcheck.dockerd import (
    daemon_flags_only,
    daemon_json_features,
    parse_daemon_args,
    plan_tls,
)


@pytest.mark.parametrize(("argv", "attrs"), [
    (["dockerd", "--data-root=/data", "-s", "vfs"],
     {"is_daemon": True, "data_root": "/data", "storage_driver": "vfs"}),
    (["dockerd", "-g", "/graph", "--storage-driver=overlay2"],
     {"data_root": "/graph", "storage_driver": "overlay2"}),
    (["dockerd-entrypoint.sh", "--mtu=1400", "--registry-mirror", "https://m"],
     {"is_daemon": True, "starts_with_dockerd": False, "mtu": 1400,
      "registry_mirrors": ["https://m"]}),
    (["sh", "-c", "dockerd -H tcp://0.0.0.0:2375 & sleep 1"],
     {"is_daemon": True, "hosts": ["tcp://0.0.0.0:2375"]}),
    (["/usr/local/bin/dockerd", "-H", "unix:///var/run/docker.sock", "--tlsverify"],
     {"starts_with_dockerd": True, "tlsverify": True}),
    (["docker", "daemon", "--storage-driver=vfs"],
     {"is_daemon": True, "legacy_daemon_subcommand": True, "storage_driver": "vfs"}),
    (["docker", "info"], {"is_daemon": False}),
    ([], {"is_daemon": False}),
])
def test_parse_daemon_args(argv: list[str], attrs: dict[str, object]) -> None:
    args = parse_daemon_args(argv)
    assert {k: getattr(args, k) for k in attrs} == attrs


@pytest.mark.parametrize(("argv", "env", "version", "mode", "ports"), [
    pytest.param(["dockerd-entrypoint.sh"], {}, None, "tls", [2376], id="default-tls"),
    pytest.param(["dockerd-entrypoint.sh"], {"DOCKER_TLS_CERTDIR": ""}, None, "plaintext",
                 [2375], id="certdir-empty"),
    pytest.param(["dockerd-entrypoint.sh"], {}, "18.09", "plaintext", [2375],
                 id="before-19.03-no-tls-default"),
    pytest.param(["dockerd"], {}, None, "unix-only", [], id="dockerd-gets-no-defaults"),
    pytest.param(["dockerd", "-H", "tcp://0.0.0.0:2375", "--tls=false"], {}, None,
                 "plaintext", [2375], id="explicit-plain"),
    pytest.param(["dockerd", "-H", "tcp://0.0.0.0:2375", "--tlsverify"], {}, None, "tls",
                 [2375], id="tls-on-2375"),
])
def test_plan_tls(argv: list[str], env: dict[str, str], version: str | None, mode: str,
                  ports: list[int]) -> None:
    plan = plan_tls(parse_daemon_args(argv), env, official_entrypoint=True,
                    image_version=version)
    assert (plan.mode, plan.tcp_ports) == (mode, ports)


@pytest.mark.parametrize(("argv", "features"), [
    pytest.param(["dockerd", "--feature", "containerd-snapshotter=true"],
                 {"containerd-snapshotter": True}, id="separate-value"),
    pytest.param(["dockerd-entrypoint.sh", "--feature=containerd-snapshotter=false"],
                 {"containerd-snapshotter": False}, id="joined-false"),
    pytest.param(["dockerd", "--feature", "containerd-snapshotter"],
                 {"containerd-snapshotter": True}, id="bare-name-is-on"),
    pytest.param(["dockerd", "--feature", "cdi=1", "--feature", "x=maybe"],
                 {"cdi": True, "x": "maybe"}, id="several"),
    pytest.param(["sh", "-c", "dockerd --feature containerd-snapshotter=true &"],
                 {"containerd-snapshotter": True}, id="through-a-shell"),
    pytest.param(["dockerd", "--mtu=1400"], {}, id="none"),
])
def test_features_are_daemon_facts(argv: list[str], features: dict[str, object]) -> None:
    assert parse_daemon_args(argv).features == features


@pytest.mark.parametrize(("value", "features"), [
    ({"containerd-snapshotter": True}, {"containerd-snapshotter": True}),
    ({"containerd-snapshotter": "false"}, {"containerd-snapshotter": False}),
    (["containerd-snapshotter"], {}),
    (None, {}),
])
def test_daemon_json_features(value: object, features: dict[str, object]) -> None:
    assert daemon_json_features(value) == features


@pytest.mark.parametrize(("argv", "expected"), [
    pytest.param(["--insecure-registry=registry:5000", "--experimental"], True,
                 id="docker-cli-e2e-engine"),
    pytest.param(["--storage-driver", "overlay2"], True, id="storage-driver"),
    pytest.param(["-Hunix:///var/run/docker.sock", "--mtu=1400"], True,
                 id="short-host-joined-with-a-daemon-flag"),
    pytest.param(["-H", "unix:///var/run/docker.sock"], False, id="portainer-host-flag"),
    pytest.param(["-H", "tcp://engine:2376", "--tlsverify"], False,
                 id="client-flags-are-not-enough"),
    pytest.param(["--log-level=fatal", "--group=1000"], False, id="generic-flags-only"),
    pytest.param(["server", "--insecure-registry=x"], False, id="not-only-flags"),
    pytest.param(["--tlsverifyx"], False, id="prefix-is-not-the-flag"),
    pytest.param([], False, id="empty"),
])
def test_daemon_flags_only(argv: list[str], expected: bool) -> None:
    assert daemon_flags_only(argv) is expected
