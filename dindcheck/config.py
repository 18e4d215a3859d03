"""The optional configuration: defaults < file < command line.

The file is ``--config FILE``, else the nearest ``.dindcheck.yaml`` (``.yml``) or
``pyproject.toml`` with a ``[tool.dindcheck]`` table, from the working directory up to the
repository root (the first folder with a ``.git``; the filesystem root without one), as
ruff finds its configuration. Both hold the same keys (``config.schema.json``); paths in
them are relative to the file.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dindcheck.catalogue import Rule
from dindcheck.errors import RuleError
from dindcheck.model import Severity
from dindcheck.reading import ReadError, read_head, read_text
from dindcheck.yamlload import YamlError, load_file

CONFIG_NAMES = (".dindcheck.yaml", ".dindcheck.yml")
PYPROJECT = "pyproject.toml"
MAX_CONFIG_SIZE = 1024 * 1024
_TOOL_TABLE = re.compile(r"^[ \t]*\[[ \t]*tool[ \t]*\.[ \t]*dindcheck[ \t]*[\].]", re.M)
# Above it a single input could take gigabytes of memory: a cap that high is no cap.
MAX_FILE_SIZE_LIMIT = 1024**3
_SIZE = re.compile(r"(?P<number>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>[kmg]?)(?:i?b)?", re.I)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def parse_size(value: object) -> int:
    """Bytes from ``10M``, ``512k``, ``1.5 GiB`` or a plain integer; ``ValueError`` for
    anything else, for a size below one byte and above :data:`MAX_FILE_SIZE_LIMIT`."""
    if isinstance(value, bool):
        raise ValueError(f"not a size: {value!r} (e.g. 10M)")
    if isinstance(value, int):
        size = value
    else:
        match = _SIZE.fullmatch(str(value).strip()) if isinstance(value, str) else None
        if match is None:
            raise ValueError(f"not a size: {str(value)[:40]!r} (e.g. 10M)")
        number, unit = match.group("number"), match.group("unit").lower()
        if len(number) > 20:
            raise ValueError(f"not a size: {number[:20]}... is too large")
        size = int(float(number) * _UNITS[unit])
    if not 1 <= size <= MAX_FILE_SIZE_LIMIT:
        raise ValueError(f"size must be between 1 byte and {MAX_FILE_SIZE_LIMIT // 1024**3}G, "
                         f"got {str(value)[:40]}")
    return size


@dataclass(frozen=True, slots=True)
class Config:
    path: Path | None = None
    fail_on: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    rules: tuple[Path, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    max_file_size: int | None = None
    baseline: Path | None = None
    runner_config: Path | None = None


def find_config(start: Path | None) -> Path | None:
    """The nearest config file from ``start`` up to the repository root (None: no
    working directory, so no config)."""
    if start is None:
        return None
    for folder in (start, *start.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            # Not only regular files: a FIFO or a dangling link named like the config is
            # an error when it is read, not a config silently ignored.
            if candidate.is_symlink() or (candidate.exists() and not candidate.is_dir()):
                return candidate
        pyproject = folder / PYPROJECT
        if _has_tool_table(pyproject):
            return pyproject
        if (folder / ".git").exists():
            return None
    return None


def _has_tool_table(path: Path) -> bool:
    """Whether a ``pyproject.toml`` has a ``[tool.dindcheck]`` table (by its text: a
    broken file without one is not dindcheck's to report)."""
    head = read_head(path, MAX_CONFIG_SIZE)  # never blocks: a FIFO is not a config
    return head is not None and _TOOL_TABLE.search(
        head.decode("utf-8", errors="replace")) is not None


def load_config(path: Path | None) -> Config:
    """Read and validate a config file; None gives the defaults."""
    if path is None:
        return Config()
    data = _read_toml(path) if path.name.endswith(".toml") else _read_yaml(path)
    if data is None:
        return Config(path=path)
    _validate(data, path)
    base = path.parent
    baseline = data.get("baseline")
    return Config(
        path=path,
        fail_on=data.get("fail_on"),
        select=tuple(data.get("select") or ()),
        ignore=tuple(data.get("ignore") or ()),
        rules=tuple(base / p for p in data.get("rules") or ()),
        severity=dict(data.get("severity") or {}),
        max_file_size=_max_file_size(data, path),
        baseline=base / baseline if baseline else None,
        runner_config=base / data["runner_config"] if data.get("runner_config") else None,
    )


def _read_yaml(path: Path) -> Any:
    try:
        return load_file(path)
    except YamlError as exc:
        where = f"{exc.path}:{exc.line}" if exc.line else exc.path
        raise RuleError(f"{where}: {exc.message}") from None


def _read_toml(path: Path) -> Any:
    """The ``[tool.dindcheck]`` table of a ``pyproject.toml`` (None: none)."""
    import tomllib

    try:
        document = tomllib.loads(read_text(path, MAX_CONFIG_SIZE, cap_flag=None))
    except ReadError as exc:
        where = f"{exc.path}:{exc.line}" if exc.line else exc.path
        raise RuleError(f"{where}: {exc.message}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{path}: {exc}") from None
    tool = document.get("tool")
    table = tool.get("dindcheck") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise RuleError(f"{path}: tool.dindcheck must be a table")
    return table


def _max_file_size(data: Any, path: Path) -> int | None:
    value = data.get("max_file_size")
    if value is None:
        return None
    try:
        return parse_size(value)
    except ValueError as exc:
        raise RuleError(f"{path}{_line(data, 'max_file_size')}: $.max_file_size: {exc}") \
            from None


def _line(data: Any, key: object) -> str:
    marks = getattr(data, "key_marks", {})
    return f":{marks[key].line}" if key in marks else ""


def _validate(data: Any, path: Path) -> None:
    import jsonschema
    from jsonschema.exceptions import best_match

    from dindcheck.schemas import load

    schema = load("config.schema.json")
    error = best_match(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if error is not None:
        line = _line(data, error.path[0]) if error.path else ""
        table = " [tool.dindcheck]" if path.name.endswith(".toml") else ""
        raise RuleError(f"{path}{line}:{table} {error.json_path}: {error.message}")


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
