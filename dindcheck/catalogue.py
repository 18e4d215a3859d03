"""Load rule files: the shipped catalogue and the user's ``--rules`` folders."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from dindcheck import RULE_PAGES
from dindcheck.conditions import ConditionError, Predicate, check_specifiers, compile_condition
from dindcheck.errors import RuleError
from dindcheck.model import SUBJECT_KINDS, Severity
from dindcheck.yamlload import YamlError, load_file

_ID = re.compile(r"^[A-Z][A-Z0-9]*[0-9]{3}$")
# Input kinds a fix can be written for: a subject's ``origin``.
FIX_KINDS = ("compose", "gitlab-ci", "github-actions", "kubernetes", "shell", "live")
FIXES_DIR = "fixes"


@dataclass(frozen=True, slots=True)
class Escalation:
    severity: Severity
    when: Predicate
    reason: str


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    title: str
    severity: Severity
    category: str
    subject: str
    condition: Predicate
    message: str
    rationale: str
    remediation: str
    references: tuple[str, ...]
    location: str
    evidence: tuple[str, ...]
    escalations: tuple[Escalation, ...]
    source: Path
    raw: dict[str, Any] = field(repr=False, compare=False)
    shipped: bool = True
    fixes: dict[str, str] = field(default_factory=dict, compare=False)

    def remediation_for(self, origin: str | None) -> str:
        """The fix written in the syntax of the subject's input, else the rule's own."""
        return self.fixes.get(origin or "", self.remediation)

    @property
    def url(self) -> str | None:
        """Its documentation page: the generated page of a shipped rule, else the user
        rule's first reference."""
        return rule_url(self.id, self)


def rule_url(rule_id: str, rule: Rule | None = None) -> str | None:
    """The page of a rule; without the rule itself, a ``DIND`` id is taken as shipped."""
    if rule is None:
        return f"{RULE_PAGES}/{rule_id}.md" if rule_id.startswith("DIND") else None
    if rule.shipped:
        return f"{RULE_PAGES}/{rule.id}.md"
    return rule.references[0] if rule.references else None


def shipped_rules_dir() -> Path:
    """The catalogue as installed (``dindcheck.rules``; ``rules/`` itself in a checkout)."""
    return Path(str(resources.files("dindcheck.rules")))


def rule_schema_path() -> Path:
    return shipped_rules_dir() / "rule.schema.json"


def rule_files(directory: Path) -> list[Path]:
    """Every ``*.yaml`` of the folder but sub-folders: a FIFO or a dangling link named like
    a rule is reported when it is read, not skipped (a rule skipped is a check not done)."""
    return sorted(p for p in directory.glob("*.yaml") if not p.is_dir())


def load_rule(path: Path, *, shipped: bool) -> Rule:
    try:
        data = load_file(path)
    except YamlError as exc:
        raise RuleError(f"{_where(exc)}: {exc.message}") from None
    if not shipped:
        validate_rule_data(data, path)
        try:
            check_specifiers(data.get("condition"), "$.condition")
            for i, escalation in enumerate(data.get("escalate") or ()):
                check_specifiers(escalation.get("when"), f"$.escalate[{i}].when")
        except ConditionError as exc:
            raise RuleError(f"{path}: {exc}") from None
    return _build(data, path, shipped)


