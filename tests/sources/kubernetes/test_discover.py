from __future__ import annotations

import os
from pathlib import Path

import pytest

from dindcheck.sources.kubernetes.discover import discover

POD = "apiVersion: v1\nkind: Pod\nspec:\n  containers: [{name: c, image: i}]\n"


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def put(name: str, text: str) -> None:
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    Path(name).write_text(text, encoding="utf-8")


def test_a_walk_groups_each_folders_manifests() -> None:
    put("deploy/base/deployment.yaml", POD)
    put("deploy/base/pvc.yml", "kind: PersistentVolumeClaim\n")
    put("deploy/base/compose.yaml", "services: {a: {image: x}}\n")
    put("deploy/base/.gitlab-ci.yml", "job: {script: [x]}\n")
    put("deploy/state.json", '{"kind": "List", "items": []}')
    put("deploy/prow/config.yaml", "presubmits: {}\n")
    put("deploy/arc/values.yaml", "githubConfigUrl: x\ntemplate:\n  spec: {}\n")
    put("deploy/jenkins/Jenkinsfile", "podTemplate(yaml: '''\nspec:\n  containers: []\n''')")
    put("deploy/jenkins/other.groovy", "node { sh 'make' }\n")
    put("deploy/.hidden/pod.yaml", POD)
    put("deploy/node_modules/pod.yaml", POD)
    put("deploy/chart/Chart.yaml", "name: c\n")
    put("deploy/chart/templates/pod.yaml", "kind: Pod\nmetadata: {name: {{ .Values.n }}}\n")
    found = discover([Path("deploy")])
    assert [(g.name, [p.name for p in g.files]) for g in found.groups] == [
        ("deploy", ["state.json"]),
        ("arc", ["values.yaml"]),
        ("base", ["deployment.yaml", "pvc.yml"]),
        ("jenkins", ["Jenkinsfile"]),
        ("prow", ["config.yaml"])]
    assert found.notes == ["deploy/chart: a Helm chart; its templates are not YAML until "
                           "rendered: run `helm template` and check the output"]
    assert found.problems == []


def test_named_files_standard_input_and_missing_paths() -> None:
    put("notes.txt", "hello\n")
    found = discover([Path("notes.txt"), "-", Path("gone.yaml"), Path("notes.txt")])
    assert [(g.name, [str(p) for p in g.files], g.stdin) for g in found.groups] == [
        ("notes", ["notes.txt"], False), ("stdin", [], True)]
    assert [str(p) for p in found.problems] == ["gone.yaml: no such file or directory"]


def test_symlinks_out_of_the_walk_are_not_read(tmp_path: Path) -> None:
    put("outside/secret.yaml", POD)
    put("repo/pod.yaml", POD)
    os.symlink(tmp_path / "outside/secret.yaml", "repo/linked.yaml")
    os.symlink(tmp_path / "repo/pod.yaml", "repo/same.yaml")
    os.symlink(tmp_path / "repo", "repo/loop")
    os.mkfifo("repo/fifo.yaml")
    found = discover([Path("repo")])
    assert [[p.name for p in g.files] for g in found.groups] == [["pod.yaml"]]
    assert found.notes == ["repo/linked.yaml: a symlink out of repo; not read"]
