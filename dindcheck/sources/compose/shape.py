"""The shape of the compose fields dindcheck reads, checked the way compose's schema and
loader check them.

Each service is checked once per document, after interpolation. A value of the wrong type
is a problem located at its key (compose refuses the file) and is dropped, so that the rest
of the service is still linted; what stays has the types the rest of the source expects.
compose's casts are applied as it applies them after interpolation: ``privileged``,
``healthcheck.disable``, ``read_only``, ``external``... take ``true``/``false`` (and the YAML
1.1 words) as text; ``deploy.replicas``, ``scale`` and a port ``target`` take a decimal
integer as text. Short-syntax ports become compose's long form (a range gives one entry a
port), so that every later step sees one shape.

The reference is the compose specification's JSON schema as compose-go ships it
(``schema/compose-spec.json``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from dindcheck.sources.compose.interpolate import Interpolated
from dindcheck.sources.compose.volumes import SpecError, parse_port_spec, parse_short_volume
from dindcheck.yamlload import Mark, PosDict, PosList

Problem = Callable[[str, Mark | None], None]

_INT64 = 2 ** 63
_BOOLEANS = {"true": True, "false": False, "y": True, "yes": True, "on": True,
             "n": False, "no": False, "off": False}
_VOLUME_TYPES = ("bind", "volume", "tmpfs", "cluster", "npipe", "image")
_CONDITIONS = ("service_started", "service_healthy", "service_completed_successfully")
_STRING_FIELDS = ("image", "runtime", "network_mode", "container_name", "hostname", "ipc",
                  "pid", "uts", "cgroup")
_STRING_LIST_FIELDS = ("cap_add", "cap_drop", "security_opt", "links", "volumes_from",
                       "profiles")


def check_service(name: str, service: PosDict, problem: Problem) -> None:
    """Check (and cast) the read fields of ``service`` in place; drop bad values."""
    check = _Checker(f'service "{name}"', problem)
    for key in [k for k in service if k in _CHECKS]:
        check.field(service, key, _CHECKS[key])


def check_volume(name: str, volume: Any, mark: Mark | None, problem: Problem) -> Any:
    """A top-level volume definition, checked; the value to keep (None when dropped)."""
    check = _Checker(f'volume "{name}"', problem)
    if volume is None:
        return None
    if not isinstance(volume, PosDict):
        check.bad("", "a mapping", volume, mark)
        return None
    check.field(volume, "name", _string)
    check.field(volume, "external", _external)
    return volume


class _Bad(Exception):
    """A value of the wrong shape: ``expected`` says what belongs there."""

    def __init__(self, expected: str, value: Any, mark: Mark | None = None,
                 where: str = "") -> None:
        super().__init__(expected)
        self.expected = expected
        self.value = value
        self.mark = mark
        self.where = where


Check = Callable[["_Checker", Any, Mark | None], Any]


class _Checker:
    __slots__ = ("owner", "problem")

    def __init__(self, owner: str, problem: Problem) -> None:
        self.owner = owner
        self.problem = problem

    def field(self, mapping: PosDict, key: str, check: Check) -> None:
        if mapping.get(key) is None:  # absent, or null: "not set" (an override keeps the base)
            return
        mark = mapping.key_marks.get(key, mapping.mark)
        try:
            mapping[key] = check(self, mapping[key], mark)
        except _Bad as bad:
            where = f"{key}.{bad.where}" if bad.where else key
            self.bad(where, bad.expected, bad.value, bad.mark or mark)
            del mapping[key]
            mapping.key_marks.pop(key, None)

    def bad(self, where: str, expected: str, value: Any, mark: Mark | None) -> None:
        field = f": `{where}`" if where else ""
        self.problem(f"{self.owner}{field} must be {expected}, not {kind(value)}", mark)

    def items(self, value: PosList, check: Check) -> PosList:
        """Check each item; a bad one is reported and dropped."""
        out = PosList(value.mark, value.tag)
        for index, item in enumerate(value):
            mark = value.item_mark(index)
            try:
                out.append(check(self, item, mark))
            except _Bad as bad:
                where = f"[{index}].{bad.where}" if bad.where else f"[{index}]"
                self.bad(where, bad.expected, bad.value, bad.mark or mark)
                continue
            out.item_marks.append(mark)
        return out


def _string(check: _Checker, value: Any, mark: Mark | None) -> Any:
    if isinstance(value, str):
        return value
    raise _Bad("a string", value)


def _string_list(check: _Checker, value: Any, mark: Mark | None) -> Any:
    if not isinstance(value, PosList):
        raise _Bad("a list of strings", value)
    _all_strings(value)
    return value


def _all_strings(value: PosList) -> None:
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise _Bad("a string", item, value.item_mark(index), f"[{index}]")


def _string_or_list(check: _Checker, value: Any, mark: Mark | None) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, PosList):
        _all_strings(value)
        return value
    raise _Bad("a string or a list of strings", value)


def _command(check: _Checker, value: Any, mark: Mark | None) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, PosList):
        _all_strings(value)
        return value
    raise _Bad("a string or a list of strings", value)


def _build(check: _Checker, value: Any, mark: Mark | None) -> Any:
    if isinstance(value, str):
        return value
    if not isinstance(value, PosDict):
        raise _Bad("a path or a mapping", value)
    for key in ("context", "dockerfile", "dockerfile_inline"):
        if key in value and not isinstance(value[key], str):
            raise _Bad("a string", value[key], value.key_marks.get(key), key)
    return value


def _environment(check: _Checker, value: Any, mark: Mark | None) -> Any:
    if isinstance(value, PosList):
        _all_strings(value)
        for index, item in enumerate(value):
            name = item.partition("=")[0]
            if name[-1:].isspace():
                raise _Bad("KEY=VALUE without a space before =", item, value.item_mark(index),
                           f"[{index}]")
        return value
    if not isinstance(value, PosDict):
        raise _Bad("a mapping or a list of KEY=VALUE", value)
    for key, item in value.items():
        if item is None or isinstance(item, str):
            continue
        if isinstance(item, bool):
            value[key] = "true" if item else "false"
        elif isinstance(item, int):
            value[key] = str(item)
        elif isinstance(item, float):
            value[key] = go_float(item)
        else:
            raise _Bad("a string, a number, a boolean or null", item,
                       value.key_marks.get(key), key)
    return value


def _env_file(check: _Checker, value: Any, mark: Mark | None) -> Any:
    if isinstance(value, str):
        return value
    if not isinstance(value, PosList):
        raise _Bad("a path or a list", value)
    return check.items(value, _env_file_item)


def _env_file_item(check: _Checker, value: Any, mark: Mark | None) -> Any:
    if isinstance(value, str):
        return value
    if not isinstance(value, PosDict):
        raise _Bad("a path or a mapping with `path`", value)
    if not isinstance(value.get("path"), str):
        raise _Bad("a string", value.get("path"), value.key_marks.get("path"), "path")
    if "required" in value:
        value["required"] = _cast_boolean(value["required"], value.key_marks.get("required"),
                                          "required")
    return value


def _volumes(check: _Checker, value: Any, mark: Mark | None) -> Any:
    if not isinstance(value, PosList):
        raise _Bad("a list", value)
    return check.items(value, _volume)


def _volume(check: _Checker, value: Any, mark: Mark | None) -> Any:
    if isinstance(value, str):
        try:
            parse_short_volume(value)
        except SpecError as exc:
            if not _unresolved(value):
                raise _Bad(f"a volume (SOURCE:TARGET[:MODE]): {exc}", value) from None
        return value
    if not isinstance(value, PosDict):
        raise _Bad("a string or a mapping", value)
    kind_ = value.get("type")
    if kind_ not in _VOLUME_TYPES:
        raise _Bad(f"one of {', '.join(_VOLUME_TYPES)}", kind_, value.key_marks.get("type"),
                   "type")
    for key in ("source", "target"):
        if key in value and not isinstance(value[key], str):
            raise _Bad("a string", value[key], value.key_marks.get(key), key)
    if "read_only" in value:
        value["read_only"] = _cast_boolean(value["read_only"],
                                           value.key_marks.get("read_only"), "read_only")
    return value


def _ports(check: _Checker, value: Any, mark: Mark | None) -> Any:
    """Ports in compose's long form: one mapping per published port."""
    if not isinstance(value, PosList):
        raise _Bad("a list", value)
    out = PosList(value.mark, value.tag)
    for index, item in enumerate(value):
        item_mark = value.item_mark(index)
        try:
            entries = _port(item, item_mark)
        except _Bad as bad:
            where = f"[{index}].{bad.where}" if bad.where else f"[{index}]"
            check.bad(f"ports{where}", bad.expected, bad.value, bad.mark or item_mark)
            continue
        for entry in entries:
            out.append(entry)
            out.item_marks.append(item_mark)
    return out


