from __future__ import annotations

import os
from pathlib import Path

import pytest

from dindcheck.sources import FILE_SOURCES
from dindcheck.sources.walk import Group, stdin_source, walk

DATA = Path(__file__).parent / "compose" / "data"


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def touch(*names: str) -> None:
    for name in names:
        path = Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("services: {}\n", encoding="utf-8")


def as_names(groups: list[Group]) -> list[list[str]]:
    return [[str(p) for p in group] for _, group in groups]


def discover(paths: list[Path]) -> tuple[list[Group], list[object]]:
    groups, problems, _ = walk(paths, FILE_SOURCES)
    return groups, list(problems)


def test_directory_walk_is_recursive_sorted_and_skips_only_vcs_and_caches() -> None:
    touch(
        "repo/compose.yaml", "repo/compose.override.yaml", "repo/z-compose.yml",
        "repo/b/docker-compose.yml", "repo/a/compose.yml", "repo/a/deep/compose.yml",
        "repo/.git/compose.yml", "repo/node_modules/pkg/compose.yml",
        "repo/.devcontainer/compose.yml", "repo/a/app.yml",
    )
    groups, problems = discover([Path("repo")])
    assert problems == []
    assert as_names(groups) == [
        ["repo/compose.yaml", "repo/compose.override.yaml"],
        ["repo/z-compose.yml"],
        ["repo/.devcontainer/compose.yml"],  # hidden folders hold CI and dev setups
        ["repo/a/compose.yml"],
        ["repo/a/deep/compose.yml"],
        ["repo/b/docker-compose.yml"],
    ]


def test_each_file_goes_to_the_source_that_reads_it() -> None:
    touch("repo/compose.yaml", "repo/.github/workflows/ci.yml", "repo/ci/build.sh",
          "repo/Makefile", "repo/.github/dependabot.yml", "repo/notes.txt")
    groups, problems = discover([Path("repo")])
    assert problems == []
    assert [(kind, [str(p) for p in files]) for kind, files in groups] == [
        ("compose", ["repo/compose.yaml"]),
        ("shell", ["repo/Makefile"]),
        ("github-actions", ["repo/.github/workflows/ci.yml"]),
        ("shell", ["repo/ci/build.sh"]),
    ]


@pytest.mark.parametrize(("name", "text", "kind"), [
    pytest.param("stack.yml", "services:\n  a: {}\n", "compose", id="compose-by-content"),
    pytest.param("ci.yml", "on: push\njobs:\n  a:\n    runs-on: x\n", "github-actions",
                 id="workflow-by-content"),
    pytest.param("run", "#!/bin/sh\ndocker run -d docker:dind\n", "shell", id="shebang"),
    pytest.param("odd.yaml", "a: 1\n", "compose", id="unknown-yaml-read-as-compose"),
])
def test_an_explicit_file_goes_by_content(name: str, text: str, kind: str) -> None:
    Path(name).write_text(text)
    groups, problems = discover([Path(name)])
    assert problems == []
    assert [(k, [str(p) for p in files]) for k, files in groups] == [(kind, [name])]


@pytest.mark.parametrize("make", [
    pytest.param(lambda p: p.write_text("hello\n"), id="unknown-text"),
    pytest.param(lambda p: os.mkfifo(p), id="fifo"),
    pytest.param(lambda p: os.symlink("/nonexistent/x", p), id="dangling-symlink"),
])
def test_an_explicit_file_nothing_reads_is_a_problem(make: object) -> None:
    path = Path("input.txt")
    make(path)  # type: ignore[operator]
    groups, problems = discover([path])
    assert groups == []
    assert [p.path for p in problems] == [str(path)]  # type: ignore[attr-defined]


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
    assert as_names(groups) == [["compose.yml", "compose.override.yml"], ["x/compose.yml"]]


@pytest.mark.parametrize(("named", "project"), [
    ("compose.override.yml", ["compose.yml", "compose.override.yml"]),
    ("compose.yml", ["compose.yml", "compose.override.yml"]),
    ("ci-compose.yml", ["ci-compose.yml"]),
])
def test_a_project_file_named_alone_is_linted_with_its_project(named: str,
                                                               project: list[str]) -> None:
    """pre-commit passes the changed file only: an override alone is not a project."""
    touch("compose.yml", "compose.override.yml", "ci-compose.yml")
    groups, _ = discover([Path(named)])
    assert as_names(groups) == [project]


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


