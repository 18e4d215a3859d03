"""Which Docker API versions an engine release serves and accepts."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from dindcheck.knowledge import load
from dindcheck.versions import parse_version


def _table() -> dict[str, Any]:
    data: dict[str, Any] = load("api_versions.json")
    return data


@lru_cache(maxsize=256)
def max_api(engine_version: str | None) -> str | None:
    """The API version an engine release serves; a major-only tag means its last minor."""
    version = parse_version(engine_version)
    if version is None:
        return None
    best: tuple[Any, str] | None = None
    for release, api in _table()["engine_api"].items():
        candidate = parse_version(release)
        if candidate is None:
            continue
        same_major_only = len(version.release) == 1 and candidate.major == version.major
        if (candidate <= version or same_major_only) and (best is None or candidate > best[0]):
            best = (candidate, api)
    return best[1] if best else None


@lru_cache(maxsize=512)
def _floor(engine_version: str | None, key: str) -> str | None:
    version = parse_version(engine_version)
    if version is None:
        return None
    for release, api in _table()[key]:
        floor = parse_version(release)
        if floor is not None and version >= floor:
            return str(api)
    return None


def daemon_min_api(engine_version: str | None) -> str | None:
    return _floor(engine_version, "daemon_min_api")


def client_min_api(engine_version: str | None) -> str | None:
    return _floor(engine_version, "client_min_api")
