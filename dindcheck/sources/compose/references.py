"""What a service says about other services: its dependencies (written, and those compose
adds for ``links``, ``volumes_from`` and shared namespaces), the references compose refuses
(to a service that is not defined, or that the chosen profiles leave out), and which
services a profile selection starts.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any

from dindcheck.sources.compose.merge import DEFAULT_CONDITION, copy_dict, put
from dindcheck.yamlload import Mark, PosDict, PosList

SERVICE_PREFIX = "service:"
CONTAINER_PREFIX = "container:"
NAMESPACES = ("network_mode", "ipc", "pid", "uts", "cgroup")


def implied(service: PosDict) -> Iterator[tuple[str, str, bool, Mark | None]]:
    """The services this one needs besides ``depends_on``: ``(name, field, restart, mark)``
    for each ``links`` entry, ``service:`` namespace and ``volumes_from`` service."""
    links = service.get("links")
    if isinstance(links, PosList):
        for index, link in enumerate(links):
            if isinstance(link, str):
                parts = link.split(":")
                yield (parts[0] if len(parts) == 2 else link), "links", True, \
                    links.item_mark(index)
    for field in NAMESPACES:
        ref = service.get(field)
        if isinstance(ref, str) and ref.startswith(SERVICE_PREFIX):
            yield ref[len(SERVICE_PREFIX):], field, True, service.key_marks.get(field)
    sources = service.get("volumes_from")
    if isinstance(sources, PosList):
        for index, source in enumerate(sources):
            if isinstance(source, str) and not source.startswith(CONTAINER_PREFIX):
                yield source.split(":")[0], "volumes_from", False, sources.item_mark(index)


def with_implied(service: PosDict, depends_on: PosDict | None) -> PosDict | None:
    """``depends_on`` with the dependencies compose adds (it never changes a written one)."""
    out = depends_on
    for name, _, restart, mark in implied(service):
        if out is not None and name in out:
            continue
        if out is None:
            out = PosDict(mark)
        elif out is depends_on:
            out = copy_dict(depends_on)
        entry = PosDict(mark)
        for key, value in (("condition", DEFAULT_CONDITION), ("restart", restart),
                           ("required", True)):
            put(entry, key, value, mark)
        put(out, name, entry, mark)
    return out


def check_references(services: Mapping[str, PosDict], enabled: Collection[str],
                     problem: Callable[[str, Mark | None], None]) -> None:
    """Report each reference to a service that is not defined (or not enabled), as compose
    refuses it; a dependency with ``required: false`` on a disabled service is allowed."""
    for name in enabled:
        service = services[name]
        written = service.get("depends_on")
        if isinstance(written, PosDict):
            for other, entry in written.items():
                required = not (isinstance(entry, PosDict) and entry.get("required") is False)
                _reference(name, other, "depends_on", services, enabled, required,
                           written.key_marks.get(other), problem)
        for other, field, _, mark in implied(service):
            _reference(name, other, field, services, enabled, True, mark, problem)


def _reference(name: str, other: str, field: str, services: Mapping[str, Any],
               enabled: Collection[str], required: bool, mark: Mark | None,
               problem: Callable[[str, Mark | None], None]) -> None:
    if other in enabled:
        return
    if other in services:
        if required:
            problem(f'service "{name}": `{field}` refers to "{other}", which the selected '
                    "profiles do not start", mark)
        return
    problem(f'service "{name}": `{field}` refers to "{other}", which is not defined', mark)


def check_cycles(services: Mapping[str, PosDict], enabled: Collection[str],
                 problem: Callable[[str, Mark | None], None]) -> None:
    """Report a dependency cycle (compose refuses it), once, at the dependency that closes it.

    The walk keeps its own stack: a project may have as many services as the file allows.
    """
    done: set[str] = set()
    for start in [name for name in services if name in enabled]:
        if start in done:
            continue
        path: list[str] = []
        on_path: set[str] = set()
        stack: list[tuple[str, list[str]]] = [(start, _dependencies(services, start, enabled))]
        path.append(start)
        on_path.add(start)
        while stack:
            name, todo = stack[-1]
            if not todo:
                stack.pop()
                path.pop()
                on_path.discard(name)
                done.add(name)
                continue
            other = todo.pop()
            if other in on_path:
                cycle = [*path[path.index(other):], other]
                problem(f"dependency cycle: {' -> '.join(cycle)}",
                        _dependency_mark(services[name], other))
                return
            if other not in done:
                stack.append((other, _dependencies(services, other, enabled)))
                path.append(other)
                on_path.add(other)


def _dependencies(services: Mapping[str, PosDict], name: str,
                  enabled: Collection[str]) -> list[str]:
    depends = services[name].get("depends_on")
    if not isinstance(depends, PosDict):
        return []
    return [other for other in reversed(depends) if other in enabled]


def _dependency_mark(service: PosDict, other: str) -> Mark | None:
    depends = service.get("depends_on")
    if isinstance(depends, PosDict):
        return depends.key_marks.get(other, depends.mark)
    return service.mark


def profiles_of(service: PosDict) -> tuple[str, ...]:
    profiles = service.get("profiles")
    if not isinstance(profiles, PosList):
        return ()
    return tuple(p for p in profiles if isinstance(p, str))


def enabled_services(services: Mapping[str, PosDict],
                     profiles: Sequence[str] | None) -> list[str]:
    """The services ``docker compose --profile P...`` starts: those without profiles and
    those with one of ``P`` (``*`` selects all); every service when ``profiles`` is None."""
    if profiles is None or "*" in profiles:
        return list(services)
    selected = set(profiles)
    return [name for name, service in services.items()
            if not profiles_of(service) or selected.intersection(profiles_of(service))]
