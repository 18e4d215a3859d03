"""One documentation page per rule, generated from its file (docs/rules/ and ``explain``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from dindcheck.catalogue import FIX_KINDS, Rule

FIX_TITLES = {"compose": "Docker Compose", "gitlab-ci": "GitLab CI", "github-actions":
              "GitHub Actions", "kubernetes": "Kubernetes", "shell": "a `docker run` line",
              "live": "a running container"}


def _subject_yaml(example: dict[str, Any]) -> str:
    return json.dumps(example, sort_keys=False)


def rule_page(rule: Rule) -> str:
    raw = rule.raw
    lines = [
        f"# {rule.id} {rule.name}",
        "",
        f"**{rule.title}**",
        "",
        f"- Severity: `{rule.severity.value}`",
        f"- Category: `{rule.category}`",
        f"- Subject: `{rule.subject}` (see [the fact model](../facts.md))",
    ]
    for escalation in raw.get("escalate") or ():
        lines.append(f"- Raised to `{escalation['severity']}` when "
                     f"{escalation.get('reason') or 'its condition holds'}")
    lines += ["", "## Why", "", rule.rationale, "", "## Fix", "", rule.remediation, ""]
    for kind in FIX_KINDS:
        if kind in rule.fixes:
            lines += [f"### In {FIX_TITLES[kind]}", "", rule.fixes[kind], ""]
    lines += ["## Message", "", "```", rule.message, "```", "",
              "## Condition", "", "```json",
              json.dumps(raw["condition"], indent=2), "```", ""]
    examples = raw.get("examples") or {}
    if examples:
        lines += ["## Examples", "", "Subjects that trigger the rule:", ""]
        lines += [f"- `{_subject_yaml(e)}`" for e in examples.get("fail", [])]
        lines += ["", "Subjects that pass:", ""]
        lines += [f"- `{_subject_yaml(e)}`" for e in examples.get("pass", [])]
        lines.append("")
    lines += ["## References", ""]
    lines += [f"- <{ref}>" for ref in rule.references]
    return "\n".join(lines).rstrip() + "\n"


def index_page(rules: Sequence[Rule]) -> str:
    lines = ["# Rules", "",
             "Generated from `rules/*.yaml`; `dindcheck explain ID` prints the same pages.", "",
             "| id | name | severity | category | subject | title |",
             "|---|---|---|---|---|---|"]
    for rule in rules:
        lines.append(f"| [{rule.id}]({rule.id}.md) | {rule.name} | {rule.severity.value} | "
                     f"{rule.category} | {rule.subject} | {rule.title} |")
    return "\n".join(lines) + "\n"


def pages(rules: Sequence[Rule]) -> dict[str, str]:
    """File name → content for docs/rules/."""
    result = {f"{rule.id}.md": rule_page(rule) for rule in rules}
    result["README.md"] = index_page(rules)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m dindcheck.rulepages docs/rules``: regenerate the rule pages."""
    import sys
    from pathlib import Path

    from dindcheck.catalogue import load_catalogue

    target = Path((argv if argv is not None else sys.argv[1:] or ["docs/rules"])[0])
    target.mkdir(parents=True, exist_ok=True)
    wanted = pages(load_catalogue())
    for stale in target.glob("*.md"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        (target / name).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
