from __future__ import annotations

from typing import Any

import pytest

from dindcheck.images import classify_image


@pytest.mark.parametrize(("ref", "expected"), [
    ("docker:dind", {"official_docker": True, "variant": "dind", "version": None,
                     "moving": True, "declares_data_volume": True}),
    ("docker", {"variant": "dind", "moving": True, "tag": None}),
    ("docker:latest", {"variant": "dind", "moving": True}),
    ("docker:24.0.7-dind-alpine3.19", {"version": "24.0.7", "pinned": "patch",
                                      "moving": False}),
    ("docker.io/library/docker:20-dind", {"official_docker": True, "version": "20",
                                         "pinned": "major"}),
    ("docker:27.3-cli", {"variant": "cli", "declares_data_volume": False}),
    # Bare version tags named the CLI image before 22.06 (docker-library/docker#369).
    ("docker:19.03.12", {"variant": "cli", "version": "19.03.12",
                         "declares_data_volume": False}),
    ("docker:20.10", {"variant": "cli"}),
    ("docker:stable", {"variant": "cli", "moving": True}),
    ("docker:stable-dind", {"variant": "dind"}),
    ("docker:19.03-dind", {"variant": "dind"}),
    ("docker:23.0", {"variant": "dind"}),
    ("docker:dind-rootless", {"variant": "dind-rootless", "declares_data_volume": True}),
    ("docker:stable-dind", {"version": "19.03", "moving": True}),
    ("docker@sha256:0123abcd", {"pinned": "digest", "moving": False}),
    ("registry.example:5000/docker:dind", {"official_docker": False, "variant": "dind"}),
    ("cruizba/ubuntu-dind:systemd-latest", {"official_docker": False, "variant": "dind",
                                            "moving": True, "declares_data_volume": False}),
    ("redis:7", {"variant": "other", "moving": False}),
])
def test_classify_image(ref: str, expected: dict[str, Any]) -> None:
    image = classify_image(ref)
    assert image is not None
    assert {k: image[k] for k in expected} == expected


def test_no_image() -> None:
    assert classify_image(None) is None
