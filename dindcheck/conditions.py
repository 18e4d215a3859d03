"""Compile a rule's condition (JSON Schema plus the ``version`` keyword) into a predicate.

The keywords rules actually use are compiled to plain Python closures, which keeps
``jsonschema`` (about 0.1 s to import) off the lint path. A condition that uses any
other keyword is handed to a ``jsonschema`` validator extended with ``version``, so
every JSON Schema a user writes still works.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from dindcheck.versions import parse_specifier, version_matches

Predicate = Callable[[Any], bool]

_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
_ANNOTATIONS = {"description", "title", "$comment", "examples", "default"}


class ConditionError(ValueError):
    """A condition that is not a valid schema; the message names the JSON path."""


def compile_condition(schema: Any, where: str = "$") -> Predicate:
    try:
        return _compile(schema, where)
    except _Unsupported:
        return _jsonschema_predicate(schema, where)


class _Unsupported(Exception):
    pass


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _compile(schema: Any, where: str) -> Predicate:
    if schema is True:
        return lambda v: True
    if schema is False:
        return lambda v: False
    if not isinstance(schema, dict):
        raise ConditionError(f"{where}: a condition must be an object or a boolean")
    checks: list[Predicate] = []
    for key, arg in schema.items():
        if key in _ANNOTATIONS:
            continue
        factory = _KEYWORDS.get(key)
        if factory is None:
            raise _Unsupported(key)
        checks.append(factory(arg, f"{where}.{key}"))
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    return lambda v: all(check(v) for check in checks)


def _type(arg: Any, where: str) -> Predicate:
    names = arg if isinstance(arg, list) else [arg]
    try:
        tests = [_TYPES[n] for n in names]
    except (KeyError, TypeError):
        raise ConditionError(f"{where}: unknown type {arg!r}") from None
    return lambda v: any(t(v) for t in tests)


def _properties(arg: Any, where: str) -> Predicate:
    if not isinstance(arg, dict):
        raise ConditionError(f"{where}: must be an object")
    compiled = [(name, _compile(sub, f"{where}.{name}")) for name, sub in arg.items()]
    return lambda v: not isinstance(v, dict) or all(
        name not in v or check(v[name]) for name, check in compiled)


def _required(arg: Any, where: str) -> Predicate:
    if not isinstance(arg, list):
        raise ConditionError(f"{where}: must be a list of names")
    return lambda v: not isinstance(v, dict) or all(name in v for name in arg)


def _combinator(kind: str) -> Callable[[Any, str], Predicate]:
    def factory(arg: Any, where: str) -> Predicate:
        if not isinstance(arg, list) or not arg:
            raise ConditionError(f"{where}: must be a non-empty list")
        subs = [_compile(s, f"{where}[{i}]") for i, s in enumerate(arg)]
        if kind == "anyOf":
            return lambda v: any(s(v) for s in subs)
        if kind == "allOf":
            return lambda v: all(s(v) for s in subs)
        return lambda v: sum(1 for s in subs if s(v)) == 1
    return factory


def _not(arg: Any, where: str) -> Predicate:
    sub = _compile(arg, where)
    return lambda v: not sub(v)


def _const(arg: Any, where: str) -> Predicate:
    return lambda v: _equal(v, arg)


def _enum(arg: Any, where: str) -> Predicate:
    if not isinstance(arg, list):
        raise ConditionError(f"{where}: must be a list")
    return lambda v: any(_equal(v, a) for a in arg)


def _contains(arg: Any, where: str) -> Predicate:
    sub = _compile(arg, where)
    return lambda v: not isinstance(v, list) or any(sub(item) for item in v)


def _items(arg: Any, where: str) -> Predicate:
    if not isinstance(arg, dict | bool):
        raise _Unsupported("items")
    sub = _compile(arg, where)
    return lambda v: not isinstance(v, list) or all(sub(item) for item in v)


def _bound(op: Callable[[Any, Any], bool], applies: Callable[[Any], bool]) -> Callable[
        [Any, str], Predicate]:
    def factory(arg: Any, where: str) -> Predicate:
        if not isinstance(arg, int | float) or isinstance(arg, bool):
            raise ConditionError(f"{where}: must be a number")
        return lambda v: not applies(v) or op(v, arg)
    return factory


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _pattern(arg: Any, where: str) -> Predicate:
    try:
        regex = re.compile(arg)
    except (re.error, TypeError) as exc:
        raise ConditionError(f"{where}: invalid regular expression: {exc}") from None
    return lambda v: not isinstance(v, str) or regex.search(v) is not None


_CLAUSE = r"\s*(?:~=|===|==|!=|<=|>=|<|>)\s*v?[0-9][0-9A-Za-z.*+!-]*\s*"
_SPECIFIER = re.compile(rf"^{_CLAUSE}(?:,{_CLAUSE})*$")


def _version(arg: Any, where: str) -> Predicate:
    # The shape is checked here; ``packaging`` itself (tens of ms to import) parses it on
    # first use, and ``check_specifiers`` parses user rules' specifiers when they load.
    if not isinstance(arg, str) or not _SPECIFIER.match(arg):
        raise ConditionError(f"{where}: invalid version specifier {arg!r} "
                             "(expected e.g. '<20.10' or '>=24,<29')")
    return lambda v: isinstance(v, str) and version_matches(v, arg)


def check_specifiers(schema: Any, where: str = "$") -> None:
    """Parse every ``version`` specifier in a condition with ``packaging``."""
    from packaging.specifiers import InvalidSpecifier

    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "version" and isinstance(value, str):
                try:
                    parse_specifier(value)
                except InvalidSpecifier:
                    raise ConditionError(
                        f"{where}.version: invalid version specifier {value!r}") from None
            else:
                check_specifiers(value, f"{where}.{key}")
    elif isinstance(schema, list):
        for i, item in enumerate(schema):
            check_specifiers(item, f"{where}[{i}]")


_KEYWORDS: dict[str, Callable[[Any, str], Predicate]] = {
    "type": _type,
    "properties": _properties,
    "required": _required,
    "anyOf": _combinator("anyOf"),
    "allOf": _combinator("allOf"),
    "oneOf": _combinator("oneOf"),
    "not": _not,
    "const": _const,
    "enum": _enum,
    "contains": _contains,
    "items": _items,
    "minimum": _bound(lambda v, a: v >= a, _is_number),
    "maximum": _bound(lambda v, a: v <= a, _is_number),
    "exclusiveMinimum": _bound(lambda v, a: v > a, _is_number),
    "exclusiveMaximum": _bound(lambda v, a: v < a, _is_number),
    "minItems": _bound(lambda v, a: len(v) >= a, lambda v: isinstance(v, list)),
    "maxItems": _bound(lambda v, a: len(v) <= a, lambda v: isinstance(v, list)),
    "minLength": _bound(lambda v, a: len(v) >= a, lambda v: isinstance(v, str)),
    "maxLength": _bound(lambda v, a: len(v) <= a, lambda v: isinstance(v, str)),
    "pattern": _pattern,
    "version": _version,
}


def _jsonschema_predicate(schema: Any, where: str) -> Predicate:
    import jsonschema
    from jsonschema import validators

    def version_keyword(validator: Any, spec: Any, instance: Any, _schema: Any) -> Any:
        if not (isinstance(instance, str) and version_matches(instance, spec)):
            yield jsonschema.ValidationError(f"{instance!r} does not satisfy version {spec}")

    base = validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        base.check_schema(schema)
    except jsonschema.SchemaError as exc:
        path = "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in exc.path)
        raise ConditionError(f"{where}{path}: {exc.message}") from None
    extended = validators.extend(base, {"version": version_keyword})  # type: ignore[no-untyped-call]
    validator = extended(schema)
    return lambda v: bool(validator.is_valid(v))
