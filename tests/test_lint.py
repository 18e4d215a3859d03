"""Compose semantics end to end: files in, rule ids and locations out."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dindcheck.lint import lint
from tests.lintcase import RULES, found, ids, lint_tree, write_tree

DIND = "image: docker:27.3.1-dind\n    privileged: true\n"


@pytest.mark.parametrize(("files", "service", "expected", "absent"), [
    pytest.param({"compose.yaml": """services:
  dind:
    image: docker:27.3.1-dind
    privileged: true
"""}, "dind", {"DIND005", "DIND007"}, {"DIND001", "DIND008", "DIND012"},
        id="official-image-volume-is-anonymous"),
    pytest.param({"compose.yaml": """services:
  dind:
    image: docker:27.3.1-dind
    command: ["--data-root=/docker"]
    privileged: true
"""}, "dind", {"DIND001"}, {"DIND005"}, id="moved-data-root-leaves-image-volume"),
    pytest.param({"compose.yaml": """services:
  dind:
    image: docker:27.3.1-dind
"""}, "dind", {"DIND008"}, {"DIND007"}, id="not-privileged"),
    pytest.param({"compose.yaml": """services:
  dind:
    image: docker:27.3.1-dind
    cap_add: [ALL]
    cap_drop: [SYS_RESOURCE]
    security_opt: [seccomp=unconfined, apparmor=unconfined]
    device_cgroup_rules: ["a *:* rwm"]
"""}, "dind", set(), {"DIND007", "DIND008"}, id="capabilities-instead-of-privileged"),
    pytest.param({"compose.yaml": """services:
  dind:
    image: docker:27.3.1-dind
    cap_add: [SYS_ADMIN]
    security_opt: [seccomp:unconfined, apparmor:unconfined]
"""}, "dind", {"DIND008"}, set(), id="sys-admin-is-not-enough"),
    pytest.param({"compose.yaml": """services:
  dind:
    image: docker:27.3.1-dind
    runtime: sysbox-runc
"""}, "dind", set(), {"DIND007", "DIND008"}, id="sysbox-needs-no-privileges"),
    pytest.param({"compose.yaml": """services:
  dind:
    image: docker:dind
    privileged: yes
    network_mode: host
    environment:
      - DOCKER_TLS_CERTDIR=
"""}, "dind", {"DIND007", "DIND010", "DIND012", "DIND015"}, set(),
        id="list-env-empty-certdir-host-network"),
    pytest.param({"compose.yaml": """services:
  dind:
    image: docker:19.03.1-dind
    privileged: true
    environment:
      DOCKER_DRIVER: overlay
"""}, "dind", set(), {"DIND013"}, id="overlay-still-exists-in-19.03"),
    pytest.param({"compose.yaml": """services:
  dind:
    image: docker:24.0.7-dind
    privileged: true
    command: --storage-driver overlay
"""}, "dind", {"DIND013"}, set(), id="overlay-removed-in-24"),
    pytest.param({"compose.yaml": """services:
  builder:
    build: ./img
    privileged: true
""", "img/Dockerfile": "FROM golang:1.22 AS build\nFROM docker:26.1-dind\n"},
        "builder", {"DIND005", "DIND007"}, set(), id="dockerfile-from-dind"),
    pytest.param({"compose.yaml": """services:
  app:
    image: example/app:1
    volumes:
      - cache:/var/lib/docker
    privileged: true
volumes:
  cache:
"""}, "app", {"DIND007"}, {"DIND001"}, id="fresh-volume-at-data-root-means-dind"),
    pytest.param({"compose.yaml": """services:
  engine:
      build:
        context: ./testdata
        dockerfile: engine/Dockerfile
      privileged: true
      command: ['--insecure-registry=registry:5000', '--experimental']
      environment:
        - DOCKER_TLS_CERTDIR=
"""}, "engine", {"DIND007", "DIND010"}, {"DIND001", "DIND005", "DIND008"},
        id="engine-built-from-a-missing-dockerfile-runs-dockerd-flags"),
    pytest.param({"compose.yaml": """services:
  portainer:
    image: portainer/portainer-ce:2.21.4
    command: -H unix:///var/run/docker.sock
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
"""}, "portainer", {"DIND009"}, {"DIND001", "DIND008"}, id="portainer-host-flag-is-a-client"),
    pytest.param({"compose.yaml": """services:
  dind:
    image: docker:27.3.1-dind
    privileged: true
    volumes:
      - docker-data:/var/lib/docker
  backup:
    image: alpine:3.20
    command: sh -c "tar czf /backup/docker.tgz -C /var/lib/docker ."
    volumes:
      - docker-data:/var/lib/docker:ro
      - ./backup:/backup
  df-exporter:
    image: acme/docker-df-exporter:2
    volumes:
      - docker-data:/var/lib/docker
      - /var/run/docker.sock:/var/run/docker.sock:ro
