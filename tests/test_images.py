from __future__ import annotations

from typing import Any

import pytest

from dindcheck.images import classify_image, default_data_root


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
    # Moving tags: any tag that names no version, the official image's and others'.
    pytest.param("docker:rc-dind", {"moving": True, "pinned": "none"}, id="official-rc"),
    pytest.param("docker:test", {"moving": True, "version": "19.03"}, id="official-frozen-test"),
    pytest.param("docker:29", {"moving": False, "pinned": "major"}, id="official-bare-major"),
    pytest.param("docker:${DOCKER_VERSION}-dind", {"moving": False, "version": None},
                 id="unresolved-variable-is-not-known-to-move"),
    pytest.param("gitea/act_runner:nightly-dind-rootless", {
        "variant": "dind-rootless", "moving": True, "declares_data_volume": True,
        "based_on": "docker:dind-rootless", "family": "Gitea act_runner, rootless dind variant"},
        id="runner-nightly-rootless-dind"),
    pytest.param("docker.io/gitea/act_runner:0.2.11-dind", {
        "variant": "dind", "moving": False, "declares_data_volume": True,
        "based_on": "docker:dind"}, id="runner-dind-pinned"),
    pytest.param("gitea/act_runner:nightly", {"variant": "other", "family": None,
                                              "moving": True}, id="runner-without-dind"),
    pytest.param("summerwind/actions-runner-dind-rootless:v2.311.0-ubuntu-22.04", {
        "variant": "dind-rootless", "declares_data_volume": False, "moving": False},
        id="arc-rootless-runner"),
    pytest.param("ghcr.io/example/dind:edge", {"moving": True}, id="edge"),
    pytest.param("ghcr.io/example/dind:stable", {"moving": True}, id="stable"),
    pytest.param("acme/ci-dind:dind", {"moving": True}, id="dind-tag"),
    pytest.param("acme/ci-dind:nightly-20250101", {"moving": False}, id="dated-nightly"),
    pytest.param("acme/ci-dind", {"moving": True}, id="no-tag"),
    pytest.param("haf_api_node:dind", {"variant": "dind", "moving": False},
                 id="local-build-name"),
])
def test_classify_image(ref: str, expected: dict[str, Any]) -> None:
    image = classify_image(ref)
    assert image is not None
    assert {k: image[k] for k in expected} == expected


def test_no_image() -> None:
    assert classify_image(None) is None


@pytest.mark.parametrize(("ref", "data_root"), [
    ("docker:27-dind", "/var/lib/docker"),
    ("docker:27-dind-rootless", "/home/rootless/.local/share/docker"),
    ("gitea/act_runner:nightly-dind-rootless", "/home/rootless/.local/share/docker"),
    ("summerwind/actions-runner-dind-rootless:latest", "/home/runner/.local/share/docker"),
    ("acme/ci-dind:3", "/var/lib/docker"),
])
def test_default_data_root_by_variant_and_family(ref: str, data_root: str) -> None:
    assert default_data_root(classify_image(ref)) == data_root
