"""Typed values as the API server reads them: int32 counts, booleans, quantities.

Each reader returns the value, or a reason it is not one (a message for a located
problem). Placeholders of the templating that did not run (``${VAR}``, ``{{ … }}``)
are neither: they make a value unknown, which is said, not reported as broken input.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

INT32_MAX = 2**31 - 1

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|\{\{.*?\}\}|\$\([A-Za-z_][A-Za-z0-9_]*\)")
# resource.Quantity: a decimal number, then a binary or decimal suffix or an exponent.
_QUANTITY = re.compile(r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
                       r"(Ki|Mi|Gi|Ti|Pi|Ei|[kMGTPE]|m|[eE][+-]?[0-9]{1,3})?$")
_FACTORS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
            "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}


class Unknown:
    """A value held by a placeholder: ``text`` is what was written."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and bool(_PLACEHOLDER.search(value))


def show(value: Any, limit: int = 40) -> str:
    """A value for a message, as YAML would write it: strings quoted (control characters
    escaped), long values cut."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[:limit - 1] + "…"
    return repr(text) if isinstance(value, str) else text


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean "
    if isinstance(value, int | float):
        return "the number "
    if isinstance(value, str):
        return "the string "
    return ""


def count(value: Any, what: str, *, minimum: int = 0) -> int | Unknown | str:
    """An int32 count (replicas, parallelism): the number, Unknown, or why it is not one."""
    if isinstance(value, bool) or not isinstance(value, int):
        if is_placeholder(value):
            return Unknown(str(value))
        return f"{what} must be an integer, not {_kind(value)}{show(value)}"
    if value < minimum:
        return f"{what} {value} is below {minimum}"
    if value > INT32_MAX:
        return f"{what} {show(value, 24)} is out of range (at most {INT32_MAX})"
    return value


def flag(value: Any, what: str) -> bool | Unknown | str:
    """A boolean (``privileged``, ``hostNetwork``): True/False, Unknown, or why not."""
    if isinstance(value, bool):
        return value
    if is_placeholder(value):
        return Unknown(str(value))
    return f"{what} must be true or false, not {_kind(value)}{show(value)}"


def quantity(value: Any) -> int | None:
    """A resource quantity in whole units (bytes for memory), or None when not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if not isinstance(value, str) or len(value) > 64:
        return None
    match = _QUANTITY.match(value.strip())
    if match is None:
        return None
    number, suffix = match.groups()
    try:
        amount = Decimal(number)
        if suffix is None:
            pass
        elif suffix == "m":
            amount /= 1000
        elif suffix[0] in "eE" and suffix not in _FACTORS:
            amount = amount.scaleb(int(suffix[1:]))
        else:
            amount *= _FACTORS[suffix]
    except (InvalidOperation, ValueError):
        return None
    return int(amount)


def text(value: Any) -> str | None:
    """A string field; numbers written unquoted count, other shapes do not."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def string(value: Any, default: str) -> str:
    """``value`` when it is a string, else ``default``."""
    return value if isinstance(value, str) else default


def safe_name(value: Any, fallback: str) -> str:
    """A name usable in ``namespace/workload/container``: printable, no slash."""
    if not isinstance(value, str) or not value:
        return fallback
    if value.isprintable() and "/" not in value and " " not in value and len(value) <= 253:
        return value
    escaped = value[:253].encode("unicode_escape").decode("ascii")
    return escaped.replace("/", "\\x2f").replace(" ", "\\x20")
