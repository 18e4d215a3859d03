"""The optional configuration file, ``.dindcheck.yaml``: defaults < file < command line."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dindcheck.catalogue import Rule
from dindcheck.errors import RuleError
from dindcheck.model import Severity
from dindcheck.yamlload import YamlError, load_file

CONFIG_NAMES = (".dindcheck.yaml", ".dindcheck.yml")


@dataclass(frozen=True, slots=True)
class Config:
    path: Path | None = None
    fail_on: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    rules: tuple[Path, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    max_file_size: int | str | None = None
    runner_config: Path | None = None


def find_config(start: Path) -> Path | None:
    for name in CONFIG_NAMES:
        candidate = start / name
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | None) -> Config:
    """Read and validate a config file; None gives the defaults."""
    if path is None:
        return Config()
    try:
        data = load_file(path)
    except YamlError as exc:
        where = f"{exc.path}:{exc.line}" if exc.line else exc.path
        raise RuleError(f"{where}: {exc.message}") from None
    if data is None:
        return Config(path=path)
    _validate(data, path)
    base = path.parent
    return Config(
        path=path,
        fail_on=data.get("fail_on"),
        select=tuple(data.get("select") or ()),
        ignore=tuple(data.get("ignore") or ()),
        rules=tuple(base / p for p in data.get("rules") or ()),
        severity=dict(data.get("severity") or {}),
        max_file_size=data.get("max_file_size"),
        runner_config=base / data["runner_config"] if data.get("runner_config") else None,
    )


def _validate(data: Any, path: Path) -> None:
    import jsonschema
    from jsonschema.exceptions import best_match

    from dindcheck.schemas import load

    schema = load("config.schema.json")
    error = best_match(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if error is not None:
        line = ""
        marks = getattr(data, "key_marks", {})
        if error.path and error.path[0] in marks:
            line = f":{marks[error.path[0]].line}"
        raise RuleError(f"{path}{line}: {error.json_path}: {error.message}")


def apply_severity(rules: Sequence[Rule], overrides: dict[str, str]) -> tuple[Rule, ...]:
    """Rules with the configured severities; an unknown rule in the config is an error."""
    known = {r.id for r in rules} | {r.name for r in rules}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise RuleError(f"config: severity for unknown rule(s): {', '.join(unknown)}")
    result = []
    for rule in rules:
        level = overrides.get(rule.id) or overrides.get(rule.name)
        result.append(dataclasses.replace(rule, severity=Severity(level)) if level else rule)
    return tuple(result)
