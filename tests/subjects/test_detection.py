"""What makes a workload a Docker daemon: one rule for every source."""

from __future__ import annotations

from typing import Any

import pytest

from dindcheck.subjects import ImageFacts, build_subjects, detect
from dindcheck.workload import EnvVar, Observation, Setup, State, Workload


def workload(**fields: Any) -> Workload:
    return Workload(name="w", id="p/w", origin=fields.pop("origin", "compose"), **fields)


def detected_by(w: Workload) -> str | None:
    found = detect(w, ImageFacts.of(w))
    return None if found is None else found.detected_by


RUNNING_WITHOUT_DOCKERD = Observation(state=State(status="running", running=True),
                                      processes=("tail -f /dev/null",))


@pytest.mark.parametrize("origin", ["compose", "live", "kubernetes"])
@pytest.mark.parametrize(("fields", "expected"), [
    pytest.param({"image": "docker:27-dind"}, "image", id="official-default"),
    pytest.param({"image": "docker:27-dind", "command": ("--mtu", "1400")}, "image",
                 id="official-flags"),
    pytest.param({"image": "docker:27-dind", "command": ("dockerd", "-H", "unix:///x")},
                 "command", id="official-dockerd-command"),
    pytest.param({"image": "docker:27-dind", "command": ("sh", "-c", "dockerd --tls=false")},
                 "command", id="official-shell-dockerd"),
    pytest.param({"image": "docker:27-dind", "command": ("sh",)}, None,
                 id="official-other-command"),
    pytest.param({"image": "docker:27-dind", "entrypoint": ("tail", "-f", "/dev/null")},
                 None, id="entrypoint-replaced"),
    pytest.param({"image": "docker:27-cli", "command": ("--mtu", "1400")}, None,
                 id="cli-image-flags"),
    pytest.param({"image": "acme/ci-dind:3"}, "image", id="dind-named-default"),
    pytest.param({"image": "acme/ci-dind:3", "command": ("dockerd",)}, "command",
                 id="dind-named-dockerd"),
    pytest.param({"image": "alpine", "command": ("dockerd",)}, "command", id="any-image"),
    pytest.param({"image": "alpine", "command": ("sleep", "1")}, None, id="no-daemon"),
    pytest.param({"image": "docker:27-dind", "observation": RUNNING_WITHOUT_DOCKERD}, None,
                 id="seen-without-dockerd"),
    pytest.param({"image": "alpine", "observation": Observation(
        state=State(running=True), processes=("/init", "dockerd"), daemon_argv=("dockerd",))},
        "process", id="seen-dockerd"),
])
def test_one_detection_rule_for_every_source(origin: str, fields: dict[str, Any],
                                             expected: str | None) -> None:
    assert detected_by(workload(origin=origin, **fields)) == expected


def test_the_official_entrypoint_adds_its_listeners_only_for_flags() -> None:
    flags = detect(workload(image="docker:27-dind", command=("--mtu", "1400")),
                   ImageFacts.of(workload(image="docker:27-dind")))
    own = detect(workload(image="docker:27-dind", command=("dockerd",)),
                 ImageFacts.of(workload(image="docker:27-dind")))
    assert flags is not None
    assert own is not None
    assert (flags.args.mtu, flags.official_entrypoint, flags.args.starts_with_dockerd) == (
        1400, True, False)
    assert own.args.starts_with_dockerd is True


@pytest.mark.parametrize(("entrypoint", "official"), [
    pytest.param(("dockerd-entrypoint.sh",), True, id="the-official-one-written-out"),
    pytest.param(("/usr/local/bin/dockerd-entrypoint.sh", "--mtu=1400"), True, id="by-path"),
    pytest.param(("dockerd",), False, id="dockerd-itself"),
])
def test_an_entrypoint_written_as_the_official_one_keeps_its_listeners(
        entrypoint: tuple[str, ...], official: bool) -> None:
    w = workload(image="docker:27-dind", entrypoint=entrypoint,
                 environment={"DOCKER_TLS_CERTDIR": EnvVar(value="")})
    found = detect(w, ImageFacts.of(w))
    assert found is not None
    assert (found.detected_by, found.official_entrypoint) == ("command", official)
    daemon = next(s for s in build_subjects(Setup(kind="compose", name="p", origin="compose",
                                                  workloads=(w,))) if s["kind"] == "daemon")
    assert daemon["tls"]["plaintext_ports"] == ([2375] if official else [])


@pytest.mark.parametrize("origin", ["compose", "live"])
@pytest.mark.parametrize(("fields", "rootless"), [
    pytest.param({"image": "docker:27-dind-rootless"}, True, id="rootless-variant"),
    pytest.param({"image": "acme/runner:2", "command": ("dockerd-rootless.sh", "--mtu=1400")},
                 True, id="rootless-script"),
    pytest.param({"image": "acme/runner:2", "command": ("rootlesskit", "dockerd")}, True,
                 id="rootlesskit"),
    pytest.param({"image": "docker:27-dind"}, False, id="rootful"),
])
def test_rootless_is_the_variant_or_the_program(origin: str, fields: dict[str, Any],
                                                rootless: bool) -> None:
    (daemon,) = build_subjects(Setup(kind="compose", name="p", origin=origin,
                                     workloads=(workload(origin=origin, **fields),)))
    assert daemon["rootless"] is rootless


@pytest.mark.parametrize("origin", ["compose", "live"])
@pytest.mark.parametrize(("runtime", "covered_by", "sysbox"), [
    ("sysbox-runc", "sysbox", True),
    ("sysbox", "sysbox", True),
    ("runc", "layer", False),
    (None, "layer", False),
])
def test_sysbox_backs_the_data_root_in_every_source(origin: str, runtime: str | None,
                                                    covered_by: str, sysbox: bool) -> None:
    w = workload(origin=origin, image="acme/ci-dind:3", runtime=runtime)
    (daemon,) = build_subjects(Setup(kind="compose", name="p", origin=origin, workloads=(w,)))
    assert (daemon["sysbox"], daemon["data_root"]["covered_by"]) == (sysbox, covered_by)
