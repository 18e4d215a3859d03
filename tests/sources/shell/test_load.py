from __future__ import annotations

import time
from pathlib import Path

import pytest

from dindcheck.sources.shell.discover import (
    JENKINSFILE,
    MAKEFILE,
    MARKDOWN,
    SCRIPT,
    claims,
    sniff,
)
from dindcheck.sources.shell.load import load, read
from dindcheck.workload import ANONYMOUS_VOLUME, BIND, Setup, Workload
from tests.repo import CORPUS, require

SCRIPTS = CORPUS / "scripts"


def corpus(name: str) -> Setup:
    path = SCRIPTS / name
    require(path.is_file(), f"corpus file {name} is missing")
    return load(path)


def by_name(setup: Setup) -> dict[str, Workload]:
    return {w.name: w for w in setup.workloads}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("ci.sh", SCRIPT, id="sh"), pytest.param("x.BASH", SCRIPT, id="bash"),
        pytest.param("Makefile", MAKEFILE, id="makefile"),
        pytest.param("GNUmakefile", MAKEFILE, id="gnumakefile"),
        pytest.param("rules.mk", MAKEFILE, id="mk"),
        pytest.param("Jenkinsfile", JENKINSFILE, id="jenkinsfile"),
        pytest.param("Jenkinsfile.release", JENKINSFILE, id="jenkinsfile-suffix"),
        pytest.param("build.jenkinsfile", JENKINSFILE, id="dot-jenkinsfile"),
        pytest.param("README.md", None, id="readme-not-claimed"),
        pytest.param("compose.yaml", None, id="yaml"),
    ],
)
def test_walk_claims(name: str, expected: str | None) -> None:
    assert claims(name) == expected


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        pytest.param("kindbox", "#!/bin/bash\nexit 0\n", SCRIPT, id="shebang"),
        pytest.param("run", "#!/usr/bin/env -S bash -e\n", SCRIPT, id="env-shebang"),
        pytest.param("ci", "pipeline {\n  stages { steps { sh 'make' } }\n}\n", JENKINSFILE,
                     id="pipeline"),
        pytest.param("build", "all: test\n\tdocker run x\n", MAKEFILE, id="make-rules"),
        pytest.param("notes.txt", "Start it:\n  docker run -d docker:dind\n", SCRIPT,
                     id="docker-line"),
        pytest.param("guide.md", "text", MARKDOWN, id="markdown"),
        pytest.param("data.txt", "hello\n", None, id="not-shell"),
    ],
)
def test_sniff(name: str, text: str, expected: str | None) -> None:
    assert sniff(name, text) == expected


def test_makefile_recipes() -> None:
    text = ("V ?= 27\n"
            "X = a:b\n"
            "define BLOCK\n\tdocker run --privileged not-a-recipe\nendef\n"
            "ifeq ($(OS),Linux)\n\tuid := $(shell id -u)\nendif\n"
            "dind: build\n"
            "\t@-docker run -d --name d --privileged \\\n"
            "\t\t-v $$HOME/c:/var/lib/docker docker:$(V)-dind\n"
            "\n"
            "client: ; docker run --link d:docker -e A=$$B img\n")
    setup = read(text, "Makefile", MAKEFILE)
    ws = by_name(setup)
    assert sorted(ws) == ["Makefile:13", "d"]
    dind = ws["d"]
    assert (dind.project, dind.image, dind.privileged) == ("dind", "docker:${V}-dind", True)
    assert dind.mounts is not None
    assert (dind.mounts[0].kind, dind.mounts[0].storage) == (BIND, "bind:$HOME/c")
    assert dind.location("subject").line == 10
    assert dind.location("subject").column == 4
    assert dind.mounts[0].location is not None
    assert dind.mounts[0].location.line == 11
    client = ws["Makefile:13"]
    assert (client.project, client.links, client.env("A")) == ("client", {"docker": "d"}, "$B")


