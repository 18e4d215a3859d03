"""Hostile pipelines and runner configs: every bad shape is a located problem or a note,
never a traceback, in bounded time."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

from dindcheck.sources.gitlab.workloads import load_setups
from dindcheck.workload import Setup
from tests.repo import corpus_files

GITLAB = corpus_files("gitlab-ci")


def lint(root: Path, text: str | bytes, runner: str | None = None) -> Setup:
    main = root / ".gitlab-ci.yml"
    if isinstance(text, bytes):
        main.write_bytes(text)
    else:
        main.write_text(text, encoding="utf-8")
    config = None
    if runner is not None:
        config = root / "config.toml"
        config.write_text(runner)
    (setup,) = load_setups(main, runner_config=config)
    return setup


def reference_bomb(levels: int) -> str:
    lines = [".l0: {s: [x, x]}"]
    lines += [f".l{i}: {{s: [!reference [.l{i - 1}, s], !reference [.l{i - 1}, s]]}}"
              for i in range(1, levels)]
    lines.append(f"job: {{script: [!reference [.l{levels - 1}, s]]}}")
    return "\n".join(lines) + "\n"


def extends_bomb(width: int) -> str:
    lines = [".t0: {variables: {A: a}}"]
    lines += [f".t{i}: {{extends: [.t{i - 1}, .t{i - 1}, .t{i - 1}]}}" for i in range(1, width)]
    lines.append(f"job: {{extends: .t{width - 1}, script: [x]}}")
    return "\n".join(lines) + "\n"


def extends_fan_out(keys: int, jobs: int) -> str:
    template = ".big: {" + ", ".join(f"k{i}: {i}" for i in range(keys)) + "}"
    return template + "\n" + "".join(f"j{i}: {{extends: .big, script: [x]}}\n"
                                      for i in range(jobs))


HOSTILE: list[tuple[str, str | bytes, str]] = [
    ("a list", "- a\n- b\n", "must be a mapping"),
    ("a scalar", "just text\n", "must be a mapping"),
    ("binary", b"job:\x00\n", "binary file"),
    ("latin-1", "job: {script: [caf\xe9]}\n".encode("latin-1"), "not UTF-8"),
    ("bad yaml", "job: {script: [x]\n", ""),
    ("duplicate job", "job: {script: [x]}\njob: {script: [y]}\n", "duplicate key"),
    ("alias bomb", "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
     + "".join(f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n"
               for p, c in zip("abcdefg", "bcdefgh", strict=True))
     + "job: {script: *h}\n", "alias bomb"),
    ("deep nesting", "job: " + "[" * 300 + "]" * 300 + "\n", "nesting deeper"),
    ("reference bomb", reference_bomb(40), "nested more than 10 levels"),
    ("extends bomb", extends_bomb(30), ""),
    ("extends fan-out", extends_fan_out(3000, 1000), "expands to more than"),
    ("services fan-out", "variables: {" + ", ".join(f"V{i}: x" for i in range(5_000))
     + "}\njob: {script: [x], services: [" + ", ".join(["redis"] * 5_000) + "]}\n",
     "expands to more than"),
    ("variables fan-out", "variables: {" + ", ".join(f"V{i}: x" for i in range(50_000))
     + "}\n" + "".join(f"j{i}: {{script: [x]}}\n" for i in range(500)), "expands to more than"),
    ("integer job names", "1: {script: [x]}\n2: [x]\n", "must be a mapping of keywords"),
    ("null everything", "job:\nvariables:\nimage:\nservices:\ndefault:\n", ""),
    ("lists everywhere", "job: {script: [x], image: [a], services: [[a, [b]]], "
     "variables: [], extends: [], inherit: [x], parallel: {matrix: {a: 1}}}\n", ""),
    ("matrix explosion", "job:\n  script: [x]\n  parallel:\n    matrix:\n"
     "      - V: [" + ", ".join(str(n) for n in range(30)) + "]\n"
     "        W: [a, b, c, d, e, f, g]\n", "more than 200 jobs"),
    ("control characters", "\"job\\e\": {script: [\"\\e[31mred\"], image: \"a\\u0007\"}\n", ""),
    ("reference to a scalar path", "x: 1\njob: {script: [!reference [x, y]]}\n",
     "could not be found"),
    ("variable names with odd text", "variables: {'': a, 'A B': b, '$': c}\n"
     "job: {script: [x], image: '${A B}$'}\n", ""),
]


@pytest.mark.parametrize(("title", "text", "message"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_pipelines(tmp_path: Path, title: str, text: str | bytes, message: str) -> None:
    start = time.perf_counter()
    setup = lint(tmp_path, text)
    assert time.perf_counter() - start < 10
    if message:
        assert any(message in p.message for p in setup.problems), setup.problems
    for problem in setup.problems:
        assert problem.path
        assert problem.line is not None or "cannot" in problem.message, problem


def test_a_huge_variable_is_read_and_kept(tmp_path: Path) -> None:
    value = "x" * 2_000_000
    setup = lint(tmp_path, f"variables: {{BIG: {value}, TWICE: $BIG$BIG}}\n"
                           "job: {script: [x], image: docker:27}\n")
    job = setup.workloads[0]
    assert job.env("BIG") == value
    assert job.env("TWICE") == "$BIG$BIG"
    assert any("TWICE expands to more than" in p.message for p in setup.problems)


def test_a_file_over_the_size_cap(tmp_path: Path) -> None:
    main = tmp_path / ".gitlab-ci.yml"
    main.write_text("job: {script: [x]}\n" + "#" * 100)
    (setup,) = load_setups(main, max_file_size=50)
    assert "over the 50-byte cap" in setup.problems[0].message


@pytest.mark.parametrize("kind", ["directory", "fifo", "missing", "devnull"])
def test_special_files(tmp_path: Path, kind: str) -> None:
    main = tmp_path / ".gitlab-ci.yml"
    if kind == "directory":
        main.mkdir()
    elif kind == "fifo":
        os.mkfifo(main)
    elif kind == "devnull":
        main = Path(os.devnull)
    (setup,) = load_setups(main)
    assert setup.problems
    assert setup.workloads == ()


@pytest.mark.parametrize(("runner", "message"), [
    ("[[runners]]\nexecutor = \"docker\"\n[runners.docker]\nvolumes = [1, 2]\n",
     "must be a list of strings"),
    ("[[runners]]\nexecutor = \"docker\"\n[runners.docker]\nallowed_privileged_images = "
     "[\"[\", \"{a,\", \"**\"]\nprivileged = true\n", ""),
    ("[[runners]]\nexecutor = 7\n", ""),
    ("[runners]\nx = 1\n", "runners must be an array"),
    ("a = \"\"\"\nnever closed\n", "not a valid TOML file"),
    ("a = " + "[" * 100_000 + "]" * 100_000 + "\n", "values nest too deep"),
    ("[[runners]]\n" + "x = 1\n" * 50_000 + "executor = \"docker\"\n", ""),
])
def test_hostile_runner_configs(tmp_path: Path, runner: str, message: str) -> None:
    setup = lint(tmp_path, "job: {image: 'docker:27', services: [docker:27-dind], "
                           "script: [x]}\n", runner)
    if message:
        assert any(message in p.message for p in setup.problems), setup.problems


@pytest.mark.parametrize("path", GITLAB, ids=[p.name for p in GITLAB])
def test_mangled_corpus_files_never_crash(tmp_path: Path, path: Path) -> None:
    """Lines dropped, repeated, swapped and cut: whatever comes out, no traceback."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    rng = random.Random(path.name)
    for round_ in range(40):
        mangled = list(lines)
        for _ in range(rng.randint(1, 6)):
            i = rng.randrange(len(mangled))
            action = rng.choice(("drop", "dup", "swap", "cut", "indent"))
            if action == "drop":
                del mangled[i]
            elif action == "dup":
                mangled.insert(i, mangled[i])
            elif action == "swap":
                j = rng.randrange(len(mangled))
                mangled[i], mangled[j] = mangled[j], mangled[i]
            elif action == "cut":
                mangled[i] = mangled[i][: rng.randrange(len(mangled[i]) + 1)] + "\n"
            else:
                mangled[i] = "  " + mangled[i]
            if not mangled:
                mangled = ["\n"]
        folder = tmp_path / str(round_)
        folder.mkdir()
        lint(folder, "".join(mangled))


