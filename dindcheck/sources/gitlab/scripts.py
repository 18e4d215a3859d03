"""A job's ``before_script``/``script``/``after_script`` as located lines, and the few
facts dindcheck reads from them before a full shell parser does: whether the job runs
``docker``, whether it waits for the daemon in a retry loop, and which ``DOCKER_*``
variables a line exports or unsets.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from dindcheck.model import Location
from dindcheck.sources.gitlab.merge import flatten
from dindcheck.sources.gitlab.model import ScriptFacts, ScriptLine, location
from dindcheck.sources.gitlab.problems import Collector
from dindcheck.sources.gitlab.variables import scalar_text
from dindcheck.yamlload import Mark, PosList

SECTIONS = ("before_script", "script", "after_script")
_DOCKER = re.compile(r"(?:^|[\s;&|(`!])(?:sudo\s+)?(?:\S*/)?docker(?:-compose)?(?=\s|$|;)")
_LOOP = re.compile(r"\b(?:while|until|for)\b")
_DONE = re.compile(r"\bdone\b")
_ASKS_DAEMON = re.compile(r"\bdocker\s+(?:info|version|system\s+info|ps)\b")
_WAIT_TOOL = re.compile(r"\b(?:wait-for-it|dockerize\s+-wait|wait-for)\b")
_EXPORT = re.compile(r"(?:^|[\s;&|])(?:export\s+)?(DOCKER_[A-Z0-9_]+)="
                     r"(\"[^\"]*\"|'[^']*'|[^\s;&|]*)")
_UNSET = re.compile(r"(?:^|[\s;&|])unset\s+((?:DOCKER_[A-Z0-9_]+\s*)+)")


def script_lines(section: str, value: Any, mark: Mark | None,
                 sink: Collector) -> list[ScriptLine]:
    """A script section (a string, or a list with nested lists from ``!reference``)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [ScriptLine(text=value, section=section, location=location(mark))]
    if not isinstance(value, list):
        sink.problem(f"{section} must be a string or a list of strings", mark)
        return []
    items = flatten(value, sink)
    lines: list[ScriptLine] = []
    for index, item in enumerate(items):
        text = scalar_text(item)
        item_mark = items.item_mark(index) if isinstance(items, PosList) else mark
        if text is None:
            sink.problem(f"{section} items must be strings", item_mark)
            continue
        lines.append(ScriptLine(text=text, section=section, location=location(item_mark)))
    return lines


def _physical(line: ScriptLine) -> list[tuple[str, Location | None]]:
    """The lines of one item, each located (a literal block starts on the next line)."""
    parts = line.text.split("\n")
    loc = line.location
    if len(parts) == 1 or loc is None or loc.line is None:
        return [(part, loc) for part in parts]
    return [(part, Location(path=loc.path, line=loc.line + 1 + i, column=None))
            for i, part in enumerate(parts)]


def script_facts(lines: list[ScriptLine]) -> ScriptFacts:
    docker_lines = tuple(line for line in lines
                         if "docker" in line.text and _DOCKER.search(line.text))
    wait = _wait_location(lines) if docker_lines or any(
        "wait" in line.text for line in lines) else None
    exports: list[tuple[str, str | None, Location | None]] = []
    for line in lines:
        if line.section == "after_script" or "DOCKER_" not in line.text:
            continue  # after_script is a separate shell: what it sets reaches nothing
        for text, loc in _physical(line):
            for match in _EXPORT.finditer(text):
                exports.append((match.group(1), match.group(2).strip("\"'"), loc))
            for match in _UNSET.finditer(text):
                exports.extend((name, None, loc) for name in match.group(1).split())
    return ScriptFacts(uses_docker=bool(docker_lines), docker_lines=docker_lines,
                       waits_for_daemon=wait is not None, wait_location=wait,
                       exports=tuple(exports))


def _wait_location(lines: list[ScriptLine]) -> Location | None:
    """Where a loop retries ``docker info``/``version`` (or a wait tool is used)."""
    located: list[tuple[str, Location | None]] = []
    for line in lines:
        if line.section != "after_script":
            located.extend(_physical(line))
    text = "\n".join(part for part, _ in located)
    starts = [0]
    for part, _ in located:
        starts.append(starts[-1] + len(part) + 1)

    def where(offset: int) -> Location | None:
        for index in range(len(located)):
            if starts[index + 1] > offset:
                return located[index][1]
        return None

    asks = [m.start() for m in _ASKS_DAEMON.finditer(text)]
    dones = [m.end() for m in _DONE.finditer(text)]
    for loop in _LOOP.finditer(text):
        ask = bisect.bisect_left(asks, loop.start())
        if ask == len(asks):
            break
        done = bisect.bisect_left(dones, loop.end())
        if done == len(dones) or asks[ask] < dones[done]:
            return where(asks[ask])
    tool = _WAIT_TOOL.search(text)
    return where(tool.start()) if tool else None
