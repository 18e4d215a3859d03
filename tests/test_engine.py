from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dindcheck.catalogue import load_catalogue, load_rule
from dindcheck.engine import evaluate, render
from dindcheck.model import Severity

RULES = load_catalogue()
DIND010 = [r for r in RULES if r.id == "DIND010"]


def _daemon(**tls: Any) -> dict[str, Any]:
    return {
        "kind": "daemon", "id": "p/dind", "name": "dind",
        "tls": {"mode": "plaintext", "plaintext_tcp": True, "plaintext_ports": [2375],
                "plaintext_published": False, "tcp_hosts": ["tcp://0.0.0.0:2375"], **tls},
        "host_network": False,
        "locations": {"subject": {"path": "c.yml", "line": 2, "column": 3},
                      "tls": {"path": "c.yml", "line": 9, "column": 7}},
    }


def test_finding_carries_location_evidence_and_message() -> None:
    (finding,), suppressed = evaluate(DIND010, [_daemon()])
    assert suppressed == 0
    assert finding.severity is Severity.WARNING
    assert str(finding.location) == "c.yml:9:7"
    assert finding.evidence["tls.plaintext_ports"] == [2375]
    assert finding.message.startswith("dind: the inner daemon listens on plain TCP port 2375")


def test_escalation_raises_severity_and_says_why() -> None:
    (finding,), _ = evaluate(DIND010, [_daemon(plaintext_published=True)])
    assert finding.severity is Severity.ERROR
    assert "reachable from outside" in finding.evidence["escalated"]


def test_suppression_in_subject() -> None:
    subject = {**_daemon(), "suppress": ["plaintext-tcp"]}
    findings, suppressed = evaluate(DIND010, [subject])
    assert (findings, suppressed) == ([], 1)


def test_rules_only_see_their_subject_kind() -> None:
    subject = {**_daemon(), "kind": "client"}
    assert evaluate(DIND010, [subject]) == ([], 0)


@pytest.mark.parametrize(("template", "expected"), [
    ("{name} on {tls.plaintext_ports}", "dind on 2375"),
    ("{nothing.here}", "unknown"),
    ("{host_network}", "no"),
    ("{tls.tcp_hosts.0}", "tcp://0.0.0.0:2375"),
])
def test_render(template: str, expected: str) -> None:
    assert render(template, _daemon()) == expected


def test_location_falls_back_to_subject(tmp_path: Path) -> None:
    rule = load_rule(next(r.source for r in RULES if r.id == "DIND015"), shipped=True)
    subject = {**_daemon(), "host_network": True, "network_mode": "host"}
    (finding,), _ = evaluate([rule], [subject])
    assert str(finding.location) == "c.yml:2:3"
