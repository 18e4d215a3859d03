"""Known lines of a dind container's log, and what they say."""

from __future__ import annotations

import time

import pytest

from dindcheck.catalogue import load_catalogue
from dindcheck.daemonlog import log_facts, match, signatures
from dindcheck.schemas import load

# Lines as dockerd, containerd and the official entrypoint print them (the first ones as
# seen on the test engine).
LINES = [
    ('time="2026-11-29T06:59:36.808199150Z" level=error msg="failed to mount overlay: '
     'invalid argument" storage-driver=overlay2', "overlay-mount-invalid", "overlay_unsupported"),
    ('time="2026-11-29T06:59:37.093907316Z" level=info msg="Docker daemon" commit=5d6db84 '
     'graphdriver(s)=vfs version=20.10.24+dfsg1', "vfs-chosen", "vfs_fallback"),
    ('time="2025-03-01T10:00:00Z" level=info msg="Docker daemon" commit=bbd0a17 '
     'containerd-snapshotter=false storage-driver=vfs version=28.0.1', "vfs-chosen",
     "vfs_fallback"),
    ('time="2026-11-29T06:59:46.361473072Z" level=warning msg="waiting for response from '
     'boltdb open" plugin=bolt', "boltdb-open-wait", "shared_data_root"),
    ("failed to start containerd: timeout waiting for containerd to start",
     "containerd-start-timeout", "shared_data_root"),
    ("failed to start daemon: error while opening volume store metadata database "
     "(/var/lib/docker/volumes/metadata.db): timeout", "metadata-db-locked", "shared_data_root"),
    ("failed to start daemon: pid file found, ensure docker is not running or delete "
     "/var/run/docker.pid", "pid-file-found", "shared_data_root"),
    ("mount: permission denied (are you root?)", "mount-permission-denied", "not_privileged"),
    ("failed to start daemon: Error initializing network controller: error obtaining "
     "controller instance: failed to create NAT chain DOCKER: iptables failed: iptables -t nat "
     "-N DOCKER: iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: "
     "Permission denied (you must be root)", "iptables-permission-denied", "not_privileged"),
    ("[rootlesskit:parent] error: failed to start the child: fork/exec /proc/self/exe: "
     "operation not permitted", "rootlesskit-not-permitted", "not_privileged"),
    ("mount: mounting cgroup on /sys/fs/cgroup failed: Operation not permitted",
     "mount-not-permitted", "not_privileged"),
    ("failed to start daemon: Error initializing network controller: error obtaining "
     "controller instance: failed to create NAT chain DOCKER: iptables failed: iptables "
     "--wait -t nat -N DOCKER: iptables v1.8.10 (nf_tables): TABLE_ADD failed (Not "
     "supported): table nat", "iptables-backend", "iptables"),
    ("iptables v1.8.7 (legacy): can't initialize iptables table `nat': Table does not exist "
     "(do you need to insmod?)", "iptables-backend", "iptables"),
    ("Unable to enable DIRECT ACCESS FILTERING - DROP rule: (iptables failed: iptables --wait "
     "-t raw -A PREROUTING: can't initialize iptables table `raw': Table does not exist",
     "iptables-raw-table-missing", "iptables"),
    ("docker: failed to stat snapshot sha256:4f4fb700ef54: snapshotter not loaded: overlay2: "
     "invalid argument", "snapshotter-not-loaded", "containerd_store_driver"),
    ('failed to start daemon: configured driver "overlay2" not available: unavailable',
     "configured-driver-not-available", "containerd_store_driver"),
    ("failed to start daemon: listen tcp 0.0.0.0:2376: bind: address already in use",
     "address-in-use", "address_in_use"),
    ("mkdir: can't create directory '/certs/ca': Permission denied", "tls-certificates",
     "tls_certificates"),
    ("Can't open /certs/ca/key.pem for writing, Permission denied", "tls-certificates",
     "tls_certificates"),
]


@pytest.mark.parametrize(("line", "signature", "cause"), LINES,
                         ids=[signature for _, signature, _ in LINES])
def test_known_lines(line: str, signature: str, cause: str) -> None:
    found = match(line)
    assert found is not None
    assert (found.id, found.cause) == (signature, cause)


@pytest.mark.parametrize("line", [
    'time="2026-11-29T06:59:36Z" level=info msg="Loading containers: start."',
    'level=info msg="Docker daemon" commit=5d6db84 graphdriver(s)=overlay2 version=20.10.24',
    "iptables v1.8.9 (nf_tables)",
    "",
])
def test_ordinary_lines(line: str) -> None:
    assert match(line) is None


SHARED_B = [
    'level=info msg="Starting up"',
    'level=warning msg="waiting for response from boltdb open" plugin=bolt',
    "failed to start containerd: timeout waiting for containerd to start",
]


@pytest.mark.parametrize(("running", "stopped_by"), [
    (False, "shared_data_root"),
    (True, None),
    (None, None),
])
def test_what_a_container_stopped_on(running: bool | None, stopped_by: str | None) -> None:
    facts = log_facts(SHARED_B, running=running)
    assert facts is not None
    assert facts["lines"] == 3
    assert facts["causes"] == ["shared_data_root"]
    assert [s["id"] for s in facts["signatures"]] == ["boltdb-open-wait",
                                                     "containerd-start-timeout"]
    assert facts["stopped_by"] == stopped_by
    assert (facts["stopped_line"] is not None) is (stopped_by is not None)


def test_a_log_not_read_is_null() -> None:
    assert log_facts(None, running=False) is None


def test_hostile_lines_are_matched_in_bounded_time() -> None:
    lines = ["iptables " * 110 + "x" * 10, "mount " * 160, "rootlesskit " * 80] * 70
    start = time.monotonic()
    facts = log_facts(lines, running=False)
    assert time.monotonic() - start < 2
    assert facts is not None
    assert facts["causes"] == []


def test_every_signature_names_a_known_cause_and_existing_rules() -> None:
    schema = load("facts.schema.json")
    causes = schema["$defs"]["daemon"]["properties"]["log"]["properties"]["causes"]
    rule_ids = {r.id for r in load_catalogue()}
    for signature in signatures():
        assert signature.cause in causes["items"]["enum"], signature.id
        assert set(signature.rules) <= rule_ids, signature.id
