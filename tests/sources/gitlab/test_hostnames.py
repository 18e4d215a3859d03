from __future__ import annotations

import pytest

from dindcheck.sources.gitlab.hostnames import (
    derived_hostnames,
    is_dns_subdomain,
    service_hostnames,
    split_aliases,
)


@pytest.mark.parametrize(("image", "expected"), [
    ("docker:dind", ("docker",)),
    ("docker:29.7.2-dind", ("docker",)),
    ("docker", ("docker",)),
    ("docker@sha256:" + "a" * 64, ("docker",)),
    ("library/docker:dind", ("library__docker", "library-docker")),
    ("registry.example.com/mirror/library/docker:dind",
     ("registry.example.com__mirror__library__docker",
      "registry.example.com-mirror-library-docker")),
    ("registry.example.com:5000/docker:dind",
     ("registry.example.com__docker", "registry.example.com-docker")),
    ("localhost:5000/tools/dind", ("localhost__tools__dind", "localhost-tools-dind")),
    ("postgres:15-alpine", ("postgres",)),
    ("Docker:dind", ()),                # upper case is not a valid repository name
    ("docker:dind with spaces", ()),
    ("", ()),
])
def test_derived_hostnames_follow_the_runner(image: str, expected: tuple[str, ...]) -> None:
    assert derived_hostnames(image) == expected


@pytest.mark.parametrize(("image", "expected"), [
    ("docker:${DOCKER_VERSION}-dind", ("docker",)),
    ("${REGISTRY}/docker:dind", ()),
    ("${DOCKER_DIND_IMAGE}", ()),
    ("registry.example.com/docker:$TAG", ("registry.example.com__docker",
                                         "registry.example.com-docker")),
])
def test_a_variable_in_the_tag_still_gives_the_hostname(image: str,
                                                       expected: tuple[str, ...]) -> None:
    assert service_hostnames(image) == expected


@pytest.mark.parametrize(("alias", "expected"), [
    ("docker", ("docker",)),
    ("docker,dind", ("docker", "dind")),
    ("docker dind", ("docker", "dind")),
    (" docker , dind ", ("docker", "dind")),
    ("", ()),
])
def test_aliases_split_on_commas_and_spaces(alias: str, expected: tuple[str, ...]) -> None:
    assert split_aliases(alias) == expected


@pytest.mark.parametrize(("name", "valid"), [
    ("docker", True),
    ("registry.example.com-mirror-library-docker", True),
    ("registry.example.com__mirror__library__docker", False),
    ("Docker", False),
    ("-docker", False),
    ("a" * 254, False),
])
def test_kubernetes_dns_rule(name: str, valid: bool) -> None:
    assert is_dns_subdomain(name) is valid
