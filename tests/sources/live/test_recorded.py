"""The live audit without an engine: recorded observations, endpoint resolution, failures.

``data/scenarios.json`` is what ``observe_engine`` read from the private test
engine with the scenarios of test_engine.py running (refresh it with
``DINDCHECK_RECORD_LIVE=tests/sources/live/data/scenarios.json pytest -m docker
tests/sources/live/test_engine.py``). Connection failures are produced with real
sockets that misbehave on purpose.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dindcheck.catalogue import load_catalogue
from dindcheck.engine import evaluate
from dindcheck.model import Finding, Subject
from dindcheck.redact import docker_env, redact_argv, redact_text
from dindcheck.sources.live import engine as live
from dindcheck.sources.live.endpoints import Endpoint, EndpointError, resolve
from dindcheck.sources.live.inspect import published_ports
from dindcheck.sources.live.observation import ContainerObservation, EngineObservation
from dindcheck.sources.live.probes import (
    PROBES,
    ProbeResult,
    fs_from_mounts,
    normalize_fs,
    parse_iptables,
    probe_argv,
)
from dindcheck.sources.live.workloads import container_workload, setup
from dindcheck.subjects import ImageFacts, detect
from dindcheck.subjects import build_subjects as build_setup_subjects
from dindcheck.subjects.daemons import Detection
from dindcheck.workload import Workload
from tests.factmodel import schema_errors
from tests.repo import REPO

DATA = Path(__file__).parent / "data"
ENDPOINT = "unix:///var/run/docker.sock"


def build_subjects(observation: EngineObservation) -> list[Subject]:
    return build_setup_subjects(setup(observation))


def seen(inspect: dict[str, Any], processes: list[str] | None = None) -> Workload:
    return container_workload(ENDPOINT, ContainerObservation(inspect=inspect,
                                                             processes=processes),
                              outer_root=None, exec_probes=True)


def detection(inspect: dict[str, Any], processes: list[str] | None = None) -> Detection | None:
    workload = seen(inspect, processes)
    return detect(workload, ImageFacts.of(workload))


def one(inspect: dict[str, Any], kind: str = "daemon",
        endpoint: str = ENDPOINT) -> Subject:
    observation = EngineObservation(endpoint=endpoint, info={}, version={},
                                    containers=[ContainerObservation(inspect=inspect)])
    (subject,) = [s for s in build_subjects(observation) if s["kind"] == kind]
    return subject
SECRET = "hunter2-do-not-print"
TOKEN = "tok-3f9a-do-not-print"


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "scenarios.json").read_text())
    return data


@pytest.fixture(scope="module")
def subjects(recorded: dict[str, Any]) -> list[Subject]:
    return build_subjects(EngineObservation.from_json(recorded))


@pytest.fixture(scope="module")
def findings(subjects: list[Subject]) -> list[Finding]:
    return evaluate(load_catalogue(), subjects)[0]


def test_recorded_subjects_are_in_the_fact_model(subjects: list[Subject]) -> None:
    kinds = {s["kind"] for s in subjects}
    assert kinds == {"host", "daemon", "socket_mount", "client"}
    assert [e for s in subjects for e in schema_errors(s)] == []


def test_engine_daemon_subject_is_in_the_fact_model(recorded: dict[str, Any]) -> None:
    info = {**recorded["info"], "OperatingSystem": "Alpine Linux v3.20 (containerized)"}
    observation = EngineObservation.from_json({**recorded, "info": info, "containers": []})
    (engine,) = [s for s in build_subjects(observation) if s["kind"] == "daemon"]
    assert engine["detected_by"] == "engine"
    assert schema_errors(engine) == []


def pick(subjects: list[Subject], name: str, kind: str = "daemon") -> Subject:
    found = [s for s in subjects if s["name"] == name and s["kind"] == kind]
    assert len(found) == 1, (name, kind, len(found))
    return found[0]


def rules_for(findings: list[Finding], name: str) -> set[str]:
    return {f.rule_id for f in findings if f.subject_name == name}


# --------------------------------------------------------------------------- replay


def test_recorded_observation_round_trips(recorded: dict[str, Any]) -> None:
    observation = EngineObservation.from_json(recorded)
    assert json.loads(json.dumps(observation.to_json())) == recorded


def test_every_subject_is_json_and_has_a_live_location(subjects: list[Subject]) -> None:
    json.dumps(subjects)
    for subject in subjects:
        assert subject["origin"] == "live"
        assert subject["locations"]["subject"]["endpoint"] == subject["project"]


def test_replay_finds_what_the_engine_showed(subjects: list[Subject],
                                             findings: list[Finding]) -> None:
    layer = pick(subjects, "dind-layer")
    assert (layer["data_root"]["covered_by"], layer["storage_driver"]["observed"]) == (
        "layer", "vfs")
    assert {"DIND001", "DIND002", "DIND003"} <= rules_for(findings, "dind-layer")
    volume = pick(subjects, "dind-volume")
    assert volume["data_root"]["mount"]["share_key"] == "volume:dind-cache"
    assert volume["data_root"]["backing_fs"] == "extfs"
    assert not {"DIND001", "DIND002", "DIND004"} & rules_for(findings, "dind-volume")
    assert {"DIND004"} <= rules_for(findings, "shared-a") & rules_for(findings, "shared-b")
    assert "DIND009" in rules_for(findings, "sock-ro")
    assert "DIND007" in rules_for(findings, "priv-created")
    assert "DIND005" in rules_for(findings, "anon-created")
    assert "DIND011" in rules_for(findings, "client")
    assert pick(subjects, "outer-root")["data_root"]["mount"]["into_outer_root"] is True
    assert "DIND004" in rules_for(findings, "outer-root")  # the engine's own volume store
    assert "DIND017" in rules_for(findings, "dind-volume")  # uplink 1400 < docker0 1500


def test_replay_reads_the_recorded_logs(subjects: list[Subject],
                                       findings: list[Finding]) -> None:
    second = pick(subjects, "shared-b")
    assert second["log"]["stopped_by"] == "shared_data_root"
    assert "DIND004" in rules_for(findings, "shared-b")
    layer = pick(subjects, "dind-layer")
    assert {"overlay_unsupported", "vfs_fallback"} <= set(layer["log"]["causes"])
    denied = pick(subjects, "no-privileges")
    assert (denied["log"]["stopped_by"], denied["privileges"]["decided_by"]) == (
        "not_privileged", "log")
    assert "DIND008" in rules_for(findings, "no-privileges")
    assert pick(subjects, "priv-created")["log"] is None  # never started: nothing to read


def test_log_lines_are_redacted_again_when_replayed() -> None:
    inspect = {"Id": "c" * 64, "Name": "/dind", "Path": "dockerd-entrypoint.sh", "Args": [],
               "Config": {"Image": "docker:27-dind"}, "HostConfig": {},
               "State": {"Status": "exited", "Running": False, "ExitCode": 1}}
    observation = EngineObservation(endpoint=ENDPOINT, info={}, version={}, containers=[
        ContainerObservation(inspect=inspect, log=[
            "failed to start daemon: pid file found, ensure docker is not running "
            f"(REGISTRY_PASSWORD={SECRET})"])])
    (daemon,) = [s for s in build_subjects(observation) if s["kind"] == "daemon"]
    assert daemon["log"]["stopped_by"] == "shared_data_root"
    assert "REGISTRY_PASSWORD=<redacted>" in daemon["log"]["stopped_line"]
    assert SECRET not in json.dumps(daemon)


def test_a_stopped_twin_of_a_running_daemon_has_the_privileges_it_needs(
        subjects: list[Subject], findings: list[Finding]) -> None:
    second = pick(subjects, "shared-b")
    assert second["state"]["running"] is False
    assert second["privileges"]["sufficient"] is True
    assert second["privileges"]["decided_by"] == "same-profile-runs"
    assert second["privileges"]["same_profile_runs"] in {"shared-a", "dind-layer", "dind-loop"}
    assert "DIND008" not in rules_for(findings, "shared-b")
    plain = pick(subjects, "bind-created")  # created without the capabilities: predicted
    assert (plain["privileges"]["sufficient"], plain["privileges"]["decided_by"]) == (
        False, "profile")
    assert "DIND008" in rules_for(findings, "bind-created")


def test_replay_never_shows_the_recorded_secrets(recorded: dict[str, Any],
                                                 subjects: list[Subject]) -> None:
    assert SECRET in json.dumps(recorded)  # the raw inspect has them...
    text = json.dumps(subjects)
    assert SECRET not in text
    assert TOKEN not in text


def test_inner_facts_of_a_probed_daemon(subjects: list[Subject]) -> None:
    inner = pick(subjects, "dind-volume")["inner"]
    assert inner["driver"] == "overlay2"
    assert inner["backing_fs"] == "extfs"
    assert inner["api_version"]
    assert inner["version"]
    assert inner["cgroup_version"] in ("1", "2")
    assert inner["containerd_snapshotter"] is False
    assert inner["mtu_bridge"] == 1500
    assert inner["os"].endswith("(containerized)")


def test_without_probes_nothing_inner_is_claimed(recorded: dict[str, Any]) -> None:
    data = copy.deepcopy(recorded)
    data["exec_probes"] = False
    for container in data["containers"]:
        container["probes"], container["processes"], container["notes"] = {}, None, []
    subjects = build_subjects(EngineObservation.from_json(data))
    daemon = pick(subjects, "dind-layer")
    assert daemon["inner"] is None
    assert daemon["storage_driver"]["observed"] is None
    assert daemon["data_root"]["covered_by"] == "layer"  # inspect alone shows that
    assert any("probes off" in n for n in daemon["notes"])


def test_containerized_engine_is_also_a_daemon(recorded: dict[str, Any]) -> None:
    """Audit the inner daemon itself: its own info says it runs in a container."""
    container = next(c for c in recorded["containers"]
                     if c["inspect"]["Name"] == "/dind-layer")
    info = json.loads(container["probes"]["docker_info"]["stdout"])
    observation = EngineObservation(endpoint="tcp://dind-layer:2375", info=info, version={})
    subjects = build_subjects(observation)
    host = subjects[0]
    assert host["kind"] == "host"
    assert host["containerized"] is True
    daemon = pick(subjects, info["Name"])
    assert daemon["detected_by"] == "engine"
    assert daemon["privileged"] is None
    assert daemon["storage_driver"]["observed"] == "vfs"
    assert daemon["tls"]["mode"] == "plaintext"
    assert daemon["tls"]["plaintext_ports"] == [2375]
    assert daemon["data_root"]["path"] == "/var/lib/docker"
    found = {f.rule_id for f in evaluate(load_catalogue(), subjects)[0]}
    assert {"DIND002", "DIND010"} <= found
    assert not {"DIND007", "DIND008"} & found  # its container cannot be seen from inside


# --------------------------------------------------------------------------- pieces


def _inspect(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "Id": "c" * 64, "Name": "/dind", "Path": "dockerd-entrypoint.sh", "Args": [],
        "State": {"Status": "running", "Running": True, "ExitCode": 0},
        "Config": {"Image": "docker:27.3.1-dind", "Env": [], "Volumes": {"/var/lib/docker": {}}},
        "HostConfig": {"Privileged": True, "Binds": None, "Mounts": None},
        "Mounts": [], "NetworkSettings": {"Ports": {}},
    }
    base.update(overrides)
    return base


def test_official_entrypoint_adds_the_daemon_only_for_flags() -> None:
    flags = detection(_inspect(Args=["--mtu=1400"]))
    assert flags is not None
    assert (flags.args.mtu, flags.args.starts_with_dockerd, flags.official_entrypoint) == (
        1400, False, True)
    own = detection(_inspect(Args=["dockerd", "-H", "tcp://0.0.0.0:2375"]))
    assert own is not None
    assert (own.args.starts_with_dockerd, own.args.hosts) == (True, ["tcp://0.0.0.0:2375"])
    other = detection(_inspect(Path="/init", Args=["dockerd"]))
    assert other is not None
    assert other.official_entrypoint is False


def test_dind_image_used_as_a_plain_client_is_not_a_daemon() -> None:
    job = _inspect(Path="tail", Args=["-f", "/dev/null"])  # an entrypoint of its user
    assert detection(job, None) is None
    idle = _inspect(Args=[])  # the image's entrypoint, left alone
    found = detection(idle, None)  # processes unknown: trust the image
    assert found is not None
    assert found.detected_by == "image"
    assert detection(idle, ["tail -f /dev/null"]) is None  # seen: no dockerd runs
    hidden = _inspect(Path="/init", Config={"Image": "alpine"})
    by_process = detection(hidden, ["/init", "dockerd --data-root /x"])
    assert by_process is not None
    assert by_process.detected_by == "process"
    assert detection(hidden, ["/init"]) is None


def test_official_dind_with_published_plaintext_port() -> None:
    inspect = _inspect(
        Config={"Image": "docker:24.0.7-dind", "Env": ["DOCKER_TLS_CERTDIR="],
                "Volumes": {"/var/lib/docker": {}}},
        Mounts=[{"Type": "volume", "Name": "a" * 64, "Destination": "/var/lib/docker",
                 "RW": True, "Source": "/var/lib/docker/volumes/x/_data"}],
        NetworkSettings={"Ports": {"2375/tcp": [{"HostIp": "0.0.0.0", "HostPort": "2375"}],
                                   "2376/tcp": None}})
    obs = EngineObservation(endpoint="unix:///var/run/docker.sock",
                            info={"DockerRootDir": "/var/lib/docker"}, version={},
                            containers=[ContainerObservation(inspect=inspect)])
    daemon = pick(build_subjects(obs), "dind")
    assert daemon["tls"]["mode"] == "plaintext"
    assert daemon["tls"]["plaintext_published"] is True
    assert daemon["locations"]["tls"]["field"] == "NetworkSettings.Ports"
    assert daemon["data_root"]["covered_by"] == "anonymous_volume"
    assert daemon["engine_version"] == "24.0.7"
    assert published_ports(inspect)[0] == [
        {"host_ip": "0.0.0.0", "host_port": "2375", "container_port": 2375, "protocol": "tcp"}]


def test_mount_coverage_tmpfs_and_named_versus_anonymous() -> None:
    tmpfs = one(_inspect(HostConfig={"Tmpfs": {"/var/lib/docker": "size=1g"}}))
    assert tmpfs["data_root"]["mount"]["type"] == "tmpfs"
    assert tmpfs["locations"]["data_root"]["field"] == "HostConfig.Tmpfs"
    hexname = "b" * 64
    named = one(_inspect(HostConfig={"Binds": [f"{hexname}:/var/lib"]},
                         Mounts=[{"Type": "volume", "Name": hexname, "Destination": "/var/lib",
                                  "RW": True}]))
    # a parent folder covers it
    assert (named["data_root"]["mount"]["type"], named["locations"]["data_root"]["field"]) == (
        "volume", "Mounts[0]")
    borrowed = one(_inspect(Mounts=[{"Type": "volume", "Name": "cache", "RW": False,
                                     "Destination": "/var/lib/docker"}]))
    mount = borrowed["data_root"]["mount"]
    assert (mount["type"], mount["read_only"]) == ("volume", True)  # via --volumes-from


@pytest.mark.parametrize(("source", "target", "endpoint", "found"), [
    ("/run/podman/podman.sock", "/var/run/docker.sock", "tcp://h:2376", ("podman", "bind")),
    ("/var/run", "/h", "unix:///var/run/docker.sock", ("docker", "directory")),
    ("/run", "/h", "unix:///tmp/x/docker.sock", ("unknown", "directory")),
    ("/srv", "/srv", "tcp://h:2376", None),
])
def test_socket_mounts_files_folders_and_volumes(source: str, target: str, endpoint: str,
                                                 found: tuple[str, str] | None) -> None:
    inspect = _inspect(Path="sh", Config={"Image": "alpine", "Env": []},
                       Mounts=[{"Type": "bind", "Source": source, "Destination": target,
                                "RW": True}])
    observation = EngineObservation(endpoint=endpoint, info={}, version={},
                                    containers=[ContainerObservation(inspect=inspect)])
    sockets = [(s["engine"], s["via"]) for s in build_subjects(observation)
               if s["kind"] == "socket_mount"]
    assert sockets == ([found] if found else [])


def test_socket_folder_shared_from_a_dind_daemon_through_a_volume() -> None:
    dind = _inspect(Mounts=[{"Type": "volume", "Name": "dind-run", "Destination": "/var/run",
                             "RW": True}])
    client = _inspect(Id="d" * 64, Name="/job", Path="sh", Args=[],
                      Config={"Image": "alpine", "Env": []},
                      Mounts=[{"Type": "volume", "Name": "dind-run", "Destination": "/var/run",
                               "RW": True}])
    obs = EngineObservation(endpoint="unix:///var/run/docker.sock", info={}, version={},
                            containers=[ContainerObservation(dind),
                                        ContainerObservation(client)])
    mount = pick(build_subjects(obs), "job", "socket_mount")
    assert (mount["host_socket"], mount["via"], mount["daemon"]) == (False, "volume", "dind")


def test_redaction_of_environment_commands_and_urls() -> None:
    env = {"DOCKER_AUTH_CONFIG": '{"auths": {}}', "DOCKER_HOST": "tcp://u:pw@h:2376",
           "DOCKER_CERT_PATH": "/certs/client", "GITLAB_TOKEN": "x", "HOME": "/root"}
    assert docker_env(env) == {"DOCKER_AUTH_CONFIG": "<redacted>",
                               "DOCKER_CERT_PATH": "/certs/client",
                               "DOCKER_HOST": "tcp://<redacted>@h:2376"}
    assert redact_argv(["dockerd", "--registry-password", "pw", "--tlskey", "/k.pem",
                        "--token=abc", "--label=ci.token=abc"]) == [
        "dockerd", "--registry-password", "<redacted>", "--tlskey", "/k.pem",
        "--token=<redacted>", "--label=ci.token=<redacted>"]
    assert redact_text('sh -c "CI_JOB_TOKEN=abc docker login"') == \
        'sh -c "CI_JOB_TOKEN=<redacted> docker login"'


def test_probe_output_parsers() -> None:
    assert parse_iptables("iptables v1.8.10 (nf_tables)\n") == ("1.8.10", "nf_tables")
    assert parse_iptables("iptables v1.6.1\n") == ("1.6.1", "legacy")
    assert [normalize_fs(t) for t in ("ext2/ext3", "UNKNOWN", "overlayfs", "xfs")] == [
        "extfs", None, "overlayfs", "xfs"]
    mounts = ("overlay / overlay rw 0 0\n/dev/vda /var/lib/docker ext4 rw 0 0\n"
              "tmpfs /var/lib/docker/tmp tmpfs rw 0 0\n")
    assert fs_from_mounts(mounts, "/var/lib/docker") == "extfs"
    assert fs_from_mounts(mounts, "/var/lib/dockerx") == "overlayfs"
    missing = ProbeResult(argv=("docker", "info"), exit_code=126,
                          stdout='OCI runtime exec failed: exec: "docker": executable file '
                                 "not found in $PATH: unknown")
    assert missing.missing_program
    assert not missing.ok


def test_the_probe_list_is_fixed_and_read_only() -> None:
    programs = {argv[0] for _, argv in PROBES}
    assert programs == {"docker", "stat", "cat", "iptables"}
    for _, argv in PROBES:
        if argv[0] == "docker":
            verbs = [w for w in argv[1:] if not w.startswith(("-", "{", "unix:"))]
            assert verbs[0] in ("info", "version"), argv
    assert probe_argv("data_root_fs", data_root="/x") == ["stat", "-f", "-c", "%T", "/x"]


def test_live_module_imports_docker_lazily(tmp_path: Path) -> None:
    code = ("import sys, dindcheck.sources.live.engine; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('docker', 'requests')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=tmp_path).stdout
    assert out.strip() == "[]"


# --------------------------------------------------------------------------- endpoints


def _context(config: Path, name: str, host: str, tls: bool = False) -> None:
    digest = hashlib.sha256(name.encode()).hexdigest()
    meta = config / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(json.dumps(
        {"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host,
                                                                "SkipTLSVerify": False}}}))
    if tls:
        certs = config / "contexts" / "tls" / digest / "docker"
        certs.mkdir(parents=True)
        for pem in ("ca.pem", "cert.pem", "key.pem"):
            (certs / pem).write_text("x")


def test_endpoint_resolution_follows_the_docker_cli(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "DOCKER_CONFIG": str(tmp_path / "cfg")}
    assert resolve(None, env).url == "unix:///var/run/docker.sock"
    assert resolve("/run/user/1000/docker.sock", env).url == "unix:///run/user/1000/docker.sock"
    assert resolve("dind:2375", env).url == "tcp://dind:2375"
    tls = resolve("tcp://dind:2376", {**env, "DOCKER_TLS_VERIFY": "1",
                                      "DOCKER_CERT_PATH": "/certs/client"})
    assert (tls.tls, tls.tls_verify, tls.ca_cert) == (True, True, "/certs/client/ca.pem")
    assert resolve(None, {**env, "DOCKER_HOST": "tcp://h:2375"}).url == "tcp://h:2375"
    _context(tmp_path / "cfg", "remote", "tcp://remote:2376", tls=True)
    (tmp_path / "cfg" / "config.json").write_text(json.dumps({"currentContext": "remote"}))
    current = resolve(None, env)
    assert (current.url, current.context, current.tls) == ("tcp://remote:2376", "remote", True)
    assert current.client_key
    assert current.client_key.endswith("key.pem")
    assert resolve(None, {**env, "DOCKER_HOST": "unix:///x.sock"}).url == "unix:///x.sock"
    assert resolve(None, {**env, "DOCKER_CONTEXT": "default"}).url == \
        "unix:///var/run/docker.sock"
    assert resolve("unix:///y.sock", env, context="remote").url == "unix:///y.sock"
    with pytest.raises(EndpointError, match="not found"):
        resolve(None, env, context="nope")


@pytest.mark.parametrize(("variables", "tls", "verify"), [
    pytest.param({"DOCKER_TLS_VERIFY": "1"}, True, True, id="verify-1"),
    pytest.param({"DOCKER_TLS_VERIFY": "0"}, True, True, id="verify-0-is-on-too"),
    pytest.param({"DOCKER_TLS_VERIFY": "false"}, True, True, id="verify-false-is-on-too"),
    pytest.param({"DOCKER_TLS_VERIFY": ""}, False, False, id="verify-empty-is-off"),
    pytest.param({"DOCKER_TLS": "0"}, True, False, id="tls-without-verify"),
    pytest.param({}, False, False, id="neither"),
])
def test_any_non_empty_tls_variable_turns_tls_on(tmp_path: Path, variables: dict[str, str],
                                                 tls: bool, verify: bool) -> None:
    found = resolve("tcp://dind:2376", {"DOCKER_CONFIG": str(tmp_path), **variables})
    assert (found.tls, found.tls_verify) == (tls, verify)


def test_unknown_context_is_an_engine_problem(tmp_path: Path) -> None:
    targets, problems, _ = live.audit_endpoints([None], context="ghost",
                                                environ={"DOCKER_CONFIG": str(tmp_path)})
    assert targets == []
    assert problems[0].kind == "engine"
    assert "ghost" in problems[0].message


# --------------------------------------------------------------------------- failures


def test_missing_socket(tmp_path: Path) -> None:
    url = f"unix://{tmp_path}/docker.sock"
    targets, problems, _ = live.audit_endpoints([url], environ={})
    assert targets == []
    assert problems[0].path == url
    assert problems[0].kind == "engine"
    assert "does not exist" in problems[0].message
    assert "\n" not in problems[0].message


def test_socket_nobody_listens_on(tmp_path: Path) -> None:
    path = tmp_path / "dead.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))  # bound, never listening: connect() is refused
    try:
        _, problems, _ = live.audit_endpoints([f"unix://{path}"], environ={})
    finally:
        server.close()
    assert "connection refused" in problems[0].message


@pytest.fixture
def silent_unix_server(tmp_path: Path) -> Iterator[Path]:
    """A socket that accepts connections and never answers: a hanging daemon."""
    path = tmp_path / "hang.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield path
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_hanging_engine_times_out(silent_unix_server: Path) -> None:
    _, problems, _ = live.audit_endpoints([f"unix://{silent_unix_server}"], timeout=0.5,
                                          environ={})
    assert "did not answer within 0.5s" in problems[0].message


@pytest.fixture
def plain_tcp_server() -> Iterator[int]:
    """Answers every connection like a TLS-only Go server answers plain HTTP."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn = server.accept()[0]
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(4096)
                    conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n"
                                 b"Client sent an HTTP request to an HTTPS server.\n")
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def test_plain_http_to_a_tls_port(plain_tcp_server: int) -> None:
    _, problems, _ = live.audit_endpoints([f"tcp://127.0.0.1:{plain_tcp_server}"], environ={})
    assert "speaks TLS: set DOCKER_TLS_VERIFY=1" in problems[0].message


