"""Reports built by hand for the TUI tests: a linted compose project and a live audit.

Importable as ``tests.tui.sample`` with the repository root on sys.path (the tmux test sets
PYTHONPATH to it).
"""

from __future__ import annotations

from typing import Any

from dindcheck.model import Finding, InputProblem, Location, Report, Severity, Target

COMPOSE = "examples/ci/docker-compose.yml"
ENDPOINT = "unix:///var/run/docker.sock"


def _where(line: int, column: int = 5) -> dict[str, Any]:
    return {"subject": {"path": COMPOSE, "line": line, "column": column}}


DIND: dict[str, Any] = {
    "kind": "daemon", "id": "ci/dind", "name": "dind", "origin": "compose", "project": "ci",
    "locations": _where(4, 3), "detected_by": "image",
    "image": {"ref": "ghcr.io/acme/ci-dind:1.4", "repository": "ghcr.io/acme/ci-dind",
              "tag": "1.4", "digest": None, "official_docker": False, "variant": "other",
              "version": None, "moving": False, "declares_data_volume": False},
    "command": ["dockerd", "--host=tcp://0.0.0.0:2375"],
    "privileged": True, "runtime": None, "sysbox": False, "rootless": False,
    "data_root": {"path": "/var/lib/docker",
                  "mount": {"type": "layer", "source": None, "target": "/var/lib/docker",
                            "share_key": None, "persistent": False, "read_only": False},
                  "covered_by": "layer", "persistent": False, "shared": False,
                  "shared_with": [], "backing_fs": None, "backing_fs_d_type": None},
    "storage_driver": {"configured": None, "configured_via": None, "expected": "vfs",
                       "observed": None},
    "tls": {"mode": "plaintext", "certdir": None, "plaintext_tcp": True, "tcp_ports": [2375],
            "plaintext_ports": [2375], "plaintext_published": False},
    "engine_version": None, "clients": ["tests"], "inner": None, "state": None,
}

CACHE_DIND: dict[str, Any] = {
    "kind": "daemon", "id": "ci/dind-cache", "name": "dind-cache", "origin": "compose",
    "project": "ci", "locations": _where(18, 3), "detected_by": "image",
    "image": {"ref": "docker:27.3.1-dind", "repository": "docker", "tag": "27.3.1-dind",
              "digest": None, "official_docker": True, "variant": "dind",
              "version": "27.3.1", "moving": False, "declares_data_volume": True},
    "privileged": True, "runtime": None, "sysbox": False, "rootless": False,
    "data_root": {"path": "/var/lib/docker",
                  "mount": {"type": "volume", "source": "dind-cache-data",
                            "target": "/var/lib/docker", "share_key": "volume:ci_dind-cache-data",
                            "persistent": True, "read_only": False},
                  "covered_by": "volume", "persistent": True, "shared": False,
                  "shared_with": [], "backing_fs": None, "backing_fs_d_type": None},
    "storage_driver": {"configured": None, "configured_via": None, "expected": "overlay2",
                       "observed": None},
    "tls": {"mode": "tls", "certdir": "/certs", "plaintext_tcp": False, "tcp_ports": [2376],
            "plaintext_ports": [], "plaintext_published": False},
    "engine_version": "27.3.1", "clients": [], "inner": None, "state": None,
}

WATCHTOWER: dict[str, Any] = {
    "kind": "socket_mount", "id": "ci/watchtower", "name": "watchtower", "origin": "compose",
    "project": "ci", "locations": _where(30, 3), "source": "/var/run/docker.sock",
    "target": "/var/run/docker.sock", "engine": "docker", "read_only": False,
    "host_socket": True, "via": "bind", "privileged": False,
    "image": {"ref": "containrrr/watchtower", "repository": "containrrr/watchtower",
              "tag": None, "digest": None, "official_docker": False, "variant": "other",
              "version": None, "moving": True, "declares_data_volume": False},
}

TESTS: dict[str, Any] = {
    "kind": "client", "id": "ci/tests", "name": "tests", "origin": "compose", "project": "ci",
    "locations": _where(37, 3), "docker_host": "tcp://dind:2375", "scheme": "tcp",
    "host": "dind", "port": 2375, "daemon": "dind", "daemon_tls_mode": "plaintext",
    "client_expects_tls": False, "port_served": True, "tls_agrees": True, "mismatch": None,
    "waits_for_daemon": False, "depends_on_condition": "service_started",
    "daemon_healthcheck": None,
}


def _finding(rule_id: str, name: str, severity: Severity, category: str, title: str,
             message: str, subject: dict[str, Any], location: Location,
             evidence: dict[str, Any], rationale: str, remediation: str,
             references: tuple[str, ...] = ()) -> Finding:
    return Finding(rule_id=rule_id, name=name, severity=severity, category=category,
                   title=title, message=message, subject_kind=subject["kind"],
                   subject_name=subject["name"], subject_id=subject["id"], location=location,
                   evidence=evidence, rationale=rationale, remediation=remediation,
                   references=references)


DIND001 = _finding(
    "DIND001", "data-root-on-container-layer", Severity.ERROR, "storage",
    "Data root on the container layer: inner daemon falls back to vfs",
    "dind keeps /var/lib/docker on its container layer (overlayfs); the inner daemon "
    "cannot stack overlay2 on overlay and will use vfs.",
    DIND, Location(path=COMPOSE, line=4, column=3),
    {"data_root.path": "/var/lib/docker", "data_root.covered_by": "layer",
     "storage_driver.expected": "vfs", "image.declares_data_volume": False},
    "overlay2 cannot use an overlay filesystem as its backing filesystem. Without a volume "
    "at the data root, dockerd picks vfs, which copies every layer in full: builds crawl "
    "and the disk fills.",
    "services:\n  dind:\n    volumes:\n      - dind-data:/var/lib/docker\nvolumes:\n"
    "  dind-data: {}",
    ("https://docs.docker.com/engine/storage/drivers/select-storage-driver/",
     "https://hub.docker.com/_/docker"),
)