volumes:
  docker-data:
"""}, "dind", {"DIND007"}, {"DIND004"}, id="backup-and-exporter-on-the-data-volume-are-no-daemons"),
    pytest.param({"compose.yaml": """services:
  engine:
    build: ./engine
    privileged: true
""", "engine/Dockerfile": """FROM ubuntu:24.04
RUN apt-get update && apt-get install -y docker.io
VOLUME /var/lib/docker
ENTRYPOINT ["dockerd"]
CMD ["--host=unix:///var/run/docker.sock"]
"""}, "engine", {"DIND005", "DIND007"}, {"DIND001"}, id="dockerfile-dockerd-with-its-volume"),
    pytest.param({"compose.yaml": """services:
  engine:
    build: ./engine
    privileged: true
""", "engine/Dockerfile": """FROM alpine:3.20
RUN apk add --no-cache docker-engine
CMD ["dockerd", "--host=unix:///var/run/docker.sock"]
"""}, "engine", {"DIND001", "DIND007"}, set(), id="dockerfile-cmd-dockerd-without-volume"),
    pytest.param({"compose.yaml": """services:
  cadvisor:
    image: gcr.io/cadvisor/cadvisor:v0.49.1
    privileged: true
    volumes:
      - /var/lib/docker/:/var/lib/docker:ro
      - /var/run:/var/run:ro
"""}, "cadvisor", {"DIND009"}, {"DIND007", "DIND001"}, id="cadvisor-is-not-dind"),
    pytest.param({"compose.yaml": """services:
  dind:
    image: docker:27.3.1-dind
    privileged: true
    volumes:
      - sock:/var/run
  app:
    image: example/app:1
    volumes:
      - sock:/var/run
volumes:
  sock:
"""}, "app", set(), {"DIND009"}, id="socket-shared-from-dind-is-not-host-socket"),
])
def test_rules_on_compose(tmp_path: Path, files: dict[str, str], service: str,
                          expected: set[str], absent: set[str]) -> None:
    report = lint_tree(tmp_path, files)
    assert report.errors == ()
    got = ids(report, service)
    assert expected <= got
    assert not (absent & got)


def test_findings_point_at_the_proving_key(tmp_path: Path) -> None:
    report = lint_tree(tmp_path, {"compose.yaml": """services:
  dind:
    image: docker:dind
    privileged: true
    ports:
      - "2375:2375"
    environment:
      DOCKER_TLS_CERTDIR: ""
