"""The live audit against a real, private Docker engine (no mocks).

One module fixture starts every scenario container on the session's engine, waits
until each has settled (polling, no blind sleeps), audits the engine once, and the
tests read that audit. Tests that need their own audit (event stream, --no-exec,
a vanished container) run it themselves.

Set ``DINDCHECK_RECORD_LIVE=path.json`` to write the observation the audit made, to
refresh ``tests/sources/live/data/scenarios.json`` for the offline tests.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dindcheck.catalogue import load_catalogue
from dindcheck.engine import evaluate
from dindcheck.evaluate import evaluate_setup
from dindcheck.model import Finding, InputProblem, Report, Subject, Target
from dindcheck.sources.live import engine as live
from tests.engine_harness import (
    BUSYBOX_IMAGE,
    DIND_IMAGE,
    DIND_RUN_FLAGS,
    ENGINE_MTU,
    Engine,
    container_state,
    dind_command,
    inner_info,
    loop_ext4,
    wait_for,
)
from tests.factmodel import schema_errors

pytestmark = pytest.mark.docker

SECRET = "hunter2-do-not-print"
TOKEN = "tok-3f9a-do-not-print"
RUNNING_DIND = ("dind-layer", "dind-volume", "shared-a", "dind-loop")
CONTAINERS = (*RUNNING_DIND, "shared-b", "sock-ro", "no-cli", "client", "priv-created",
              "bind-created", "outer-root", "anon-created", "no-privileges")
VOLUMES = ("dind-cache", "shared-root")


def audit_targets(endpoints: list[str | None], **options: Any,
                  ) -> tuple[list[Target], list[InputProblem], list[str]]:
    """The audit's targets (with their subjects), its problems and notes."""
    setups, problems, notes = live.audit_endpoints(endpoints, **options)
    return [evaluate_setup(s, load_catalogue()).target for s in setups], problems, notes


@dataclass
class Scene:
    engine: Engine
    targets: list[Target]
    problems: list[InputProblem]
    notes: list[str]
    findings: list[Finding]
    host_dir: Path
    loop_dir: Path

    @property
    def subjects(self) -> list[Subject]:
        return [s for t in self.targets for s in t.subjects]

    def subject(self, name: str, kind: str = "daemon") -> Subject:
        found = [s for s in self.subjects if s["name"] == name and s["kind"] == kind]
        assert len(found) == 1, f"{kind} {name}: {len(found)} subjects; log {self.engine.log_path}"
        return found[0]

    def found(self, rule_id: str) -> list[Finding]:
        return [f for f in self.findings if f.rule_id == rule_id]

    def found_for(self, name: str) -> set[str]:
        return {f.rule_id for f in self.findings if f.subject_name == name}


def _start_scenarios(engine: Engine, host_dir: Path, loop_dir: Path) -> None:
    """Every container first, then wait: the inner daemons start in parallel."""
    run = engine.docker
    for volume in VOLUMES:
        run("volume", "create", volume)
    dind = (*DIND_RUN_FLAGS, DIND_IMAGE)
    run("run", "-d", "--name", "dind-layer", *dind)
    run("run", "-d", "--name", "dind-volume", "-v", "dind-cache:/var/lib/docker",
        "-e", f"REGISTRY_PASSWORD={SECRET}",
        "-e", 'DOCKER_AUTH_CONFIG={"auths": {"registry.example": {"auth": "' + TOKEN + '"}}}',
        *dind, *dind_command(), f"--label=ci.token={TOKEN}")
    run("run", "-d", "--name", "shared-a", "-v", "shared-root:/var/lib/docker", *dind)
    run("run", "-d", "--name", "dind-loop", "-v", f"{loop_dir}:/var/lib/docker", *dind)
    run("run", "-d", "--name", "sock-ro", "-v", f"{engine.socket}:/var/run/docker.sock:ro",
        BUSYBOX_IMAGE, "sleep", "3600")
    run("run", "-d", "--name", "no-cli", BUSYBOX_IMAGE, "sh", "-c", "sleep 3600; exec dockerd")
    run("run", "-d", "--name", "client", "-e", "DOCKER_HOST=tcp://dind-volume:2375",
        BUSYBOX_IMAGE, "sleep", "3600")
    run("create", "--name", "priv-created", "--privileged", DIND_IMAGE)
    run("create", "--name", "bind-created", "-v", f"{host_dir}:/var/lib/docker", DIND_IMAGE)
    run("create", "--name", "outer-root", "-v", f"{engine.data_root}/volumes:/var/lib/docker",
        DIND_IMAGE)
    run("create", "--name", "anon-created", "-v", "/var/lib/docker", DIND_IMAGE)
    run("run", "-d", "--name", "no-privileges", DIND_IMAGE)  # its entrypoint cannot mount
    # The second daemon on one data root must start after the first holds it.
    wait_for(lambda: inner_info(engine, "shared-a"), what="inner daemon of shared-a")
    run("run", "-d", "--name", "shared-b", "-v", "shared-root:/var/lib/docker", *dind)
    for name in RUNNING_DIND:
        wait_for(lambda n=name: inner_info(engine, n), what=f"inner daemon of {name}")
    wait_for(lambda: not container_state(engine, "shared-b")["Running"], timeout=90,
             what="shared-b to fail on the shared data root")
    wait_for(lambda: not container_state(engine, "no-privileges")["Running"], timeout=60,
             what="no-privileges to stop")


