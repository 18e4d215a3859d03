"""Suppressions written in the inputs: comments in every YAML or shell source, a compose
service's x-dindcheck and label, a Kubernetes annotation, a GitLab variable; what they
silence is kept with its reason, and what cannot be right is a warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from dindcheck.catalogue import load_catalogue, select_rules
from dindcheck.lint import lint
from dindcheck.model import Report

RULES = load_catalogue()

COMPOSE = "services:\n{above}  dind:{inline}\n    image: docker:27-dind\n"
GITLAB = ("build:\n  image: docker:27\n  services:\n{above}    - docker:27-dind{inline}\n"
          "  script:\n    - docker info\n")
ACTIONS = ("on: push\njobs:\n  dind:\n    runs-on: ubuntu-latest\n    container:\n"
           "      image: docker:29.1.3-dind\n{above}      options: --privileged{inline}\n"
           "    steps:\n      - run: docker info\n")
KUBERNETES = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: builder\nspec:\n  containers:\n"
              "{above}    - name: dind{inline}\n      image: docker:27-dind\n")
SHELL = "#!/bin/sh\n{above}docker run -d --name dind docker:27-dind{inline}\n"

# (file name, template, the rule the line flags)
SOURCES = {
    "compose": ("compose.yaml", COMPOSE, "DIND008"),
    "gitlab-ci": (".gitlab-ci.yml", GITLAB, "DIND005"),
    "github-actions": (".github/workflows/ci.yml", ACTIONS, "DIND007"),
    "kubernetes": ("pod.yaml", KUBERNETES, "DIND008"),
    "shell": ("run.sh", SHELL, "DIND008"),
}


def lint_text(tmp_path: Path, name: str, text: str) -> Report:
    (tmp_path / ".git").mkdir(exist_ok=True)
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return lint([tmp_path], RULES, root=tmp_path)


def write(template: str, above: str = "", inline: str = "") -> str:
    indent = ""
    if above:
        line = next(x for x in template.split("\n") if "{above}" in x)
        indent = " " * (len(line) - len(line.lstrip()))
    return template.format(above=f"{indent}{above}\n" if above else "", inline=inline)


def rule_ids(report: Report) -> set[str]:
    return {f.rule_id for f in report.findings}


@pytest.mark.parametrize("kind", SOURCES)
def test_each_source_flags_the_line_unsuppressed(kind: str, tmp_path: Path) -> None:
    name, template, rule = SOURCES[kind]
    report = lint_text(tmp_path, name, write(template))
    assert rule in rule_ids(report)
    assert report.suppressions == ()
    assert report.warnings == ()


@pytest.mark.parametrize("kind", SOURCES)
@pytest.mark.parametrize("where", ["above", "inline"])
def test_a_comment_silences_its_rule_on_its_line_or_the_next(kind: str, where: str,
                                                             tmp_path: Path) -> None:
    name, template, rule = SOURCES[kind]
    comment = f"# dindcheck: ignore[{rule.lower()}] isolated runner host"
    text = write(template, **({"above": comment} if where == "above"
                              else {"inline": f"  {comment}"}))
    report = lint_text(tmp_path, name, text)
    assert rule not in rule_ids(report)
    silenced = [s for s in report.suppressions if s.rule_id == rule]
    assert silenced
    assert all(s.by == "comment" for s in silenced)
    assert silenced[0].reason == "isolated runner host"
    assert silenced[0].written_at.line == text.split("\n").index(
        next(x for x in text.split("\n") if "dindcheck:" in x)) + 1
    assert report.warnings == ()
    assert report.exit_code("error") in (0, 1)


@pytest.mark.parametrize("kind", SOURCES)
def test_a_file_comment_silences_its_rule_in_the_whole_file(kind: str, tmp_path: Path) -> None:
    name, template, rule = SOURCES[kind]
    text = write(template) + f"# dindcheck: ignore-file[{rule}]\n"
    report = lint_text(tmp_path, name, text)
    assert rule not in rule_ids(report)
    assert {s.by for s in report.suppressions if s.rule_id == rule} == {"file comment"}


@pytest.mark.parametrize("kind", SOURCES)
def test_a_comment_that_silences_nothing_is_a_warning(kind: str, tmp_path: Path) -> None:
    name, template, _ = SOURCES[kind]
    text = write(template) + "# dindcheck: ignore[DIND014]\n"
    report = lint_text(tmp_path, name, text)
    assert [w.kind for w in report.warnings] == ["suppression"]
    assert "DIND014" in report.warnings[0].message
    assert report.warnings[0].line is not None
    assert report.exit_code("never") == 0  # a warning never fails the run


@pytest.mark.parametrize(("comment", "says"), [
    ("# dindcheck: ignore[DIND999]", "not a rule"),
    ("# dindcheck: ignore[dind-privilegd]", "did you mean"),
    ("# dindcheck: ignore", "names no rule"),
    ("# dindcheck: ingore[DIND008]", "did you mean 'ignore'"),
])
def test_a_malformed_comment_is_a_located_warning(comment: str, says: str,
                                                  tmp_path: Path) -> None:
    report = lint_text(tmp_path, "compose.yaml", write(COMPOSE, above=comment))
    assert "DIND008" in rule_ids(report)
    assert any(says in w.message and w.line == 2 for w in report.warnings), report.warnings


def test_a_comment_for_a_rule_that_did_not_run_is_not_unused(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "compose.yaml").write_text(write(COMPOSE, above="# dindcheck: ignore[DIND014]"))
    report = lint([tmp_path], select_rules(RULES, ["DIND008"], []), known_rules=RULES,
                  root=tmp_path)
    assert report.warnings == ()


X_DINDCHECK = ("services:\n  dind:\n    image: docker:27-dind\n    x-dindcheck:\n"
               "      {body}\n")


@pytest.mark.parametrize(("body", "silenced", "warning"), [
    ("ignore: [dind008, Dind005]\n      reason: sysbox host", {"DIND008", "DIND005"}, None),
    ("ignore: [dind-not-privileged]", {"DIND008"}, None),
    ("ignore: DIND008", set(), "must be a list"),
    ("ignore: [DIND008]\n      reasn: x", {"DIND008"}, "did you mean 'reason'"),
    ("ignore: [DIND999]", set(), "is not a rule id or name"),
    ("ignore: [DIND008, DIND014]", {"DIND008"}, "DIND014 does not fire there"),
    ("igore: [DIND008]", set(), "unknown key 'igore'"),
])
def test_x_dindcheck_is_validated(body: str, silenced: set[str], warning: str | None,
                                  tmp_path: Path) -> None:
    report = lint_text(tmp_path, "compose.yaml", X_DINDCHECK.format(body=body))
    assert {s.rule_id for s in report.suppressions} == silenced
    assert not silenced & rule_ids(report)
    assert all(s.by == "x-dindcheck" for s in report.suppressions)
    if warning is None:
        assert report.warnings == ()
    else:
        said = (*report.warnings, *report.errors)  # the compose shape check may say it first
        assert any(warning in w.message for w in said), said
        assert all(w.path.endswith("compose.yaml") and w.line for w in said)


def test_x_dindcheck_reason_is_kept(tmp_path: Path) -> None:
    report = lint_text(tmp_path, "compose.yaml", X_DINDCHECK.format(
        body="ignore: [DIND008]\n      reason: runs under sysbox"))
    assert [(s.rule_id, s.reason) for s in report.suppressions] == [
        ("DIND008", "runs under sysbox")]


def test_a_compose_label_suppresses_as_a_container_label_would(tmp_path: Path) -> None:
    text = ("services:\n  dind:\n    image: docker:27-dind\n    labels:\n"
            "      dindcheck.ignore: DIND008\n      dindcheck.ignore.reason: sysbox\n")
    report = lint_text(tmp_path, "compose.yaml", text)
    assert [(s.rule_id, s.by, s.reason) for s in report.suppressions] == [
        ("DIND008", "label", "sysbox")]


def test_a_kubernetes_annotation_suppresses_for_the_pod(tmp_path: Path) -> None:
    text = KUBERNETES.format(above="", inline="").replace(
        "  name: builder\n", "  name: builder\n  annotations:\n"
        "    dindcheck.io/ignore: DIND008,DIND001\n    dindcheck.io/ignore-reason: kata\n")
    report = lint_text(tmp_path, "pod.yaml", text)
    assert not {"DIND008", "DIND001"} & rule_ids(report)
    assert {(s.rule_id, s.reason) for s in report.suppressions} == {
        ("DIND008", "kata"), ("DIND001", "kata")}
    assert all(s.by.startswith("annotation") for s in report.suppressions)


def test_a_gitlab_variable_suppresses_for_the_job(tmp_path: Path) -> None:
    text = write(GITLAB).replace("build:\n", "build:\n  variables:\n"
                                 "    DINDCHECK_IGNORE: DIND005\n"
                                 "    DINDCHECK_IGNORE_REASON: cache from the registry\n")
    report = lint_text(tmp_path, ".gitlab-ci.yml", text)
    assert "DIND005" not in rule_ids(report)
    records = [s for s in report.suppressions if s.rule_id == "DIND005"]
    assert records
    assert records[0].reason == "cache from the registry"
    assert records[0].written_at.line == 3  # the DINDCHECK_IGNORE variable


def test_a_container_label_suppresses_in_a_live_audit() -> None:
    import copy
    import json

    from dindcheck.evaluate import evaluate_setup
    from dindcheck.sources.live.observation import EngineObservation
    from dindcheck.sources.live.workloads import setup
    from tests.repo import REPO

    recorded = json.loads((REPO / "tests/sources/live/data/scenarios.json").read_text())
    before = evaluate_setup(setup(EngineObservation.from_json(recorded)), RULES)
    flagged = next(f for f in before.findings if f.location.container_id)
    labelled = copy.deepcopy(recorded)
    for container in labelled["containers"]:
        inspect = container["inspect"]
        if inspect.get("Id") == flagged.location.container_id:
            inspect.setdefault("Config", {})["Labels"] = {
                "dindcheck.ignore": flagged.rule_id.lower(),
                "dindcheck.ignore.reason": "accepted"}
    after = evaluate_setup(setup(EngineObservation.from_json(labelled)), RULES)
    assert (flagged.rule_id, flagged.subject_id) not in {
        (f.rule_id, f.subject_id) for f in after.findings}
    assert (flagged.rule_id, "label", "accepted") in {
        (s.rule_id, s.by, s.reason) for s in after.suppressions}


def test_standard_input_is_read_for_its_comments_never_the_file_of_its_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import json

    from dindcheck.cli import main

    buffer = write(KUBERNETES, above="# dindcheck: ignore[DIND008] kata")
    on_disk = write(KUBERNETES) + "# dindcheck: ignore-file[DIND001]\n"
    (tmp_path / "pod.yaml").write_text(on_disk)  # what an editor has not saved yet differs
    monkeypatch.chdir(tmp_path)
    stdin = io.TextIOWrapper(io.BytesIO(buffer.encode()))
    monkeypatch.setattr("sys.stdin", stdin)
    out = io.StringIO()
    main(["lint", "-", "--stdin-filename", "pod.yaml", "--json"], stdout=out,
         stderr=io.StringIO())
    report = json.loads(out.getvalue())
    # DIND041 (info): docker:27-dind names only a major version
    assert [f["rule_id"] for f in report["findings"]] == ["DIND001", "DIND041"]
    assert [(s["rule_id"], s["reason"]) for s in report["suppressed_findings"]] == [
        ("DIND008", "kata")]