"""})
    assert found(report) >= {("DIND012", "dind", 3), ("DIND007", "dind", 4),
                             ("DIND010", "dind", 5)}
    finding = next(f for f in report.findings if f.rule_id == "DIND010")
    assert finding.severity.value == "error"
    assert (finding.location.column, finding.location.path) == (5, str(tmp_path / "compose.yaml"))


def test_override_file_is_merged(tmp_path: Path) -> None:
    report = lint_tree(tmp_path, {
        "compose.yaml": f"services:\n  dind:\n    {DIND}",
        "compose.override.yaml": "services:\n  dind:\n    volumes:\n      - data:/var/lib/docker\n"
                                 "volumes:\n  data:\n",
    })
    assert "DIND005" not in ids(report, "dind")
    assert len(report.targets) == 1
    assert len(report.targets[0].paths) == 2


def test_dash_f_merges_in_order(tmp_path: Path) -> None:
    report = lint_tree(tmp_path, {
        "base.yml": "services:\n  gw:\n    image: example/gw:1\n",
        "dind.yml": "services:\n  dind:\n    image: docker:dind\n    privileged: true\n"
                    "    environment:\n      DOCKER_TLS_CERTDIR: ''\n"
                    "  gw:\n    environment:\n      DOCKER_HOST: tcp://dind:2376\n",
    }, merge=["base.yml", "dind.yml"])
    assert ("DIND011", "gw", 9) in found(report)


def test_extends_other_file(tmp_path: Path) -> None:
    report = lint_tree(tmp_path, {
        "common.yml": "services:\n  base:\n    image: docker:dind\n    privileged: true\n",
        "compose.yaml": "services:\n  dind:\n    extends:\n      file: common.yml\n"
                        "      service: base\n",
    })
    findings = {(f.rule_id, f.subject_name) for f in report.findings}
    assert ("DIND012", "dind") in findings
    unpinned = next(f for f in report.findings if f.rule_id == "DIND012")
    assert unpinned.location.path is not None
    assert unpinned.location.path.endswith("common.yml")


def test_interpolation_and_dotenv(tmp_path: Path) -> None:
    report = lint_tree(tmp_path, {
        ".env": "DIND_TAG=dind\n",
        "compose.yaml": "services:\n  dind:\n    image: docker:${DIND_TAG}\n"
                        "    privileged: true\n    volumes:\n"
                        "      - ${DATA:-cache}:/var/lib/docker\nvolumes:\n  cache:\n",
    })
    assert {"DIND012"} <= ids(report, "dind")
    assert "DIND005" not in ids(report, "dind")


def test_unresolved_variable_is_kept_and_noted(tmp_path: Path) -> None:
    report = lint_tree(tmp_path, {"compose.yaml": "services:\n  dind:\n    image: docker:dind\n"
                                  "    privileged: true\n    volumes:\n"
                                  "      - ${NOPE}:/var/lib/docker\n"})
    assert report.errors == ()
    assert any("NOPE" in n for n in report.notes)
    daemon = next(s for s in report.targets[0].subjects if s["kind"] == "daemon")
    assert daemon["data_root"]["mount"]["source"] == "${NOPE}"


def test_replicas_and_volumes_from_share_a_data_root(tmp_path: Path) -> None:
    report = lint_tree(tmp_path, {"compose.yaml": f"""services:
  a:
    {DIND}    volumes:
      - shared:/var/lib/docker
  b:
    {DIND}    volumes_from:
      - a
  pool:
    {DIND}    scale: 2
    volumes:
      - ./pool:/var/lib/docker
  anon:
    {DIND}    deploy:
      replicas: 4
volumes:
  shared:
"""})
    shared = {f.subject_name: f.evidence["data_root.shared_with"]
              for f in report.findings if f.rule_id == "DIND004"}
    assert shared == {"a": ["b"], "b": ["a"], "pool": ["2 replicas of pool"]}


@pytest.mark.parametrize(("client_env", "expected"), [
    pytest.param("DOCKER_HOST: tcp://docker:2376\n      DOCKER_TLS_VERIFY: '1'", None,
                 id="tls-agrees"),
    pytest.param("DOCKER_HOST: tcp://docker:2375", "not on 2375", id="wrong-port"),
    pytest.param("DOCKER_HOST: tcp://docker:2376", "plain HTTP", id="no-tls-client"),
    pytest.param("DOCKER_HOST: tcp://other:2375", None, id="unrelated-host"),
])
def test_tls_mode_mismatch(tmp_path: Path, client_env: str, expected: str | None) -> None:
    report = lint_tree(tmp_path, {"compose.yaml": f"""services:
  docker:
    {DIND}
  client:
    image: docker:27.3.1-cli
    environment:
      {client_env}
"""})
    mismatch = [f for f in report.findings if f.rule_id == "DIND011"]
    if expected is None:
        assert mismatch == []
    else:
        assert len(mismatch) == 1
        assert expected in mismatch[0].message


@pytest.mark.parametrize(("depends", "healthcheck", "fires"), [
    pytest.param("depends_on: [docker]", "", True, id="started-only"),
    pytest.param("depends_on:\n      docker:\n        condition: service_healthy",
                 "healthcheck:\n      test: [CMD, docker, info]", False, id="healthy"),
    pytest.param("depends_on:\n      docker:\n        condition: service_healthy",
                 "", True, id="healthy-without-healthcheck"),
])
def test_startup_race(tmp_path: Path, depends: str, healthcheck: str, fires: bool) -> None:
    report = lint_tree(tmp_path, {"compose.yaml": f"""services:
  docker:
    {DIND}    {healthcheck}
  client:
    image: docker:27.3.1-cli
    environment:
      DOCKER_HOST: tcp://docker:2376
      DOCKER_TLS_VERIFY: "1"
    {depends}
