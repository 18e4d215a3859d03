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

from dindcheck.regexsafety import UnsafePattern, bounded_search, check_pattern
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
    except RecursionError:
        raise ConditionError(f"{where}: nested too deeply") from None


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
    if not isinstance(arg, list) or not all(isinstance(name, str) for name in arg):
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


def _regex(arg: Any, where: str) -> re.Pattern[str]:
    if not isinstance(arg, str):
        raise ConditionError(f"{where}: a pattern must be a string")
    try:
        return check_pattern(arg, where)
    except UnsafePattern as exc:
        raise ConditionError(str(exc)) from None
    except (re.error, RecursionError, OverflowError) as exc:
        raise ConditionError(f"{where}: invalid regular expression: {exc}") from None


def _pattern(arg: Any, where: str) -> Predicate:
    regex = _regex(arg, where)
    return lambda v: not isinstance(v, str) or bounded_search(regex, v)


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

    def pattern_keyword(validator: Any, pattern: Any, instance: Any, _schema: Any) -> Any:
        if isinstance(instance, str) and not bounded_search(re.compile(pattern), instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")

    def pattern_properties(validator: Any, patterns: Any, instance: Any, _schema: Any) -> Any:
        if not isinstance(instance, dict):
            return
        for pattern, subschema in patterns.items():
            regex = re.compile(pattern)
            for key, value in instance.items():
                if isinstance(key, str) and bounded_search(regex, key):
                    yield from validator.descend(value, subschema, path=key,
                                                 schema_path=pattern)

    base = validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        base.check_schema(schema)
    except jsonschema.SchemaError as exc:
        path = "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in exc.path)
        raise ConditionError(f"{where}{path}: {exc.message}") from None
    except RecursionError:
        raise ConditionError(f"{where}: nested too deeply") from None
    check_schema_safety(schema, where)
    extended = validators.extend(base, {  # type: ignore[no-untyped-call]
        "version": version_keyword, "pattern": pattern_keyword,
        "patternProperties": pattern_properties})
    validator = extended(schema)
    return lambda v: bool(validator.is_valid(v))


# Keywords whose subschemas apply to the very instance the schema applies to: a ``$ref``
# cycle through them alone never reaches a smaller value, so it never ends.
_SAME_INSTANCE_LISTS = ("allOf", "anyOf", "oneOf")
_SAME_INSTANCE = ("not", "if", "then", "else")
_REF_KEYS = ("$ref", "$dynamicRef", "$recursiveRef")


def check_schema_safety(schema: Any, where: str = "$") -> None:
    """Refuse what would hang or fail only when a rule runs: unsafe or invalid
    ``pattern``/``patternProperties``, ``$ref``s that do not resolve in the rule itself,
    and ``$ref`` cycles that do not descend into the value."""
    refs: list[tuple[str, str]] = []
    _scan(schema, where, refs, root=True)
    for holder, ref in refs:
        _resolve_ref(schema, ref, holder)
    done: set[str] = set()
    for holder, ref in refs:
        _no_cycle(schema, ref, holder, done, [])


def _scan(node: Any, where: str, refs: list[tuple[str, str]], *, root: bool = False) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{where}.{key}"
            if key in _REF_KEYS:
                if key != "$ref" or not isinstance(value, str):
                    raise ConditionError(f"{here}: only $ref to a part of the same "
                                         "condition (\"#/...\") is supported")
                refs.append((here, value))
            elif key == "$id" and not root:
                raise ConditionError(f"{here}: $id is only supported at the top")
            elif key == "pattern" and isinstance(value, str):
                _regex(value, here)
            elif key == "patternProperties" and isinstance(value, dict):
                for pattern in value:
                    _regex(pattern, f"{here}[{pattern!r}]")
            if key not in ("const", "enum", "examples", "default"):
                _scan(value, here, refs)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            _scan(item, f"{where}[{i}]", refs)


def _resolve_ref(schema: Any, ref: str, where: str) -> Any:
    """The subschema a local ``$ref`` (``#``, ``#/json/pointer``) names."""
    from urllib.parse import unquote

    if not ref.startswith("#") or (len(ref) > 1 and not ref.startswith("#/")):
        raise ConditionError(f"{where}: {ref!r} does not resolve: only references into the "
                             "same condition (\"#/$defs/name\") are supported")
    node = schema
    for token in ref[2:].split("/") if len(ref) > 1 else ():
        token = unquote(token).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise ConditionError(f"{where}: {ref!r} does not resolve")
    return node


def _same_instance_refs(node: Any) -> list[str]:
    """The ``$ref``s a schema applies to its own instance, directly or through
    ``allOf``/``anyOf``/``oneOf``/``not``/``if``/``then``/``else``."""
    found: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if not isinstance(current, dict):
            continue
        if isinstance(current.get("$ref"), str):
            found.append(current["$ref"])
        for key in _SAME_INSTANCE_LISTS:
            if isinstance(current.get(key), list):
                stack.extend(current[key])
        stack.extend(current[key] for key in _SAME_INSTANCE if key in current)
    return found


def _no_cycle(schema: Any, ref: str, where: str, done: set[str], path: list[str]) -> None:
    if ref in done:
        return
    if ref in path:
        raise ConditionError(f"{where}: {ref!r} refers back to itself without descending "
                             "into the value (it would never end)")
    path.append(ref)
    for inner in _same_instance_refs(_resolve_ref(schema, ref, where)):
        _no_cycle(schema, inner, where, done, path)
    path.pop()
    done.add(ref)
