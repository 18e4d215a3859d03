"""One setup, two sources: written as compose and observed running on the private engine,
it gives the same daemon, data-root, TLS, socket and client facts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dindcheck.catalogue import load_catalogue
from dindcheck.lint import lint
from dindcheck.model import Subject
from dindcheck.sources.live.engine import audit_endpoints
from dindcheck.subjects import build_subjects
from tests.engine_harness import (
    BUSYBOX_IMAGE,
    DIND_IMAGE,
    DIND_RUN_FLAGS,
    Engine,
    dind_command,
    inner_info,
    wait_for,
)

pytestmark = pytest.mark.docker

PROJECT = "xsrc"
DAEMON_FLAGS = [*dind_command(), "--host=tcp://0.0.0.0:2375", "--tls=false"]


def _compose(socket_file: Path) -> str:
    return json.dumps({
        "name": PROJECT,
        "services": {
            "xsrc-dind": {"image": DIND_IMAGE, "privileged": True, "command": DAEMON_FLAGS,
                          "volumes": ["dind-data:/var/lib/docker", "run:/var/run"]},
            "xsrc-client": {"image": BUSYBOX_IMAGE, "command": ["sleep", "3600"],
                            "environment": {"DOCKER_HOST": "tcp://xsrc-dind:2375"},
                            "volumes": ["run:/var/run"]},
            "xsrc-sock": {"image": BUSYBOX_IMAGE, "command": ["sleep", "3600"],
                          "volumes": [f"{socket_file}:/var/run/docker.sock:ro"]},
        },
        "volumes": {"dind-data": {}, "run": {}},
    })


def _run_like_compose(engine: Engine, socket_file: Path) -> None:
    """What `docker compose up` would start (volumes named <project>_<name>)."""
    run = engine.docker
    run("volume", "create", f"{PROJECT}_dind-data")
    run("volume", "create", f"{PROJECT}_run")
    run("run", "-d", "--name", "xsrc-dind", "-v", f"{PROJECT}_dind-data:/var/lib/docker",
        "-v", f"{PROJECT}_run:/var/run", *DIND_RUN_FLAGS, DIND_IMAGE, *DAEMON_FLAGS)
    run("run", "-d", "--name", "xsrc-client", "-e", "DOCKER_HOST=tcp://xsrc-dind:2375",
        "-v", f"{PROJECT}_run:/var/run", BUSYBOX_IMAGE, "sleep", "3600")
    run("run", "-d", "--name", "xsrc-sock", "-v", f"{socket_file}:/var/run/docker.sock:ro",
        BUSYBOX_IMAGE, "sleep", "3600")
    wait_for(lambda: inner_info(engine, "xsrc-dind"), what="the inner daemon of xsrc-dind")


def _facts(subjects: list[Subject]) -> dict[str, Any]:
    """The facts both sources can know, by subject kind and name."""
    out: dict[str, Any] = {}
    for s in subjects:
        if s["kind"] == "daemon":
            root = s["data_root"]
            out[f"daemon {s['name']}"] = {
                "detected_by": s["detected_by"], "image": s["image"]["ref"],
                "data_root": (root["path"], root["covered_by"], root["mount"]["share_key"],
                              root["mount"]["persistent"], root["shared"]),
                "driver": s["storage_driver"]["configured"],
                "tls": (s["tls"]["mode"], s["tls"]["tcp_ports"], s["tls"]["plaintext_ports"]),
                "clients": sorted(s["clients"])}
        elif s["kind"] == "socket_mount":
            out[f"socket {s['name']} {s['target']}"] = (
                s["engine"], s["host_socket"], s["via"], s["read_only"], s.get("daemon"))
        elif s["kind"] == "client":
            out[f"client {s['name']}"] = (s["daemon"], s["host"], s["port"],
                                          s["client_expects_tls"], s["tls_agrees"])
    return out


def test_compose_and_live_give_the_same_facts(docker_engine: Engine, tmp_path: Path) -> None:
    socket_file = tmp_path / "docker.sock"
    socket_file.write_text("")
    (tmp_path / "compose.yaml").write_text(_compose(socket_file))
    planned = lint([tmp_path / "compose.yaml"], load_catalogue(), jobs=1, environ={})
    assert planned.errors == ()
    try:
        _run_like_compose(docker_engine, socket_file)
        (engine_setup,), problems, _ = audit_endpoints([docker_engine.url], environ={})
        assert problems == []
        names = {"xsrc-dind", "xsrc-client", "xsrc-sock"}
        observed = [s for s in build_subjects(engine_setup) if s["name"] in names]
    finally:
        docker_engine.docker("rm", "-f", "xsrc-dind", "xsrc-client", "xsrc-sock", check=False)
        docker_engine.docker("volume", "rm", "-f", f"{PROJECT}_dind-data", f"{PROJECT}_run",
                             check=False)
    expected = _facts(list(planned.targets[0].subjects))
    assert set(expected) == {"daemon xsrc-dind", "socket xsrc-client /var/run",
                             "socket xsrc-sock /var/run/docker.sock", "client xsrc-client"}
    assert _facts(observed) == expected