def _port(item: Any, mark: Mark | None) -> list[Any]:
    if isinstance(item, bool):
        raise _Bad("a port", item)
    if isinstance(item, int | float):
        text = str(item) if isinstance(item, int) else go_float(item)
        item = text
    if isinstance(item, str):
        try:
            mappings = parse_port_spec(item)
        except SpecError as exc:
            if _unresolved(item):
                return [item]  # a variable without a value: kept as written
            raise _Bad(f"a port ([IP:][HOST:]CONTAINER[/PROTOCOL]): {exc}", item) from None
        return [_port_mapping(m.target, m.published, m.host_ip, m.protocol, mark)
                for m in mappings]
    if not isinstance(item, PosDict):
        raise _Bad("a number, a string or a mapping", item)
    if "target" in item:
        item["target"] = _cast_port(item["target"], item.key_marks.get("target"))
    published = item.get("published")
    if published is not None:
        if isinstance(published, int) and not isinstance(published, bool):
            item["published"] = str(published)
        elif not isinstance(published, str):
            raise _Bad("a string or a number", published, item.key_marks.get("published"),
                       "published")
    for key in ("host_ip", "protocol", "mode"):
        if key in item and not isinstance(item[key], str):
            raise _Bad("a string", item[key], item.key_marks.get(key), key)
    return [item]


