"""A compose project as workloads: what a service's image and Dockerfile say."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dindcheck.sources.compose.files import load_project
from dindcheck.sources.compose.workloads import setup
from dindcheck.workload import Workload

DOCKERFILE = """
    FROM ubuntu:24.04
    VOLUME /var/lib/docker
    ENTRYPOINT ["dockerd"]
    CMD ["--host=unix:///var/run/docker.sock"]
"""


def workload(tmp_path: Path, body: str) -> Workload:
    (tmp_path / "engine").mkdir()
    (tmp_path / "engine" / "Dockerfile").write_text(textwrap.dedent(DOCKERFILE))
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  s:\n" + textwrap.indent(textwrap.dedent(body), "    "))
    (found,) = setup(load_project([compose], environ={})).workloads
    return found


@pytest.mark.parametrize(("body", "expected"), [
    pytest.param("build: ./engine\n", (
        "ubuntu:24.04", ("dockerd",), ("--host=unix:///var/run/docker.sock",),
        ("/var/lib/docker",)), id="built-from-a-read-dockerfile"),
    pytest.param("build: ./elsewhere\n", (None, None, None, None),
                 id="dockerfile-not-read-volumes-unknown"),
    pytest.param("image: docker:27-dind\n", (None, None, None, ()),
                 id="named-image-declares-nothing-more"),
])
def test_the_image_own_settings_reach_the_workload(
        tmp_path: Path, body: str,
        expected: tuple[str | None, tuple[str, ...] | None, tuple[str, ...] | None,
                        tuple[str, ...] | None]) -> None:
    w = workload(tmp_path, body)
    assert (w.built_from, w.image_entrypoint, w.image_command, w.image_volumes) == expected


def test_capabilities_added_and_dropped(tmp_path: Path) -> None:
    w = workload(tmp_path, "image: docker:27-dind\ncap_add: [ALL]\ncap_drop: [SYS_RESOURCE]\n")
    assert (w.cap_add, w.cap_drop) == (("ALL",), ("SYS_RESOURCE",))
