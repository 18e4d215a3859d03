"""The catalogue tested as data: schema, ids, examples, generated docs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from dindcheck.catalogue import (
    Rule,
    load_catalogue,
    load_rule,
    rule_files,
    rule_schema_path,
    select_rules,
    shipped_rules_dir,
)
from dindcheck.conditions import check_specifiers
from dindcheck.errors import RuleError
from dindcheck.rulepages import pages
from dindcheck.yamlload import load_file

ROOT = Path(__file__).resolve().parent.parent
RULES = load_catalogue()
RULE_FILES = rule_files(shipped_rules_dir())

FIXED_V1 = {
    "DIND001": ("data-root-on-overlay", "error"),
    "DIND002": ("vfs-storage-driver", "warning"),
    "DIND003": ("backing-fs-unsupported", "error"),
    "DIND004": ("shared-data-root", "error"),
    "DIND005": ("ephemeral-cache", "info"),
    "DIND006": ("data-root-on-tmpfs", "warning"),
    "DIND007": ("privileged-dind", "warning"),
    "DIND008": ("dind-not-privileged", "error"),
    "DIND009": ("docker-socket-mount", "warning"),
    "DIND010": ("plaintext-tcp", "warning"),
    "DIND011": ("tls-mode-mismatch", "error"),
    "DIND012": ("unpinned-dind-image", "warning"),
    "DIND013": ("legacy-storage-driver", "error"),
    "DIND014": ("daemon-startup-race", "warning"),
    "DIND015": ("host-network-dind", "warning"),
}


@pytest.fixture(scope="module")
def rule_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(rule_schema_path().read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_file_validates(path: Path, rule_validator: jsonschema.Draft202012Validator) -> None:
    data = load_file(path)
    errors = [f"{e.json_path}: {e.message}" for e in rule_validator.iter_errors(data)]
    assert errors == []
    assert path.name == f"{data['id']}-{data['name']}.yaml"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_version_specifiers_parse(rule: Rule) -> None:
    check_specifiers(rule.raw["condition"])
    for escalation in rule.raw.get("escalate") or ():
        check_specifiers(escalation["when"])


def test_ids_and_names_are_unique() -> None:
    assert len({r.id for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)


@pytest.mark.parametrize(("rule_id", "expected"), FIXED_V1.items())
def test_catalogue_v1_ids_are_fixed(rule_id: str, expected: tuple[str, str]) -> None:
    rule = next(r for r in RULES if r.id == rule_id)
    assert (rule.name, rule.severity.value) == expected


def _examples(kind: str) -> list[Any]:
    return [pytest.param(rule, example, id=f"{rule.id}-{kind}{i}")
            for rule in RULES for i, example in enumerate(rule.raw["examples"][kind])]


@pytest.mark.parametrize(("rule", "subject"), _examples("fail"))
def test_failing_example_fires(rule: Rule, subject: dict[str, Any]) -> None:
    assert rule.condition(subject) is True


@pytest.mark.parametrize(("rule", "subject"), _examples("pass"))
def test_passing_example_is_quiet(rule: Rule, subject: dict[str, Any]) -> None:
    assert rule.condition(subject) is False


def test_generated_rule_docs_match_committed() -> None:
    committed = ROOT / "docs" / "rules"
    expected = pages(RULES)
    actual = {p.name: p.read_text() for p in committed.glob("*.md")}
    stale = sorted(n for n in set(expected) | set(actual) if expected.get(n) != actual.get(n))
    assert stale == [], "run: python -m dindcheck.rulepages docs/rules"


def _write_rule(folder: Path, **overrides: Any) -> Path:
    data = json.loads(json.dumps(next(r for r in RULES if r.id == "DIND007").raw))
    data.update(id="ACME001", name="acme-rule")
    data.update(overrides)
    path = folder / f"{data['id']}-{data['name']}.yaml"
    path.write_text(json.dumps(data))
    return path


def test_user_rules_are_added(tmp_path: Path) -> None:
    _write_rule(tmp_path)
    rules = load_catalogue([tmp_path])
    assert [r.id for r in rules if not r.shipped] == ["ACME001"]


@pytest.mark.parametrize(("overrides", "message"), [
    pytest.param({"id": "DIND007", "name": "dup"}, r"\$\.id: DIND007 is already defined",
                 id="reused-id"),
    pytest.param({"severity": "fatal"}, r"\$\.severity", id="bad-severity"),
    pytest.param({"condition": {"type": "strng"}}, r"\$\.condition", id="bad-condition"),
    pytest.param({"references": []}, r"\$\.references", id="no-references"),
    pytest.param({"run": "rm -rf /"}, r": \$: .*'run'", id="unknown-key"),
    pytest.param({"condition": {"properties": {"engine_version": {"version": "<1.*"}}}},
                 r"\$\.condition\.properties\.engine_version\.version: invalid",
                 id="specifier-packaging-rejects"),
    # Conditions that used to load and then crash or hang the run that evaluated them.
    pytest.param({"condition": {"required": [["x"]]}},
                 r"\$\.condition\.required: must be a list of names", id="required-nested"),
    pytest.param({"condition": {"$ref": "#"}}, r"\$\.condition\.\$ref: '#' refers back",
                 id="ref-self"),
    pytest.param({"condition": {"allOf": [{"$ref": "#/$defs/a"}],
                                "$defs": {"a": {"not": {"$ref": "#"}}}}},
                 r"refers back to itself", id="ref-cycle-through-allOf-and-not"),
    pytest.param({"condition": {"$ref": "#/$defs/missing"}}, r"does not resolve",
                 id="ref-unresolvable"),
    pytest.param({"condition": {"$ref": "https://example.com/schema.json"}},
                 r"does not resolve", id="ref-remote"),
    pytest.param({"condition": {"$dynamicRef": "#x"}}, r"only \$ref", id="dynamic-ref"),
    pytest.param({"condition": {"properties": {"image": {"pattern": "^(a+)+$"}}}},
                 r"\$\.condition\.properties\.image\.pattern: a repeated group",
                 id="pattern-nested-quantifier"),
    pytest.param({"condition": {"properties": {"image": {"pattern": "\\d+\\d+"}}}},
                 r"pattern: two repeats", id="pattern-adjacent-quantifiers"),
    pytest.param({"condition": {"patternProperties": {"(a|ab)*c": True}, "$ref": "#/$defs/d",
                                "$defs": {"d": True}}},
                 r"patternProperties.*alternatives", id="pattern-properties-in-jsonschema"),
    pytest.param({"condition": {"not": {"pattern": "(x+x+)+y"}}}, r"pattern: ",
                 id="pattern-under-not"),
])
def test_invalid_user_rule_names_file_and_path(tmp_path: Path, overrides: dict[str, Any],
                                               message: str) -> None:
    path = _write_rule(tmp_path, **overrides)
    with pytest.raises(RuleError, match=message) as info:
        load_catalogue([tmp_path])
    assert str(path) in str(info.value) or "already defined" in str(info.value)


def test_recursive_ref_that_descends_is_a_working_condition(tmp_path: Path) -> None:
    """A ``$ref`` that recurses into the value (a tree) is fine: it ends with the value."""
    _write_rule(tmp_path, subject="daemon", condition={
        "$defs": {"node": {"anyOf": [{"const": "leaf"},
                                     {"type": "object",
                                      "properties": {"next": {"$ref": "#/$defs/node"}},
                                      "required": ["next"]}]}},
        "properties": {"chain": {"$ref": "#/$defs/node"}}, "required": ["chain"]})
    (rule,) = [r for r in load_catalogue([tmp_path]) if not r.shipped]
    assert rule.condition({"chain": {"next": {"next": "leaf"}}})
    assert not rule.condition({"chain": {"next": {"next": "branch"}}})


@pytest.mark.parametrize("text", ["id: 2001-02-30\n", "severity: !!bool maybe\n",
                                  "id: ACME003\nmessage: !!int 99999999999999999999x\n"])
def test_rule_scalar_that_cannot_be_built_is_exit_2_with_its_line(tmp_path: Path,
                                                                   text: str) -> None:
    import io

    from dindcheck.cli import main

    (tmp_path / "ACME003-x.yaml").write_text(text)
    err = io.StringIO()
    code = main(["rules", "--rules", str(tmp_path)], stdout=io.StringIO(), stderr=err)
    assert code == 2
    assert f"ACME003-x.yaml:{text.count(chr(10))}" in err.getvalue()
    assert len(err.getvalue().splitlines()) == 1


def test_malformed_rule_yaml(tmp_path: Path) -> None:
    (tmp_path / "ACME002-x.yaml").write_text("id: [\n")
    with pytest.raises(RuleError, match=r"ACME002-x.yaml:2"):
        load_rule(tmp_path / "ACME002-x.yaml", shipped=False)


def test_select_and_ignore() -> None:
    assert [r.id for r in select_rules(RULES, ["DIND001", "privileged-dind"])] == [
        "DIND001", "DIND007"]
    assert "DIND007" not in {r.id for r in select_rules(RULES, ignore=["security"])}
    with pytest.raises(RuleError, match="unknown rule"):
        select_rules(RULES, ["NOPE999"])


def test_fixes_are_written_per_input_kind_and_chosen_by_origin() -> None:
    from dindcheck.engine import make_finding

    rule = next(r for r in RULES if r.id == "DIND001")
    assert {"kubernetes", "live", "shell"} <= set(rule.fixes)
    subject = {"kind": "daemon", "name": "dind", "id": "p/dind",
               "data_root": {"path": "/var/lib/docker", "covered_by": "layer"}}
    by_origin = {origin: make_finding(rule, {**subject, "origin": origin}).remediation
                 for origin in ("kubernetes", "shell", "compose")}
    assert "emptyDir" in by_origin["kubernetes"]
    assert "docker run" in by_origin["shell"]
    assert by_origin["compose"].startswith("Mount a volume")  # the rule's own text
    assert len(set(by_origin.values())) == 3


@pytest.mark.parametrize(("name", "text", "message"), [
    pytest.param("nomad.yaml", "ACME001: a fix that is long enough\n", "not an input kind",
                 id="unknown-kind"),
    pytest.param("kubernetes.yaml", "ACME999: a fix that is long enough\n", "no such rule",
                 id="unknown-rule"),
    pytest.param("kubernetes.yaml", "ACME001: short\n", "20 or more", id="too-short"),
])
def test_bad_fix_files_name_file_and_rule(tmp_path: Path, name: str, text: str,
                                          message: str) -> None:
    _write_rule(tmp_path)
    (tmp_path / "fixes").mkdir()
    (tmp_path / "fixes" / name).write_text(text)
    with pytest.raises(RuleError, match=message) as info:
        load_catalogue([tmp_path])
    assert name in str(info.value)


@pytest.mark.parametrize("kind", ["fifo", "dangling-link", "link-to-dev-zero"])
def test_a_rule_file_that_cannot_be_read_is_an_error_not_skipped(tmp_path: Path,
                                                                  kind: str) -> None:
    import os

    path = tmp_path / "ACME004-x.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dangling-link":
        path.symlink_to(tmp_path / "gone.yaml")
    else:
        path.symlink_to("/dev/zero")
    with pytest.raises(RuleError, match=r"ACME004-x\.yaml: (cannot read|not a regular file)"):
        load_catalogue([tmp_path])
