"""extends, !reference, default:, inherit:, hidden and trigger jobs, parallel, variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from dindcheck.sources.gitlab.model import Job, Pipeline
from dindcheck.sources.gitlab.pipeline import jobs_for, load
from tests.sources.gitlab.conftest import Writer


def pipeline(repo: Writer, text: str, **more: str) -> Pipeline:
    root = repo(**{".gitlab-ci.yml": text, **more})
    return jobs_for(load(root / ".gitlab-ci.yml"))


def jobs(p: Pipeline) -> dict[str, Job]:
    return {job.name: job for job in p.jobs}


def env(job: Job) -> dict[str, str]:
    return {v.name: v.value for v in job.variables}


def test_extends_deep_merges_mappings_and_replaces_lists(repo: Writer) -> None:
    p = pipeline(repo, """
        .base:
          image: docker:27
          variables: {A: base, B: base}
          services: [docker:27-dind]
          script: [base]
        .middle:
          extends: .base
          variables: {B: middle}
          services: [{name: docker:28-dind, alias: dind}]
        job:
          extends: .middle
          variables: {C: job}
          script: [job]
    """)
    job = jobs(p)["job"]
    assert env(job) == {"A": "base", "B": "middle", "C": "job"}
    assert [s.name for s in job.services] == ["docker:28-dind"]
    assert [line.text for line in job.script] == ["job"]
    assert job.image is not None
    assert job.image.name == "docker:27"
    assert job.image.location is not None
    assert job.image.location.line == 2
    assert job.variable("B").location.line == 8  # type: ignore[union-attr]
    assert not p.problems


def test_extends_list_later_bases_win_and_null_removes(repo: Writer) -> None:
    p = pipeline(repo, """
        .a: {variables: {X: a, Y: a}, image: alpine}
        .b: {variables: {X: b}}
        job:
          extends: [.a, .b]
          image: null
          script: [x]
    """)
    job = jobs(p)["job"]
    assert env(job) == {"X": "b", "Y": "a"}
    assert job.image is None


def test_hidden_and_trigger_jobs(repo: Writer) -> None:
    p = pipeline(repo, """
        .template: {script: [x], services: [docker:dind]}
        deploy: {trigger: {project: other/project}}
        build: {extends: .template}
    """)
    found = jobs(p)
    assert sorted(found) == ["build", "deploy"]
    assert found["deploy"].trigger
    assert not found["build"].trigger


def test_default_and_old_globals_apply_to_jobs_that_do_not_set_them(repo: Writer) -> None:
    p = pipeline(repo, """
        image: ruby:3
        services: [postgres:16]
        default:
          image: docker:27
          before_script: [docker info]
        variables: {G: global, H: global}
        a: {script: [x]}
        b: {script: [x], image: alpine, services: []}
        c:
          script: [x]
          inherit: {default: [before_script], variables: [H]}
        d:
          script: [x]
          inherit: {default: false, variables: false}
    """)
    found = jobs(p)
    assert found["a"].image.name == "docker:27"  # type: ignore[union-attr]
    assert [s.name for s in found["a"].services] == ["postgres:16"]
    assert [line.text for line in found["a"].script] == ["docker info", "x"]
    assert found["b"].image.name == "alpine"
    assert found["b"].services == ()
    assert found["c"].image is None
    assert env(found["c"]) == {"H": "global"}
    assert [line.text for line in found["c"].script] == ["docker info", "x"]
    assert found["d"].image is None
    assert env(found["d"]) == {}


def test_references_resolve_nested_and_flatten_into_lists(repo: Writer) -> None:
    p = pipeline(repo, """
        .snippets:
          one: [echo one]
          two:
            - !reference [.snippets, one]
            - echo two
        .services:
          services:
            - name: docker:27-dind
              alias: docker
        job:
          services:
            - !reference [.services, services]
            - redis:7
          variables:
            DOCKER_HOST: !reference [.vars, host]
          script:
            - !reference [.snippets, two]
            - echo three
        .vars: {host: "tcp://docker:2376"}
    """)
    job = jobs(p)["job"]
    assert [line.text for line in job.script] == ["echo one", "echo two", "echo three"]
    assert [line.location.line for line in job.script] == [2, 5, 18]  # type: ignore[union-attr]
    assert [s.name for s in job.services] == ["docker:27-dind", "redis:7"]
    assert job.services[0].location.line == 8  # type: ignore[union-attr]
    assert env(job)["DOCKER_HOST"] == "tcp://docker:2376"


@pytest.mark.parametrize(("text", "message"), [
    ("job: {script: [!reference [.missing, script]]}\n", "could not be found"),
    ("job: {script: [!reference [job, script]]}\n", "refers back to itself"),
    ("job: {script: [!reference []]}\n", "non-empty list of names"),
    ("job: {script: [!reference [.x, {a: 1}]]}\n", "non-empty list of names"),
    ("job: {script: [!reference .x]}\n", "must be a list of names"),
    ("job: {extends: .nowhere, script: [x]}\n", "which is not defined"),
    ("job: {extends: [1, 2], script: [x]}\n", "extends must be a job name"),
    (".a: {extends: .b}\n.b: {extends: .a}\njob: {extends: .a, script: [x]}\n", "a cycle"),
    ("job: {extends: job, script: [x]}\n", "a cycle"),
    ("job: [not, a, mapping]\n", "must be a mapping of keywords"),
    ("variables: [A, B]\njob: {script: [x]}\n", "variables must be a mapping"),
    ("job: {script: [x], variables: {A: [1]}}\n", "must be a string or a number"),
    ("job: {script: 42}\n", "script must be a string or a list"),
    ("job: {script: [{a: 1}]}\n", "script items must be strings"),
    ("job: {script: [x], services: docker:dind}\n", "services must be a list"),
    ("job: {script: [x], services: [[[[[[[[[[[[docker:dind]]]]]]]]]]]]}\n", "nested more than"),
    ("job: {script: [x], services: [{alias: x}]}\n", "needs an image name"),
    ("job: {script: [x], services: [42]}\n", "must be an image name or a mapping"),
    ("job: {script: [x], image: {entrypoint: [sh]}}\n", ""),
    ("job: {script: [x], parallel: 0}\n", "parallel must be between"),
    ("default: [x]\njob: {script: [x]}\n", "default must be a mapping"),
])
def test_bad_shapes_are_located_problems(repo: Writer, text: str, message: str) -> None:
    p = pipeline(repo, text)
    if message:
        assert any(message in problem.message for problem in p.problems), p.problems
        assert all(problem.line is not None for problem in p.problems)
    else:
        assert not p.problems


def test_a_1000_level_extends_chain_is_one_problem(repo: Writer) -> None:
    lines = [".t0: {variables: {DEPTH: '0'}}"]
    lines += [f".t{i}: {{extends: .t{i - 1}}}" for i in range(1, 1000)]
    lines.append("job: {extends: .t999, script: [x]}")
    p = pipeline(repo, "\n".join(lines) + "\n")
    assert [problem.message for problem in p.problems] == [
        "job: extends nests 1000 levels deep; GitLab allows 10"]
    assert env(jobs(p)["job"]) == {"DEPTH": "0"}


def test_missing_things_are_notes_when_includes_were_not_followed(repo: Writer) -> None:
    p = pipeline(repo, """
        include: {project: org/templates, file: /ci.yml}
        job:
          extends: .from-elsewhere
          script: [!reference [.elsewhere, script]]
    """)
    assert not p.problems
    assert any("may come from an include that was not followed" in n for n in p.notes)


def test_parallel_and_matrix(repo: Writer) -> None:
    p = pipeline(repo, """
        variables: {DOCKER_VERSION: "26"}
        copies: {script: [x], parallel: 3}
        matrix:
          image: docker:${DOCKER_VERSION}
          services: ["docker:${DOCKER_VERSION}-dind"]
          script: [x]
          parallel:
            matrix:
              - DOCKER_VERSION: ["27", "28"]
                ARCH: amd64
    """)
    found = jobs(p)
    assert found["copies"].instances == 3
    assert sorted(found) == ["copies", "matrix: [27, amd64]", "matrix: [28, amd64]"]
    row = found["matrix: [28, amd64]"]
    assert row.image.name == "docker:28"  # type: ignore[union-attr]
    assert row.services[0].name == "docker:28-dind"
    assert row.variable("DOCKER_VERSION").scope == "matrix"  # type: ignore[union-attr]


def test_rules_are_noted_once_per_file_not_evaluated(repo: Writer) -> None:
    p = pipeline(repo, """
        workflow: {rules: [{if: $CI_COMMIT_TAG}]}
        a: {script: [x], rules: [{when: never}]}
        b: {script: [x], only: [main]}
    """)
    assert sorted(jobs(p)) == ["a", "b"]
    assert sum("not evaluated" in note for note in p.notes) == 1


def test_script_facts(repo: Writer) -> None:
    p = pipeline(repo, """
        job:
          before_script:
            - unset DOCKER_HOST
            - |
              for i in $(seq 1 30); do
                docker info && break
                sleep 1
              done
          script:
            - export DOCKER_TLS_CERTDIR="/certs"
            - docker build .
          after_script: [export DOCKER_HOST=ignored]
        plain: {script: [make]}
    """)
    job = jobs(p)["job"]
    assert job.facts.uses_docker
    assert job.facts.waits_for_daemon
    assert job.facts.wait_location.line == 6  # type: ignore[union-attr]
    assert [(n, v, loc.line) for n, v, loc in job.facts.exports] == [  # type: ignore[union-attr]
        ("DOCKER_HOST", None, 3), ("DOCKER_TLS_CERTDIR", "/certs", 10)]
    assert not jobs(p)["plain"].facts.uses_docker


@pytest.mark.parametrize(("script", "waits"), [
    ("until docker info; do sleep 1; done", True),
    ("while ! docker version >/dev/null 2>&1; do sleep 1; done", True),
    ("docker info", False),
    ("for f in *; do echo $f; done\ndocker info", False),
    ("wait-for-it docker:2375 -t 60", True),
])
def test_waiting_for_the_daemon(repo: Writer, script: str, waits: bool) -> None:
    p = pipeline(repo, "job:\n  script:\n    - |\n"
                 + "".join(f"      {line}\n" for line in script.splitlines()))
    assert jobs(p)["job"].facts.waits_for_daemon is waits


def test_variables_forms(repo: Writer) -> None:
    p = pipeline(repo, """
        variables:
          DESCRIBED: {value: "v", description: "shown in the UI"}
          ONLY_DESCRIPTION: {description: "no value"}
          NUMBER: 2376
          RAW: {value: "$NUMBER", expand: false}
          HOST: tcp://docker:$NUMBER
        job: {script: [x]}
    """)
    assert env(jobs(p)["job"]) == {"DESCRIBED": "v", "ONLY_DESCRIPTION": "", "NUMBER": "2376",
                                   "RAW": "$NUMBER", "HOST": "tcp://docker:2376"}


def test_suppressions_come_from_a_job_variable(repo: Writer) -> None:
    p = pipeline(repo, "job: {script: [x], variables: {DINDCHECK_IGNORE: 'DIND010, DIND012'}}\n")
    assert jobs(p)["job"].suppress == ("DIND010", "DIND012")


def test_empty_and_odd_files(repo: Writer, tmp_path: Path) -> None:
    assert pipeline(repo, "").jobs == ()
    assert "must be a mapping" in pipeline(repo, "- a\n- b\n").problems[0].message


def test_jobs_keep_the_document_order(repo: Writer) -> None:
    p = pipeline(repo, "b: {extends: a, script: [x]}\n.c: {script: [z]}\na: {script: [y]}\n")
    assert [job.name for job in p.jobs] == ["b", "a"]
    assert [line.text for line in jobs(p)["b"].script] == ["x"]