def _port_mapping(target: int, published: str | None, host_ip: str | None, protocol: str,
                  mark: Mark | None) -> PosDict:
    entry = PosDict(mark)
    fields: dict[str, Any] = {"target": target, "published": published, "host_ip": host_ip,
                              "protocol": protocol, "mode": "ingress"}
    for key, field in fields.items():
        if field is not None:
            entry[key] = field
            if mark is not None:
                entry.key_marks[key] = mark
    return entry


def _cast_port(value: Any, mark: Mark | None) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        number = parse_int(value)
        if number is not None:
            return number
    raise _Bad("a port number", value, mark, "target")


def _boolean(check: _Checker, value: Any, mark: Mark | None) -> Any:
    return _cast_boolean(value, mark, "")


def _cast_boolean(value: Any, mark: Mark | None, where: str) -> bool:
    """compose's ``toBoolean``: a boolean, or its text (YAML 1.1 words included)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _BOOLEANS:
        return _BOOLEANS[value.lower()]
    raise _Bad("true or false", value, mark, where)


def _count(check: _Checker, value: Any, mark: Mark | None) -> Any:
    return _cast_count(value, mark, "")


def _cast_count(value: Any, mark: Mark | None, where: str) -> int:
    """compose's ``toInt`` and its check: a number of containers, 0 or more."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        number = parse_int(value)
    if number is None or not -_INT64 <= number < _INT64:
        raise _Bad("an integer", value, mark, where)
    if number < 0:
        raise _Bad("0 or more", value, mark, where)
    return number


def parse_int(text: str) -> int | None:
    """Go's ``strconv.Atoi``: an optional sign and ASCII digits, within 64 bits."""
    digits = text[1:] if text[:1] in "+-" else text
    if not digits or len(digits) > 19 or not all("0" <= c <= "9" for c in digits):
        return None
    number = int(text)
    return number if -_INT64 <= number < _INT64 else None


def _networks(check: _Checker, value: Any, mark: Mark | None) -> Any:
    if isinstance(value, PosList):
        _all_strings(value)
        return value
    if not isinstance(value, PosDict):
        raise _Bad("a list of names or a mapping", value)
    for name, entry in value.items():
        key_mark = value.key_marks.get(name)
        if entry is None:
            continue
        if not isinstance(entry, PosDict):
            raise _Bad("a mapping or null", entry, key_mark, name)
        aliases = entry.get("aliases")
        if aliases is not None:
            if not isinstance(aliases, PosList):
                raise _Bad("a list of strings", aliases, entry.key_marks.get("aliases"),
                           f"{name}.aliases")
            _all_strings(aliases)
    return value