def _cleanup(engine: Engine) -> None:
    engine.docker("rm", "-f", "-v", *CONTAINERS, check=False)
    engine.docker("volume", "rm", "-f", *VOLUMES, check=False)


@pytest.fixture(scope="module")
def scene(docker_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    base = tmp_path_factory.mktemp("live")
    host_dir = base / "host-data"
    host_dir.mkdir()
    with loop_ext4(base / "loop") as loop_dir:
        try:
            _start_scenarios(docker_engine, host_dir, loop_dir)
            record = os.environ.get("DINDCHECK_RECORD_LIVE")
            if record:
                _record(docker_engine, Path(record))
            targets, problems, notes = audit_targets([docker_engine.url])
            subjects = [s for t in targets for s in t.subjects]
            findings, _ = evaluate(load_catalogue(), subjects)
            yield Scene(docker_engine, targets, problems, notes, findings, host_dir, loop_dir)
        finally:
            _cleanup(docker_engine)


def _record(engine: Engine, path: Path) -> None:
    client = engine.client()
    observation, _ = live.observe_engine(client, engine.url)
    path.write_text(json.dumps(observation.to_json(), indent=1, sort_keys=True) + "\n")


# --------------------------------------------------------------------------- the audit


def test_audit_reads_the_engine_without_problems(scene: Scene) -> None:
    assert scene.problems == []
    assert [t.name for t in scene.targets] == [scene.engine.url]
    host = scene.subject(scene.targets[0].subjects[0]["name"], "host")
    assert host["endpoint"] == scene.engine.url
    assert host["root_dir"] == str(scene.engine.data_root)
    assert host["version"]
    assert host["api_version"]
    assert host["min_api_version"]
    assert host["containerized"] is False
    assert host["storage_driver"]
    assert host["cgroup_version"] in ("1", "2")


def test_every_subject_of_the_real_engine_is_in_the_fact_model(scene: Scene) -> None:
    assert len(scene.subjects) >= 10
    assert [e for s in scene.subjects for e in schema_errors(s)] == []


def test_dind_without_volume_runs_on_vfs_and_is_flagged(scene: Scene) -> None:
    daemon = scene.subject("dind-layer")
    assert daemon["detected_by"] == "command"  # its command runs dockerd
    assert daemon["data_root"]["path"] == "/var/lib/docker"
    assert daemon["data_root"]["covered_by"] == "layer"
    assert daemon["data_root"]["mount"]["type"] == "layer"
    assert daemon["storage_driver"]["observed"] == "vfs"
    assert daemon["storage_driver"]["expected"] == "vfs"
    assert daemon["data_root"]["backing_fs"] == "overlayfs"
    assert daemon["locations"]["data_root"]["field"] == "Mounts"
    assert daemon["state"]["running"] is True
    assert {"DIND001", "DIND002"} <= scene.found_for("dind-layer")
    dind001 = next(f for f in scene.found("DIND001") if f.subject_name == "dind-layer")
    assert dind001.location.endpoint == scene.engine.url
    assert dind001.location.container == "dind-layer"


def test_dind_with_named_volume_runs_overlay2_on_extfs(scene: Scene) -> None:
    daemon = scene.subject("dind-volume")
    mount = daemon["data_root"]["mount"]
    assert (mount["type"], mount["source"], mount["share_key"]) == (
        "volume", "dind-cache", "volume:dind-cache")
    assert mount["persistent"] is True
    assert daemon["data_root"]["shared"] is False
    assert daemon["storage_driver"]["observed"] == "overlay2"
    assert daemon["data_root"]["backing_fs"] == "extfs"
    assert daemon["data_root"]["backing_fs_d_type"] is True
    assert daemon["inner"]["version"] == daemon["engine_version"]
    assert daemon["inner"]["api_version"]
    assert daemon["inner"]["mtu_bridge"] == 1500  # the inner daemon's docker0
    if scene.engine.bridge:  # the outer bridge gives the container a narrower uplink
        assert daemon["inner"]["mtu_uplink"] == ENGINE_MTU
        assert daemon["mtu_mismatch"] is True
        assert "DIND017" in scene.found_for("dind-volume")
    else:
        assert daemon["inner"]["mtu_uplink"] is None
    assert daemon["locations"]["data_root"]["field"].startswith("Mounts[")
    assert not {"DIND001", "DIND002", "DIND003", "DIND004"} & scene.found_for("dind-volume")


def test_two_daemons_on_one_volume_both_named_with_the_stopped_ones_state(scene: Scene) -> None:
    first, second = scene.subject("shared-a"), scene.subject("shared-b")
    assert first["data_root"]["shared_with"] == ["shared-b"]
    assert second["data_root"]["shared_with"] == ["shared-a"]
    assert second["state"]["running"] is False
    assert second["state"]["exit_code"] != 0
    assert first["state"]["running"] is True
    found = {f.subject_name: f for f in scene.found("DIND004")}
    assert set(found) == {"shared-a", "shared-b", "outer-root"}
    assert "shared-b" in found["shared-a"].message
    assert found["shared-b"].evidence["state"]["exit_code"] == second["state"]["exit_code"]


def test_the_daemon_that_died_on_the_shared_data_root_says_so_in_its_log(scene: Scene) -> None:
    second = scene.subject("shared-b")
    log = second["log"]
    assert log["stopped_by"] == "shared_data_root"
    assert "timeout waiting for containerd to start" in log["stopped_line"]
    assert "shared_data_root" in log["causes"]
    dind004 = next(f for f in scene.found("DIND004") if f.subject_name == "shared-b")
    assert dind004.evidence["log.cause_lines.shared_data_root"] == log["cause_lines"][
        "shared_data_root"]
    # Its twin runs with the same flags: it had the privileges, it died of the lock.
    assert second["privileges"]["sufficient"] is True
    assert "DIND008" not in scene.found_for("shared-b")


def test_the_vfs_fallback_shows_in_the_log_of_a_running_dind(scene: Scene) -> None:
    log = scene.subject("dind-layer")["log"]
    assert {"overlay_unsupported", "vfs_fallback"} <= set(log["causes"])
    assert "failed to mount overlay: invalid argument" in log["cause_lines"][
        "overlay_unsupported"]
    assert log["stopped_by"] is None  # it runs
    dind002 = next(f for f in scene.found("DIND002") if f.subject_name == "dind-layer")
    assert "vfs" in dind002.evidence["log.cause_lines.vfs_fallback"]
    assert scene.subject("dind-volume")["log"]["causes"] == []  # overlay2 on a volume


def test_a_dind_container_without_privileges_stops_and_its_log_says_why(scene: Scene) -> None:
    daemon = scene.subject("no-privileges")
    assert daemon["state"]["running"] is False
    assert daemon["log"]["stopped_by"] == "not_privileged"
    assert daemon["privileges"]["decided_by"] == "log"
    finding = next(f for f in scene.found("DIND008") if f.subject_name == "no-privileges")
    assert "permission denied" in finding.evidence["log.cause_lines.not_privileged"]


def test_read_only_socket_mount_is_still_the_host_socket(scene: Scene) -> None:
    mount = scene.subject("sock-ro", "socket_mount")
    assert mount["source"] == str(scene.engine.socket)
    assert (mount["target"], mount["engine"], mount["via"]) == (
        "/var/run/docker.sock", "docker", "bind")
    assert mount["read_only"] is True
    assert mount["host_socket"] is True
    finding = next(f for f in scene.found("DIND009") if f.subject_name == "sock-ro")
    assert finding.location.field == "Mounts[0]"


def test_privileged_container_that_never_started(scene: Scene) -> None:
    daemon = scene.subject("priv-created")
    assert daemon["privileged"] is True
    assert daemon["state"]["status"] == "created"
    assert daemon["state"]["running"] is False
    assert daemon["inner"] is None
    assert "created but never started: the inner daemon was not probed" in daemon["notes"]
    finding = next(f for f in scene.found("DIND007") if f.subject_name == "priv-created")
    assert finding.location.field == "HostConfig.Privileged"


def test_data_root_on_a_loop_mounted_sparse_ext4_file(scene: Scene) -> None:
    daemon = scene.subject("dind-loop")
    mount = daemon["data_root"]["mount"]
    assert (mount["type"], mount["source"]) == ("bind", str(scene.loop_dir))
    assert mount["share_key"] == f"bind:{scene.loop_dir}"
    assert "into_outer_root" not in mount
    assert daemon["data_root"]["backing_fs"] == "extfs"
    assert daemon["storage_driver"]["observed"] == "overlay2"
    assert not {"DIND001", "DIND002", "DIND003"} & scene.found_for("dind-loop")


def test_host_path_bind_and_a_bind_into_the_outer_data_root(scene: Scene) -> None:
    plain = scene.subject("bind-created")["data_root"]["mount"]
    assert (plain["type"], plain["source"]) == ("bind", str(scene.host_dir))
    assert "into_outer_root" not in plain
    inside = scene.subject("outer-root")["data_root"]
    assert inside["mount"]["type"] == "bind"
    assert inside["mount"]["into_outer_root"] is True
    assert inside["mount"]["outer_root"] == str(scene.engine.data_root)
    assert inside["mount"]["outer_root_assumed"] is False
    assert inside["shared_with"] == [
        f"the host's Docker engine (its data root is {scene.engine.data_root})"]
    assert "DIND004" in scene.found_for("outer-root")
    assert "DIND004" not in scene.found_for("bind-created")


def test_anonymous_volume_at_the_data_root(scene: Scene) -> None:
    daemon = scene.subject("anon-created")
    mount = daemon["data_root"]["mount"]
    assert mount["type"] == "anonymous_volume"
    assert mount["persistent"] is False
    assert len(mount["source"]) == 64
    assert daemon["locations"]["data_root"]["field"] == "Config.Volumes"
    assert "DIND005" in scene.found_for("anon-created")


def test_daemon_found_by_its_command_in_a_container_without_docker_cli(scene: Scene) -> None:
    daemon = scene.subject("no-cli")
    assert daemon["detected_by"] == "command"
    assert daemon["data_root"]["backing_fs"] == "overlayfs"  # from /proc/self/mounts
    assert daemon["storage_driver"]["observed"] is None
    assert any("no docker CLI" in n for n in daemon["notes"])
    assert any(n == "container no-cli has no docker CLI: inner facts not read"
               for n in scene.notes)


def test_client_resolved_to_its_daemon(scene: Scene) -> None:
    client = scene.subject("client", "client")
    assert client["daemon"] == "dind-volume"
    assert client["tls_agrees"] is False  # the daemon listens on its unix socket only
    assert "client" in scene.subject("dind-volume")["clients"]
    assert "DIND011" in scene.found_for("client")


def test_plain_containers_are_no_subjects(scene: Scene) -> None:
    names = {s["name"] for s in scene.subjects if s["kind"] == "daemon"}
    assert "sock-ro" not in names
    assert "client" not in names


def test_secrets_never_reach_a_subject(scene: Scene) -> None:
    text = json.dumps(list(scene.subjects)) + json.dumps(scene.notes)
    text += json.dumps([f.message for f in scene.findings] + [f.evidence for f in scene.findings])
    assert SECRET not in text
    assert TOKEN not in text
    daemon = scene.subject("dind-volume")
    assert daemon["environment"] == {"DOCKER_AUTH_CONFIG": "<redacted>"}
    assert "--label=ci.token=<redacted>" in daemon["command"]
    assert "--label=ci.token=<redacted>" in daemon["observed_command"]


# --------------------------------------------------------------------------- read-only


def _events(engine: Engine, since: float, until: float) -> list[dict[str, Any]]:
    client = engine.client()
    return list(client.events(since=since, until=until, decode=True))


def test_the_audit_only_reads_the_engine_event_stream_proves_it(scene: Scene) -> None:
    engine = scene.engine
    since = time.time() - 0.5
    audit_targets([engine.url])
    until = time.time() + 0.5
    events = _events(engine, since, until)
    actions = {str(e.get("Action") or e.get("status")).split(":")[0] for e in events}
    # `top` (the processes of running containers) is a read the engine also logs.
    assert actions == {"exec_create", "exec_start", "exec_die", "top"}, events
    assert all(e.get("Type") == "container" for e in events)

    since = time.time() - 0.5
    targets, _, notes = audit_targets([engine.url], exec_probes=False)
    until = time.time() + 0.5
    assert _events(engine, since, until) == []
    assert live.NOTE_NO_EXEC in notes
    no_exec = next(s for s in targets[0].subjects if s["name"] == "dind-volume")
    assert no_exec["inner"] is None
    assert no_exec["storage_driver"]["observed"] is None
    assert any("probes off" in n for n in no_exec["notes"])
    # Logs are a plain read: still there without probes, and the fallback with them.
    layer = next(s for s in targets[0].subjects if s["name"] == "dind-layer")
    assert "vfs_fallback" in layer["log"]["causes"]


def test_a_container_that_vanishes_between_list_and_inspect(scene: Scene) -> None:
    engine = scene.engine
    engine.docker("create", "--name", "short-lived", BUSYBOX_IMAGE, "true")

    def remove_it(ids: list[str]) -> None:
        engine.docker("rm", "-f", "short-lived")

    (target,), problems, notes = audit_targets([engine.url], environ={},
                                                      after_list=remove_it)
    assert problems == []
    assert "container short-lived vanished during the audit" in notes
    assert {s["name"] for s in target.subjects} >= {"dind-layer", "sock-ro"}


FAKE_CLI = "printf '#!/bin/sh\\nexec sleep 30\\n' > /bin/docker && chmod +x /bin/docker"


def test_a_probe_that_hangs_is_cut_off_and_noted(scene: Scene) -> None:
    engine = scene.engine
    engine.docker("run", "-d", "--name", "hanging-cli", BUSYBOX_IMAGE, "sh", "-c",
                  f"{FAKE_CLI} && sleep 3600; exec dockerd")
    try:
        wait_for(lambda: engine.docker("exec", "hanging-cli", "test", "-x", "/bin/docker",
                                       check=False).returncode == 0, what="the fake CLI")
        started = time.monotonic()
        targets, problems, notes = audit_targets([engine.url], probe_timeout=1)
        elapsed = time.monotonic() - started
    finally:
        engine.docker("rm", "-f", "hanging-cli", check=False)
    assert problems == []
    assert "container hanging-cli: `docker info --format {{json .}}` did not finish within " \
        "the probe timeout" in notes
    daemon = next(s for s in targets[0].subjects if s["name"] == "hanging-cli")
    assert daemon["storage_driver"]["observed"] is None
    assert daemon["data_root"]["backing_fs"] == "overlayfs"  # the other probes still ran
    assert elapsed < 10


def test_an_unreachable_endpoint_beside_a_working_one(scene: Scene, tmp_path: Path) -> None:
    missing = f"unix://{tmp_path}/no.sock"
    targets, problems, _ = audit_targets([scene.engine.url, missing])
    assert [t.name for t in targets] == [scene.engine.url]
    assert [(p.kind, p.path) for p in problems] == [("engine", missing)]
    report = Report(mode="audit", targets=(), findings=(), errors=tuple(problems))
    assert report.exit_code("error") == 3