DIND007 = _finding(
    "DIND007", "plaintext-tcp", Severity.WARNING, "security",
    "Daemon listens on plaintext TCP",
    "dind serves the Docker API without TLS on port 2375.",
    DIND, Location(path=COMPOSE, line=7, column=7),
    {"tls.mode": "plaintext", "tls.plaintext_ports": [2375]},
    "Anything that reaches port 2375 on the network controls the inner daemon, and through "
    "a privileged container, the host.",
    "Drop --host=tcp://0.0.0.0:2375 and set DOCKER_TLS_CERTDIR=/certs; clients use "
    "tcp://dind:2376 with DOCKER_TLS_VERIFY=1.",
    ("https://hub.docker.com/_/docker#tls",),
)

DIND009 = _finding(
    "DIND009", "host-socket-mount", Severity.ERROR, "security",
    "Host Docker socket mounted read-write",
    "watchtower mounts the host's /var/run/docker.sock: it is root on the host.",
    WATCHTOWER, Location(path=COMPOSE, line=33, column=9),
    {"source": "/var/run/docker.sock", "host_socket": True, "read_only": False},
    "The Docker API has no authorisation: whoever talks to the socket can start a "
    "privileged container that mounts the host's root filesystem.",
    "Give watchtower a socket proxy that allows only the calls it needs, or run it "
    "outside the CI project.",
    ("https://docs.docker.com/engine/security/#docker-daemon-attack-surface",),
)

DIND012 = _finding(
    "DIND012", "client-does-not-wait", Severity.INFO, "reliability",
    "Client starts before the daemon is ready",
    "tests depends on dind without condition: service_healthy.",
    TESTS, Location(path=COMPOSE, line=40, column=7),
    {"depends_on_condition": "service_started", "daemon_healthcheck": None},
    "dockerd takes a few seconds to start; a client that starts first fails with "
    "'Cannot connect to the Docker daemon'.",
    "Add a healthcheck (docker info) to dind and depends_on: {dind: {condition: "
    "service_healthy}} to tests.",
)

PROBLEM = InputProblem(path="examples/broken/docker-compose.yml", line=3, column=9,
                       message="mapping values are not allowed here")


def compose_target() -> Target:
    return Target(kind="compose", name="ci", paths=(COMPOSE,),
                  subjects=(DIND, CACHE_DIND, WATCHTOWER, TESTS))


def lint_report(*, with_problem: bool = False, fixed: bool = False) -> Report:
    """The compose project; ``fixed`` drops DIND001 (as after adding the volume)."""
    findings = (DIND009, DIND007, DIND012) if fixed else (DIND001, DIND009, DIND007, DIND012)
    return Report(mode="lint", targets=(compose_target(),), findings=findings,
                  errors=(PROBLEM,) if with_problem else (), suppressed=1)


LIVE_DIND: dict[str, Any] = {
    **DIND,
    "id": "3f4e5d6c7b8a", "name": "ci-dind-1", "origin": "live", "project": ENDPOINT,
    "locations": {"subject": {"endpoint": ENDPOINT, "container": "ci-dind-1",
                              "container_id": "3f4e5d6c7b8a"}},
    "detected_by": "process",
    "runtime": "runc",
    "data_root": {**DIND["data_root"], "backing_fs": "overlayfs", "backing_fs_d_type": True},
    "storage_driver": {**DIND["storage_driver"], "observed": "vfs"},
    "engine_version": "24.0.7",
    "inner": {"driver": "vfs", "backing_fs": "overlayfs", "images": 42, "version": "24.0.7",
              "api_version": "1.43", "cgroup_version": "2"},
    "state": {"status": "running", "running": True, "restart_count": 0},
}

HOST: dict[str, Any] = {
    "kind": "host", "id": ENDPOINT, "name": "host engine", "origin": "live",
    "project": ENDPOINT, "locations": {"subject": {"endpoint": ENDPOINT}},
    "endpoint": ENDPOINT, "version": "27.3.1", "api_version": "1.47",
    "storage_driver": "overlay2", "backing_fs": "extfs", "cgroup_version": "2",
    "kernel": "6.8.0-45-generic", "os": "Ubuntu 24.04.1 LTS", "rootless": False,
    "runtimes": ["io.containerd.runc.v2", "runc"],
}

LIVE_DIND001 = _finding(
    "DIND001", "data-root-on-container-layer", Severity.ERROR, "storage",
    "Data root on the container layer: inner daemon falls back to vfs",
    "ci-dind-1 runs its daemon on vfs: /var/lib/docker is on overlayfs.",
    LIVE_DIND, Location(endpoint=ENDPOINT, container="ci-dind-1",
                        field="Mounts[/var/lib/docker]"),
    {"inner.driver": "vfs", "data_root.backing_fs": "overlayfs", "inner.images": 42},
    DIND001.rationale, DIND001.remediation, DIND001.references,
)


def audit_report(*, fixed: bool = False) -> Report:
    findings = () if fixed else (LIVE_DIND001,)
    return Report(mode="audit", targets=(Target(kind="engine", name=ENDPOINT,
                                                subjects=(HOST, LIVE_DIND)),),
                  findings=findings)


def unreachable_report() -> Report:
    return Report(mode="audit", targets=(), findings=(), errors=(InputProblem(
        path=ENDPOINT, kind="engine",
        message="cannot connect to the Docker daemon: connection refused"),))
