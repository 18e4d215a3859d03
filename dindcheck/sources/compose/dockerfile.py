"""What a locally built service's Dockerfile says about the image it makes: the image its
final stage is built FROM, and that stage's ENTRYPOINT, CMD and VOLUMEs.

Only what decides whether the container runs a Docker daemon, and where its data lives, is
read. Stages that build FROM an earlier stage (``FROM base``) inherit that stage's settings;
``ARG`` values declared before the first ``FROM`` (their defaults, or the service's
``build.args``) are substituted in ``FROM`` lines. Nothing is executed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# A Dockerfile is small; one larger than this is not read.
MAX_DOCKERFILE_SIZE = 1024 * 1024
# Stages followed through `FROM <stage>` before giving up (a cycle is not a Dockerfile).
_MAX_STAGES = 64

_DIRECTIVE = re.compile(r"^#\s*escape\s*=\s*(\S)\s*$", re.IGNORECASE)
_INSTRUCTION = re.compile(r"^\s*([A-Za-z]+)(?:\s+(.*))?$", re.DOTALL)
_HEREDOC = re.compile(r"<<-?\s*[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?")
_VARIABLE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?::?(?P<op>[-+])"
                       r"(?P<word>[^}]*))?\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")


@dataclass(frozen=True, slots=True)
class ImageConfig:
    """The final stage of a Dockerfile.

    ``base``: the image it is built FROM, through earlier stages (None: none, or
    ``scratch``). ``entrypoint``/``cmd``: what the Dockerfile sets (None: not set there, so
    the base image's own). ``volumes``: the paths its stages declare as VOLUME.
    """

    base: str | None = None
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    volumes: tuple[str, ...] = ()


@dataclass(slots=True)
class _Stage:
    source: str          # what FROM names (an image or an earlier stage)
    name: str | None
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    cmd_set: bool = False  # CMD written in this stage: a later ENTRYPOINT keeps it
    volumes: tuple[str, ...] = ()


def _logical_lines(text: str) -> list[str]:
    """Instructions with their continuation lines joined, comments and heredoc bodies
    dropped."""
    lines = text.splitlines()
    escape = "\\"
    if lines and (match := _DIRECTIVE.match(lines[0].strip())):
        escape = match.group(1)
    result: list[str] = []
    current = ""
    heredoc: str | None = None
    for raw in lines:
        if heredoc is not None:
            if raw.strip() == heredoc:
                heredoc = None
            continue
        stripped = raw.strip()
        if stripped.startswith("#"):
            continue
        if stripped.endswith(escape):
            current += stripped[:-1] + " "
            continue
        current += stripped
        if current.strip():
            result.append(current.strip())
            found = _HEREDOC.search(current) if current.split(None, 1)[0].upper() in (
                "RUN", "COPY", "ADD") else None
            heredoc = found.group(1) if found else None
        current = ""
    if current.strip():
        result.append(current.strip())
    return result


def _json_form(text: str) -> list[Any] | None:
    """The JSON list an instruction's arguments are written as (``["a", "b"]``), if any."""
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, list) else None


def _command(text: str) -> tuple[str, ...]:
    """An ENTRYPOINT/CMD: the exec form (a JSON list of strings) as written, the shell
    form as ``/bin/sh -c``."""
    text = text.strip()
    value = _json_form(text)
    if value is not None and all(isinstance(v, str) for v in value):
        return tuple(value)
    return ("/bin/sh", "-c", text) if text else ()


def _volumes(text: str) -> tuple[str, ...]:
    text = text.strip()
    value = _json_form(text)
    if value is not None:
        return tuple(v for v in value if isinstance(v, str) and v)
    return tuple(text.split())


def _substitute(text: str, values: Mapping[str, str]) -> str:
    """``$NAME``, ``${NAME}``, ``${NAME:-word}``, ``${NAME:+word}`` with known values;
    an unknown variable is left as written."""

    def replace(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("plain")
        value = values.get(name)
        op = match.group("op")
        if op == "-":
            return value if value else match.group("word")
        if op == "+":
            return match.group("word") if value else ""
        return value if value is not None else match.group(0)

    return _VARIABLE.sub(replace, text)


def _from(arguments: str, args: Mapping[str, str]) -> tuple[str, str | None]:
    words = [w for w in arguments.split() if not w.startswith("--")]
    source = _substitute(words[0], args) if words else ""
    name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
    return source, name


def read_dockerfile(text: str, build_args: Mapping[str, str] | None = None) -> ImageConfig:
    """The final stage of the Dockerfile ``text`` (``build_args``: the service's
    ``build.args``, which override the defaults of ARGs declared before the first FROM)."""
    declared: dict[str, str] = {}
    stages: list[_Stage] = []
    for line in _logical_lines(text):
        match = _INSTRUCTION.match(line)
        if match is None:
            continue
        keyword, arguments = match.group(1).upper(), (match.group(2) or "").strip()
        if keyword == "ARG" and not stages:
            for word in arguments.split():
                name, _, default = word.partition("=")
                declared[name] = (build_args or {}).get(name, default.strip("\"'"))
        elif keyword == "FROM":
            stages.append(_Stage(*_from(arguments, declared)))
        elif not stages:
            continue
        elif keyword == "ENTRYPOINT":
            stage = stages[-1]
            stage.entrypoint = _command(arguments)
            if not stage.cmd_set:
                stage.cmd = ()  # an ENTRYPOINT drops the CMD it inherits
        elif keyword == "CMD":
            stages[-1].cmd, stages[-1].cmd_set = _command(arguments), True
        elif keyword == "VOLUME":
            stages[-1].volumes += _volumes(arguments)
    if not stages:
        return ImageConfig()
    return _resolve(stages)


def _resolve(stages: list[_Stage]) -> ImageConfig:
    """The final stage, completed with what it inherits from the stages it builds on."""
    by_name = {s.name.lower(): i for i, s in enumerate(stages) if s.name}
    chain = [len(stages) - 1]
    while len(chain) < _MAX_STAGES:
        earlier = by_name.get(stages[chain[-1]].source.lower())
        if earlier is None or earlier >= chain[-1]:
            break
        chain.append(earlier)
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    volumes: tuple[str, ...] = ()
    for index in reversed(chain):
        stage = stages[index]
        if stage.entrypoint is not None:
            entrypoint = stage.entrypoint
            cmd = stage.cmd
        elif stage.cmd is not None:
            cmd = stage.cmd
        volumes += stage.volumes
    base = stages[chain[-1]].source
    return ImageConfig(base=None if not base or base.lower() == "scratch" else base,
                       entrypoint=entrypoint, cmd=cmd, volumes=tuple(dict.fromkeys(volumes)))


def final_from(text: str) -> str | None:
    """The image the final stage is built FROM (through earlier stages), if any."""
    return read_dockerfile(text).base
