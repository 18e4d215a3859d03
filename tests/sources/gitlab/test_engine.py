"""A GitLab dind service run the way the Docker executor runs it, on the private engine:
what lint predicts from the equivalent ``.gitlab-ci.yml`` and what the live audit sees of
the running containers agree (daemon, data-root cover, driver, TLS mode, the job's client).

The executor starts the service from its image (the image's declared VOLUME becomes an
anonymous volume), then the job container linked to it under the service's alias, with
the pipeline's variables. The kernel here refuses ``--privileged`` at start, so the
service gets the harness's equivalent flags; the pipeline says privileged through the
runner's config.toml.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from dindcheck.catalogue import load_catalogue
from dindcheck.evaluate import evaluate_setup
from dindcheck.lint import lint
from dindcheck.model import Subject
from dindcheck.sources.live import engine as live
from tests.engine_harness import (
    BUSYBOX_IMAGE,
    DIND_RUN_FLAGS,
    Engine,
    cached_tarball,
    inner_info,
    wait_for,
)

pytestmark = pytest.mark.docker

# The harness's dind root filesystem, imported as the official image declares itself
# (VOLUME /var/lib/docker), under a name lint reads as the official dind image.
SERVICE_IMAGE = "docker:20.10.99-dind"
DAEMON_COMMAND = ("dockerd", "--host=unix:///var/run/docker.sock",
                  "--host=tcp://0.0.0.0:2375", "--tls=false", "--iptables=false")
PIPELINE = f"""
build:
  image: {BUSYBOX_IMAGE}
  services:
    - name: {SERVICE_IMAGE}
      alias: docker
      command: {json.dumps(list(DAEMON_COMMAND))}
  variables:
    DOCKER_HOST: tcp://docker:2375
  script:
    - until docker info; do sleep 1; done
"""
RUNNER = """
[[runners]]
  name = "dind"
  executor = "docker"
  [runners.docker]
    privileged = true
"""
SERVICE, JOB = "runner-build-docker-0", "runner-build"


@pytest.fixture(scope="module")
def predicted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Subject]:
    root = tmp_path_factory.mktemp("pipeline")
    (root / ".gitlab-ci.yml").write_text(textwrap.dedent(PIPELINE).lstrip("\n"))
    (root / "config.toml").write_text(textwrap.dedent(RUNNER).lstrip("\n"))
    report = lint([root / ".gitlab-ci.yml"], load_catalogue(), jobs=1,
                  runner_config=root / "config.toml")
    assert not report.errors
    return {f"{s['kind']}:{s['name']}": s for t in report.targets for s in t.subjects}


@pytest.fixture(scope="module")
def observed(docker_engine: Engine) -> Iterator[dict[str, Subject]]:
    run = docker_engine.docker
    run("import", "-c", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "-c", 'ENTRYPOINT ["/usr/local/bin/dind-init"]', "-c", "VOLUME /var/lib/docker",
        str(cached_tarball("dind")), SERVICE_IMAGE, timeout=300)
    try:
        run("run", "-d", "--name", SERVICE, *DIND_RUN_FLAGS, SERVICE_IMAGE, *DAEMON_COMMAND)
        wait_for(lambda: inner_info(docker_engine, SERVICE), what="the service's daemon")
        run("run", "-d", "--name", JOB, "--link", f"{SERVICE}:docker",
            "-e", "DOCKER_HOST=tcp://docker:2375", BUSYBOX_IMAGE, "sleep", "3600")
        setups, problems, _ = live.audit_endpoints([docker_engine.url])
        assert not problems, problems
        targets = [evaluate_setup(s, load_catalogue()).target for s in setups]
        yield {f"{s['kind']}:{s['name']}": s for t in targets for s in t.subjects}
    finally:
        run("rm", "-f", "-v", JOB, SERVICE, check=False)
        run("rmi", SERVICE_IMAGE, check=False)


def test_the_service_is_a_daemon_in_both(predicted: dict[str, Subject],
                                         observed: dict[str, Subject]) -> None:
    lint_daemon, live_daemon = predicted["daemon:build/docker"], observed[f"daemon:{SERVICE}"]
    assert live_daemon["state"]["running"] is True
    assert lint_daemon["privileged"] is True  # from the runner's config.toml


def test_the_data_root_cover_and_driver_agree(predicted: dict[str, Subject],
                                              observed: dict[str, Subject]) -> None:
    """The image's VOLUME is what covers the data root: not the container's layer, gone
    with the container, and the inner daemon runs the driver lint expects."""
    lint_root = predicted["daemon:build/docker"]["data_root"]
    live_daemon = observed[f"daemon:{SERVICE}"]
    live_root = live_daemon["data_root"]
    assert lint_root["path"] == live_root["path"] == "/var/lib/docker"
    assert lint_root["covered_by"] == "image_volume"
    assert live_root["covered_by"] in ("image_volume", "anonymous_volume")
    assert lint_root["persistent"] is live_root["persistent"] is False
    assert predicted["daemon:build/docker"]["storage_driver"]["expected"] == \
        live_daemon["storage_driver"]["observed"] == "overlay2"


def test_the_tls_mode_agrees(predicted: dict[str, Subject],
                             observed: dict[str, Subject]) -> None:
    lint_tls = predicted["daemon:build/docker"]["tls"]
    live_tls = observed[f"daemon:{SERVICE}"]["tls"]
    assert lint_tls["mode"] == live_tls["mode"] == "plaintext"
    assert lint_tls["plaintext_ports"] == live_tls["plaintext_ports"] == [2375]


def test_the_job_reaches_the_service_in_both(predicted: dict[str, Subject],
                                             observed: dict[str, Subject]) -> None:
    lint_client, live_client = predicted["client:build"], observed[f"client:{JOB}"]
    assert (lint_client["daemon"], live_client["daemon"]) == ("build/docker", SERVICE)
    assert lint_client["tls_agrees"] is live_client["tls_agrees"] is True
    assert lint_client["waits_for_daemon"] is True  # the script's retry loop


def test_the_imported_image_is_the_harness_one(observed: dict[str, Subject],
                                               docker_engine: Engine) -> None:
    info = inner_info(docker_engine, SERVICE)
    assert info is not None
    assert info["Driver"] == "overlay2"
    assert Path(observed[f"daemon:{SERVICE}"]["data_root"]["path"]) == Path("/var/lib/docker")
