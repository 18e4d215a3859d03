"""Endpoint resolution on hostile environments: bad addresses, odd names, special files."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from dindcheck.sources.live.endpoints import EndpointError, context_endpoint, resolve


@pytest.mark.parametrize(("host", "message"), [
    ("tcp://127.0.0.1:99999", "Port out of range"),
    ("tcp://127.0.0.1:0", "port 0"),
    ("tcp://", "no host"),
    ("tcp://[::1", "Invalid IPv6"),
    ("unix://", "needs a path"),
    ("tcp://h:2375\x1b[2J", "control characters"),
    ("tcp://h\udcff:2375", "not text"),
])
def test_addresses_that_cannot_be_connected_to_are_endpoint_errors(host: str,
                                                                   message: str) -> None:
    with pytest.raises(EndpointError, match=message):
        resolve(host, {})


def test_a_context_name_that_is_not_utf8_is_hashed_as_bytes(tmp_path: Path) -> None:
    """The docker CLI hashes the name's bytes; the lookup finds no context, no crash."""
    name = os.fsdecode(b"ctx\xff")
    with pytest.raises(EndpointError, match="not found"):
        context_endpoint(name, {"DOCKER_CONFIG": str(tmp_path)})


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_docker_config_that_is_a_special_file_is_refused_at_once(tmp_path: Path,
                                                                  kind: str) -> None:
    config = tmp_path / "config.json"
    if kind == "fifo":
        os.mkfifo(config)
    else:
        config.symlink_to("/dev/zero")
    start = time.perf_counter()
    with pytest.raises(EndpointError, match="not a regular file"):
        resolve(None, {"DOCKER_CONFIG": str(tmp_path)})
    assert time.perf_counter() - start < 5


def test_a_ca_certificate_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "ca.pem")
    with pytest.raises(EndpointError, match="not a regular file"):
        resolve("tcp://h:2376", {"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(tmp_path)})