def test_jenkinsfile_sh_steps() -> None:
    text = ("// sh 'docker run --privileged commented'\n"
            "pipeline { agent any\n stages { stage('x') { steps {\n"
            "  sh 'docker run -d --name a docker:dind'\n"
            "  sh \"docker run --link a:docker -e V=\\${X} img ${env.BUILD_ID}\"\n"
            "  sh label: 'up', script: '''\n    docker run -v /var/run/docker.sock:/var/run/"
            "docker.sock \\\\\n      tool\n  '''\n"
            "  echo \"sh 'docker run not-a-step'\"\n"
            "  sh script\n"
            "} } } }\n")
    setup = read(text, "Jenkinsfile", JENKINSFILE)
    assert [(w.name, w.image) for w in setup.workloads] == [
        ("a", "docker:dind"), ("Jenkinsfile:5", "img"), ("Jenkinsfile:7", "tool")]
    assert setup.workloads[1].env("V") == "${X}"
    assert setup.workloads[1].command == ("${env.BUILD_ID}",)
    assert (setup.workloads[0].location("subject").line,
            setup.workloads[0].location("subject").column) == (4, 7)
    assert setup.workloads[2].mounts is not None
    assert setup.workloads[2].mounts[0].target == "/var/run/docker.sock"
    assert any("variable" in n for n in setup.notes)


@pytest.mark.parametrize(("step", "image", "privileged", "command"), [
    pytest.param("docker.image('docker:27-dind').withRun('--privileged') { c -> }",
                 "docker:27-dind", True, None, id="withRun"),
    pytest.param('docker.image("docker:27-dind").withRun("--privileged", "--mtu=1400") { }',
                 "docker:27-dind", True, ("--mtu=1400",), id="withRun-command"),
    pytest.param("docker.image('docker:27-dind').run('--privileged')", "docker:27-dind", True,
                 None, id="run"),
    pytest.param("docker.image('docker:27-cli').inside('-v /var/run/docker.sock:/s') { }",
                 "docker:27-cli", False, ("cat",), id="inside"),
    pytest.param("docker.image( 'docker:27-dind' ).withRun() { }", "docker:27-dind", False,
                 None, id="no-arguments"),
])
def test_jenkinsfile_docker_pipeline_steps(step: str, image: str, privileged: bool,
                                           command: tuple[str, ...] | None) -> None:
    text = f"node {{\n  // docker.image('x').withRun('--privileged')\n  {step}\n}}\n"
    setup = read(text, "Jenkinsfile", JENKINSFILE)
    (w,) = setup.workloads
    assert (w.image, w.privileged, w.command) == (image, privileged, command)
    assert w.location("image").line == 3


@pytest.mark.parametrize("step", [
    "docker.image('maven:3').pull()",
    "docker.image(env.IMAGE).withRun('--privileged') { }",
    "echo \"docker.image('docker:dind').withRun('--privileged')\"",
])
def test_jenkinsfile_steps_that_run_nothing_readable(step: str) -> None:
    assert read(f"node {{\n  {step}\n}}\n", "Jenkinsfile", JENKINSFILE).workloads == ()


def test_markdown_code_blocks() -> None:
    text = ("# Title\n\n```console\n$ docker run -d --privileged \\\n"
            "    docker:dind\nabc123\n$ docker ps\n```\n\n"
            "```python\ndocker run not-shell\n```\n\n"
            "```\ndocker run -v /var/run/docker.sock:/var/run/docker.sock portainer\n```\n")
    setup = read(text, "README.md", MARKDOWN)
    assert [(w.image, w.location("subject").line, w.location("subject").column)
            for w in setup.workloads] == [("docker:dind", 4, 3), ("portainer", 15, 1)]


# ------------------------------------------------------------------ corpus


def test_corpus_lattebreak_worst_case() -> None:
    setup = corpus("lattebreak-run-dind.sh")
    (w,) = setup.workloads
    assert (w.name, w.image, w.privileged, w.network_mode, w.command) == (
        "docker", "docker:dind", True, "jenkins", ("--host=tcp://0.0.0.0:2375",))
    assert w.env("DOCKER_TLS_CERTDIR") == ""
    assert [(p.host_ip, p.host_port, p.container_port) for p in w.ports] == [
        (None, "2375", 2375)]
    assert w.location("ports").line == 6
    assert not setup.problems


def test_corpus_weave_host_network_vfs() -> None:
    (w,) = corpus("weave-in-docker-run-vfs-nethost.sh").workloads
    assert (w.image, w.host_network, w.privileged) == ("docker:1.11-dind", True, True)
    assert w.command is not None
    assert w.command[:2] == ("docker", "daemon")
    assert "--storage-driver=vfs" in w.command
    assert w.location("image").line == 7


def test_corpus_k3d_tls_dind_with_certs_on_the_host() -> None:
    (w,) = corpus("k3d-local-test-remote-docker-tls.sh").workloads
    assert (w.name, w.image, w.env("DOCKER_TLS_CERTDIR")) == (
        "k3dlocaltestdindsec", "docker:20.10-dind", "/certs")
    assert w.mounts is not None
    assert [(m.kind, m.source, m.target) for m in w.mounts] == [
        (BIND, "/tmp/dockercerts", "/certs")]
    assert [(p.host_port, p.container_port) for p in w.ports] == [("3376", 2376)]