"""})
    assert ("DIND014" in ids(report, "client")) is fires


def test_cmd_shell_split_healthcheck(tmp_path: Path) -> None:
    report = lint_tree(tmp_path, {"compose.yaml": f"""services:
  docker:
    {DIND}    healthcheck:
      test: ["CMD-SHELL", "docker", "info"]
"""})
    assert ("DIND016", "docker", 5) in found(report)


def test_inline_suppression(tmp_path: Path) -> None:
    report = lint_tree(tmp_path, {"compose.yaml": f"""services:
  docker:
    {DIND}    x-dindcheck:
      ignore: [DIND007, ephemeral-cache]
"""})
    assert ids(report, "docker") == set()
    assert report.suppressed == 2


@pytest.mark.parametrize(("client_image", "daemon_image", "fires"), [
    pytest.param("docker:20.10.24-cli", "docker:29.1.3-dind", True, id="old-cli-new-daemon"),
    pytest.param("docker:29.1.3-cli", "docker:20.10.24-dind", True, id="new-cli-old-daemon"),
    pytest.param("docker:28.5-cli", "docker:20.10-dind", False, id="28-negotiates-down"),
    pytest.param("docker:27-cli", "docker:29-dind", False, id="27-meets-1.44"),
    pytest.param("docker:cli", "docker:29.1.3-dind", False, id="unknown-client-version"),
])
def test_api_version_skew(tmp_path: Path, client_image: str, daemon_image: str,
                          fires: bool) -> None:
    report = lint_tree(tmp_path, {"compose.yaml": f"""services:
  docker:
    image: {daemon_image}
    privileged: true
  client:
    image: {client_image}
    environment:
      DOCKER_HOST: tcp://docker:2376
      DOCKER_TLS_VERIFY: "1"
"""})
    assert ("DIND018" in ids(report, "client")) is fires


@pytest.mark.parametrize(("image", "driver", "command", "expected"), [
    pytest.param("docker:dind", "overlay2", "", set(), id="moving-tag-overlay2-works"),
    pytest.param("docker:29.1.3-dind", "overlay2", "", set(), id="29-overlay2-is-graph-driver"),
    pytest.param("docker:29-dind", "vfs", "", {"DIND002"}, id="29-vfs-is-graph-driver"),
    pytest.param("docker:28.5.2-dind", "overlay2", "", set(), id="28-has-graph-drivers"),
    pytest.param("docker:27.4.1-dind", "overlay2", "[--feature, containerd-snapshotter=true]",
                 {"DIND020"}, id="27-feature-on-overlay2"),
    pytest.param("docker:29.1.3-dind", "overlay2", "[--feature=containerd-snapshotter]",
                 {"DIND020"}, id="29-feature-on-overlay2"),
    pytest.param("docker:29.1.3-dind", "overlayfs", "[--feature, containerd-snapshotter=true]",
                 set(), id="29-feature-on-snapshotter-name"),
    pytest.param("docker:29.1.3-dind", "overlay2", "[--feature, containerd-snapshotter=false]",
                 set(), id="29-feature-off"),
    pytest.param("docker:29.0.0-dind", "fuse-overlayfs", "", {"DIND020"},
                 id="29.0.0-other-graph-driver-as-snapshotter"),
    pytest.param("docker:29.1.3-dind", "fuse-overlayfs", "", set(),
                 id="29.1-registered-graph-driver"),
    pytest.param("docker:29.0-dind", "fuse-overlayfs", "", set(),
                 id="29.0-line-brings-29.0.1-or-later"),
    pytest.param("docker:29.0.0-dind", "zfs", "", set(), id="29.0.0-zfs-is-a-snapshotter"),
    pytest.param("docker:dind", "overlay", "", {"DIND013"}, id="removed-driver"),
])
def test_driver_env_against_engine_version(tmp_path: Path, image: str, driver: str,
                                           command: str, expected: set[str]) -> None:
    report = lint_tree(tmp_path, {"compose.yaml": f"""services:
  dind:
    image: {image}
    privileged: true
    {"command: " + command if command else ""}
    environment:
      DOCKER_DRIVER: {driver}
