"""Read one input into documents: multi-document YAML, JSON, and pod YAML inside Groovy.

YAML values keep where they were written (:mod:`dindcheck.yamlload` marks); a syntax
error loses only the document it is in: reading resumes at the next ``---``. Output of
``helm template`` keeps each document's ``# Source:`` template. Unrendered templates
(``{{ .Values… }}``, ``.tpl``) are not YAML and are refused with their first action's
position. JSON (``kubectl get -o json``) is read with the standard library, which is an
order of magnitude faster than YAML and carries no positions: its values are located by
their field path instead.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dindcheck.model import DEFAULT_MAX_FILE_SIZE, InputProblem
from dindcheck.reading import ReadError, read_text
from dindcheck.yamlload import (
    _DEPTH_SCAN_THRESHOLD,
    MAX_ALIAS_NODES,
    MAX_DEPTH,
    YamlError,
    _Builder,
    _check_depth,
    _check_flow_depth,
    _Loader,
)

MAX_RESTARTS = 50  # syntax errors in one file after which its remaining documents are given up

_MARKER = re.compile(r"^---(?=[ \t\r\n]|$)", re.M)
_SOURCE = re.compile(r"^#[ \t]*Source:[ \t]*(\S[^\r\n]*?)[ \t]*\r?$", re.M)
# A Go-template action of a chart: `{{ .Values.x }}`, `{{- include … }}`, `{{ end }}`.
_HELM_ACTION = re.compile(
    r"^(?![ \t]*#).*?(\{\{-?[ \t]*(?:\.Values|\.Release|\.Chart|\.Capabilities|\.Files"
    r"|\.Template|include\b|template\b|toYaml\b|tpl\b|if\b|else\b|range\b|with\b|end\b"
    r"|define\b|\$|/\*))", re.M)
# `key: …${NAME}…`: an envsubst placeholder in a value (shell scripts in block scalars and
# list items, where `${NAME}` is the shell's, are left alone).
_ENVSUBST = re.compile(r"^[ \t]*(?:-[ \t]+)?[A-Za-z0-9_.-]+[ \t]*:[ \t]*[^#\n]*?"
                       r"(\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-=?+][^}]*)?\})", re.M)
_POD_YAML = re.compile(r"^[ \t]*(?:containers|initContainers)[ \t]*:", re.M)
_GROOVY_TOKEN = re.compile(r"//|/\*|'''|\"\"\"|'|\"")
_JSON_START = re.compile(r"\s*[\[{]")


@dataclass(frozen=True, slots=True)
class Document:
    """One document of an input. ``located``: its values carry marks (YAML read here);
    JSON values do not, and are located by field path. ``template``: the chart template
    a ``helm template`` document was rendered from."""

    path: str
    data: Any
    index: int
    line: int | None = None
    template: str | None = None
    located: bool = True


@dataclass(slots=True)
class Reading:
    """What one input held. ``alias_budget``: the nodes YAML aliases may still add, for
    the whole input (every document, every Groovy string), not for each document."""

    documents: list[Document] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    alias_budget: int = MAX_ALIAS_NODES


def read_file(path: Path, max_size: int = DEFAULT_MAX_FILE_SIZE) -> Reading:
    """Every document of one file; what cannot be read becomes a located problem."""
    name = str(path)
    reading = Reading()
    try:
        text = read_text(path, max_size)
    except ReadError as exc:
        reading.problems.append(exc.problem())
        return reading
    read_source(text, name, reading)
    return reading


def read_source(text: str, name: str, reading: Reading | None = None) -> Reading:
    """The documents of ``text`` (a file's content, or standard input named ``-``)."""
    reading = reading if reading is not None else Reading()
    lower = name.lower()
    base = lower.rsplit("/", 1)[-1]
    if lower.endswith(".groovy") or base.startswith("jenkinsfile"):
        _read_groovy(text, name, reading)
    elif lower.endswith(".json") or (not lower.endswith((".yaml", ".yml", ".tpl"))
                                     and _JSON_START.match(text) is not None):
        _read_json(text, name, reading)
    else:
        _read_yaml(text, name, reading)
    return reading


def _problem(exc: YamlError) -> InputProblem:
    # yamlload words duplicate keys for compose; the API server refuses them as well.
    message = exc.message.replace("(Docker Compose rejects it)", "(kubectl rejects it)")
    return InputProblem(path=exc.path, message=message, line=exc.line, column=exc.column)


# --------------------------------------------------------------------------- YAML


def template_problem(text: str, name: str) -> InputProblem | None:
    """A located problem when ``text`` is an unrendered Helm/Go template, else None."""
    match = _HELM_ACTION.search(text) if "{{" in text else None
    if match is None and not name.lower().endswith(".tpl"):
        return None
    line = column = None
    if match is not None:
        start = match.start(1)
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
    return InputProblem(
        path=name, line=line, column=column,
        message="unrendered Helm template (Go template actions are not YAML): render it "
                "with `helm template` and check the output")


def _read_yaml(text: str, name: str, reading: Reading, first_line: int = 1) -> None:
    """Read every document of ``text``, which starts on line ``first_line`` of ``name``."""
    problem = template_problem(text, name)
    if problem is not None:
        reading.problems.append(problem)
        return
    pad = "\n" * (first_line - 1)
    try:
        if text.count("[") + text.count("{") > MAX_DEPTH:
            _check_flow_depth(pad + text, name)
        if text.count("- ") > _DEPTH_SCAN_THRESHOLD:
            _check_depth(pad + text, name)
    except YamlError as exc:
        reading.problems.append(_problem(exc))
        return
    placeholder = _ENVSUBST.search(text)
    if placeholder is not None:
        line = text.count("\n", 0, placeholder.start(1)) + first_line
        reading.notes.append(
            f"{name}:{line}: envsubst-style placeholders ({placeholder.group(1)}, …): values "
            "holding one are read as written, numbers and switches holding one as unknown")
    _Parse(text, name, reading, first_line).run()


class _Parse:
    """libyaml's own multi-document parse, resumed after a syntax error at the next
    ``---``; every document is built with what is left of one alias budget."""

    def __init__(self, text: str, name: str, reading: Reading, first_line: int) -> None:
        self.text = text
        self.name = name
        self.reading = reading
        self.first_line = first_line
        self.index = 0
        self.sources = [(text.count("\n", 0, m.start()) + first_line, m.group(1))
                        for m in _SOURCE.finditer(text)] if "Source:" in text else []
        self.previous_root = 0
        self._line_starts: list[int] | None = None

    def run(self) -> None:
        start = 0  # 0-based line of `text` the parse begins at
        for _ in range(MAX_RESTARTS + 1):
            failed_at = self._parse_from(start)
            if failed_at is None:
                return
            resume = self._next_marker(max(failed_at, start + 1))
            if resume is None:
                return
            start = resume
        self.reading.notes.append(f"{self.name}: more than {MAX_RESTARTS} syntax errors; "
                                  "the rest of the file was not read")

    def _parse_from(self, start: int) -> int | None:
        """Parse from 0-based line ``start``; the 0-based line of a syntax error, or None."""
        offset = self._offset(start) if start else 0
        chunk = "\n" * (self.first_line - 1 + start) + self.text[offset:]
        loader = _Loader(chunk)
        try:
            while True:
                try:
                    if not loader.check_node():
                        return None
                    node = loader.get_node()
                except yaml.MarkedYAMLError as exc:
                    mark = exc.problem_mark or exc.context_mark
                    problem = exc.problem or exc.context or "invalid YAML"
                    line = mark.line + 1 if mark else None
                    self.reading.problems.append(InputProblem(
                        path=self.name, message=problem, line=line,
                        column=mark.column + 1 if mark else None))
                    return (line or self.first_line + start) - self.first_line
                except yaml.YAMLError as exc:
                    self.reading.problems.append(InputProblem(
                        path=self.name, message=str(exc).splitlines()[0]))
                    return None
                except RecursionError:
                    self.reading.problems.append(InputProblem(
                        path=self.name, message="nesting too deep to parse"))
                    return None
                self._document(loader, node)
        finally:
            loader.dispose()

    def _document(self, loader: Any, node: Any) -> None:
        index = self.index
        self.index += 1
        if node is None:
            return
        root_line = node.start_mark.line + 1
        builder = _Builder(loader, self.name)
        builder.budget = self.reading.alias_budget
        try:
            data = builder.build(node, 0)
        except YamlError as exc:
            self.reading.problems.append(_problem(exc))
            return
        finally:
            self.reading.alias_budget = max(builder.budget, 0)
        if data is None:
            return  # an empty document
        template = None
        for line, source in self.sources:
            if self.previous_root < line < root_line:
                template = source
        self.previous_root = root_line
        self.reading.documents.append(Document(self.name, data, index, root_line, template))

    def _offset(self, line: int) -> int:
        if self._line_starts is None:
            self._line_starts = [0, *(m.end() for m in re.finditer("\n", self.text))]
        return self._line_starts[min(line, len(self._line_starts) - 1)]

    def _next_marker(self, line: int) -> int | None:
        match = _MARKER.search(self.text, self._offset(line))
        if match is None:
            return None
        assert self._line_starts is not None
        return bisect.bisect_right(self._line_starts, match.start()) - 1


# --------------------------------------------------------------------------- JSON


def _read_json(text: str, name: str, reading: Reading) -> None:
    """One or more concatenated JSON values (``kubectl get -o json`` prints one List)."""
    decoder = json.JSONDecoder()
    position, index, size = 0, 0, len(text)
    while True:
        while position < size and text[position] in " \t\r\n":
            position += 1
        if position >= size:
            break
        try:
            data, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            reading.problems.append(InputProblem(path=name, message=f"invalid JSON: {exc.msg}",
                                                 line=exc.lineno, column=exc.colno))
            return
        except RecursionError:
            reading.problems.append(InputProblem(path=name, message="nesting too deep to parse"))
            return
        except ValueError as exc:  # a number past Python's digit limit
            reading.problems.append(InputProblem(
                path=name, message=f"cannot read a value: {str(exc).splitlines()[0][:80]}"))
            return
        reading.documents.append(Document(name, data, index, None, None, located=False))
        index += 1


# --------------------------------------------------------------------------- Groovy


def _read_groovy(text: str, name: str, reading: Reading) -> None:
    """Pod YAML in the triple-quoted strings of a Jenkinsfile (``podTemplate(yaml: '''…''')``,
    ``def pod = '''…'''``): each string that holds ``containers:`` is read as YAML on its
    own lines of the file."""
    found = 0
    for offset, content in groovy_strings(text):
        if not _POD_YAML.search(content):
            continue
        found += 1
        line = text.count("\n", 0, offset) + 1
        reading.notes.append(f"{name}:{line}: pod YAML read from a Groovy string")
        _read_yaml(content, name, reading, first_line=line)
    if not found:
        reading.notes.append(
            f"{name}: no pod YAML in a triple-quoted Groovy string; nothing read "
            "(containerTemplate(…) and yamlFile are not read)")


def groovy_strings(text: str) -> Iterator[tuple[int, str]]:
    """``(offset, content)`` of each triple-quoted string, skipping comments and the
    contents of other strings."""
    position, size = 0, len(text)
    while position < size:
        match = _GROOVY_TOKEN.search(text, position)
        if match is None:
            return
        token, start = match.group(), match.end()
        if token == "//":
            end = text.find("\n", start)
            position = size if end < 0 else end + 1
        elif token == "/*":
            end = text.find("*/", start)
            position = size if end < 0 else end + 2
        else:
            end = _closing(text, start, token)
            if end < 0:
                return
            if len(token) == 3:
                yield start, text[start:end]
            position = end + len(token)


def _closing(text: str, start: int, quote: str) -> int:
    """Where the string opened before ``start`` closes (an unescaped ``quote``); -1: never.
    One-quote strings end at the line's end at the latest."""
    limit = len(text)
    if len(quote) == 1:
        newline = text.find("\n", start)
        limit = limit if newline < 0 else newline
    position = start
    while True:
        end = text.find(quote, position, limit)
        if end < 0:
            return limit if len(quote) == 1 and limit < len(text) else -1
        backslashes = 0
        while end - backslashes - 1 >= start and text[end - backslashes - 1] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            return end
        position = end + 1