def test_corpus_k3d_runner_started_in_a_substitution() -> None:
    (w,) = corpus("k3d-tests-dind.sh").workloads
    assert (w.name, w.image, w.privileged) == ("$container_name", "k3d:$K3D_IMAGE_TAG", True)
    assert w.mounts is not None
    assert [m.storage for m in w.mounts] == ["bind:$(pwd)"]
    assert not any(m.kind == ANONYMOUS_VOLUME for m in w.mounts)  # the image's VOLUME only


def test_corpus_cruizba_eval_is_said_not_read() -> None:
    setup = corpus("cruizba-ubuntu-dind-test.sh")
    assert any(":328:" in n and "docker_run_cmd" in n for n in setup.notes)
    assert any(":355:" in n and "eval" in n for n in setup.notes)
    inner = setup.workloads
    assert [w.image for w in inner] == ["nginx:alpine", "dind-build-test:latest"]
    assert all(any("inside $container_name" in n for n in w.notes) for w in inner)
    assert not any(w.privileged for w in inner)


def test_corpus_gitlab_runner_privileged_init_is_not_dind() -> None:
    (w,) = corpus("gitlab-runner-test-installation-privileged-init.sh").workloads
    assert (w.image, w.privileged, w.command, w.mounts) == ("$IMAGE", True, ("/sbin/init",), ())


def test_corpus_sysbox_nodes_in_sh_c_strings() -> None:
    setup = corpus("sysbox-kindbox.sh")
    assert [(w.runtime, w.privileged, w.location("subject").line) for w in setup.workloads] \
        == [("sysbox-runc", False, 270), ("sysbox-runc", False, 272),
            ("sysbox-runc", False, 395)]


def test_corpus_docker_py_makefile() -> None:
    setup = corpus("docker-py-Makefile")
    ws = by_name(setup)
    plain = ws["dpy-dind"]
    assert (plain.project, plain.image, plain.privileged, plain.network_mode) == (
        "integration-dind", "docker:${TEST_ENGINE_VERSION}-dind", True, "dpy-tests")
    assert plain.command == ("dockerd", "-H", "tcp://0.0.0.0:2375", "--experimental")
    ssl = ws["dpy-dind-ssl"]
    assert ssl.aliases == {"docker", "dpy-dind-ssl"}
    assert [v.workload for v in ssl.volumes_from] == ["dpy-dind-certs"]
    assert ssl.command is not None
    assert "--tlsverify" in ssl.command
    client = ws["docker-py-Makefile:165"]
    assert client.env("DOCKER_HOST") == "tcp://docker:2375"
    assert [v.workload for v in client.volumes_from] == ["dpy-dind-ssl"]
    sockets = [w.project for w in setup.workloads if w.mounts and any(
        m.target == "/var/run/docker.sock" for m in w.mounts)]
    assert sockets == ["integration-test", "shell"]
    assert len(setup.workloads) == 14
    assert not setup.problems


# ------------------------------------------------------------------ hostile


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param(b"docker run 'img\n", "unterminated single quote", id="quote"),
        pytest.param(b"docker run -d\x00 img", "binary file (NUL byte), not text", id="nul"),
        pytest.param(b"docker run \xff img", "not UTF-8 text (byte 0xff)", id="not-utf8"),
    ],
)
def test_unreadable_input_is_a_located_problem(tmp_path: Path, content: bytes,
                                               problem: str) -> None:
    path = tmp_path / "x.sh"
    path.write_bytes(content)
    setup = load(path)
    assert [(p.message, p.line) for p in setup.problems] == [(problem, 1)]


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.sh"
    path.write_text("docker run x\n" * 100, encoding="utf-8")
    setup = load(path, max_size=100)
    assert setup.workloads == ()
    assert "cap" in setup.problems[0].message


@pytest.mark.parametrize(
    ("name", "text"),
    [
        pytest.param("long.sh", "docker run " + "-v a:/b " * 100_000 + "img\n", id="long-line"),
        pytest.param("Makefile", "a:\n" + "\tdocker run $$(x) \\\n" * 50_000, id="make"),
        pytest.param("Jenkinsfile", "sh '''" + "docker run x\n" * 50_000, id="jenkins-open"),
        pytest.param("end.sh", "docker run img \\", id="backslash-at-eof"),
    ],
)
def test_hostile_files_are_read_in_bounded_time(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    load(path)
    assert time.perf_counter() - start < 10
