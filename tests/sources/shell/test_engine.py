"""The ``docker run`` line of a dind script, read by the shell source and run on the
private engine as parsed: the storage driver lint predicts (vfs without a volume at the
data root, overlay2 with one) is the one the live audit then observes.

The kernel here refuses ``--privileged`` at start: the parsed ``--privileged`` is run as
the harness's equivalent flags.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dindcheck.catalogue import load_catalogue
from dindcheck.evaluate import evaluate_setup
from dindcheck.model import Subject
from dindcheck.sources.live import engine as live
from dindcheck.sources.shell.load import read
from dindcheck.subjects import build_subjects
from dindcheck.workload import VOLUME, Workload
from tests.engine_harness import (
    DIND_IMAGE,
    DIND_RUN_FLAGS,
    Engine,
    dind_command,
    inner_info,
    wait_for,
)

pytestmark = pytest.mark.docker

SCRIPT = f"""#!/bin/sh
set -e
docker run -d --privileged --name sh-dind-layer {DIND_IMAGE} {' '.join(dind_command())}
docker volume create sh-dind-data
docker run -d --privileged --name sh-dind-volume \\
  -v sh-dind-data:/var/lib/docker {DIND_IMAGE} {' '.join(dind_command())}
"""


def _argv(w: Workload) -> list[str]:
    """The parsed line as docker run arguments (privileged as the harness's flags)."""
    argv = ["run", "-d", "--name", w.name]
    if w.privileged:
        argv += DIND_RUN_FLAGS
    for mount in w.mounts or ():
        assert mount.kind == VOLUME, mount
        argv += ["-v", f"{mount.source}:{mount.target}"]
    assert w.image is not None
    return [*argv, w.image, *(w.command or ())]


@pytest.fixture(scope="module")
def parsed() -> dict[str, tuple[Workload, Subject]]:
    setup = read(SCRIPT, "dind.sh", "script")
    assert not setup.problems
    subjects = {s["name"]: s for s in build_subjects(setup) if s["kind"] == "daemon"}
    return {w.name: (w, subjects[w.name]) for w in setup.workloads}


@pytest.fixture(scope="module")
def observed(docker_engine: Engine,
             parsed: dict[str, tuple[Workload, Subject]]) -> Iterator[dict[str, Subject]]:
    names = list(parsed)
    try:
        docker_engine.docker("volume", "create", "sh-dind-data")
        for workload, _ in parsed.values():
            docker_engine.docker(*_argv(workload))
        for name in names:
            wait_for(lambda n=name: inner_info(docker_engine, n), what=f"daemon of {name}")
        setups, problems, _ = live.audit_endpoints([docker_engine.url])
        assert not problems, problems
        targets = [evaluate_setup(s, load_catalogue()).target for s in setups]
        yield {s["name"]: s for t in targets for s in t.subjects if s["kind"] == "daemon"}
    finally:
        docker_engine.docker("rm", "-f", "-v", *names, check=False)
        docker_engine.docker("volume", "rm", "-f", "sh-dind-data", check=False)


@pytest.mark.parametrize(("name", "cover", "driver"), [
    ("sh-dind-layer", "layer", "vfs"),
    ("sh-dind-volume", "volume", "overlay2"),
])
def test_lint_predicts_what_the_engine_does(parsed: dict[str, tuple[Workload, Subject]],
                                            observed: dict[str, Subject], name: str,
                                            cover: str, driver: str) -> None:
    _, predicted = parsed[name]
    live_daemon = observed[name]
    assert predicted["data_root"]["covered_by"] == live_daemon["data_root"]["covered_by"] \
        == cover
    assert predicted["storage_driver"]["expected"] == driver
    assert live_daemon["storage_driver"]["observed"] == driver
