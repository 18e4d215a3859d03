"""Redaction: what it hides, what it keeps, and that it stays linear on hostile input."""

from __future__ import annotations

import importlib
import re
import time
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dindcheck import redact
from dindcheck.redact import REDACTED, redact_argv, redact_text
from dindcheck.regexsafety import check_pattern


@pytest.mark.parametrize(("text", "expected"), [
    ('sh -c "CI_JOB_TOKEN=abc docker login"', 'sh -c "CI_JOB_TOKEN=<redacted> docker login"'),
    ("--label=ci.token=x", "--label=ci.token=<redacted>"),
    ("DOCKER_OPTS=--registry-mirror https://u:p@m.example --password SECRET --tls",
     "DOCKER_OPTS=--registry-mirror https://<redacted>@m.example --password <redacted> --tls"),
    ("tcp://user:pw@h:2376/x", "tcp://<redacted>@h:2376/x"),
    ("https://a@b@host/x", "https://<redacted>@host/x"),
    ("x --token 'a b' y", "x --token <redacted> y"),
    ('A_KEY="q w" B=1', "A_KEY=<redacted> B=1"),
    ("curl --password=hunter22 localhost", "curl --password=<redacted> localhost"),
    ("docker login -u ci -p hunter2 reg && docker run -p 80:80 x",
     "docker login -u ci -p <redacted> reg && docker run -p 80:80 x"),
    ("podman login -phunter2 r", "podman login -p<redacted> r"),
    ("helm registry login r -p='a b'; -p 1", "helm registry login r -p=<redacted>; -p 1"),
    ("docker run -p 8080:80 login", "docker run -p 8080:80 login"),
    # Flags that take no value, paths to secret material, words that only contain '-'.
    ("--password-stdin < f", "--password-stdin < f"),
    ("--tlskey /certs/key.pem", "--tlskey /certs/key.pem"),
    ("DOCKER_CERT_PATH=/certs", "DOCKER_CERT_PATH=/certs"),
    ("--password   ", "--password   "),
    ("tcp://docker:2376", "tcp://docker:2376"),
])
def test_redact_text(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_redact_argv() -> None:
    assert redact_argv(["dockerd", "--registry-password", "pw", "--tlskey", "/k.pem",
                        "--token=t", "--password-stdin"]) == [
        "dockerd", "--registry-password", REDACTED, "--tlskey", "/k.pem",
        f"--token={REDACTED}", "--password-stdin"]
    assert redact_argv(["docker", "run", "-p", "80:80", "login", "-p", "pw", "-pq"]) == [
        "docker", "run", "-p", "80:80", "login", "-p", REDACTED, f"-p{REDACTED}"]


# Each shape made the old patterns backtrack: a long run of name characters with a
# secret word at every position, schemes without ``://``, flags without values.
HOSTILE = {
    "secret-words": "PASS" * 25_000,
    "secret-words-then-equals": "PASS" * 25_000 + "=",
    "name-chars": "a" * 100_000,
    "flags": "-a " * 33_000,
    "schemes": "x://" * 25_000,
    "unclosed-quotes": 'T="' * 33_000,
    "secret-flags": "--token " * 12_000,
    "assignments": "a=" * 50_000,
    "userinfo": "a:" * 50_000 + "@",
    "scheme-chars": "a+" * 50_000 + "://",
    "logins": "login -p " * 12_000,
    "login-then-flags": "login " + "-p" * 50_000,
}


@pytest.mark.parametrize("name", HOSTILE)
def test_redaction_is_linear_on_hostile_input(name: str) -> None:
    """100 KB in well under a second (the backtracking patterns took 9 s on 2 KB); the
    bound is 20x what a slow machine needs."""
    text = HOSTILE[name]
    start = time.perf_counter()
    redact_text(text)
    redact_argv(text.split()[:1000])
    assert time.perf_counter() - start < 2.0


def test_redaction_patterns_cannot_backtrack() -> None:
    """Every pattern passes the same structural check as a user rule's pattern, and every
    one that starts with a repeat can only start where a word starts (a lookbehind), so a
    failed attempt is not retried from each position inside the word."""
    parser = importlib.import_module("re._parser")
    patterns = [value for value in vars(redact).values() if isinstance(value, re.Pattern)]
    assert len(patterns) >= 6
    for pattern in patterns:
        check_pattern(pattern.pattern)
        if pattern is redact._VALUE_AT:  # only ever matched at one position, not searched
            continue
        for alternative in _alternatives(list(parser.parse(pattern.pattern))):
            first = _first_item(alternative)
            assert first is None or str(first[0]) != "MAX_REPEAT" or first[1][0] == 0, \
                f"{pattern.pattern!r} starts with a repeat but no lookbehind"


def _alternatives(items: list[Any]) -> list[list[Any]]:
    if len(items) == 1 and str(items[0][0]) == "BRANCH":
        return [list(a) for a in items[0][1][1]]
    return [items]


def _first_item(items: list[Any]) -> Any:
    """The first item, looking into groups; None when a lookbehind comes first."""
    for op, arg in items:
        if str(op) == "ASSERT_NOT" and arg[0] == -1:
            return None
        if str(op) == "SUBPATTERN":
            return _first_item(list(arg[-1]))
        return (op, arg)
    return None


SECRET = st.text(alphabet=st.characters(codec="ascii", categories=["L", "N"]),
                 min_size=6, max_size=20)
NAME = st.sampled_from(["CI_JOB_TOKEN", "REGISTRY_PASSWORD", "AWS_SECRET_ACCESS_KEY",
                        "db.password", "GITHUB_TOKEN"])
NOISE = st.text(alphabet=" -=:/@\"'abcXYZ_.\t", max_size=30)


@settings(max_examples=300, deadline=None)
@given(prefix=NOISE, name=NAME, secret=SECRET, suffix=NOISE,
       form=st.sampled_from(["{n}={s}", "--{n} {s}", "--{n}={s}", "{n}=\"{s}\"",
                             "https://user:{s}@host/", "docker login -u x -p {s}",
                             "podman login -p{s}"]))
def test_a_planted_secret_never_survives(prefix: str, name: str, secret: str, suffix: str,
                                         form: str) -> None:
    assume(secret not in prefix + suffix)  # noise that spells the secret is not the secret
    text = f"{prefix} {form.format(n=name, s=secret)} {suffix}"
    redacted = redact_text(text)
    assert secret not in redacted.replace(REDACTED, "")
    assert redact_text(redacted) == redacted  # idempotent
