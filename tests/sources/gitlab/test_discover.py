from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dindcheck.sources.gitlab.discover import (
    is_fragment_name,
    is_pipeline_name,
    is_runner_config_name,
    looks_like_pipeline,
    looks_like_runner_config,
    repository_root,
)
from dindcheck.yamlload import YamlError, load_text
from tests.repo import corpus_files


@pytest.mark.parametrize(("name", "pipeline", "fragment"), [
    (".gitlab-ci.yml", True, False),
    (".gitlab-ci.yaml", True, False),
    ("build.gitlab-ci.yml", False, True),
    ("global.gitlab-ci.yaml", False, True),
    ("gitlab-ci.yml", False, False),
    ("compose.yaml", False, False),
])
def test_names(name: str, pipeline: bool, fragment: bool) -> None:
    assert is_pipeline_name(name) is pipeline
    assert is_fragment_name(name) is fragment


@pytest.mark.parametrize(("text", "expected"), [
    ("stages: [build]\n", True),
    ("job: {script: [make]}\n", True),
    ("job: {extends: .base}\n", True),
    (".dind: {services: [docker:dind]}\n", True),
    ("image: alpine\nservices: [docker:dind]\n", True),
    ("services: {web: {image: nginx}}\n", False),          # compose
    ("version: '3'\nservices: {web: {build: .}}\n", False),
    ("apiVersion: v1\nkind: Pod\n", False),                 # Kubernetes
    ("on: push\njobs: {build: {runs-on: ubuntu-latest, steps: []}}\n", False),  # Actions
    ("x-dindcheck: {script: 1}\n", False),
    ("- a list\n", False),
    ("", False),
    ("just: text\n", False),
])
def test_content_sniffing(text: str, expected: bool) -> None:
    assert looks_like_pipeline(load_text(text, "f")) is expected


def test_no_other_corpus_file_reads_as_a_pipeline() -> None:
    for path in corpus_files():
        if path.suffix not in (".yml", ".yaml") or "gitlab-ci" in path.parts:
            continue
        try:
            data = load_text(path.read_text(encoding="utf-8"), str(path))
        except YamlError:  # multi-document manifests and the like: not ours to read
            continue
        assert not looks_like_pipeline(data), path


@pytest.mark.parametrize(("data", "expected"), [
    ({"runners": [{"executor": "docker"}]}, True),
    ({"runners": [{"name": "x", "kubernetes": {}}]}, True),
    ({"runners": []}, False),
    ({"tool": {"poetry": {}}}, False),
    ([], False),
])
def test_runner_config_sniffing(data: Any, expected: bool) -> None:
    assert looks_like_runner_config(data) is expected
    assert is_runner_config_name("config.toml")
    assert not is_runner_config_name("pyproject.toml")


def test_repository_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".gitlab" / "ci").mkdir(parents=True)
    (repo / ".gitlab-ci.yml").write_text("")
    fragment = repo / ".gitlab" / "ci" / "build.gitlab-ci.yml"
    assert repository_root(repo / ".gitlab-ci.yml") == repo
    assert repository_root(fragment) == repo
    assert repository_root(fragment, boundary=repo / ".gitlab") == repo / ".gitlab" / "ci"
    lone = tmp_path / "lone" / "x.gitlab-ci.yml"
    lone.parent.mkdir()
    assert repository_root(lone, boundary=tmp_path / "lone") == tmp_path / "lone"
