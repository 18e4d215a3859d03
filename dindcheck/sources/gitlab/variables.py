"""CI variables: the forms GitLab accepts, and ``$NAME``/``${NAME}`` expansion as the
Runner does it.

GitLab Runner expands every variable's value once against the job's variables
(``Variables.Expand``, Go's ``os.Expand``): ``$$`` is a literal ``$``, ``${NAME}`` and
``$NAME`` take the other variable's value as written, values written with
``expand: false`` stay verbatim. Names the pipeline does not define (predefined
``CI_*`` variables, project and group settings) are left as written and reported as
unresolved: dindcheck never guesses their value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from dindcheck.sources.gitlab.model import Variable, location
from dindcheck.sources.gitlab.problems import Collector
from dindcheck.yamlload import Mark, PosDict

MAX_VALUE = 1024 * 1024  # an expanded value longer than this is kept as written
_SPECIAL = set("*#$@!?-0123456789")


def scalar_text(value: Any) -> str | None:
    """A YAML scalar as the text GitLab passes on (None for mappings and lists)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def read_variables(block: Any, mark: Mark | None, scope: str,
                   sink: Collector) -> list[Variable]:
    """A ``variables:`` mapping as written: ``NAME: value`` or ``NAME: {value:, expand:}``."""
    if block is None:
        return []
    if not isinstance(block, PosDict):
        sink.problem("variables must be a mapping of names to values", mark)
        return []
    result: list[Variable] = []
    for name, spec in block.items():
        key_mark = block.key_marks.get(name, block.mark)
        expand = True
        if isinstance(spec, PosDict):
            if spec.get("expand") is False:
                expand = False
            spec = spec.get("value", "")
        text = "" if spec is None else scalar_text(spec)
        if text is None:
            sink.problem(f"variable {name} must be a string or a number", key_mark)
            continue
        result.append(Variable(name=str(name), raw=text, value=text, expand=expand,
                               scope=scope, location=location(key_mark)))
    return result


def read_assignments(items: Iterable[str], scope: str,
                     where: Mapping[str, Any] | None = None) -> list[Variable]:
    """``NAME=value`` strings (GitLab Runner's ``environment`` settings)."""
    result: list[Variable] = []
    for item in items:
        name, sep, value = item.partition("=")
        if sep and name:
            loc = where.get(item) if where else None
            result.append(Variable(name=name, raw=value, value=value, scope=scope,
                                   location=loc))
    return result


def merged(*layers: Iterable[Variable]) -> list[Variable]:
    """Later layers win; the order of first definition is kept."""
    out: dict[str, Variable] = {}
    for layer in layers:
        for var in layer:
            out.pop(var.name, None)
            out[var.name] = var
    return list(out.values())


class Expander:
    """Expands text against a set of variables, remembering the names it could not resolve."""

    def __init__(self, values: Mapping[str, str], unresolved: set[str]) -> None:
        self.values = values
        self.unresolved = unresolved

    def expand(self, text: str) -> str | None:
        """``text`` with the known variables substituted; None when the result would be
        longer than :data:`MAX_VALUE`."""
        if "$" not in text:
            return text
        out: list[str] = []
        size = 0
        i = 0
        n = len(text)
        while i < n:
            j = text.find("$", i)
            if j < 0 or j + 1 >= n:
                out.append(text[i:])
                break
            out.append(text[i:j])
            name, width = _shell_name(text, j + 1)
            written = text[j:j + 1 + width]
            if name == "" and width == 0:
                piece = "$"
            elif name == "":
                piece = ""  # bad syntax: Go's os.Expand drops it
            elif name == "$":
                piece = "$"
            elif name in _SPECIAL:
                piece = ""
            elif name in self.values:
                piece = self.values[name]
            else:
                self.unresolved.add(name)
                piece = written
            out.append(piece)
            size += len(piece) + (j - i)
            if size > MAX_VALUE:
                return None
            i = j + 1 + width
        return "".join(out)


def _shell_name(text: str, start: int) -> tuple[str, int]:
    """Go's ``getShellName``: ``(name, characters consumed after '$')``."""
    first = text[start]
    if first == "{":
        if start + 2 < len(text) and text[start + 1] in _SPECIAL and text[start + 2] == "}":
            return text[start + 1], 3
        end = text.find("}", start + 1)
        if end < 0:
            return "", 1
        if end == start + 1:
            return "", 2
        return text[start + 1:end], end - start + 1
    if first in _SPECIAL:
        return first, 1
    end = start
    while end < len(text) and (text[end].isascii() and (text[end].isalnum() or text[end] == "_")):
        end += 1
    return text[start:end], end - start


def expand_all(variables: list[Variable], unresolved: set[str],
               sink: Collector, source: Mapping[str, str] | None = None) -> list[Variable]:
    """Each value expanded once against ``source`` (default: the raw values themselves)."""
    raw = source if source is not None else {v.name: v.raw for v in variables}
    expander = Expander(raw, unresolved)
    out: list[Variable] = []
    for var in variables:
        if not var.expand or "$" not in var.raw:
            out.append(var if var.value == var.raw else replace(var, value=var.raw))
            continue
        value = expander.expand(var.raw)
        if value is None:
            _too_long(var, sink)
            value = var.raw
        out.append(replace(var, value=value))
    return out


def _too_long(var: Variable, sink: Collector) -> None:
    loc = var.location
    mark = Mark(loc.path, loc.line, loc.column or 1) if loc and loc.path and loc.line else None
    sink.problem(f"variable {var.name} expands to more than {MAX_VALUE} characters; "
                 "kept as written", mark)
