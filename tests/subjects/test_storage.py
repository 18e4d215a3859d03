"""Where a daemon's data root lives: its own mounts, or another container's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dindcheck.subjects import build_subjects
from dindcheck.workload import Setup, Workload


class _CountedPasses(tuple[Workload, ...]):
    """A setup's workloads that count how often they are walked through."""

    passes = 0

    def __iter__(self) -> Iterator[Workload]:
        type(self).passes += 1
        return super().__iter__()


def _passes(daemons: int) -> int:
    _CountedPasses.passes = 0
    workloads = _CountedPasses(
        Workload(name=f"dind{i}", id=f"p/dind{i}", origin="kubernetes",
                 image="docker:27-dind", privileged=True) for i in range(daemons))
    build_subjects(Setup(kind="k", name="p", origin="kubernetes", workloads=workloads))
    return _CountedPasses.passes


@pytest.mark.parametrize("daemons", [10, 100])
def test_data_roots_do_not_walk_the_setup_once_per_daemon(daemons: int) -> None:
    """A cluster dump of 20,000 pods took a minute when each daemon's data root indexed
    every workload of the setup to look for a ``volumes_from`` it does not have."""
    assert _passes(daemons) == _passes(1)
