"""Keep secrets out of subjects: environment values, flags, URLs, probe outputs.

Of a container's environment only ``DOCKER_*`` variables reach a subject, values
whose names look secret become :data:`REDACTED`, and command lines and probe
outputs pass through :func:`redact_text`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

REDACTED = "<redacted>"
# Names that carry a path to secret material, not the secret itself.
_PATH_NAME = re.compile(r"(TLS|CERT|_FILE$|_PATH$|_DIR$)", re.I)
_SECRET_WORDS = "PASSWORD|PASSWD|TOKEN|SECRET|KEY|AUTH|CREDENTIAL|PASS"
# NAME=value where NAME holds a secret word (found anywhere in a word: `--label=ci.token=x`).
_ASSIGNMENT = re.compile(
    rf"(?P<name>[A-Za-z0-9_.-]*(?:{_SECRET_WORDS})[A-Za-z0-9_.-]*)="
    r"(?P<value>\"[^\"]*\"|'[^']*'|[^\s&;|]+)", re.I)
_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s:]+(?::[^/@\s]*)?@", re.I)
_SECRET_NAME = re.compile(_SECRET_WORDS, re.I)


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name)) and not _PATH_NAME.search(name)


def redact_text(text: str) -> str:
    """``NAME=value`` with a secret-looking name, and URL credentials, replaced."""
    text = _USERINFO.sub(lambda m: f"{m.group('scheme')}{REDACTED}@", text)
    return _ASSIGNMENT.sub(
        lambda m: f"{m.group('name')}={REDACTED}" if is_secret_name(m.group("name"))
        else m.group(0), text)


def redact_argv(argv: Sequence[str]) -> list[str]:
    """A command line with secret flag values (``--password x``, ``--token=x``) replaced."""
    result: list[str] = []
    hide_next = False
    for word in argv:
        if hide_next:
            result.append(REDACTED)
            hide_next = False
            continue
        flag = word.lstrip("-")
        if word.startswith("-") and "=" not in word and is_secret_name(flag):
            hide_next = True
            result.append(word)
        elif word.startswith("-") and "=" in word and is_secret_name(flag.split("=", 1)[0]):
            result.append(word.split("=", 1)[0] + "=" + REDACTED)
        else:
            result.append(redact_text(word))
    return result

def docker_env(env: Mapping[str, str]) -> dict[str, str]:
    """The ``DOCKER_*`` variables a subject may show, secret-looking values redacted."""
    return {k: (REDACTED if is_secret_name(k) else redact_text(v))
            for k, v in sorted(env.items()) if k.startswith(("DOCKER_", "DOCKERD_"))}
