"""Which files of a folder are Kubernetes inputs, grouped as the walker loads them, and what
a Helm chart's templates and values mention."""

from __future__ import annotations

from pathlib import Path

import pytest

from dindcheck.sources import FILE_SOURCES
from dindcheck.sources.kubernetes.discover import (
    CHART_SNIFF_FILES,
    chart_mentions,
    chart_of_templates,
)
from dindcheck.sources.walk import walk

POD = "apiVersion: v1\nkind: Pod\nspec:\n  containers: [{name: c, image: i}]\n"


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def put(name: str, text: str) -> None:
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    Path(name).write_text(text, encoding="utf-8")


def test_a_walk_groups_each_folders_manifests_and_each_chart() -> None:
    put("deploy/base/deployment.yaml", POD)
    put("deploy/base/pvc.yml", "kind: PersistentVolumeClaim\n")
    put("deploy/base/compose.yaml", "services: {a: {image: x}}\n")
    put("deploy/state.json", '{"kind": "List", "items": []}')
    put("deploy/prow/config.yaml", "presubmits: {}\n")
    put("deploy/arc/values.yaml", "githubConfigUrl: x\ntemplate:\n  spec: {}\n")
    put("deploy/jenkins/Jenkinsfile", "podTemplate(yaml: '''\nspec:\n  containers: []\n''')")
    put("deploy/jenkins/other.groovy", "node { sh 'make' }\n")
    put("deploy/node_modules/pod.yaml", POD)
    put("deploy/chart/Chart.yaml", "name: c\n")
    put("deploy/chart/values.yaml", "image: docker:dind\n")
    put("deploy/chart/templates/pod.yaml", "kind: Pod\nmetadata: {name: {{ .Values.n }}}\n")
    put("deploy/chart/templates/tests/test.yaml", "kind: Pod\n")
    groups, problems, _ = walk([Path("deploy")], FILE_SOURCES)
    assert [[str(p) for p in files] for kind, files in groups if kind == "kubernetes"] == [
        ["deploy/state.json"],
        ["deploy/arc/values.yaml"],
        ["deploy/base/deployment.yaml", "deploy/base/pvc.yml"],
        ["deploy/chart/Chart.yaml"],  # once, though its templates are walked too
        ["deploy/jenkins/Jenkinsfile"],
        ["deploy/prow/config.yaml"]]
    assert problems == []


def test_a_templates_folder_belongs_to_its_chart() -> None:
    put("c/Chart.yaml", "name: c\n")
    put("c/templates/sub/x.yaml", POD)
    put("other/templates/x.yaml", POD)  # no Chart.yaml above it: a plain folder
    assert chart_of_templates(Path("c/templates/sub")) == Path("c")
    assert chart_of_templates(Path("c")) is None
    assert chart_of_templates(Path("other/templates")) is None


def test_what_a_chart_mentions(tmp_path: Path) -> None:
    put("c/Chart.yaml", "name: c\n")
    put("c/values.yaml", "dind:\n  image: docker:27-dind\n")
    put("c/templates/a.yaml", "securityContext:\n  privileged: true\n")
    put("c/templates/b.yaml", "volumes: [{hostPath: {path: /var/run/docker.sock}}]\n")
    put("elsewhere/secret.yaml", "dockerd\n")
    (tmp_path / "c/templates/linked").symlink_to(tmp_path / "elsewhere")
    words, read = chart_mentions(Path("c"))
    assert words == ["dind", "docker.sock", "privileged: true"]
    assert read == 3  # values.yaml, a.yaml, b.yaml: not the symlinked folder


def test_a_chart_is_read_up_to_its_file_budget() -> None:
    put("c/Chart.yaml", "name: c\n")
    for i in range(CHART_SNIFF_FILES + 5):
        put(f"c/templates/t{i:04d}.yaml", "kind: ConfigMap\n")
    put("c/templates/zzz.yaml", "image: docker:dind\n")  # past the budget
    assert chart_mentions(Path("c")) == ([], CHART_SNIFF_FILES)
