from __future__ import annotations

import pytest

from dindcheck.shell.docker import DockerRun, read_options, read_script
from dindcheck.shell.positions import TextLocator


def only_run(text: str) -> DockerRun:
    reading = read_script(text)
    assert len(reading.runs) == 1, reading
    return reading.runs[0]


def flags(run: DockerRun) -> list[tuple[str, str | None]]:
    return [(f.name, f.value) for f in run.flags]


@pytest.mark.parametrize(
    ("text", "image", "args"),
    [
        pytest.param("docker run docker:dind", "docker:dind", [], id="bare"),
        pytest.param("docker create docker:dind --mtu 1400", "docker:dind", ["--mtu", "1400"],
                     id="create"),
        pytest.param("docker container run -d docker:dind", "docker:dind", [],
                     id="container-run"),
        pytest.param("docker container create docker:dind", "docker:dind", [],
                     id="container-create"),
        pytest.param("sudo -E -u root docker run docker:dind", "docker:dind", [], id="sudo"),
        pytest.param("FOO=1 BAR=2 docker run docker:dind", "docker:dind", [], id="env-prefix"),
        pytest.param("env -i A=1 docker run docker:dind", "docker:dind", [], id="env-command"),
        pytest.param("exec docker run docker:dind", "docker:dind", [], id="exec"),
        pytest.param("timeout -s KILL 60 docker run docker:dind", "docker:dind", [],
                     id="timeout"),
        pytest.param("if ! docker run docker:dind; then :; fi", "docker:dind", [], id="if-not"),
        pytest.param("make build && docker run docker:dind | tee log", "docker:dind", [],
                     id="and-pipe"),
        pytest.param("docker -H tcp://h:2376 --tlsverify run docker:dind", "docker:dind", [],
                     id="global-options"),
        pytest.param("/usr/bin/docker run docker:dind", "docker:dind", [], id="full-path"),
        pytest.param("docker run -v /a:/b -e X=1 -p 1:2 --name n docker:dind dockerd -H x",
                     "docker:dind", ["dockerd", "-H", "x"], id="flags-with-values"),
        pytest.param("docker run -dit --rm -p8080:80 -eA=1 img", "img", [], id="short-clusters"),
        pytest.param("docker run --network=host --cap-add=ALL img", "img", [], id="long-equals"),
        pytest.param("docker run -- img cmd", "img", ["cmd"], id="double-dash"),
        pytest.param("docker run $OPTS -d img", "img", [], id="options-in-a-variable"),
        pytest.param("docker run --privileged \"$IMAGE\" sh", "$IMAGE", ["sh"],
                     id="image-in-a-variable"),
        pytest.param("sh -c 'docker run -d docker:dind'", "docker:dind", [], id="sh-c"),
        pytest.param("bash -ec \"sudo docker run docker:dind\"", "docker:dind", [],
                     id="bash-ec"),
        pytest.param("x=$(docker run -d docker:dind)", "docker:dind", [], id="substitution"),
        pytest.param("$DOCKER run docker:dind", "docker:dind", [], id="docker-variable"),
    ],
)
def test_finds_the_image(text: str, image: str, args: list[str]) -> None:
    run = only_run(text)
    assert run.image is not None
    assert run.image.text == image
    assert [a.text for a in run.args] == args


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("docker run -v /a:/b --volume=/c:/d img",
                     [("--volume", "/a:/b"), ("--volume", "/c:/d")], id="volume"),
        pytest.param("docker run --net host --net-alias x img",
                     [("--network", "host"), ("--network-alias", "x")], id="aliases"),
        pytest.param("docker run -itd -w /x img",
                     [("--interactive", None), ("--tty", None), ("--detach", None),
                      ("--workdir", "/x")], id="cluster-ending-with-value"),
        pytest.param("docker run --privileged=false img", [("--privileged", "false")],
                     id="boolean-false"),
        pytest.param("docker run --env=\"DOCKER_HOST=tcp://d:2375\" img",
                     [("--env", "DOCKER_HOST=tcp://d:2375")], id="quoted-equals"),
        pytest.param("docker run --use-api-socket img", [("--use-api-socket", None)],
                     id="api-socket"),
    ],
)
def test_reads_flags_in_every_spelling(text: str, expected: list[tuple[str, str | None]]
                                       ) -> None:
    assert flags(only_run(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("docker ps", id="ps"),
        pytest.param("docker build -t x .", id="build"),
        pytest.param("echo docker run x", id="echo"),
        pytest.param("docker exec c ls", id="exec-plain"),
        pytest.param("# docker run x", id="comment"),
        pytest.param("'docker' run x", id="quoted-command-name-is-not-docker"),
        pytest.param("printf '%s' \"docker run --privileged x\"", id="text-in-a-string"),
    ],
)
def test_not_a_run(text: str) -> None:
    assert read_script(text).runs == []


def test_exec_marks_runs_of_the_inner_daemon() -> None:
    reading = read_script("docker exec -i -e A=1 dind docker run -d img\n"
                          "docker exec dind sh -c 'docker run img2'")
    assert [(r.inside, r.image and r.image.text) for r in reading.runs] == [
        ("dind", "img"), ("dind", "img2")]