def _depends_on(check: _Checker, value: Any, mark: Mark | None) -> Any:
    if isinstance(value, PosList):
        _all_strings(value)
        return value
    if not isinstance(value, PosDict):
        raise _Bad("a list of services or a mapping", value)
    for name, entry in value.items():
        key_mark = value.key_marks.get(name)
        if not isinstance(entry, PosDict):
            raise _Bad("a mapping", entry, key_mark, name)
        condition = entry.get("condition", _CONDITIONS[0])
        if condition not in _CONDITIONS:
            raise _Bad(f"one of {', '.join(_CONDITIONS)}", condition,
                       entry.key_marks.get("condition"), f"{name}.condition")
        for flag in ("required", "restart"):
            if flag in entry:
                entry[flag] = _cast_boolean(entry[flag], entry.key_marks.get(flag),
                                            f"{name}.{flag}")
    return value


def _healthcheck(check: _Checker, value: Any, mark: Mark | None) -> Any:
    if not isinstance(value, PosDict):
        raise _Bad("a mapping", value)
    test = value.get("test")
    if test is not None and not isinstance(test, str):
        if not isinstance(test, PosList):
            raise _Bad("a string or a list of strings", test, value.key_marks.get("test"),
                       "test")
        _all_strings(test)
    if "disable" in value:
        value["disable"] = _cast_boolean(value["disable"], value.key_marks.get("disable"),
                                         "disable")
    return value


def _deploy(check: _Checker, value: Any, mark: Mark | None) -> Any:
    if value is None:
        return value
    if not isinstance(value, PosDict):
        raise _Bad("a mapping", value)
    if "replicas" in value:
        value["replicas"] = _cast_count(value["replicas"], value.key_marks.get("replicas"),
                                        "replicas")
    return value


def _extends(check: _Checker, value: Any, mark: Mark | None) -> Any:
    if isinstance(value, str):
        return value
    if not isinstance(value, PosDict):
        raise _Bad("a service name or a mapping", value)
    if not isinstance(value.get("service"), str):
        raise _Bad("a service name", value.get("service"), value.key_marks.get("service"),
                   "service")
    if "file" in value and not isinstance(value["file"], str):
        raise _Bad("a path", value["file"], value.key_marks.get("file"), "file")
    return value


def _dindcheck(check: _Checker, value: Any, mark: Mark | None) -> Any:
    if not isinstance(value, PosDict):
        raise _Bad("a mapping", value)
    ignore = value.get("ignore")
    if ignore is not None:
        if not isinstance(ignore, PosList):
            raise _Bad("a list of rule ids", ignore, value.key_marks.get("ignore"), "ignore")
        _all_strings(ignore)
    return value


def _external(check: _Checker, value: Any, mark: Mark | None) -> Any:
    if isinstance(value, PosDict):
        name = value.get("name")
        if name is not None and not isinstance(name, str):
            raise _Bad("a string", name, value.key_marks.get("name"), "name")
        return value
    return _cast_boolean(value, mark, "")


_CHECKS: dict[str, Check] = {
    **dict.fromkeys(_STRING_FIELDS, _string),
    **dict.fromkeys(_STRING_LIST_FIELDS, _string_list),
    "command": _command,
    "entrypoint": _command,
    "build": _build,
    "environment": _environment,
    "env_file": _env_file,
    "volumes": _volumes,
    "tmpfs": _string_or_list,
    "ports": _ports,
    "privileged": _boolean,
    "networks": _networks,
    "depends_on": _depends_on,
    "healthcheck": _healthcheck,
    "deploy": _deploy,
    "scale": _count,
    "extends": _extends,
    "x-dindcheck": _dindcheck,
}
"""The fields dindcheck reads, and the check of each."""


def _unresolved(value: str) -> bool:
    """An interpolated value that used a variable without a value: what it would be is not
    known here, so its shape is not judged."""
    return isinstance(value, Interpolated) and bool(value.unresolved)


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "a string"


def go_float(value: float) -> str:
    """A float as Go's ``fmt.Sprint`` writes it (how compose turns a YAML float into text)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0" if math.copysign(1, value) > 0 else "-0"
    sign, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    assert isinstance(exponent, int)
    point = len(digit_tuple) + exponent  # digits before the decimal point
    scientific = point - 1
    text = "-" if sign else ""
    if scientific < -4 or scientific >= 6:  # strconv "g", shortest: precision 6
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{text}{mantissa}e{'-' if scientific < 0 else '+'}{abs(scientific):02d}"
    if point <= 0:
        return f"{text}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return text + digits + "0" * (point - len(digits))
    return f"{text}{digits[:point]}.{digits[point:]}"
