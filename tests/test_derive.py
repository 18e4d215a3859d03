"""What follows across subjects: shared data roots, expected drivers."""

from __future__ import annotations

import pytest

from dindcheck.subjects import build_subjects
from dindcheck.workload import ANONYMOUS_VOLUME, EMPTYDIR, PVC, VOLUME, Mount, Setup, Workload


def shared_with(kind: str, storage: str, per_instance: bool, replicas: int) -> list[str]:
    mount = Mount(kind=kind, target="/var/lib/docker", storage=storage,
                  per_instance=per_instance)
    dind = Workload(name="dind", id="p/dind", origin="compose", image="docker:27-dind",
                    mounts=(mount,), replicas=replicas)
    (daemon,) = build_subjects(Setup(kind="k", name="p", origin="compose", workloads=(dind,)))
    return daemon["data_root"]["shared_with"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(("kind", "storage", "per_instance", "shared"), [
    (VOLUME, "volume:p_cache", False, True),
    (PVC, "pvc:ns/cache", False, True),
    (ANONYMOUS_VOLUME, "volume:3f2a", True, False),
    (ANONYMOUS_VOLUME, "anonymous:p/dind:/var/lib/docker", True, False),
    (EMPTYDIR, "emptydir:ns/pod/data", True, False),
    (PVC, "pvc:ns/data-dind", True, False),  # a claim template: one claim per replica
])
def test_replicas_share_storage_unless_each_gets_its_own(kind: str, storage: str,
                                                         per_instance: bool,
                                                         shared: bool) -> None:
    assert bool(shared_with(kind, storage, per_instance, replicas=3)) is shared
    assert shared_with(kind, storage, per_instance, replicas=1) == []
