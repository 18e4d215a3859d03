"""Local includes, their merge order, and what is recorded instead of followed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dindcheck.sources.gitlab.document import read_pipeline
from dindcheck.sources.gitlab.problems import Collector
from tests.sources.gitlab.conftest import Writer


def read(root: Path, main: str = ".gitlab-ci.yml") -> tuple[dict[str, object], Collector,
                                                          list[str], list[str]]:
    sink = Collector(str(root / main))
    doc = read_pipeline(root / main, root, sink)
    return doc.data, sink, doc.files, doc.unfollowed


def test_the_including_file_wins_and_later_includes_win(repo: Writer) -> None:
    root = repo(**{
        ".gitlab-ci.yml": """
            include:
              - local: ci/a.yml
              - /ci/b.yml
            variables: {FROM: main}
        """,
        "ci__a.yml": "variables: {FROM: a, A: a, B: a}\n",
        "ci__b.yml": "variables: {B: b}\n",
    })
    data, sink, files, _ = read(root)
    assert dict(data["variables"]) == {"FROM": "main", "A": "a", "B": "b"}  # type: ignore[call-overload]
    assert [Path(f).name for f in files] == [".gitlab-ci.yml", "a.yml", "b.yml"]
    assert not sink.problems
    variables = data["variables"]
    assert variables.key_marks["A"].path.endswith("ci/a.yml")  # type: ignore[attr-defined]


def test_nested_includes_are_relative_to_the_repository_root(repo: Writer) -> None:
    root = repo(**{
        ".gitlab-ci.yml": "include: ci/first.yml\n",
        "ci__first.yml": "include: {local: ci/sub/second.yml}\n",
        "ci__sub__second.yml": "job: {script: [x]}\n",
    })
    data, sink, _, _ = read(root)
    assert "job" in data
    assert not sink.problems


@pytest.mark.parametrize(("pattern", "found"), [
    ("ci/*.yml", ["a.yml", "b.yml"]),
    ("ci/**.yml", ["a.yml", "b.yml", "deep.yml"]),
    ("ci/**/*.yml", ["a.yml", "b.yml", "deep.yml"]),
    ("nothing/*.yml", []),
])
def test_wildcard_includes(repo: Writer, pattern: str, found: list[str]) -> None:
    root = repo(**{
        ".gitlab-ci.yml": f"include: '{pattern}'\n",
        "ci__a.yml": "a: {script: [x]}\n",
        "ci__b.yml": "b: {script: [x]}\n",
        "ci__sub__deep.yml": "deep: {script: [x]}\n",
        "ci__notes.txt": "not yaml",
    })
    _, sink, files, _ = read(root)
    assert sorted(Path(f).name for f in files[1:]) == found
    assert not sink.problems


def test_other_include_kinds_are_recorded_not_followed(repo: Writer) -> None:
    root = repo(**{".gitlab-ci.yml": """
        include:
          - project: group/templates
            file: [/a.yml, /b.yml]
          - remote: https://example.com/ci.yml
          - https://example.com/other.yml
          - template: Security/SAST.gitlab-ci.yml
          - component: gitlab.com/org/comp/lint@1.0
          - local: $CI_PROJECT_DIR/x.yml
    """})
    _, sink, _, unfollowed = read(root)
    assert unfollowed == ["project group/templates file /a.yml, /b.yml",
                          "remote https://example.com/ci.yml",
                          "remote https://example.com/other.yml",
                          "template Security/SAST.gitlab-ci.yml",
                          "component gitlab.com/org/comp/lint@1.0",
                          "local '$CI_PROJECT_DIR/x.yml' (names a variable)"]
    assert not sink.problems


@pytest.mark.parametrize(("files", "message", "line"), [
    ({".gitlab-ci.yml": "include: a.yml\n", "a.yml": "include: b.yml\n",
      "b.yml": "include: a.yml\n"}, "include loop", 1),
    ({".gitlab-ci.yml": "include: .gitlab-ci.yml\n"}, "include loop", 1),
    ({".gitlab-ci.yml": "x: 1\ninclude: ../outside.yml\n"}, "outside the repository", 2),
    ({".gitlab-ci.yml": "include: missing.yml\n"}, "does not exist", 1),
    ({".gitlab-ci.yml": "include: a.txt\n", "a.txt": "x"}, "must end in .yml", 1),
    ({".gitlab-ci.yml": "include: [42]\n"}, "an include entry must be", 1),
    ({".gitlab-ci.yml": "include: {ref: main}\n"}, "names no local", 1),
    ({".gitlab-ci.yml": "include: a.yml\n", "a.yml": "- a list\n"}, "must be a mapping", 1),
    ({".gitlab-ci.yml": "include: a.yml\n", "a.yml": "a: [\n"}, "", 2),
])
def test_include_problems_are_located(repo: Writer, files: dict[str, str], message: str,
                                      line: int) -> None:
    root = repo(**files)
    _, sink, _, _ = read(root)
    assert sink.problems, "expected a problem"
    problem = sink.problems[0]
    assert message in problem.message
    assert problem.line == line


def test_include_through_a_symlink_out_of_the_tree_is_refused(
        repo: Writer, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.yml"
    outside.write_text("leak: {script: [x]}\n")
    root = repo(**{".gitlab-ci.yml": "include: link.yml\n"})
    os.symlink(outside, root / "link.yml")
    data, sink, _, _ = read(root)
    assert "leak" not in data
    assert "outside the repository" in sink.problems[0].message


def test_a_fifo_is_not_read(repo: Writer) -> None:
    root = repo(**{".gitlab-ci.yml": "include: pipe.yml\n"})
    os.mkfifo(root / "pipe.yml")
    _, sink, _, _ = read(root)
    assert "not a regular file" in sink.problems[0].message


def test_too_many_includes_stop_at_gitlabs_limit(repo: Writer) -> None:
    items = "\n".join("  - a.yml" for _ in range(160))
    root = repo(**{".gitlab-ci.yml": f"include:\n{items}\n", "a.yml": "a: {script: [x]}\n"})
    _, sink, _, _ = read(root)
    assert [p.message for p in sink.problems] == [
        "more than 150 includes (GitLab's limit); the rest are not read"]


def test_a_component_spec_header_is_skipped_with_lines_kept(repo: Writer) -> None:
    root = repo(**{".gitlab-ci.yml": """
        spec:
          inputs:
            stage: {default: test}
        ---
        job:
          script: [x]
    """})
    data, sink, _, _ = read(root)
    assert not sink.problems
    assert data.key_marks["job"].line == 5  # type: ignore[attr-defined]


def test_included_files_add_up_to_a_cap(repo: Writer) -> None:
    padding = "#" * 400 + "\n"
    root = repo(**{".gitlab-ci.yml": "include: [a.yml, b.yml, c.yml]\n",
                   **{f"{n}.yml": f"{n}: {{script: [x]}}\n" + padding for n in "abc"}})
    sink = Collector(str(root / ".gitlab-ci.yml"))
    doc = read_pipeline(root / ".gitlab-ci.yml", root, sink, max_file_size=500)
    assert sorted(doc.data) == ["a", "b"]
    assert [p.message for p in sink.problems] == [
        "the pipeline's files add up to more than 2 x 500 bytes; c.yml and the rest are "
        "not read"]