def deep_references(levels: int, depth: int) -> str:
    """Templates nested ``depth`` deep, each innermost value a reference to the whole next
    one: resolving the first walks them all, one inside the other."""
    lines = []
    for t in range(levels):
        opening = "{a: " * depth
        inner = f"!reference [.t{t + 1}]" if t + 1 < levels else "end"
        lines.append(f".t{t}: " + opening + inner + "}" * depth)
    lines.append("job: {script: [x], variables: !reference [.t0]}")
    return "\n".join(lines) + "\n"


def test_references_through_deep_structures(tmp_path: Path) -> None:
    setup = lint(tmp_path, deep_references(10, 150))
    assert setup.problems
    assert all(p.line is not None for p in setup.problems)


def test_cached_deep_references_stacked_on_each_other(tmp_path: Path) -> None:
    """Resolved bottom-up, each template embeds the previous one whole: no walk fails."""
    depth, levels = 150, 12
    lines = [f".t{t}: " + "{a: " * depth + (f"!reference [.t{t - 1}]" if t else "end")
             + "}" * depth for t in range(levels)]
    lines.append(f"job: {{script: [x], extends: .t{levels - 1}, a: !reference [.t{levels - 1}]}}")
    setup = lint(tmp_path, "\n".join(lines) + "\n")
    assert all(p.line is not None for p in setup.problems)