def test_tls_handshake_failure(plain_tcp_server: int) -> None:
    _, problems, _ = live.audit_endpoints([f"tcp://127.0.0.1:{plain_tcp_server}"],
                                          environ={"DOCKER_TLS": "1"})
    assert problems[0].message.startswith("TLS with tcp://127.0.0.1:")


def test_permission_denied_says_how_to_fix_it() -> None:
    import requests
    import urllib3

    denied = PermissionError(13, "Permission denied")
    error = requests.exceptions.ConnectionError(
        urllib3.exceptions.ProtocolError("Connection aborted.", denied))
    message = live.describe_failure(error, Endpoint(url="unix:///var/run/docker.sock"), 10)
    assert message.startswith("permission denied on /var/run/docker.sock")
    assert "docker group" in message
    assert "$XDG_RUNTIME_DIR/docker.sock" in message


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="needs root and setpriv to drop CAP_DAC_OVERRIDE")
def test_permission_denied_on_a_real_socket(tmp_path: Path) -> None:
    """Root without CAP_DAC_OVERRIDE meets the socket's mode like any user does."""
    path = tmp_path / "docker.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen(1)
    os.chown(path, 65534, 65534)
    path.chmod(0o600)
    tmp_path.chmod(0o755)
    code = ("import json; from dindcheck.sources.live.engine import audit_endpoints; "
            f"print(json.dumps([p.message for p in audit_endpoints(['unix://{path}'], "
            "environ={})[1]]))")
    drop = "-dac_override,-dac_read_search"
    try:
        result = subprocess.run(
            ["setpriv", f"--bounding-set={drop}", f"--inh-caps={drop}", sys.executable, "-c",
             code], capture_output=True, text=True, check=True, cwd=tmp_path)
    finally:
        server.close()
    [message] = json.loads(result.stdout)
    assert message.startswith(f"permission denied on {path}: add your user to the docker group")


def test_cli_exit_code_3_when_no_endpoint_answers(tmp_path: Path) -> None:
    from dindcheck.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = main(["audit", "-H", f"unix://{tmp_path}/none.sock", "--json"], stdout=out,
                stderr=err)
    assert code == 3
    assert "does not exist" in err.getvalue()


@pytest.mark.parametrize(("ci", "outcome"), [("", "skipped"), ("true", "error")])
def test_docker_tests_skip_without_an_engine_but_fail_in_ci(ci: str, outcome: str,
                                                          tmp_path: Path) -> None:
    env = {**os.environ, "DINDCHECK_TEST_ENGINE": "off", "CI": ci}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "docker",
         f"--rootdir={REPO}",
         f"{REPO}/tests/sources/live/test_engine.py::test_plain_containers_are_no_subjects"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert f"1 {outcome}" in result.stdout, result.stdout
    assert result.returncode == (0 if outcome == "skipped" else 1)
    if ci:
        assert "CI must exercise the real Docker engine" in result.stdout
