"""What follows across subjects: shared data roots, expected drivers."""

from __future__ import annotations

from typing import Any

import pytest

from dindcheck.subjects import build_subjects
from dindcheck.workload import (
    ANONYMOUS_VOLUME,
    EMPTYDIR,
    PVC,
    VOLUME,
    EnvVar,
    Mount,
    Observation,
    Setup,
    State,
    Workload,
)


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


def store_of(image: str | None, driver: str | None, *, command: tuple[str, ...] = (),
             observation: Observation | None = None) -> tuple[object, object, object]:
    env = {"DOCKER_DRIVER": EnvVar(value=driver)} if driver else {}
    dind = Workload(name="dind", id="p/dind", origin="live" if observation else "compose",
                    image=image, command=command, environment=env, observation=observation)
    (daemon,) = build_subjects(Setup(kind="k", name="p", origin="compose", workloads=(dind,)))
    found = daemon["storage_driver"]
    return found["image_store"], found["image_store_choice"], found["not_a_snapshotter"]


FEATURE_ON = ("--feature", "containerd-snapshotter=true")


@pytest.mark.parametrize(("image", "driver", "command", "expected"), [
    pytest.param("docker:29.1.3-dind", None, (), ("containerd", "default", False),
                 id="29-default"),
    pytest.param("docker:28.5.2-dind", None, (), ("graph-driver", "default", False),
                 id="28-default"),
    pytest.param("docker:dind", None, (), (None, "default", False), id="unknown-version"),
    pytest.param("docker:dind", "overlay2", (), ("graph-driver", "explicit", False),
                 id="overlay2-is-a-graph-driver-on-every-version"),
    pytest.param("docker:29.1.3-dind", "zfs", (), ("graph-driver", "explicit", False),
                 id="29.1-registered-zfs"),
    pytest.param("docker:29.0.0-dind", "fuse-overlayfs", (), ("containerd", "explicit", True),
                 id="29.0.0-snapshotter-guess"),
    pytest.param("docker:29.0.0-rc.2-dind", "fuse-overlayfs", (),
                 ("containerd", "explicit", True), id="29.0.0-rc"),
    pytest.param("docker:dind", "fuse-overlayfs", (), (None, "explicit", False),
                 id="version-decides-unknown"),
    pytest.param("docker:24.0.9-dind", "overlay2", FEATURE_ON, ("containerd", "explicit", True),
                 id="24-feature-on"),
    pytest.param("docker:23.0.6-dind", "overlay2", FEATURE_ON,
                 ("graph-driver", "explicit", False), id="before-the-feature"),
    pytest.param("docker:dind", "vfs", FEATURE_ON, ("containerd", "explicit", True),
                 id="unknown-version-feature-on"),
    pytest.param("docker:dind", "native", FEATURE_ON, ("containerd", "explicit", False),
                 id="feature-on-a-snapshotter"),
])
def test_image_store_choice(image: str, driver: str | None, command: tuple[str, ...],
                            expected: tuple[object, object, object]) -> None:
    assert store_of(image, driver, command=command) == expected


def test_daemon_json_features_and_the_observed_store_decide_live() -> None:
    seen = Observation(state=State(status="running", running=True),
                       daemon_json={"features": {"containerd-snapshotter": True}},
                       inner={"containerd_snapshotter": True})
    assert store_of("docker:27.4.1-dind", "overlay2", observation=seen) == (
        "containerd", "explicit", True)


UNCONFINED = ("seccomp=unconfined", "apparmor=unconfined")


def privileges(*workloads: Workload) -> dict[str, tuple[object, object, list[str]]]:
    subjects = build_subjects(Setup(kind="k", name="p", origin="live", workloads=workloads))
    return {s["name"]: (s["privileges"]["sufficient"], s["privileges"]["decided_by"],
                        s["privileges"]["missing"]) for s in subjects if s["kind"] == "daemon"}


def dind(name: str = "dind", **fields: Any) -> Workload:
    return Workload(name=name, id=f"p/{name}", origin="compose",
                    image=fields.pop("image", "docker:27-dind"), **fields)


ROOTFUL_NEEDS = ["capability SYS_ADMIN", "capability NET_ADMIN",
                 "security option seccomp=unconfined", "security option apparmor=unconfined"]