"""})
    assert ids(report, "dind") & {"DIND002", "DIND013", "DIND020"} == expected


def test_process_pool_gives_the_same_report(tmp_path: Path) -> None:
    from dindcheck.lint import PARALLEL_THRESHOLD, lint
    from dindcheck.report import RenderOptions, renderer
    from tests.lintcase import RULES

    for i in range(PARALLEL_THRESHOLD + 10):
        folder = tmp_path / f"p{i:03}"
        folder.mkdir()
        # an interpolated image: its value goes back from the workers with how it was written
        tag = "${TAG:-27}-dind" if i % 5 == 0 else "dind" if i % 2 else "27.3-dind"
        (folder / "compose.yaml").write_text(
            f"services:\n  dind{i % 7}:\n    image: docker:{tag}\n"
            f"    privileged: {'true' if i % 3 else 'false'}\n")
    render = renderer("json")
    serial = render(lint([tmp_path], RULES, environ={}, jobs=1), RenderOptions())
    pooled = render(lint([tmp_path], RULES, environ={}, jobs=2), RenderOptions())
    assert serial == pooled
    assert '"rule_id": "DIND008"' in serial


@pytest.mark.parametrize(("files", "targets"), [
    pytest.param({"compose.yaml": "include: [sub/compose.yaml]\nservices: {a: {image: x}}\n",
                  "sub/compose.yaml": "services: {b: {image: y}}\n"}, ["compose.yaml"],
                 id="compose-include"),
    pytest.param({".gitlab-ci.yml": "include: {local: ci/build.gitlab-ci.yml}\n",
                  "ci/build.gitlab-ci.yml": "build: {image: docker:27, script: [x]}\n"},
                 [".gitlab-ci.yml"], id="gitlab-include-local"),
    pytest.param({"sub/compose.yaml": "services: {b: {image: y}}\n",
                  "other/compose.yaml": "services: {c: {image: y}}\n"},
                 ["other/compose.yaml", "sub/compose.yaml"], id="unrelated-projects"),
])
def test_a_file_read_as_part_of_a_project_is_not_linted_again_alone(
        tmp_path: Path, files: dict[str, str], targets: list[str]) -> None:
    write_tree(tmp_path, files)
    report = lint([tmp_path], RULES, jobs=1, environ={})
    assert [str(Path(t.paths[0]).relative_to(tmp_path)) for t in report.targets] == targets


@pytest.mark.parametrize(("files", "name"), [
    pytest.param({"compose.yaml": """services:
  dind:
    image: docker:27.3.1-dind
    privileged: true
    volumes:
      - /var/lib/docker:/var/lib/docker
"""}, "dind", id="compose"),
    pytest.param({"ci/run-dind.sh": """#!/bin/sh
docker run -d --privileged --name builder -v /var/lib/docker/builder:/var/lib/docker \\
  docker:27.3.1-dind
"""}, "builder", id="docker-run-a-folder-in-it"),
    pytest.param({"k8s/dind.yaml": """apiVersion: v1
kind: Pod
metadata:
  name: dind
spec:
  containers:
    - name: dind
      image: docker:27.3.1-dind
      securityContext:
        privileged: true
      volumeMounts:
        - name: docker
          mountPath: /var/lib/docker
  volumes:
    - name: docker
      hostPath:
        path: /var/lib/docker
"""}, "default/dind/dind", id="kubernetes-host-path"),
])
def test_the_host_data_root_bound_in_is_shared_with_the_host_engine(
        tmp_path: Path, files: dict[str, str], name: str) -> None:
    report = lint_tree(tmp_path, files)
    (finding,) = [f for f in report.findings if f.rule_id == "DIND004"]
    assert (finding.subject_name, finding.severity.value) == (name, "error")
    assert "the host's Docker engine (assumed:" in finding.message
    assert "ignore DIND004" in finding.message
    assert finding.evidence["data_root.mount.outer_root_assumed"] is True


SHARED_CACHE = """services:
  dind-a:
    image: docker:27.3.1-dind
    privileged: true
    volumes:
      - cache:/var/lib/docker
  dind-b:
    image: docker:27.3.1-dind
    privileged: true
    volumes:
      - cache:/var/lib/docker
volumes:
  cache:
