"""The files that put dindcheck into other tools: the pre-commit hook, the GitHub Action
(its lint script run as the action runs it) and the GitLab CI template (linted by
dindcheck's own GitLab source, its commands run)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.repo import EXAMPLES, REPO, dindcheck_command, run_dindcheck

DATA = REPO / "tests" / "report" / "data"
BROKEN = EXAMPLES / "gitlab-runner-broken"
GOOD = EXAMPLES / "dind-good-tls"
TEMPLATE = REPO / "ci" / "dindcheck.gitlab-ci.yml"


def schema(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def valid(document: Any, name: str) -> None:
    loaded = schema(name)
    jsonschema.validators.validator_for(loaded)(loaded).validate(document)


def project(tmp_path: Path, example: Path) -> Path:
    """A repository holding one example, as a CI job checks it out."""
    root = tmp_path / "checkout"
    shutil.copytree(example, root)
    (root / ".git").mkdir()
    return root


def bin_path() -> str:
    return f"{Path(dindcheck_command()[0]).parent}{os.pathsep}{os.environ.get('PATH', '')}"


# --- pre-commit ----------------------------------------------------------------


def test_the_hook_runs_dindcheck_on_the_files_it_is_given() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "dindcheck"
    assert hook["language"] == "python"
    assert hook["entry"].split()[:2] == ["dindcheck", "lint"]
    assert set(hook["types_or"]) == {"yaml", "shell"}


@pytest.mark.parametrize(("example", "code"), [(BROKEN, 1), (GOOD, 0)])
def test_the_hook_entry_lints_changed_files_and_skips_the_rest(example: Path, code: int,
                                                               tmp_path: Path) -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    root = project(tmp_path, example)
    (root / ".pre-commit-config.yaml").write_text("repos: []\n")
    (root / "notes.yaml").write_text("title: not a setup\n")
    changed = sorted(p.name for p in root.iterdir() if p.is_file())
    result = run_dindcheck([*hook["entry"].split()[1:], *changed], cwd=root)
    assert result.returncode == code, result.stderr
    assert "notes.yaml" not in result.stdout + result.stderr


def pre_commit() -> str | None:
    return shutil.which("pre-commit") or os.environ.get("DINDCHECK_PRE_COMMIT")


@pytest.mark.skipif(pre_commit() is None, reason="pre-commit is not installed")
def test_pre_commit_try_repo(tmp_path: Path) -> None:
    """``pre-commit try-repo`` installs this checkout's hook and runs it on a repository
    (it needs the package index for the hook's environment)."""
    source = tmp_path / "source"
    subprocess.run(["git", "clone", "-q", str(REPO), str(source)], check=True, timeout=120)
    for name in subprocess.run(["git", "ls-files", "-m", "-o", "--exclude-standard"],
                               cwd=REPO, capture_output=True, text=True,
                               check=True).stdout.split():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, source / name)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "add", "-A"], cwd=source, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "wip", "--allow-empty"], cwd=source, check=True)
    target = tmp_path / "target"
    shutil.copytree(BROKEN, target)
    subprocess.run(["git", "init", "-q"], cwd=target, check=True)
    subprocess.run([*git, "add", "-A"], cwd=target, check=True)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    result = subprocess.run([str(pre_commit()), "try-repo", str(source), "dindcheck",
                             "--all-files"], cwd=target, capture_output=True, text=True,
                            timeout=600, check=False, env=env)
    if "Could not find a version" in result.stdout + result.stderr:
        pytest.skip("no package index for the hook's environment")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "DIND011" in result.stdout


# --- GitHub Action -------------------------------------------------------------


def test_the_action_is_composite_and_uploads_its_sarif() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert upload["with"]["sarif_file"] == "${{ steps.lint.outputs.sarif }}"
    lint = next(s for s in steps if s.get("id") == "lint")
    assert "ci/github-action.sh" in lint["run"]
    assert set(lint["env"]) == {f"INPUT_{n.upper().replace('-', '_')}" for n in action["inputs"]
                                if n not in ("upload-sarif", "version")}
    assert steps[-1]["run"].startswith("exit")


def run_action(root: Path, tmp_path: Path, **inputs: str) -> tuple[int, dict[str, str],
                                                                     subprocess.CompletedProcess[str]]:
    output = tmp_path / "github_output"
    output.write_text("")
    env = {**os.environ, "PATH": bin_path(), "GITHUB_OUTPUT": str(output),
           **{f"INPUT_{k.upper()}": v for k, v in inputs.items()}}
    result = subprocess.run(["bash", str(REPO / "ci" / "github-action.sh")], cwd=root, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return result.returncode, outputs, result


@pytest.mark.parametrize(("example", "code"), [(BROKEN, "1"), (GOOD, "0")])
def test_the_action_script_writes_sarif_annotations_and_the_code(example: Path, code: str,
                                                                 tmp_path: Path) -> None:
    root = project(tmp_path, example)
    status, outputs, result = run_action(root, tmp_path, paths=".", fail_on="error")
    assert status == 0  # the gate is the action's last step, after the upload
    assert outputs["exit-code"] == code
    sarif = json.loads((root / outputs["sarif"]).read_text())
    valid(sarif, "sarif-schema-2.1.0.json")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["runs"][0]["results"]}
    assert all(not u.startswith("/") for u in uris)
    if code == "1":
        assert "::error file=compose.yaml" in result.stdout


