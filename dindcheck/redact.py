"""Keep secrets out of subjects and reports: environment values, flags, URLs, probe outputs.

Of a container's environment only ``DOCKER_*`` variables reach a subject, values
whose names look secret become :data:`REDACTED`, and command lines and probe
outputs pass through :func:`redact_text`.

Every pattern here runs in time linear in its input (an engine's container argument
or a compose file is hostile and can be megabytes long): each repeat is preceded by a
lookbehind that lets a match start only where a word starts, so a long run of name
characters is scanned once, not once from each of its positions, and no repeat is
followed by another that can match the same characters. Which names are secret is
decided in Python on the name found, not by backtracking inside the pattern.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

REDACTED = "<redacted>"
# Names that carry a path to secret material, not the secret itself, and flags that
# take no value (``--password-stdin`` reads it from elsewhere).
_PATH_NAME = re.compile(r"TLS|CERT|[_-]FILE$|[_-]PATH$|[_-]DIR$|[_-]STDIN$", re.I)
_SECRET_NAME = re.compile("PASSWORD|PASSWD|TOKEN|SECRET|KEY|AUTH|CREDENTIAL|PASS", re.I)
_NAME = "A-Za-z0-9_.-"
_VALUE = r"\"[^\"]*\"|'[^']*'|[^\s&;|]+"
# NAME= where NAME may hold a secret word anywhere (``--label=ci.token=x`` has two).
_ASSIGNMENT = re.compile(rf"(?<![{_NAME}])(?P<name>[{_NAME}]+)=")
# ``--flag value`` inside one string (``DOCKER_OPTS=--registry-password s3cret``).
_FLAG_VALUE = re.compile(rf"(?<![{_NAME}])(?P<flag>--?[A-Za-z][{_NAME}]*)[ \t]+")
_VALUE_AT = re.compile(_VALUE)
# scheme://authority: the credentials are what comes before the authority's last ``@``.
_URL_AUTHORITY = re.compile(r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*://(?P<auth>[^/?#\s]*)")
# ``docker login -p x`` (and podman, helm, oras, skopeo...): after a ``login`` word, up to
# the end of that command, ``-p`` takes the password: ``-p x``, ``-p=x`` or ``-px``.
_LOGIN = re.compile(rf"(?<![{_NAME}/])login(?![{_NAME}])")
_COMMAND_END = re.compile(r"[;&|\n]")
_SHORT_PASSWORD = re.compile(rf"(?<![{_NAME}])-p(?:=|[ \t]+)?(?=[^\s&;|])")


# What every redaction starts from: an ``=``, an ``@`` or a flag's ``-`` at a word start.
_TRIGGER = re.compile(rf"[=@]|(?<![{_NAME}])-")


def may_redact(text: str) -> bool:
    """Whether :func:`redact_text` could change ``text`` (a quick test for the common case)."""
    return _TRIGGER.search(text) is not None


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name)) and not _PATH_NAME.search(name)


def _redact_userinfo(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        auth = match.group("auth")
        at = auth.rfind("@")
        if at < 0:
            return match.group(0)
        start = match.start("auth") - match.start()
        return f"{match.group(0)[:start]}{REDACTED}{auth[at:]}"

    return _URL_AUTHORITY.sub(replace, text)


def _redact_values(text: str, pattern: re.Pattern[str], group: str) -> str:
    """Replace the value after each match of ``pattern`` whose ``group`` names a secret."""
    out: list[str] = []
    pos = 0
    redacted = False
    while (match := pattern.search(text, pos)) is not None:
        end = match.end()
        if not is_secret_name(match.group(group)):
            out.append(text[pos:end])
            pos = end
            continue
        value = _VALUE_AT.match(text, end)
        if value is None:
            out.append(text[pos:end])
            pos = end
            continue
        out.append(text[pos:end] + REDACTED)
        pos = value.end()
        redacted = True
    if not redacted:
        return text
    out.append(text[pos:])
    return "".join(out)


def _redact_login_passwords(text: str) -> str:
    out: list[str] = []
    pos = 0
    while (login := _LOGIN.search(text, pos)) is not None:
        end_match = _COMMAND_END.search(text, login.end())
        end = end_match.start() if end_match else len(text)
        out.append(text[pos:login.end()])
        command = text[login.end():end]
        at = 0
        while (flag := _SHORT_PASSWORD.search(command, at)) is not None:
            value = _VALUE_AT.match(command, flag.end())
            value_end = value.end() if value else flag.end()
            out.append(command[at:flag.end()] + REDACTED)
            at = value_end
        out.append(command[at:])
        pos = end
    out.append(text[pos:])
    return "".join(out)


def redact_text(text: str) -> str:
    """``NAME=value`` and ``--flag value`` with a secret-looking name, a login's ``-p``
    password, and URL credentials, replaced."""
    if not may_redact(text):
        return text
    if "login" in text and "-p" in text:
        text = _redact_login_passwords(text)
    if "@" in text and "://" in text:
        text = _redact_userinfo(text)
    if "=" in text:
        text = _redact_values(text, _ASSIGNMENT, "name")
    if "-" in text:
        text = _redact_values(text, _FLAG_VALUE, "flag")
    return text


def redact_argv(argv: Sequence[str]) -> list[str]:
    """A command line with secret flag values (``--password x``, ``--token=x``) replaced."""
    result: list[str] = []
    hide_next = False
    login = False
    for word in argv:
        if hide_next:
            result.append(REDACTED)
            hide_next = False
            continue
        login = login or word == "login"
        flag = word.lstrip("-")
        if login and word.startswith("-p") and not word.startswith("--"):
            hide_next = word == "-p"
            result.append("-p" if hide_next else "-p" + REDACTED)
        elif word.startswith("-") and "=" not in word and is_secret_name(flag):
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
