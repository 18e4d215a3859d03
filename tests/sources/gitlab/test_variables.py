from __future__ import annotations

import pytest

from dindcheck.sources.gitlab.model import Variable
from dindcheck.sources.gitlab.problems import Collector
from dindcheck.sources.gitlab.variables import MAX_VALUE, Expander, expand_all

KNOWN = {"A": "alpha", "B": "$A", "EMPTY": ""}


@pytest.mark.parametrize(("text", "expected", "unresolved"), [
    ("plain", "plain", set()),
    ("$A", "alpha", set()),
    ("${A}-x", "alpha-x", set()),
    ("$A$A", "alphaalpha", set()),
    ("$B", "$A", set()),                         # one pass, as GitLab Runner does
    ("x$EMPTY", "x", set()),
    ("$$A", "$A", set()),                        # $$ is a literal dollar
    ("$CI_COMMIT_SHA", "$CI_COMMIT_SHA", {"CI_COMMIT_SHA"}),
    ("${CI_REGISTRY}/img", "${CI_REGISTRY}/img", {"CI_REGISTRY"}),
    ("tcp://docker:2375/", "tcp://docker:2375/", set()),
    ("cost $", "cost $", set()),
    ("a $ b", "a $ b", set()),
    ("${}", "", set()),                          # bad syntax is dropped (Go's os.Expand)
    ("${A", "A", set()),
    ("$1 and $?", " and ", set()),
])
def test_expansion(text: str, expected: str, unresolved: set[str]) -> None:
    seen: set[str] = set()
    assert Expander(KNOWN, seen).expand(text) == expected
    assert seen == unresolved


def test_expand_false_keeps_the_value_verbatim() -> None:
    variables = [Variable(name="A", raw="x", value="x"),
                 Variable(name="B", raw="$A", value="$A", expand=False),
                 Variable(name="C", raw="$A", value="$A")]
    out = expand_all(variables, set(), Collector("f"))
    assert [v.value for v in out] == ["x", "$A", "x"]


def test_an_expansion_bomb_is_refused_and_kept_as_written() -> None:
    big = "x" * (MAX_VALUE // 4)
    variables = [Variable(name="BIG", raw=big, value=big),
                 Variable(name="BOMB", raw="$BIG" * 8, value="$BIG" * 8)]
    sink = Collector("f")
    out = expand_all(variables, set(), sink)
    assert out[1].value == "$BIG" * 8
    assert any("BOMB" in p.message for p in sink.problems)
