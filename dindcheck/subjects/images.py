"""What a workload's image reference tells the builder (one classification per workload)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dindcheck.images import OFFICIAL, ROOTLESS_VARIANTS, classify_image, family_of
from dindcheck.workload import Workload

DIND_VARIANTS = ("dind", "dind-rootless")


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """``image``: the fact model's block for the image the workload names (None: none).
    ``family``: the image that decides behaviour — the named one, else the final FROM of
    a locally built one. ``block``: what a daemon subject shows."""

    image: dict[str, Any] | None
    family: dict[str, Any] | None
    block: dict[str, Any] | None

    @classmethod
    def of(cls, workload: Workload) -> ImageFacts:
        image = classify_image(workload.image)
        if image is None and workload.built_from:
            built = classify_image(workload.built_from)
            return cls(None, built, dict(built, built_locally=True) if built else None)
        return cls(image, image, image)

    @property
    def official(self) -> bool:
        return bool(self.family and self.family["official_docker"])

    @property
    def variant(self) -> str:
        return str(self.family["variant"]) if self.family else "other"

    @property
    def dind(self) -> bool:
        return self.variant in DIND_VARIANTS

    @property
    def version(self) -> str | None:
        return self.family["version"] if self.family else None

    @property
    def family_name(self) -> str:
        """The image reference that decides behaviour, as written."""
        return str(self.family["ref"]) if self.family else "its image"

    @property
    def runs_daemon(self) -> bool:
        """A known image whose own entrypoint starts dockerd among other programs (a
        runner image with dind, dind_images.json)."""
        known = family_of(self.family)
        return bool(known and known["starts_dockerd"])

    @property
    def rootless(self) -> bool:
        """Its daemon runs rootless: a known family says so (dind_images.json), else the
        variant is a rootless one (official_image.json)."""
        known = family_of(self.family)
        if known is not None:
            return bool(known["rootless"])
        return self.variant in ROOTLESS_VARIANTS

    @property
    def official_entrypoint(self) -> bool:
        """The image's own entrypoint runs the official dockerd-entrypoint.sh (with its
        default listeners)."""
        known = family_of(self.family)
        return self.official or bool(known and known["official_entrypoint"])

    @property
    def entrypoint(self) -> str | None:
        """The entrypoint program of the image (None: not known): an official image's
        variant's, or a known family's."""
        known = family_of(self.family)
        if known is not None:
            return str(known["entrypoint"])
        if not self.official:
            return None
        entrypoints: dict[str, str] = OFFICIAL["entrypoint"]
        return entrypoints.get(self.variant)