"""


@pytest.mark.parametrize(("override", "covered_by", "shared"), [
    pytest.param(None, "volume", True, id="no-override"),
    pytest.param("services:\n  dind-b:\n    volumes: !reset []\n", "image_volume", False,
                 id="reset-removes-the-volume"),
    pytest.param("services:\n  dind-b:\n    volumes: !override\n      - own:/var/lib/docker\n"
                 "volumes:\n  own:\n", "volume", False, id="override-replaces-it"),
])
def test_compose_reset_and_override_decide_the_data_root(
        tmp_path: Path, override: str | None, covered_by: str, shared: bool) -> None:
    files = {"compose.yaml": SHARED_CACHE, **({"ci.yaml": override} if override else {})}
    report = lint_tree(tmp_path, files, merge=["compose.yaml", *(["ci.yaml"] if override else [])])
    (daemon,) = [s for t in report.targets for s in t.subjects if s["name"] == "dind-b"
                 and s["kind"] == "daemon"]
    assert daemon["data_root"]["covered_by"] == covered_by
    assert daemon["data_root"]["shared"] is shared
    assert ("DIND004" in ids(report, "dind-a")) is shared


def test_daemons_borrowing_one_data_container_share_it(tmp_path: Path) -> None:
    report = lint_tree(tmp_path, {"compose.yaml": """services:
  docker-data:
    image: busybox:1.36
    command: "true"
    volumes:
      - /var/lib/docker
  dind-1:
    image: docker:27.3.1-dind
    privileged: true
    volumes_from:
      - docker-data
  dind-2:
    image: docker:27.3.1-dind
    privileged: true
    volumes_from:
      - docker-data:ro