def test_the_action_script_reads_a_baseline_and_extra_arguments(tmp_path: Path) -> None:
    root = project(tmp_path, BROKEN)
    subprocess.run([*dindcheck_command(), "lint", ".", "--write-baseline", "base.json"],
                   cwd=root, check=True, capture_output=True, timeout=120)
    _, outputs, _ = run_action(root, tmp_path, baseline="base.json", sarif="out.sarif")
    assert outputs["exit-code"] == "0"
    assert json.loads((root / "out.sarif").read_text())["runs"][0]["results"] == []
    _, outputs, _ = run_action(root, tmp_path, args="--select DIND007 --fail-on warning")
    assert outputs["exit-code"] == "1"


def test_the_action_script_says_when_nothing_could_be_linted(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    (root / ".git").mkdir(parents=True)
    _, outputs, _ = run_action(root, tmp_path)
    assert outputs["exit-code"] == "2"


# --- GitLab CI template ----------------------------------------------------------


def test_the_gitlab_template_is_a_pipeline_dindcheck_reads(tmp_path: Path) -> None:
    result = run_dindcheck(["lint", str(TEMPLATE), "--json"], cwd=tmp_path)
    report = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr
    assert [t["kind"] for t in report["inputs"]] == ["gitlab-ci"]
    job = yaml.safe_load(TEMPLATE.read_text())["dindcheck"]
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert job["artifacts"]["when"] == "always"


@pytest.mark.parametrize(("example", "code"), [(BROKEN, 1), (GOOD, 0)])
def test_the_gitlab_template_script_writes_code_quality_and_junit(example: Path, code: int,
                                                                 tmp_path: Path) -> None:
    job = yaml.safe_load(TEMPLATE.read_text())["dindcheck"]
    root = project(tmp_path, example)
    script = "\n".join(line for line in job["script"] if not line.startswith("pip "))
    env = {**os.environ, "PATH": bin_path(), **job["variables"]}
    result = subprocess.run(["bash", "-e", "-c", script], cwd=root, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == code, result.stderr
    issues = json.loads((root / "gl-code-quality-report.json").read_text())
    valid(issues, "codequality.schema.json")
    assert any(i["check_name"] == "DIND011" for i in issues) is bool(code)
    assert all(not i["location"]["path"].startswith(("/", "./")) for i in issues)
    suites = ET.parse(root / "dindcheck-junit.xml").getroot()
    assert suites.tag == "testsuites"
    failed = {case.get("classname") for case in suites.iter("testcase")
              if case.find("failure") is not None}
    assert ("dindcheck.DIND011" in failed) is bool(code)
    assert ("DIND011" in result.stdout) is bool(code)




# --- the snippets of docs/ci.md --------------------------------------------------

DOC = REPO / "docs" / "ci.md"


def snippets(first_line: str) -> list[str]:
    """The fenced YAML blocks of docs/ci.md whose first line is ``first_line``."""
    blocks = DOC.read_text().split("```yaml\n")[1:]
    return [b.split("```", 1)[0] for b in blocks if b.startswith(first_line)]


@pytest.mark.parametrize("snippet", snippets("# .github/workflows/"), ids=lambda s: s[2:40])
def test_the_workflow_snippets_are_workflows_dindcheck_reads(snippet: str,
                                                             tmp_path: Path) -> None:
    name = snippet.split("\n", 1)[0][2:]
    path = tmp_path / name
    path.parent.mkdir(parents=True)
    path.write_text(snippet)
    (tmp_path / ".git").mkdir()
    result = run_dindcheck(["lint", ".", "--json"], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [t["kind"] for t in json.loads(result.stdout)["inputs"]] == ["github-actions"]
    steps = yaml.safe_load(snippet)["jobs"]["dindcheck"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")
    assert yaml.safe_load(snippet)["permissions"]["security-events"] == "write"


@pytest.mark.parametrize("snippet", snippets("# .gitlab-ci.yml"), ids=lambda s: s[20:60])
def test_the_gitlab_snippets_are_pipelines_dindcheck_reads(snippet: str,
                                                           tmp_path: Path) -> None:
    pipeline = yaml.safe_load(snippet)
    if "include" in pipeline:
        url = pipeline["include"][0]["remote"]
        assert url.endswith("/ci/dindcheck.gitlab-ci.yml")
        assert (REPO / "ci" / "dindcheck.gitlab-ci.yml").is_file()
    else:
        report = pipeline["dindcheck"]["artifacts"]["reports"]["codequality"]
        assert f"-o {report}" in " ".join(pipeline["dindcheck"]["script"])
    (tmp_path / ".gitlab-ci.yml").write_text(snippet)
    (tmp_path / ".git").mkdir()
    result = run_dindcheck(["lint", ".", "--json"], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [t["kind"] for t in json.loads(result.stdout)["inputs"]] == ["gitlab-ci"]


def test_the_pre_commit_snippet_names_the_hook() -> None:
    (snippet,) = snippets("# .pre-commit-config.yaml")
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (repo,) = yaml.safe_load(snippet)["repos"]
    assert [h["id"] for h in repo["hooks"]] == [hook["id"]]