@pytest.mark.parametrize(("fields", "expected"), [
    pytest.param({"privileged": True}, (True, "privileged", []), id="privileged"),
    pytest.param({"runtime": "sysbox-runc"}, (True, "sysbox", []), id="sysbox"),
    pytest.param({"privileged": None}, (None, None, ROOTFUL_NEEDS), id="not-visible"),
    pytest.param({}, (False, "profile", ROOTFUL_NEEDS), id="nothing-given"),
    pytest.param({"cap_add": ("ALL",), "cap_drop": ("SYS_RESOURCE",),
                  "security_opt": UNCONFINED}, (True, "profile", []),
                 id="all-capabilities-unconfined"),
    pytest.param({"cap_add": ("cap_sys_admin", "CAP_NET_ADMIN"),
                  "security_opt": ("seccomp:unconfined", "apparmor:unconfined")},
                 (True, "profile", []), id="the-two-capabilities-old-syntax"),
    pytest.param({"cap_add": ("SYS_ADMIN",), "security_opt": UNCONFINED},
                 (False, "profile", ["capability NET_ADMIN"]), id="sys-admin-alone"),
    pytest.param({"cap_add": ("ALL",), "cap_drop": ("NET_ADMIN",), "security_opt": UNCONFINED},
                 (False, "profile", ["capability NET_ADMIN"]), id="all-but-net-admin"),
    pytest.param({"cap_add": ("ALL",)}, (False, "profile", ROOTFUL_NEEDS[2:]),
                 id="default-seccomp-and-apparmor"),
    pytest.param({"image": "docker:27-dind-rootless",
                  "security_opt": (*UNCONFINED, "systempaths=unconfined")},
                 (True, "profile", []), id="rootless-unmasked"),
    pytest.param({"image": "docker:27-dind-rootless", "security_opt": UNCONFINED},
                 (False, "profile", ["security option systempaths=unconfined"]),
                 id="rootless-masked-paths"),
])
def test_privileges_predicted_from_the_profile(fields: dict[str, Any],
                                               expected: tuple[object, object, list[str]]
                                               ) -> None:
    assert privileges(dind(**fields))["dind"] == expected


PROFILE = {"cap_add": ("ALL",), "cap_drop": ("SYS_RESOURCE", "NET_ADMIN"),
           "security_opt": UNCONFINED}
ANSWERED = Observation(state=State(status="running", running=True), inner={"driver": "vfs"})
EXITED = Observation(state=State(status="exited", running=False, exit_code=1))


@pytest.mark.parametrize(("twin", "expected"), [
    pytest.param({**PROFILE, "observation": ANSWERED}, (True, "same-profile-runs", []),
                 id="a-twin-runs-a-daemon"),
    pytest.param({**PROFILE, "cap_drop": ("SYS_RESOURCE",), "observation": ANSWERED},
                 (False, "profile", ["capability NET_ADMIN"]), id="another-profile-runs"),
    pytest.param({**PROFILE, "observation": Observation(state=State(running=True))},
                 (False, "profile", ["capability NET_ADMIN"]),
                 id="the-twin-runs-but-its-daemon-was-not-seen"),
])
def test_privileges_seen_in_a_container_with_the_same_profile(
        twin: dict[str, Any], expected: tuple[object, object, list[str]]) -> None:
    found = privileges(dind("second", **PROFILE, observation=EXITED), dind("first", **twin))
    assert found["second"] == expected


def live_daemon(log: tuple[str, ...], running: bool = False, **fields: Any) -> dict[str, Any]:
    state = State(status="running" if running else "exited", running=running,
                  exit_code=None if running else 1)
    w = dind(**fields, observation=Observation(state=state, log=log))
    (subject,) = [s for s in build_subjects(Setup(kind="k", name="p", origin="live",
                                                  workloads=(w,))) if s["kind"] == "daemon"]
    return subject


LOCKED = ("failed to start containerd: timeout waiting for containerd to start",)
DENIED = ("mount: permission denied (are you root?)",)
NO_SNAPSHOTTER = ('failed to start daemon: configured driver "overlay2" not available',)


@pytest.mark.parametrize(("log", "fields", "expected"), [
    pytest.param(DENIED, PROFILE, (False, "log"), id="its-log-says-not-privileged"),
    pytest.param(LOCKED, {}, (None, "log"), id="stopped-for-another-reason"),
    pytest.param((), {}, (False, "profile"), id="silent-log-leaves-the-prediction"),
    pytest.param(LOCKED, {"privileged": True}, (True, "privileged"), id="privileged-first"),
])
def test_the_log_decides_privileges(log: tuple[str, ...], fields: dict[str, Any],
                                    expected: tuple[object, object]) -> None:
    privileges = live_daemon(log, **fields)["privileges"]
    assert (privileges["sufficient"], privileges["decided_by"]) == expected


def test_a_log_that_shows_the_lock_of_another_daemon_shares_the_data_root() -> None:
    data_root = live_daemon(LOCKED)["data_root"]
    assert data_root["shared"] is True
    assert data_root["shared_with"] == [f"another daemon, by its log: {LOCKED[0]}"]
    assert live_daemon(())["data_root"]["shared"] is False


def test_a_log_that_names_a_missing_snapshotter_settles_the_store() -> None:
    driver = live_daemon(NO_SNAPSHOTTER, image="docker:dind")["storage_driver"]
    assert (driver["image_store"], driver["not_a_snapshotter"]) == ("containerd", True)


@pytest.mark.parametrize("log", [
    pytest.param(('level=warning msg="waiting for response from boltdb open" plugin=bolt',),
                 id="a-wait-for-the-lock"),
    pytest.param(("unable to detect if iptables supports xlock: iptables v1.8.9 (nf_tables): "
                  "Permission denied (you must be root)",), id="a-permission-warning"),
])
def test_a_running_daemon_is_not_judged_by_passing_lines(log: tuple[str, ...]) -> None:
    daemon = live_daemon(log, running=True)
    assert daemon["data_root"]["shared"] is False
    assert daemon["privileges"]["decided_by"] == "seen-running"
