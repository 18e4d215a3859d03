"""What makes a workload a Docker daemon: one rule for every source."""

from __future__ import annotations

from typing import Any

import pytest

from dindcheck.subjects import ImageFacts, build_subjects, detect
from dindcheck.workload import BIND, VOLUME, EnvVar, Mount, Observation, Setup, State, Workload


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
    pytest.param({"image": "gitea/act_runner:nightly-dind-rootless"}, True,
                 id="runner-family-rootless"),
    pytest.param({"image": "gitea/act_runner:0.2.11-dind"}, False, id="runner-family-rootful"),
    pytest.param({"image": "summerwind/actions-runner-dind-rootless:v2.311.0-ubuntu-22.04"},
                 True, id="arc-rootless-any-tag"),
    pytest.param({"image": None, "built_from": "docker:28.1-dind-rootless"}, True,
                 id="built-from-the-rootless-variant"),
    pytest.param({"image": "ghcr.io/acme/dind:rootless"}, True, id="a-dind-image-tagged-so"),
])
def test_rootless_is_the_variant_or_the_program(origin: str, fields: dict[str, Any],
                                                rootless: bool) -> None:
    (daemon,) = build_subjects(Setup(kind="compose", name="p", origin=origin,
                                     workloads=(workload(origin=origin, **fields),)))
    assert daemon["rootless"] is rootless


def test_rootless_as_the_inner_daemon_reports_it() -> None:
    seen = Observation(state=State(status="running", running=True),
                       inner={"driver": "overlay2",
                              "security_options": ["name=seccomp,profile=builtin",
                                                   "name=rootless"]})
    w = workload(origin="live", image="registry.example/ci/docker:27", privileged=True,
                 command=("dockerd",), observation=seen)
    (daemon,) = build_subjects(Setup(kind="k", name="p", origin="live", workloads=(w,)))
    assert daemon["rootless"] is True


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


def env(**values: str) -> dict[str, EnvVar]:
    return {k: EnvVar(value=v) for k, v in values.items()}


def how(w: Workload) -> tuple[str, str] | None:
    found = detect(w, ImageFacts.of(w))
    return None if found is None else (found.detected_by, found.confidence)


DATA = Mount(kind=VOLUME, target="/var/lib/docker", source="docker-data",
             storage="volume:p_docker-data")
HOST_ROOT_RO = Mount(kind=BIND, target="/var/lib/docker", source="/var/lib/docker",
                     storage="bind:/var/lib/docker", read_only=True)
SOCKET = Mount(kind=BIND, target="/var/run/docker.sock", source="/var/run/docker.sock",
               storage="bind:/var/run/docker.sock")
E2E_ENGINE = {"image": None, "image_volumes": None, "privileged": True,
              "command": ("--insecure-registry=registry:5000",
                          "--insecure-registry=privateregistry:5001", "--experimental"),
              "environment": env(DOCKER_TLS_CERTDIR="")}


