from __future__ import annotations

import pytest

from dindcheck.sources.compose.references import (
    check_cycles,
    check_references,
    enabled_services,
)
from dindcheck.yamlload import Mark, PosDict, load_text

SERVICES = """
web: {profiles: [front]}
db: {}
debug: {profiles: [debug, tools]}
"""


@pytest.mark.parametrize(
    ("profiles", "enabled"),
    [
        pytest.param(None, ["web", "db", "debug"], id="no-selection"),
        pytest.param([], ["db"], id="none-selected"),
        pytest.param(["front"], ["web", "db"], id="one"),
        pytest.param(["tools", "front"], ["web", "db", "debug"], id="two"),
        pytest.param(["*"], ["web", "db", "debug"], id="all"),
    ],
)
def test_enabled_services(profiles: list[str] | None, enabled: list[str]) -> None:
    assert enabled_services(load_text(SERVICES, "c.yml"), profiles) == enabled


def _problems(text: str, enabled: list[str] | None = None) -> list[tuple[str, int]]:
    services = load_text(text, "c.yml")
    found: list[tuple[str, Mark | None]] = []

    def report(message: str, mark: Mark | None) -> None:
        found.append((message, mark))

    names = list(services) if enabled is None else enabled
    check_references(services, names, report)
    check_cycles(services, set(names), report)
    return [(message, mark.line if mark else 0) for message, mark in found]


def test_undefined_and_disabled_references() -> None:
    text = ("a:\n  depends_on: {b: {}, c: {required: false}}\n  links: [zz:alias]\n"
            "  network_mode: service:yy\nb: {}\nc: {}\n")
    assert _problems(text) == [
        ('service "a": `links` refers to "zz", which is not defined', 3),
        ('service "a": `network_mode` refers to "yy", which is not defined', 4)]
    assert _problems(text, ["a"])[:1] == [
        ('service "a": `depends_on` refers to "b", which the selected profiles do not start', 2)]
    assert len(_problems(text, ["a"])) == 3  # c is not required


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        pytest.param("a: {depends_on: {a: {}}}\n", "dependency cycle: a -> a", 1, id="self"),
        pytest.param("a:\n  depends_on: {b: {}}\nb:\n  depends_on: {c: {}}\n"
                     "c:\n  depends_on: {a: {}}\n", "dependency cycle: a -> b -> c -> a", 6,
                     id="three"),
    ],
)
def test_cycles_are_reported_once(text: str, message: str, line: int) -> None:
    assert _problems(text) == [(message, line)]


def test_a_long_chain_is_walked_without_recursion() -> None:
    services = PosDict()
    for i in range(5000):
        service = PosDict()
        if i:
            deps = PosDict()
            deps[f"s{i - 1}"] = PosDict()
            service["depends_on"] = deps
        services[f"s{i}"] = service
    found: list[str] = []
    check_cycles(services, set(services), lambda m, at: found.append(m))
    assert found == []