def test_endpoint_follows_the_script() -> None:
    reading = read_script("docker run a\n"
                          "DOCKER_HOST=tcp://x:2375\n"
                          "docker run b\n"
                          "export DOCKER_HOST\n"
                          "docker run c\n"
                          "DOCKER_HOST=tcp://y:2376 docker run d\n"
                          "unset DOCKER_HOST\n"
                          "docker -H ssh://z run e\n"
                          "docker --context ci run f\n")
    assert [r.endpoint for r in reading.runs] == [
        None, None, "tcp://x:2375", "tcp://y:2376", "ssh://z", "context:ci"]


def test_environment_gives_the_first_endpoint() -> None:
    reading = read_script("docker run a", environ={"DOCKER_HOST": "tcp://docker:2376"})
    assert reading.runs[0].endpoint == "tcp://docker:2376"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        pytest.param('cmd="docker run -d img"\neval "$cmd"', "(eval", id="eval"),
        pytest.param('cmd="docker run -d img"', "kept in the variable cmd", id="variable"),
        pytest.param("docker run --frobnicate img", "unknown option --frobnicate",
                     id="unknown-flag"),
        pytest.param("docker run $EXTRA -d img", "options in $EXTRA", id="hidden-options"),
    ],
)
def test_what_cannot_be_read_is_said(text: str, said: str) -> None:
    reading = read_script(text)
    assert any(said in n.message for n in reading.notes), reading.notes


def test_run_without_image_is_a_problem() -> None:
    reading = read_script("docker run -d --name x")
    assert [p.message for p in reading.problems] == ["docker run without an image"]


def test_locations_point_at_the_words() -> None:
    text = "set -e\n  sudo docker run \\\n    --privileged docker:dind\n"
    run = only_run(text)
    assert run.where(run.docker) == (2, 8)
    assert run.where(run.flags[0].word) == (3, 5)
    assert run.image is not None
    assert run.where(run.image) == (3, 18)


def test_locations_inside_sh_c_point_into_the_string() -> None:
    text = "sh -c \"docker run --privileged img\""
    run = only_run(text)
    assert run.where(run.docker) == (1, 8)
    assert run.where(run.flags[0].word) == (1, 19)


def test_options_string() -> None:
    text = "--privileged -v cache:/var/lib/docker --network-alias d extra"
    run, reading = read_options(text, TextLocator(text, line=9, column=18))
    assert flags(run) == [("--privileged", None), ("--volume", "cache:/var/lib/docker"),
                          ("--network-alias", "d")]
    assert run.where(run.flags[1].word) == (9, 31)
    assert any("'extra' is not an option" in n.message for n in reading.notes)


@pytest.mark.parametrize(("script", "environ", "image", "args"), [
    ("docker run --rm --privileged ${QEMU} --install all",
     {"QEMU": "tonistiigi/binfmt"}, "${QEMU}", ["--install", "all"]),
    ("docker run --rm $OPTS $IMAGE:1 run x", {"OPTS": ""}, "$IMAGE:1", ["run", "x"]),
    ("docker run --rm $OPTS --init alpine", {}, "alpine", []),
])
def test_variables_the_environment_knows(script: str, environ: dict[str, str], image: str,
                                         args: list[str]) -> None:
    """A bare variable the environment gives a value is the image (or, empty, nothing);
    an unknown one before an option may hold options."""
    (run,) = read_script(script, environ=environ).runs
    assert run.image is not None
    assert run.image.text == image
    assert [w.text for w in run.args] == args


@pytest.mark.parametrize(("text", "passes"), [
    pytest.param("docker run -d docker:dind\n", 1, id="no-loop"),
    pytest.param("for n in 1 2 3; do docker run -d docker:dind; done\n", 3, id="for-words"),
    pytest.param("for n in 1 2\ndo\n  docker run -d docker:dind\ndone\n", 2,
                 id="for-multi-line"),
    pytest.param("for n in $NODES; do docker run -d docker:dind; done\n", None,
                 id="for-expansion"),
    pytest.param("for n in {1..4}; do docker run -d docker:dind; done\n", None,
                 id="for-brace-range"),
    pytest.param("while true; do docker run -d docker:dind; done\n", None, id="while"),
    pytest.param("for a in x y; do for b in 1 2 3; do docker run -d docker:dind; done; done\n",
                 6, id="nested"),
    pytest.param("for n in 1 2; do echo $n; done\ndocker run -d docker:dind\n", 1,
                 id="after-the-loop"),
    pytest.param("for n in 1 2; do sh -c 'docker run -d docker:dind'; done\n", 2,
                 id="sh-c-in-a-loop"),
    pytest.param("echo for x in 1 2; docker run -d docker:dind\n", 1, id="for-as-a-word"),
])
def test_runs_know_the_loops_around_them(text: str, passes: int | None) -> None:
    assert only_run(text).passes == passes