@pytest.mark.parametrize("origin", ["compose", "live", "kubernetes", "shell"])
@pytest.mark.parametrize(("fields", "expected"), [
    # docker/cli's e2e engine: built from a Dockerfile that is not there, dockerd's flags.
    pytest.param(E2E_ENGINE, ("flags", "likely"), id="e2e-engine-flags-privileged-certdir"),
    pytest.param({**E2E_ENGINE, "privileged": False, "environment": {}},
                 ("flags", "possible"), id="daemon-flags-without-another-sign"),
    pytest.param({"image": "acme/engine:1", "command": ("--storage-driver=overlay2",),
                  "environment": env(DOCKER_DRIVER="overlay2")}, ("flags", "likely"),
                 id="daemon-flags-and-docker-driver"),
    pytest.param({"image": "portainer/portainer-ce:2.21.4",
                  "command": ("-H", "unix:///var/run/docker.sock"), "mounts": (SOCKET,)},
                 None, id="portainer-client-flags"),
    pytest.param({"image": "acme/engine:1", "command": ("--log-level=debug",),
                  "privileged": True}, None, id="generic-flags"),
    # A Dockerfile that was read decides.
    pytest.param({"image": None, "built_from": "ubuntu:24.04", "image_entrypoint": ("dockerd",),
                  "image_command": ("--host=unix:///var/run/docker.sock",)},
                 ("dockerfile", "certain"), id="dockerfile-entrypoint-dockerd"),
    pytest.param({"image": None, "built_from": "alpine:3.20",
                  "image_command": ("/bin/sh", "-c", "dockerd --tls=false & exec sleep inf")},
                 ("dockerfile", "certain"), id="dockerfile-cmd-dockerd"),
    pytest.param({"image": None, "built_from": "docker:27-dind"}, ("image", "certain"),
                 id="dockerfile-from-dind-keeps-its-entrypoint"),
    pytest.param({"image": None, "built_from": "docker:27-dind",
                  "command": ("--insecure-registry=registry:5000",)}, ("image", "certain"),
                 id="dockerfile-from-dind-flags"),
    pytest.param({"image": None, "built_from": "docker:27-dind",
                  "image_entrypoint": ("dockerd-entrypoint.sh",), "image_command": ()},
                 ("dockerfile", "certain"), id="dockerfile-names-the-entrypoint"),
    pytest.param({"image": None, "built_from": "docker:27-dind",
                  "image_entrypoint": ("/bin/sh", "-c", "exec act_runner daemon"),
                  "image_command": ()}, ("image", "likely"),
                 id="dind-base-with-its-own-entrypoint"),
    pytest.param({"image": None, "built_from": "docker:27-cli",
                  "image_command": ("--mtu=1400",)}, None, id="cli-base-flags"),
    pytest.param({"image": None, "built_from": "python:3.12",
                  "image_entrypoint": ("python", "-m", "app"), "image_command": (),
                  "privileged": True, "mounts": (DATA,)}, None,
                 id="dockerfile-says-another-program"),
    # Known images that run dockerd beside a runner.
    pytest.param({"image": "gitea/act_runner:nightly-dind-rootless"}, ("image", "certain"),
                 id="gitea-runner-rootless-dind"),
    pytest.param({"image": "summerwind/actions-runner-dind:v2.311.0-ubuntu-22.04"},
                 ("image", "certain"), id="arc-runner-dind"),
    pytest.param({"image": "gitea/act_runner:nightly"}, None, id="gitea-runner-without-dind"),
    # A volume at /var/lib/docker alone makes no daemon.
    pytest.param({"image": "busybox:1.36", "command": ("true",), "mounts": (DATA,)}, None,
                 id="data-only-container"),
    pytest.param({"image": "alpine:3.20", "command": (
        "sh", "-c", "tar czf /backup/docker.tgz -C /var/lib/docker ."),
        "mounts": (HOST_ROOT_RO,)}, None, id="backup-job"),
    pytest.param({"image": "acme/docker-df-exporter:2", "mounts": (SOCKET, HOST_ROOT_RO)},
                 None, id="disk-usage-exporter"),
    pytest.param({"image": "acme/app:1", "mounts": (DATA,)}, None,
                 id="unprivileged-with-a-volume"),
    pytest.param({"image": "acme/app:1", "mounts": (DATA,), "privileged": True},
                 ("volume", "possible"), id="privileged-with-a-volume"),
    pytest.param({"image": None, "image_volumes": None, "mounts": (DATA,),
                  "privileged": True}, ("volume", "possible"),
                 id="built-privileged-with-a-volume"),
    pytest.param({"image": "acme/app:1", "mounts": (DATA,), "privileged": True,
                  "command": ("python", "serve.py")}, None, id="privileged-volume-other-command"),
])
def test_what_makes_a_daemon(origin: str, fields: dict[str, Any],
                             expected: tuple[str, str] | None) -> None:
    assert how(workload(origin=origin, **fields)) == expected


@pytest.mark.parametrize(("fields", "basis"), [
    pytest.param(E2E_ENGINE, [
        "the command is dockerd's flags (--insecure-registry=registry:5000 "
        "--insecure-registry=privateregistry:5001) for an entrypoint that is not known",
        "privileged", "DOCKER_TLS_CERTDIR is set (only a dind entrypoint reads it)",
        "built from a Dockerfile that was not read"], id="flags"),
    pytest.param({"image": "docker:27-dind"},
                 ["the image's entrypoint dockerd-entrypoint.sh starts dockerd"], id="official"),
    pytest.param({"image": "acme/ci-dind:3"},
                 ["the image's name (acme/ci-dind:3) says dind; its entrypoint is not known"],
                 id="dind-named"),
])
def test_the_subject_says_what_the_detection_rests_on(fields: dict[str, Any],
                                                      basis: list[str]) -> None:
    (daemon,) = [s for s in build_subjects(Setup(kind="k", name="p", origin="compose",
                                                 workloads=(workload(**fields),)))
                 if s["kind"] == "daemon"]
    assert daemon["detection_basis"] == basis


@pytest.mark.parametrize(("fields", "expected"), [
    pytest.param({**E2E_ENGINE, "observation": RUNNING_WITHOUT_DOCKERD}, None,
                 id="flags-seen-without-dockerd"),
    pytest.param({"image": "acme/app:1", "mounts": (DATA,), "privileged": True,
                  "observation": Observation(state=State(running=True), processes=(
                      "dockerd --host=unix:///var/run/docker.sock",),
                      daemon_argv=("dockerd", "--host=unix:///var/run/docker.sock"))},
                 ("volume", "certain"), id="volume-seen-with-dockerd"),
])
def test_seen_processes_settle_an_inferred_detection(fields: dict[str, Any],
                                                     expected: tuple[str, str] | None) -> None:
    assert how(workload(origin="live", **fields)) == expected
