from __future__ import annotations

import os
from pathlib import Path

import pytest

from dindcheck.sources.discover import discover, folder_groups, is_compose_name

DATA = Path(__file__).parent / "compose" / "data"


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def touch(*names: str) -> None:
    for name in names:
        path = Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("services: {}\n", encoding="utf-8")


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


def test_directory_walk_is_recursive_sorted_and_skips_noise() -> None:
    touch(
        "repo/compose.yaml", "repo/compose.override.yaml", "repo/z-compose.yml",
        "repo/b/docker-compose.yml", "repo/a/compose.yml", "repo/a/deep/compose.yml",
        "repo/.git/compose.yml", "repo/node_modules/pkg/compose.yml",
        "repo/.hidden/compose.yml", "repo/a/app.yml",
    )
    groups, problems = discover([Path("repo")])
    assert problems == []
    assert as_names(groups) == [
        ["repo/compose.yaml", "repo/compose.override.yaml"],
        ["repo/z-compose.yml"],
        ["repo/a/compose.yml"],
        ["repo/a/deep/compose.yml"],
        ["repo/b/docker-compose.yml"],
    ]


def test_explicit_files_and_missing_paths() -> None:
    touch("stack.yml", "dir/compose.yml")
    groups, problems = discover([Path("stack.yml"), Path("gone.yml"), Path("dir"),
                                 Path("dir/compose.yml")])
    assert as_names(groups) == [["stack.yml"], ["dir/compose.yml"]]
    assert [(p.path, p.message, p.kind) for p in problems] == [
        ("gone.yml", "no such file or directory", "input")]


def test_a_file_named_first_is_not_repeated_by_its_folder() -> None:
    touch("compose.yml", "compose.override.yml", "x/compose.yml")
    groups, _ = discover([Path("compose.override.yml"), Path("x/compose.yml"), Path(".")])
    assert as_names(groups) == [["compose.override.yml"], ["x/compose.yml"], ["compose.yml"]]


def test_symlink_loops_end() -> None:
    touch("top/compose.yml")
    os.symlink("..", "top/loop")
    os.symlink(os.path.abspath("top"), "top/again")
    groups, problems = discover([Path("top")])
    assert as_names(groups) == [["top/compose.yml"]]
    assert problems == []


def test_unreadable_directory_is_a_problem() -> None:
    touch("top/sub/compose.yml")
    os.chmod("top/sub", 0)
    try:
        if os.access("top/sub", os.R_OK):
            pytest.skip("running with permissions that read any directory")
        groups, problems = discover([Path("top")])
    finally:
        os.chmod("top/sub", 0o755)
    assert groups == []
    assert [p.path for p in problems] == ["top/sub"]
    assert problems[0].message.startswith("cannot read directory")


def test_layered_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA)
    groups, problems = discover([Path("layered")])
    assert problems == []
    assert as_names(groups) == [
        ["layered/compose.yaml", "layered/compose.override.yaml"],
        ["layered/docker-compose.ci.yml"],
        ["layered/shared/compose.yaml"],
    ]
