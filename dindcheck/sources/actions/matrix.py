"""``strategy.matrix``: the combinations a job runs with, as GitHub builds them.

The product of the axes, minus ``exclude`` (an entry removes every combination it
matches), plus ``include``: each entry is added to every combination whose original
values it does not change, and becomes a combination of its own where it fits none
(https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/running-variations-of-jobs-in-a-workflow).
GitHub runs at most 256 jobs of a matrix; so many are read here, and the rest said.
An axis or a matrix written as an expression (``${{ fromJSON(…) }}``) cannot be
expanded before the run.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_COMBINATIONS = 256  # GitHub's own limit of jobs per matrix
_REFERENCE = re.compile(r"\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}")
_MENTION = re.compile(r"\bmatrix\.([A-Za-z0-9_-]+)")


@dataclass(slots=True)
class Expansion:
    """The combinations to read (``[{}]``: no matrix, or none that matters) and notes."""

    combinations: list[dict[str, Any]] = field(default_factory=lambda: [{}])
    notes: list[str] = field(default_factory=list)


def referenced(values: Iterator[str]) -> set[str]:
    """The matrix keys that any of the strings mention."""
    keys: set[str] = set()
    for value in values:
        if "matrix." in value:
            keys.update(_MENTION.findall(value))
    return keys


def expand(matrix: Any, keys: set[str]) -> Expansion:
    """The combinations of ``matrix``, reduced to the ``keys`` the job uses."""
    result = Expansion()
    if not keys or matrix is None:
        return result
    if not isinstance(matrix, Mapping):
        result.notes.append("the matrix is an expression: its combinations are known only "
                            "when the workflow runs, not expanded")
        return result
    axes = {k: v for k, v in matrix.items() if k not in ("include", "exclude")}
    for name, values in axes.items():
        if not isinstance(values, list):
            result.notes.append(f"the matrix axis {name} is an expression: not expanded")
            return result
    total = math.prod(len(v) for v in axes.values()) if axes else 0
    if total > MAX_COMBINATIONS:
        result.notes.append(f"the matrix has {total} combinations: the first "
                            f"{MAX_COMBINATIONS} are read (GitHub runs no more)")
    combos = [dict(zip(axes, values, strict=True)) for values in
              itertools.islice(itertools.product(*axes.values()), MAX_COMBINATIONS)] \
        if axes else []
    exclude = matrix.get("exclude")
    if isinstance(exclude, list):
        rules = [e for e in exclude if isinstance(e, Mapping)]
        combos = [c for c in combos if not any(_matches(c, rule) for rule in rules)]
    include = matrix.get("include")
    if isinstance(include, list):
        originals = len(combos)
        if len(include) > MAX_COMBINATIONS:
            result.notes.append(f"the matrix has {len(include)} include entries: the first "
                                f"{MAX_COMBINATIONS} are read")
        for entry in include[:MAX_COMBINATIONS]:
            if not isinstance(entry, Mapping):
                continue
            fitted = False
            for combo in combos[:originals]:
                if all(k not in axes or combo.get(k) == v for k, v in entry.items()):
                    combo.update(entry)
                    fitted = True
            if not fitted and len(combos) < MAX_COMBINATIONS:
                combos.append(dict(entry))
    reduced: list[dict[str, Any]] = []
    for combo in combos:
        key = {k: combo[k] for k in sorted(keys) if k in combo}
        if key not in reduced:
            reduced.append(key)
    result.combinations = reduced or [{}]
    return result


def _matches(combo: Mapping[str, Any], rule: Mapping[str, Any]) -> bool:
    return all(combo.get(k) == v for k, v in rule.items())


def scalar_text(value: Any) -> str | None:
    """A scalar as GitHub turns it into text; None for a mapping or list."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, str | int | float):
        return str(value)
    return None


def text_of(value: Any) -> str:
    """A matrix value as an expression turns it into text."""
    text = scalar_text(value)
    return json.dumps(value, sort_keys=True, default=str) if text is None else text


def label(combination: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={text_of(v)}" for k, v in combination.items())


def substituter(combination: Mapping[str, Any]) -> Callable[[str], str]:
    """Replace ``${{ matrix.KEY }}`` by the combination's value; other expressions stay."""
    if not combination:
        return lambda text: text

    def subst(text: str) -> str:
        if "matrix." not in text:
            return text
        return _REFERENCE.sub(lambda m: text_of(combination[m.group(1)])
                              if m.group(1) in combination else m.group(0), text)
    return subst
