"""Where a daemon's findings point: one set of locations for every source."""

from __future__ import annotations

from typing import Any

import pytest

from dindcheck.model import Location
from dindcheck.subjects import build_subjects
from dindcheck.workload import EnvVar, Mount, Port, Setup, Workload

SUBJECT, IMAGE, COMMAND, NET, PORTS, CERTS, MOUNT = (Location(path="f", line=n) for n in
                                                     range(1, 8))


def daemon(**fields: Any) -> dict[str, Any]:
    w = Workload(name="dind", id="p/dind", origin=fields.pop("origin", "compose"),
                 image="docker:27-dind", **fields)
    (subject,) = build_subjects(Setup(kind="k", name="p", origin=w.origin, workloads=(w,)))
    return subject["locations"]  # type: ignore[no-any-return]


LOCATED = {"subject": SUBJECT, "image": IMAGE, "command": COMMAND, "network_mode": NET,
           "ports": PORTS}


@pytest.mark.parametrize("origin", ["compose", "live", "kubernetes"])
@pytest.mark.parametrize(("fields", "key", "expected"), [
    pytest.param({"mounts": (Mount(kind="volume", target="/var/lib/docker", location=MOUNT),)},
                 "storage_driver", MOUNT, id="unconfigured-driver-at-the-data-root"),
    pytest.param({}, "storage_driver", IMAGE, id="driver-without-mount-at-the-image"),
    pytest.param({"command": ("--storage-driver", "vfs")}, "storage_driver", COMMAND,
                 id="driver-flag"),
    pytest.param({"environment": {"DOCKER_TLS_CERTDIR": EnvVar(value="", location=CERTS)},
                  "ports": (Port(container_port=2375, host_port="2375"),)}, "tls", PORTS,
                 id="published-plaintext"),
    pytest.param({"environment": {"DOCKER_TLS_CERTDIR": EnvVar(value="", location=CERTS)},
                  "host_network": True}, "tls", NET, id="host-network-plaintext"),
    pytest.param({"environment": {"DOCKER_TLS_CERTDIR": EnvVar(value="", location=CERTS)}},
                 "tls", CERTS, id="certdir"),
    pytest.param({"command": ("--tls=false",)}, "tls", COMMAND, id="command"),
    pytest.param({}, "command", COMMAND, id="command-key"),
])
def test_locations(origin: str, fields: dict[str, Any], key: str, expected: Location) -> None:
    assert daemon(origin=origin, locations=LOCATED, **fields)[key] == expected.to_json()
