"""What an image reference tells about a dind setup: official image, variant, version, pinning."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

from dindcheck.knowledge import load

_VERSION_TAG = re.compile(r"^(\d+(?:\.\d+){0,2}(?:-rc\.?\d+)?)")
OFFICIAL: dict[str, Any] = load("official_image.json")
# Tags of the official image that name no version; `stable`/`test` were frozen at 19.03.
_FROZEN: dict[str, str] = OFFICIAL["frozen_tags"]
OFFICIAL_DATA_ROOT: str = OFFICIAL["data_root_volume"]["dind"]
ROOTLESS_DATA_ROOT: str = OFFICIAL["data_root_volume"]["dind-rootless"]
ROOTLESS_VARIANTS: frozenset[str] = frozenset(OFFICIAL["rootless_variants"])
_ROOTLESS_MARKER: str = OFFICIAL["rootless_tag_marker"]
_DIND_IMAGES: dict[str, Any] = load("dind_images.json")
FAMILIES: list[dict[str, Any]] = _DIND_IMAGES["families"]
_VERSION_WORD = re.compile(_DIND_IMAGES["version_word"])
_REGISTRY_PREFIXES = ("docker.io/", "index.docker.io/")


def split_ref(ref: str) -> tuple[str, str | None, str | None]:
    """``(repository, tag, digest)`` of an image reference."""
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    tag = None
    last_slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > last_slash:
        ref, tag = ref[:colon], ref[colon + 1:]
    return ref, tag, digest


def _is_official(repository: str) -> bool:
    """The official image, also through a registry mirror's ``…/library/docker`` path."""
    name = repository.lower()
    return name in OFFICIAL["repositories"] or name.endswith("/library/docker")


def _family(repository: str, tag: str | None) -> dict[str, Any] | None:
    """The known image family ``repository:tag`` belongs to (dind_images.json), if any."""
    name = repository.lower()
    for prefix in _REGISTRY_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix):]
    for family in FAMILIES:
        if name in family["repositories"] and any(
                fnmatchcase((tag or "latest").lower(), p) for p in family["tags"]):
            return family
    return None


@lru_cache(maxsize=1024)
def _classify(ref: str) -> tuple[tuple[str, Any], ...]:
    repository, tag, digest = split_ref(ref.strip())
    official = _is_official(repository)
    family = None if official else _family(repository, tag)
    tag_l = (tag or "").lower()
    name_l = repository.lower().rsplit("/", 1)[-1]
    if official:
        if _ROOTLESS_MARKER in tag_l:
            variant = "dind-rootless"
        elif any(marker in tag_l for marker in OFFICIAL["cli_tag_markers"]) or \
                _cli_by_default(tag_l):
            variant = "cli"
        else:
            variant = "dind"  # `docker:latest`, `docker:29` are the dind variant
    elif family is not None:
        variant = family["variant"]
    elif "dind" in tag_l or "dind" in name_l or "docker-in-docker" in name_l:
        variant = "dind-rootless" if _ROOTLESS_MARKER in tag_l else "dind"
    else:
        variant = "other"
    version = None
    if official:
        match = _VERSION_TAG.match(tag_l)
        version = match.group(1) if match else _FROZEN.get(tag_l)
    pinned = ("digest" if digest else
              "none" if version is None or tag_l in _FROZEN else
              ("patch" if version.count(".") >= 2 else "minor" if "." in version else "major"))
    declares = (official and variant in ("dind", "dind-rootless")) or bool(
        family and family["declares_data_volume"])
    return (
        ("ref", ref),
        ("repository", repository),
        ("tag", tag),
        ("digest", digest),
        ("official_docker", official),
        ("variant", variant),
        ("version", version),
        ("pinned", pinned),
        ("moving", _moving(official, repository, tag_l, pinned, digest)),
        ("declares_data_volume", declares),
        ("based_on", family["from"] if family else None),
        ("family", family["name"] if family else None),
    )


def _cli_by_default(tag: str) -> bool:
    """A tag without ``dind`` that named the CLI image: a version before 22.06 (when
    the bare version tags moved to the dind variant), or a frozen tag (``stable``)."""
    if "dind" in tag:
        return False
    version = _VERSION_TAG.match(tag)
    found = version.group(1) if version else _FROZEN.get(tag)
    if found is None:
        return False
    from dindcheck.versions import version_matches

    return version_matches(found, f"<{OFFICIAL['dind_by_default_since']}")


def _moving(official: bool, repository: str, tag: str, pinned: str,
            digest: str | None) -> bool:
    """Whether each pull may bring another image (dind_images.json, ``_comment_tags``).

    A tag that names no version moves (`dind`, `latest`, `stable`, `rc`, `edge`,
    `nightly-dind-rootless`); the official image's frozen `stable`/`test` too. A name
    without a namespace or registry that is not the official image is a local build's
    (`haf_api_node:dind`), not a pulled tag. A tag with an unresolved variable
    (`docker:${VERSION}-dind`) is not known to move.
    """
    if digest is not None or pinned != "none" or "$" in tag or "${" in repository:
        return False  # a variable the input does not define: the version is not known
    if official:
        return not _VERSION_TAG.match(tag) or tag in _FROZEN
    if "/" not in repository:
        return False
    return not any(_VERSION_WORD.match(word) for word in re.split(r"[-_]", tag) if word)


def family_of(image: dict[str, Any] | None) -> dict[str, Any] | None:
    """The known family entry (dind_images.json) of a classified image, if any."""
    name = image.get("family") if image else None
    return next((f for f in FAMILIES if f["name"] == name), None)


def classify_image(ref: str | None) -> dict[str, Any] | None:
    """The ``image`` block of the fact model for ``ref`` (None when there is no image)."""
    if not ref or not isinstance(ref, str):
        return None
    return dict(_classify(ref))


def default_data_root(image: dict[str, Any] | None) -> str:
    """Where the image's daemon keeps its data unless told otherwise."""
    family = family_of(image)
    if family is not None:
        return str(family["data_root"])
    if image and image.get("variant") in ROOTLESS_VARIANTS:
        return ROOTLESS_DATA_ROOT
    return OFFICIAL_DATA_ROOT
