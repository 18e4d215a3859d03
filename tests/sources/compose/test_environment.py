"""A service's final environment: env_file under environment, listed variables filled in."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dindcheck.sources.compose.files import load_project
from dindcheck.sources.compose.interpolate import Interpolated


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def _write(name: str, text: str) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def test_env_file_values_are_under_environment_and_point_at_their_lines() -> None:
    _write("dind.env", """
        # TLS off
        DOCKER_TLS_CERTDIR=
        DOCKER_HOST=tcp://dind:2375
        FROM_SHELL=${SHELL_VALUE}
    """)
    _write("more.env", "DOCKER_HOST=tcp://dind:2376\n")
    path = _write("compose.yml", """
        services:
          dind:
            image: docker:dind
            env_file: [dind.env, more.env]
            environment:
              DOCKER_TLS_CERTDIR: /certs
    """)
    project = load_project([path], environ={"SHELL_VALUE": "shell"})
    assert project.problems == ()
    env = project.services["dind"]["environment"]
    assert env == {"DOCKER_TLS_CERTDIR": "/certs", "DOCKER_HOST": "tcp://dind:2376",
                   "FROM_SHELL": "shell"}
    marks = {k: (m.path, m.line) for k, m in env.key_marks.items()}
    assert marks == {"DOCKER_TLS_CERTDIR": ("compose.yml", 6),
                     "DOCKER_HOST": ("more.env", 1), "FROM_SHELL": ("dind.env", 4)}


def test_listed_variables_take_the_shell_or_dotenv_value() -> None:
    _write(".env", "FROM_DOTENV=dotenv\nTOKEN=from-dotenv\n")
    _write("vars.env", "UNSET_HERE=from-file\n")
    path = _write("compose.yml", """
        services:
          s:
            image: x
            env_file: vars.env
            environment:
              - TOKEN
              - FROM_DOTENV
              - UNSET_HERE
              - NOWHERE
    """)
    project = load_project([path], environ={"TOKEN": "from-shell"})
    env = project.services["s"]["environment"]
    # A variable listed without a value and found nowhere is unset, even over env_file.
    assert env == {"TOKEN": "from-shell", "FROM_DOTENV": "dotenv", "UNSET_HERE": None,
                   "NOWHERE": None}
    assert isinstance(env["TOKEN"], Interpolated)
    assert env["TOKEN"].written == "${TOKEN}"


def test_an_env_file_needs_to_exist_unless_it_is_optional() -> None:
    path = _write("compose.yml", """
        services:
          s:
            image: x
            env_file:
              - path: optional.env
                required: false
              - missing.env
    """)
    project = load_project([path], environ={})
    assert [(p.path, p.line, p.message) for p in project.problems] == [
        ("compose.yml", 7, "env file missing.env not found")]


def test_a_bad_env_file_is_located_in_it_without_its_values() -> None:
    _write("bad.env", "A=1\nPASSWORD='hunter2\n")
    path = _write("compose.yml", "services:\n  s:\n    image: x\n    env_file: bad.env\n")
    project = load_project([path], environ={})
    assert [(p.path, p.line) for p in project.problems] == [("bad.env", 2)]
    assert "hunter2" not in repr(project.problems)


def test_values_keep_their_written_form_through_lists_and_merges() -> None:
    _write("inc/compose.yml", "services:\n  i:\n    image: x\n    environment: [TOKEN]\n")
    _write("inc/.env", "TOKEN=included-secret\n")
    path = _write("compose.yml", """
        include: [inc/compose.yml]
        services:
          s:
            image: x
            environment:
              - PASSWORD=${PASSWORD}
              - HOST=${HOST:-dind}
    """)
    override = _write("override.yml", "services:\n  s:\n    environment:\n      - HOST\n")
    project = load_project([path, override], environ={"PASSWORD": "s3cret", "HOST": "h"})
    s_env, i_env = (project.services[n]["environment"] for n in ("s", "i"))
    assert s_env == {"PASSWORD": "s3cret", "HOST": "h"}
    assert (s_env["PASSWORD"].written, s_env["HOST"].written) == ("${PASSWORD}", "${HOST}")
    assert i_env == {"TOKEN": "included-secret"}
    assert i_env["TOKEN"].written == "${TOKEN}"
