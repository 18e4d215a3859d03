"""Which files of a folder are compose files, and how they group into projects."""

from __future__ import annotations

from pathlib import Path

import pytest

from dindcheck.sources.compose.discover import folder_groups, is_compose_name


def as_names(groups: list[list[Path]]) -> list[list[str]]:
    return [[str(p) for p in group] for group in groups]


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        pytest.param({"compose.yaml", "compose.yml"}, [["compose.yaml"], ["compose.yml"]],
                     id="compose-yaml-first"),
        pytest.param({"compose.yml", "docker-compose.yml"},
                     [["compose.yml"], ["docker-compose.yml"]], id="compose-before-docker"),
        pytest.param({"docker-compose.yml", "docker-compose.yaml"},
                     [["docker-compose.yml"], ["docker-compose.yaml"]],
                     id="docker-compose-yml-first-like-compose-go"),
        pytest.param({"compose.yaml", "compose.override.yaml"},
                     [["compose.yaml", "compose.override.yaml"]], id="with-override"),
        pytest.param({"docker-compose.yml", "docker-compose.override.yml"},
                     [["docker-compose.yml", "docker-compose.override.yml"]],
                     id="docker-with-override"),
        pytest.param({"compose.yaml", "compose.override.yml", "docker-compose.override.yml"},
                     [["compose.yaml", "compose.override.yml"],
                      ["docker-compose.override.yml"]], id="first-override-wins"),
        pytest.param({"compose.override.yml"}, [["compose.override.yml"]],
                     id="override-without-base-alone"),
        pytest.param({"compose.yaml", "ci-compose.yml", "Docker-Compose.Prod.YAML", "app.yml",
                      "compose.json", "notes.txt"},
                     [["compose.yaml"], ["Docker-Compose.Prod.YAML"], ["ci-compose.yml"]],
                     id="other-compose-files-alone"),
        pytest.param(set(), [], id="empty"),
    ],
)
def test_folder_groups(names: set[str], expected: list[list[str]]) -> None:
    assert as_names(folder_groups(Path(), names)) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("compose.yml", True, id="standard"),
        pytest.param("x.compose.yaml", True, id="infix"),
        pytest.param("COMPOSE.YML", True, id="case"),
        pytest.param("compose.yml.bak", False, id="other-ext"),
        pytest.param("app.yml", False, id="no-compose"),
    ],
)
def test_is_compose_name(name: str, expected: bool) -> None:
    assert is_compose_name(name) is expected
