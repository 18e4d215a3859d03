"""Subjects built from compose projects follow the fact model's schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dindcheck.catalogue import load_catalogue
from dindcheck.lint import lint
from tests.factmodel import schema_errors
from tests.repo import CORPUS, EXAMPLES, require


def _subjects(path: Path) -> list[dict[str, Any]]:
    report = lint([path], load_catalogue(), jobs=1, environ={})
    return [s for t in report.targets for s in t.subjects]


@pytest.mark.parametrize("path", [EXAMPLES, CORPUS / "compose"], ids=["examples", "corpus"])
def test_subjects_validate_against_facts_schema(path: Path) -> None:
    require(path.is_dir(), f"{path} is not present")
    subjects = _subjects(path)
    assert len(subjects) > 5
    assert [e for s in subjects for e in schema_errors(s)] == []


def test_daemon_facts_of_the_good_example() -> None:
    (daemon,) = [s for s in _subjects(EXAMPLES / "dind-good-tls")
                 if s["kind"] == "daemon"]
    assert daemon["data_root"]["mount"] == {
        "type": "volume", "source": "docker-data", "target": "/var/lib/docker",
        "share_key": "volume:dind-good-tls_docker-data", "persistent": True,
        "read_only": False, "per_instance": False}
    assert daemon["storage_driver"]["expected"] == "overlay2"
    assert (daemon["tls"]["mode"], daemon["tls"]["tcp_ports"]) == ("tls", [2376])
    assert daemon["clients"] == ["build"]
    assert daemon["locations"]["data_root"]["line"] == 12