def validate_rule_data(data: Any, path: Path) -> None:
    """Full JSON Schema validation (rule.schema.json), with the JSON path of the first problem."""
    import json

    import jsonschema
    from jsonschema.exceptions import best_match

    schema = json.loads(rule_schema_path().read_text(encoding="utf-8"))
    error = best_match(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if error is not None:
        raise RuleError(f"{path}: {error.json_path}: {error.message}")


def _where(exc: YamlError) -> str:
    return f"{exc.path}:{exc.line}" if exc.line else exc.path


def _build(data: Any, path: Path, shipped: bool) -> Rule:
    if not isinstance(data, dict):
        raise RuleError(f"{path}: $: a rule file must be a mapping")
    missing = [k for k in ("id", "name", "title", "severity", "category", "subject",
                           "condition", "message", "rationale", "remediation") if k not in data]
    if missing:
        raise RuleError(f"{path}: $: missing {', '.join(missing)}")
    rule_id = str(data["id"])
    if not _ID.match(rule_id):
        raise RuleError(f"{path}: $.id: {rule_id!r} is not an id like DIND001")
    if data["subject"] not in SUBJECT_KINDS:
        raise RuleError(f"{path}: $.subject: must be one of {', '.join(SUBJECT_KINDS)}")
    try:
        severity = Severity(data["severity"])
        condition = compile_condition(data["condition"], "$.condition")
        escalations = tuple(
            Escalation(Severity(e["severity"]),
                       compile_condition(e["when"], f"$.escalate[{i}].when"),
                       str(e.get("reason", "")))
            for i, e in enumerate(data.get("escalate") or ()))
    except ConditionError as exc:
        raise RuleError(f"{path}: {exc}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise RuleError(f"{path}: $: {exc}") from None
    return Rule(
        id=rule_id,
        name=str(data["name"]),
        title=str(data["title"]),
        severity=severity,
        category=str(data["category"]),
        subject=str(data["subject"]),
        condition=condition,
        message=str(data["message"]).strip(),
        rationale=str(data["rationale"]).strip(),
        remediation=str(data["remediation"]).strip(),
        references=tuple(str(r) for r in data.get("references") or ()),
        location=str(data.get("location", "subject")),
        evidence=tuple(str(e) for e in data.get("evidence") or ()),
        escalations=escalations,
        source=path,
        raw=dict(data),
        shipped=shipped,
    )


def load_fixes(directory: Path, rule_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    """``fixes/<kind>.yaml`` of a rule folder: rule id → the fix in that input's syntax.

    Returns rule id → {kind: text}. An unknown kind or rule id is an error.
    """
    known = set(rule_ids)
    fixes: dict[str, dict[str, str]] = {}
    folder = directory / FIXES_DIR
    if not folder.is_dir():
        return fixes
    for path in sorted(folder.glob("*.yaml")):
        kind = path.stem
        if kind not in FIX_KINDS:
            raise RuleError(f"{path}: not an input kind ({', '.join(FIX_KINDS)})")
        try:
            data = load_file(path)
        except YamlError as exc:
            raise RuleError(f"{_where(exc)}: {exc.message}") from None
        if data is None:
            continue
        if not isinstance(data, dict):
            raise RuleError(f"{path}: $: must map rule ids to fixes")
        for rule_id, text in data.items():
            if rule_id not in known:
                raise RuleError(f"{path}: $.{rule_id}: no such rule")
            if not isinstance(text, str) or len(text.strip()) < 20:
                raise RuleError(f"{path}: $.{rule_id}: a fix is a text of 20 or more characters")
            fixes.setdefault(str(rule_id), {})[kind] = text.strip()
    return fixes


def _with_fixes(rules: Sequence[Rule], directory: Path) -> list[Rule]:
    fixes = load_fixes(directory, (r.id for r in rules))
    return [dataclasses.replace(r, fixes=fixes[r.id]) if r.id in fixes else r for r in rules]


@cache
def _shipped() -> tuple[Rule, ...]:
    directory = shipped_rules_dir()
    rules = [load_rule(p, shipped=True) for p in rule_files(directory)]
    return tuple(_with_fixes(rules, directory))


def load_catalogue(extra_dirs: Sequence[Path] = ()) -> tuple[Rule, ...]:
    """The shipped rules plus user rules; a user rule may not reuse an id."""
    rules = list(_shipped())
    seen = {r.id: r.source for r in rules}
    for directory in extra_dirs:
        if not directory.is_dir():
            raise RuleError(f"{directory}: --rules needs a folder of rule files")
        added: list[Rule] = []
        for path in rule_files(directory):
            rule = load_rule(path, shipped=False)
            if rule.id in seen:
                raise RuleError(f"{path}: $.id: {rule.id} is already defined by {seen[rule.id]}")
            seen[rule.id] = path
            added.append(rule)
        rules.extend(_with_fixes(added, directory))
    return tuple(rules)


def select_rules(rules: Iterable[Rule], select: Sequence[str] = (),
                 ignore: Sequence[str] = ()) -> tuple[Rule, ...]:
    """Filter by id, name or category; unknown names are a usage error."""
    rules = tuple(rules)
    known = {r.id for r in rules} | {r.name for r in rules} | {r.category for r in rules}
    for token in (*select, *ignore):
        if token not in known:
            raise RuleError(f"unknown rule id, name or category: {token}")

    def hit(rule: Rule, tokens: Sequence[str]) -> bool:
        return bool({rule.id, rule.name, rule.category} & set(tokens))

    return tuple(r for r in rules
                 if (not select or hit(r, select)) and not hit(r, ignore))


def find_rule(rules: Iterable[Rule], key: str) -> Rule | None:
    for rule in rules:
        if key.upper() == rule.id or key == rule.name:
            return rule
    return None
