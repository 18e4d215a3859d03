"""The eleven real GitLab CI files of the shared corpus, read into workloads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dindcheck.sources.gitlab.discover import looks_like_pipeline
from dindcheck.sources.gitlab.workloads import load_setups
from dindcheck.workload import Workload
from dindcheck.yamlload import load_file
from tests.repo import CORPUS, corpus_files, require

FILES = corpus_files("gitlab-ci")

# file: (workload count, {workload: {field: value}}); env values as the container sees them.
EXPECTED: dict[str, tuple[int, dict[str, dict[str, Any]]]] = {
    "gitlab-ci-multi-runner-2016.gitlab-ci.yml": (8, {
        "Development": {"image": "golang:1.6", "links": {"docker": "Development/docker"}},
        "Development/docker": {"image": "docker:dind", "aliases": {"docker"},
                               "env": {"DOCKER_DRIVER": "overlay",
                                       "DOCKER_HOST": "tcp://docker:2375",
                                       "DOCKER_TLS_CERTDIR": None}},
        "Stable Release": {"env": {"RELEASE": "true"}},
    }),
    "gitlab-global-anchors-use-docker-in-docker.gitlab-ci.yml": (152, {
        ".use-docker-in-docker": {"image": "${GITLAB_DEPENDENCY_PROXY_ADDRESS}docker:"
                                           "${DOCKER_VERSION}",
                                  "links": {"docker": ".use-docker-in-docker/docker"}},
        ".use-docker-in-docker/docker": {"image": "docker:${DOCKER_VERSION}-dind",
                                         "aliases": {"docker"},
                                         "env": {"DOCKER_TLS_CERTDIR": "",
                                                 "DOCKER_HOST": "tcp://docker:2375"}},
        ".use-buildx/docker": {"image": "docker:${DOCKER_VERSION}-dind"},
        # `docker run --privileged ${QEMU_IMAGE} …` in the script: the dind service's.
        ".use-buildx/gitlab-global-anchors-use-docker-in-docker.gitlab-ci.yml:574": {
            "image": "tonistiigi/binfmt:qemu-v7.0.0", "privileged": True,
            "created_by": ".use-buildx/docker"},
    }),
    "gitlab-runner-common.gitlab-ci.yml": (3, {
        ".docker/docker": {"image": "docker:29.7.2-dind", "aliases": {"docker"},
                           "env": {"DOCKER_HOST": "unix:///certs/client/docker.sock"}},
        # default: image $CI_IMAGE, a variable that names two others (expanded as the
        # runner does: the variables once, then the image name against them)
        ".docker": {"image": "registry.gitlab.com/gitlab-org/ci-cd/runner-tools/base-images"
                             "/ci:0.0.48"},
        ".stage_done": {"image": "alpine:latest"},
    }),
    "gitlab-template-Auto-Build-tls-false.gitlab-ci.yml": (3, {
        "build/docker": {"image": "docker:20.10.6-dind",
                         "command": ("--tls=false", "--host=tcp://0.0.0.0:2375"),
                         "env": {"DOCKER_TLS_CERTDIR": ""}},
        "build_artifact": {"image": None},
    }),
    "gitlab-template-Code-Quality-stable-dind.gitlab-ci.yml": (3, {
        "code_quality": {"image": "docker:stable", "env": {"DOCKER_DRIVER": "overlay2"}},
        "code_quality/docker": {"image": "docker:stable-dind", "env": {"DOCKER_TLS_CERTDIR": ""}},
        # its -v /var/run/docker.sock is the dind daemon's socket (the export of
        # tcp://localhost:2375 is for the Kubernetes executor)
        "code_quality/gitlab-template-Code-Quality-stable-dind.gitlab-ci.yml:19": {
            "image": "registry.gitlab.com/gitlab-org/security-products/codequality:0.85.5",
            "created_by": "code_quality/docker"},
    }),
    "gitlab-template-Docker-latest-dind.gitlab-ci.yml": (4, {
        "build": {"image": "docker:latest", "env": {"DOCKER_HOST": None}},
        "build/docker": {"image": "docker:dind", "env": {"DOCKER_TLS_CERTDIR": None}},
    }),
    "gitlab-template-Load-Performance-Testing.gitlab-ci.yml": (3, {
        "load_performance/docker": {"image": "docker:27.3-dind",
                                    "command": ("--tls=false", "--host=tcp://0.0.0.0:2375")},
        # `$K6_DOCKER_OPTIONS` is empty: the image is the next word
        "load_performance/gitlab-template-Load-Performance-Testing.gitlab-ci.yml:22": {
            "image": "grafana/k6:0.54.0", "created_by": "load_performance/docker"},
    }),
    "mender-integration-default-pipeline.gitlab-ci.yml": (2, {
        "test:integration-tests:requirements": {"image": "docker:24.0.7-dind-alpine3.18",
                                                "entrypoint": None, "links": {}},
    }),
    "mender-integration-full-integration-template.gitlab-ci.yml": (1, {
        "test:integration:$CI_NODE_INDEX": {"image": "docker:${DOCKER_VERSION}-dind"},
    }),
    "omnibus-gitlab-dind-config-registry-mirror.yml": (2, {
        ".dind/docker": {"image": "${DOCKER_DIND_IMAGE}", "aliases": {"docker"},
                         "entrypoint": ("sh", "-c", "dockerd-entrypoint.sh $DOCKER_OPTIONS"),
                         "env": {"DOCKER_OPTIONS": "--registry-mirror https://mirror.gcr.io",
                                 "DOCKER_HOST": "tcp://docker:2375"}},
    }),
    "sshoc-marketplace-backend.gitlab-ci.yml": (6, {
        "build": {"image": "docker:19.03-dind", "env": {"DOCKER_HOST": "tcp://docker:2375/"}},
        "build-prod/docker": {"image": "docker:dind", "env": {"DOCKER_TLS_CERTDIR": ""}},
    }),
}


def test_the_corpus_is_the_one_described() -> None:
    require(bool(FILES), f"shared corpus missing at {CORPUS}")
    assert sorted(p.name for p in FILES) == sorted(EXPECTED)


def check(w: Workload, fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        if key == "env":
            for name, text in value.items():
                assert w.env(name) == text, (w.name, name)
        elif key == "aliases":
            assert set(w.aliases) == value, w.name
        else:
            assert getattr(w, key) == value, (w.name, key)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_file(path: Path) -> None:
    assert looks_like_pipeline(load_file(path))
    (setup,) = load_setups(path)
    count, expected = EXPECTED[path.name]
    assert len(setup.workloads) == count
    assert not setup.problems, setup.problems
    found = {w.name: w for w in setup.workloads}
    for name, fields in expected.items():
        check(found[name], fields)
    for w in setup.workloads:
        if w.created_by is not None:
            continue  # a script's docker run: its own flags say
        assert w.privileged is None
        assert w.mounts is None
        assert w.location("subject").path == str(path)
        assert w.location("subject").line


def test_notes_of_the_corpus() -> None:
    require(bool(FILES), f"shared corpus missing at {CORPUS}")
    notes = {p.name: "\n".join(load_setups(p)[0].notes) for p in FILES}
    assert "include component gitlab.com/Northern.tech" in notes[
        "mender-integration-default-pipeline.gitlab-ci.yml"]
    full = notes["mender-integration-full-integration-template.gitlab-ci.yml"]
    assert "!reference [.mantra-push-results] could not be found" in full
    assert "DOCKER_VERSION" in load_setups(
        CORPUS / "gitlab-ci" / "mender-integration-full-integration-template.gitlab-ci.yml"
    )[0].unresolved
    assert "a fragment without jobs" in notes["omnibus-gitlab-dind-config-registry-mirror.yml"]


def test_script_facts_of_the_corpus() -> None:
    require(bool(FILES), f"shared corpus missing at {CORPUS}")
    mender = load_setups(CORPUS / "gitlab-ci" /
                         "mender-integration-full-integration-template.gitlab-ci.yml")[0]
    notes = mender.workloads[0].notes
    assert any("waits for the Docker daemon" in n and ":42" in n for n in notes)
    assert any("unsets DOCKER_HOST" in n for n in notes)
    quality = load_setups(CORPUS / "gitlab-ci" /
                          "gitlab-template-Code-Quality-stable-dind.gitlab-ci.yml")[0]
    job = next(w for w in quality.workloads if w.name == "code_quality")
    assert any("sets DOCKER_HOST=tcp://localhost:2375" in n for n in job.notes)


def test_anchors_point_at_the_template() -> None:
    """``<<: *build-template``: the job is where it is named, its script where the anchor
    wrote it; global variables and the global service where they are written."""
    require(bool(FILES), f"shared corpus missing at {CORPUS}")
    (setup,) = load_setups(CORPUS / "gitlab-ci" / "gitlab-ci-multi-runner-2016.gitlab-ci.yml")
    found = {w.name: w for w in setup.workloads}
    job, dind = found["Development"], found["Development/docker"]
    assert (job.location("subject").line, job.location("command").line) == (23, 19)
    assert job.env_location("DOCKER_DRIVER").line == 7
    assert dind.location("subject").line == 4
    assert dind.env_location("DOCKER_HOST").line == 8
