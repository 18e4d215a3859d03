"""What a service's Dockerfile says about its image: base, ENTRYPOINT, CMD, VOLUMEs."""

from __future__ import annotations

import textwrap

import pytest

from dindcheck.sources.compose.dockerfile import ImageConfig, final_from, read_dockerfile

ACT_RUNNER_ROOTLESS = """
    FROM golang:1.23-alpine AS builder
    RUN apk add --no-cache make git
    COPY . /opt/src/act_runner
    RUN make clean && make build

    FROM docker:dind-rootless
    USER root
    RUN apk add --no-cache git bash supervisor
    COPY --from=builder /opt/src/act_runner/act_runner /usr/local/bin/act_runner
    USER rootless
    ENTRYPOINT ["/usr/bin/supervisord", "-c", "/etc/supervisord.conf"]
"""
UBUNTU_DOCKERD = """
    FROM ubuntu:24.04
    RUN apt-get update \\
     && apt-get install -y docker.io \\
     && rm -rf /var/lib/apt/lists/*
    VOLUME /var/lib/docker
    ENTRYPOINT ["dockerd"]
    CMD ["--host=unix:///var/run/docker.sock", "--host=tcp://0.0.0.0:2375"]
"""
ENGINE_WITH_ARG = """
    # syntax=docker/dockerfile:1
    ARG ENGINE_VERSION=28
    FROM docker:${ENGINE_VERSION}-dind
    COPY certs /certs
"""


@pytest.mark.parametrize(("text", "args", "config"), [
    pytest.param("FROM docker:27-dind\nRUN apk add git\n", None,
                 ImageConfig(base="docker:27-dind"), id="dind-with-tools"),
    pytest.param(ACT_RUNNER_ROOTLESS, None, ImageConfig(
        base="docker:dind-rootless",
        entrypoint=("/usr/bin/supervisord", "-c", "/etc/supervisord.conf"), cmd=()),
                 id="runner-on-rootless-dind"),
    pytest.param(UBUNTU_DOCKERD, None, ImageConfig(
        base="ubuntu:24.04", entrypoint=("dockerd",),
        cmd=("--host=unix:///var/run/docker.sock", "--host=tcp://0.0.0.0:2375"),
        volumes=("/var/lib/docker",)), id="distribution-dockerd"),
    pytest.param(ENGINE_WITH_ARG, None, ImageConfig(base="docker:28-dind"),
                 id="arg-default"),
    pytest.param(ENGINE_WITH_ARG, {"ENGINE_VERSION": "29"}, ImageConfig(base="docker:29-dind"),
                 id="arg-from-build-args"),
    pytest.param("FROM docker:${V}-dind\n", None, ImageConfig(base="docker:${V}-dind"),
                 id="unknown-arg-left-as-written"),
    pytest.param("ARG V\nFROM docker:${V:-27}-dind\n", None, ImageConfig(base="docker:27-dind"),
                 id="arg-with-fallback"),
    pytest.param("FROM alpine\nCMD dockerd --tls=false && sleep 1\n", None, ImageConfig(
        base="alpine", cmd=("/bin/sh", "-c", "dockerd --tls=false && sleep 1")),
                 id="shell-form"),
    pytest.param("FROM docker:26-dind AS base\nENTRYPOINT [\"/entry.sh\"]\n"
                 "VOLUME [\"/var/lib/docker\"]\nFROM base\nCMD [\"--mtu=1400\"]\n", None,
                 ImageConfig(base="docker:26-dind", entrypoint=("/entry.sh",),
                             cmd=("--mtu=1400",), volumes=("/var/lib/docker",)),
                 id="stage-builds-on-a-stage"),
    pytest.param("FROM x AS one\nCMD [\"a\"]\nFROM one\nENTRYPOINT [\"b\"]\n", None,
                 ImageConfig(base="x", entrypoint=("b",), cmd=()),
                 id="entrypoint-drops-the-inherited-cmd"),
    pytest.param("FROM x\nCMD [\"a\"]\nENTRYPOINT [\"b\"]\n", None,
                 ImageConfig(base="x", entrypoint=("b",), cmd=("a",)),
                 id="cmd-of-the-same-stage-stays"),
    pytest.param("FROM alpine\nRUN <<EOF\nFROM docker:dind\nENTRYPOINT [\"dockerd\"]\nEOF\n",
                 None, ImageConfig(base="alpine"), id="heredoc-body-is-not-read"),
    pytest.param("# escape=`\nFROM alpine\nENTRYPOINT [\"dockerd\", `\n  \"--mtu=1400\"]\n",
                 None, ImageConfig(base="alpine", entrypoint=("dockerd", "--mtu=1400"),
                                   cmd=()), id="escape-directive"),
    pytest.param("FROM --platform=$BUILDPLATFORM scratch\nCOPY x /x\n", None, ImageConfig(),
                 id="scratch"),
    pytest.param("FROM a AS a\nFROM a\n", None, ImageConfig(base="a"), id="self-named-stage"),
    pytest.param("RUN true\n", None, ImageConfig(), id="no-from"),
])
def test_read_dockerfile(text: str, args: dict[str, str] | None, config: ImageConfig) -> None:
    assert read_dockerfile(textwrap.dedent(text), args) == config


def test_final_from_follows_stages() -> None:
    assert final_from("FROM docker:27-dind AS engine\nFROM engine\n") == "docker:27-dind"
