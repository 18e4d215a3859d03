"""Lenient version parsing for engine versions, image tags and kernels.

Docker versions are not PEP 440 (``17.06.0-ce``, ``24.0.7-0ubuntu4``, ``29.0.0-rc.1``);
we keep the numeric release, plus a pre-release marker, and let ``packaging`` compare.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

_RELEASE = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-(rc|beta|alpha)\.?(\d+))?")


@lru_cache(maxsize=512)
def parse_version(text: str | None) -> Version | None:
    """``Version`` for ``text``, or None when it names no version (``dind``, ``latest``)."""
    if not text:
        return None
    match = _RELEASE.match(text.strip())
    if match is None:
        return None
    major, minor, patch, pre, pre_n = match.groups()
    release = ".".join(p for p in (major, minor, patch) if p is not None)
    pre_map = {"rc": "rc", "beta": "b", "alpha": "a"}
    suffix = f"{pre_map[pre]}{pre_n}" if pre else ""
    from packaging.version import InvalidVersion, Version

    try:
        return Version(release + suffix)
    except InvalidVersion:
        return None


@lru_cache(maxsize=128)
def parse_specifier(text: str) -> SpecifierSet:
    from packaging.specifiers import SpecifierSet

    return SpecifierSet(text)


def version_matches(text: str | None, specifier: str) -> bool:
    """True when ``text`` parses and satisfies ``specifier``; unknown versions never match.

    A pre-release is compared as the release it leads to (``29.0.0-rc.1`` matches
    ``>=29``): release candidates already carry the behaviour rules care about.
    """
    version = parse_version(text)
    if version is None:
        return False
    from packaging.version import Version

    return parse_specifier(specifier).contains(Version(version.base_version))