"""})
    assert {f.subject_name for f in report.findings if f.rule_id == "DIND004"} == {
        "dind-1", "dind-2"}
    assert ids(report, "docker-data") == set()


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found.update(int(p) for p in text.split())
    return found


def _parallel_lint(tmp_path: Path) -> tuple[subprocess.Popen[bytes], set[int]]:
    """``dindcheck lint -j 2`` on 600 projects, once both its workers run."""
    import time

    from tests.repo import dindcheck_command

    for i in range(600):
        write_tree(tmp_path / f"p{i}", {"compose.yaml": "services:\n" + "".join(
            f"  s{j}: {{image: 'docker:dind', privileged: true}}\n" for j in range(40))})
    proc = subprocess.Popen([*dindcheck_command(), "lint", str(tmp_path), "-j", "2",
                             "--json"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        time.sleep(0.05)
    assert len(workers) >= 2, "the pool did not start"
    return proc, workers


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_sigterm_stops_a_parallel_lint_and_its_workers(tmp_path: Path) -> None:
    import os
    import signal
    import time

    proc, workers = _parallel_lint(tmp_path)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143
    assert b"terminated" in err
    time.sleep(0.5)
    alive = {pid for pid in workers if Path(f"/proc/{pid}").exists()
             and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]}
    assert alive == set(), "workers outlived their parent"
    for pid in workers:  # leave nothing behind should the assertion above have failed
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
@pytest.mark.parametrize("signum", ["SIGTERM", "SIGKILL"])
def test_a_worker_killed_from_outside_ends_the_run_unpassed(tmp_path: Path, signum: str) -> None:
    import os
    import signal

    proc, workers = _parallel_lint(tmp_path)
    os.kill(min(workers), getattr(signal, signum))
    try:
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 2
    assert b"Traceback" not in err
    assert err.count(b"\n") == 1
    assert b"worker process ended" in err


def test_reads_stay_inside_the_root_unless_allowed(tmp_path: Path) -> None:
    write_tree(tmp_path, {"outside/.env": "TLS=\n",
                          "repo/.git/HEAD": "",
                          "repo/app/compose.yaml": "services:\n  dind:\n"
                          "    image: docker:27-dind\n    env_file: [../../outside/.env]\n"})
    kept = lint([tmp_path / "repo" / "app"], RULES, jobs=1, environ={})
    assert any("outside" in e.message and "not read" in e.message for e in kept.errors)
    assert kept.exit_code("never") == 2  # what it holds was not checked: not a pass
    assert "TLS=" not in repr(kept)
    allowed = lint([tmp_path / "repo" / "app"], RULES, jobs=1, environ={}, allow_outside=True)
    assert allowed.errors == ()


def test_a_walk_reads_nothing_outside_the_repository(tmp_path: Path) -> None:
    """The root is known before the walk: linked files and folders that resolve outside
    the repository are not read (a problem; a note for a folder), nor is their content
    shown."""
    write_tree(tmp_path, {"outside/compose.yml": "services:\n  s3cr3t: {image: s3cr3t}\n",
                          "repo/.git/HEAD": "",
                          "repo/app/compose.yaml": "services:\n  dind:\n"
                          "    image: docker:27-dind\n    privileged: true\n"})
    (tmp_path / "repo" / "app" / "docker-compose.yml").symlink_to(
        tmp_path / "outside" / "compose.yml")
    (tmp_path / "repo" / "vendor").symlink_to(tmp_path / "outside")
    kept = lint([tmp_path / "repo" / "app", tmp_path / "repo" / "vendor"], RULES, jobs=1,
                environ={})
    assert kept.exit_code("never") == 2
    assert [(e.path, "outside" in e.message) for e in kept.errors] == [
        (str(tmp_path / "repo" / "app" / "docker-compose.yml"), True),
        (str(tmp_path / "repo" / "vendor"), True)]
    assert "s3cr3t" not in repr(kept)
    assert {f.subject_name for f in kept.findings} == {"dind"}
    walked = lint([tmp_path / "repo"], RULES, jobs=1, environ={})
    assert any("vendor" in n and "not walked" in n for n in walked.notes)
    assert "s3cr3t" not in repr(walked)


def test_a_folder_with_nothing_to_lint_is_not_a_pass(tmp_path: Path) -> None:
    (tmp_path / "README.txt").write_text("hello\n")
    report = lint([tmp_path], RULES, jobs=1, environ={})
    assert report.exit_code("error") == 2
    assert "nothing was checked" in report.errors[0].message


# --- any tree of links and special files: bounded, never silent, nothing from outside --

_TREE_NAMES = ["compose.yaml", "docker-compose.override.yml", ".gitlab-ci.yml",
               ".github/workflows/ci.yml", "k8s/pod.yaml", "ci/build.sh", "Makefile",
               "Jenkinsfile", "sub/compose.yml", "notes.txt"]
_TREE_FORMS = ["regular", "fifo", "dev-zero", "outside-file", "outside-dir", "loop",
               "dangling", "parent-dir"]
_UNREAD = {"fifo", "dev-zero", "outside-file", "loop", "dangling"}  # a problem when input-named


def _plant(root: Path, outside: Path, name: str, form: str) -> None:
    import os

    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        return
    if form == "regular":
        path.write_text("services:\n  dind:\n    image: docker:27-dind\n    privileged: true\n"
                        if "compose" in name else "# nothing here\n")
    elif form == "fifo":
        os.mkfifo(path)
    elif form == "dev-zero":
        path.symlink_to("/dev/zero")
    elif form == "outside-file":
        path.symlink_to(outside / "secret.yaml")
    elif form == "outside-dir":
        path.symlink_to(outside)
    elif form == "loop":
        path.symlink_to(path.name)
    elif form == "dangling":
        path.symlink_to(root / "gone")
    else:
        path.symlink_to(os.path.relpath(root, path.parent))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(_TREE_NAMES), st.sampled_from(_TREE_FORMS)),
                min_size=1, max_size=6))
def test_a_tree_of_links_and_special_files(tmp_path_factory: pytest.TempPathFactory,
                                           planted: list[tuple[str, str]]) -> None:
    """Whatever a tree holds, a lint of it ends at once, reads nothing outside the root,
    and exits 2 when a file named like an input was not read."""
    import signal
    import time

    base = tmp_path_factory.mktemp("tree")
    root, outside = base / "repo", base / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: s3cr3t}\nspec:\n  containers:\n"
        "  - {name: s3cr3t, image: s3cr3t-image}\n")
    (outside / "compose.yaml").write_text("services:\n  s3cr3t: {image: s3cr3t-image}\n")
    root.mkdir()
    kept: dict[str, str] = {}
    for name, form in planted:
        _plant(root, outside, name, form)
        kept.setdefault(name, form)

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError("the lint blocked")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(10)
    start = time.monotonic()
    try:
        report = lint([root], RULES, jobs=1, environ={})
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - start < 5
    assert "s3cr3t" not in repr(report)
    unread = {n for n, form in kept.items() if form in _UNREAD and n != "notes.txt"}
    if unread:
        assert report.exit_code("never") == 2, (kept, report.errors)
        named = {str(Path(e.path).relative_to(root)) for e in report.errors
                 if Path(e.path).is_relative_to(root)}
        assert unread <= named, (kept, report.errors)