def test_recognising_a_file_is_linear_in_its_size() -> None:
    """A head that almost matches everywhere (deep mappings, no `script:`) is decided
    line by line: a regex that backtracked over it took minutes (and held the GIL, so the
    check runs in a process of its own)."""
    import subprocess
    import sys

    Path("deep.yaml").write_text("---\n" + "".join(
        f"k{i}:\n" + "".join(f"{'  ' * d}x{d}: y\n" for d in range(1, 40))
        for i in range(200)))
    code = ("from pathlib import Path; from dindcheck.sources import FILE_SOURCES; "
            "from dindcheck.sources.walk import walk; "
            "print(walk([Path('deep.yaml')], FILE_SOURCES).groups[0][0])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip() == "compose"


@pytest.mark.parametrize(("name", "head", "kind", "reason"), [
    pytest.param(None, b"{}", "kubernetes", "", id="default"),
    pytest.param("rendered.yaml", b"apiVersion: v1\nkind: Pod\n", "kubernetes", "",
                 id="named-manifest"),
    pytest.param("dump.json", b'{"kind": "List", "items": []}', "kubernetes", "", id="json"),
    pytest.param("compose.yaml", b"services:\n  a: {image: x}\n", None,
                 "compose input cannot be read from standard input", id="compose"),
    pytest.param("notes.txt", b"hello", None, "standard input named notes.txt is not an input",
                 id="nothing"),
])
def test_the_source_that_reads_standard_input(name: str | None, head: bytes, kind: str | None,
                                              reason: str) -> None:
    source, why = stdin_source(FILE_SOURCES, name, head)
    assert (source.kind if source is not None else None) == kind
    assert why.startswith(reason)


# --- the root: what resolves outside it is not read -------------------------------------

SECRET = "services:\n  leak:\n    image: s3cr3t-image\n"


def walk_root(paths: list[Path], *, allow_outside: bool = False) -> tuple[list[Group],
                                                                         list[str], list[str]]:
    groups, problems, notes = walk(paths, FILE_SOURCES, root=Path("repo").absolute(),
                                   allow_outside=allow_outside)
    return groups, [f"{p.path}: {p.message}" for p in problems], notes


@pytest.mark.parametrize("name", ["compose.yml", "deploy.yaml", ".gitlab-ci.yml", "build.sh",
                                  "Jenkinsfile"])
def test_a_file_that_resolves_outside_the_root_is_a_problem_not_read(name: str) -> None:
    touch("repo/ok/compose.yml")
    Path("elsewhere").mkdir()
    Path("elsewhere/x").write_text("apiVersion: v1\nkind: Pod\n" + SECRET)
    os.symlink(os.path.abspath("elsewhere/x"), f"repo/{name}")
    groups, problems, _ = walk_root([Path("repo")])
    assert as_names(groups) == [["repo/ok/compose.yml"]]
    real = os.path.realpath("elsewhere/x")
    assert problems == [f"repo/{name}: resolves to {real}, outside "
                        f"{Path('repo').absolute()}: not read (--allow-outside reads it)"]
    groups, problems, _ = walk_root([Path(f"repo/{name}")])  # named, as pre-commit does
    assert groups == []
    assert len(problems) == 1
    assert "outside" in problems[0]
    groups, problems, _ = walk_root([Path("repo")], allow_outside=True)
    assert problems == []
    assert f"repo/{name}" in {str(p) for _, files in groups for p in files}


def test_a_link_outside_the_root_that_no_source_would_read_is_left_alone() -> None:
    touch("repo/compose.yml")
    Path("notes.txt").write_text("x\n")
    os.symlink(os.path.abspath("notes.txt"), "repo/README.txt")
    assert walk_root([Path("repo")]) == ([("compose", [Path("repo/compose.yml")])], [], [])


def test_a_folder_that_resolves_outside_the_root_is_not_walked() -> None:
    touch("repo/compose.yml", "elsewhere/compose.yml", "repo/sub/compose.yml")
    os.symlink(os.path.abspath("elsewhere"), "repo/linked")
    os.symlink("sub", "repo/inner")  # inside: walked (once)
    groups, problems, notes = walk_root([Path("repo")])
    assert as_names(groups) == [["repo/compose.yml"], ["repo/inner/compose.yml"]]
    assert problems == []
    assert notes == [f"repo/linked: resolves to {os.path.realpath('elsewhere')}, outside "
                     f"{Path('repo').absolute()}; not walked (--allow-outside walks it)"]
    groups, _, notes = walk_root([Path("repo")], allow_outside=True)
    assert "repo/linked/compose.yml" in {str(g[1][0]) for g in groups}
    assert notes == []


@pytest.mark.parametrize("allow_outside", [False, True])
def test_symlink_loops_end_with_a_root(allow_outside: bool) -> None:
    touch("repo/compose.yml")
    os.symlink("..", "repo/up")            # the root's parent: outside
    os.symlink(".", "repo/here")           # the folder itself: a loop
    os.symlink("compose.override.yml", "repo/compose.override.yml")  # a file loop
    os.symlink("b.sh", "repo/a.sh")
    os.symlink("a.sh", "repo/b.sh")        # a two-link loop
    groups, problems, _ = walk_root([Path("repo")], allow_outside=allow_outside)
    assert ["repo/compose.yml"] in as_names(groups)
    assert sorted(p.split(":")[0] for p in problems) == [
        "repo/a.sh", "repo/b.sh", "repo/compose.override.yml"]
    assert all("Too many levels of symbolic links" in p for p in problems)


def test_a_named_special_file_is_refused_before_any_source_claims_it() -> None:
    """A FIFO named like an input (build.sh is claimed by its name) must not reach a
    reader that would block on it."""
    os.mkfifo("build.sh")
    groups, problems = discover([Path("build.sh")])
    assert groups == []
    assert [(p.path, p.message) for p in problems] == [  # type: ignore[attr-defined]
        ("build.sh", "cannot read: a FIFO, not a regular file")]
