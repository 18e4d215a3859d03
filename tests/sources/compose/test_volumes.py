from __future__ import annotations

import pytest

from dindcheck.sources.compose.interpolate import interpolate
from dindcheck.sources.compose.volumes import (
    PortMapping,
    SpecError,
    parse_port_spec,
    parse_short_volume,
    port_number,
    service_mounts,
    volume_target,
)
from dindcheck.yamlload import load_text


@pytest.mark.parametrize(
    ("spec", "source", "target", "read_only"),
    [
        pytest.param("/var/run/docker.sock:/var/run/docker.sock:ro", "/var/run/docker.sock",
                     "/var/run/docker.sock", True, id="bind-ro"),
        pytest.param("data:/var/lib/docker", "data", "/var/lib/docker", False, id="named"),
        pytest.param("/anon", None, "/anon", False, id="anonymous"),
        pytest.param("C:\\data:/data", "C:\\data", "/data", False, id="windows-drive"),
        pytest.param("x:/data", None, "x:/data", False, id="one-letter-is-a-drive"),
        pytest.param("${DIR:-/srv}:/data:ro,z", "${DIR:-/srv}", "/data", True,
                     id="variable-with-colons"),
        pytest.param("./a:/b:rw,ro", "./a", "/b", True, id="last-mode-wins"),
    ],
)
def test_short_volumes(spec: str, source: str | None, target: str, read_only: bool) -> None:
    volume = parse_short_volume(spec)
    assert (volume.source, volume.target, volume.read_only) == (source, target, read_only)


@pytest.mark.parametrize("spec", ["", ":/x", "/a::/b", "/a:/b:ro:x"])
def test_invalid_short_volumes(spec: str) -> None:
    with pytest.raises(SpecError):
        parse_short_volume(spec)


def test_volume_target_is_cleaned() -> None:
    assert volume_target("data:/var/lib/docker/") == "/var/lib/docker"
    assert volume_target("data://x//y/..") == "/x"
    assert volume_target("/a::/b") is None


def test_an_unresolved_source_is_read_from_the_written_form() -> None:
    entry = interpolate("${DATA}:/var/lib/docker", {}.get)
    service = load_text("volumes: [x]\n", "c.yml")
    service["volumes"][0] = entry
    (mount,) = service_mounts(service)
    assert (mount.type, mount.source, mount.target) == ("bind", "${DATA}", "/var/lib/docker")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param("2375", [PortMapping(2375, None, None, "tcp")], id="container-only"),
        pytest.param("127.0.0.1:2375:2375/udp", [PortMapping(2375, "2375", "127.0.0.1", "udp")],
                     id="ip-udp"),
        pytest.param("[::1]:80:8080", [PortMapping(8080, "80", "::1", "tcp")], id="ipv6"),
        pytest.param("8000-8001:80-81", [PortMapping(80, "8000", None, "tcp"),
                                         PortMapping(81, "8001", None, "tcp")], id="range"),
        pytest.param("8000-8010:80", [PortMapping(80, "8000-8010", None, "tcp")],
                     id="host-range-one-port"),
        pytest.param(":80", [PortMapping(80, None, None, "tcp")], id="empty-host"),
    ],
)
def test_port_specs(spec: str, expected: list[PortMapping]) -> None:
    assert parse_port_spec(spec) == expected


@pytest.mark.parametrize("spec", ["", "80/xtp", "65536", "²", "1-2:3-5", "5-1", "a:1:2",
                                  "9" * 5000 + ":80"])
def test_invalid_port_specs(spec: str) -> None:
    with pytest.raises(SpecError):
        parse_port_spec(spec)


@pytest.mark.parametrize(("text", "number"), [("0", 0), ("65535", 65535), ("65536", None),
                                              ("²", None), ("+1", None), ("9" * 5000, None)])
def test_port_number(text: str, number: int | None) -> None:
    assert port_number(text) == number
