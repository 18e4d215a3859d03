"""The fuzz harness (bench/fuzz.py): its judge, and a short run of the real thing."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from dindcheck.sources import FILE_SOURCES
from dindcheck.sources.walk import walk
from tests.repo import CORPUS, REPO, require


@pytest.fixture(scope="module")
def fuzz() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dindcheck_fuzz", REPO / "bench" / "fuzz.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _case(fuzz: ModuleType, tmp_path: Path, **fields: object) -> object:
    case = fuzz.Case(1, tmp_path, ["dindcheck", "lint", "."], {})
    for name, value in fields.items():
        setattr(case, name, value)
    return case


@pytest.mark.parametrize(("fields", "code", "out", "err", "kinds"), [
    pytest.param({}, 1, b"ok\n", b"dindcheck: findings\n", [], id="clean"),
    pytest.param({}, 2, b"", b"dindcheck: internal error: KeyError: 'x' at "
                 b"dindcheck/lint.py:12 (please report it)\n", ["traceback"], id="internal"),
    pytest.param({}, 1, b"", b'Traceback (most recent call last):\n  File "/x/dindcheck/'
                 b'cli.py", line 3, in main\nValueError: no\n', ["traceback"], id="traceback"),
    pytest.param({}, None, b"", b"", ["hang"], id="hang"),
    pytest.param({"must_fail": "a FIFO"}, 0, b"", b"", ["fail-open"], id="fail-open"),
    pytest.param({"must_fail": "a FIFO"}, 2, b"", b"", [], id="failed-as-it-must"),
    pytest.param({"secrets": {"s3cret"}}, 1, b"--password s3cret", b"", ["secret"],
                 id="secret"),
    pytest.param({}, 0, b"root:x:0:0:root", b"", ["secret"], id="out-of-tree"),
    pytest.param({"fmt": "text"}, 0, b"name \x1b[2J", b"", ["control"], id="escape"),
    pytest.param({"fmt": "json"}, 0, b'"name \\u001b"', b"", [], id="json-escape-is-text"),
])
def test_judge(fuzz: ModuleType, tmp_path: Path, fields: dict[str, object], code: int | None,
               out: bytes, err: bytes, kinds: list[str]) -> None:
    outcome = fuzz.judge(_case(fuzz, tmp_path, **fields), code, 0.1, out, err, 10.0)
    assert [kind for kind, _ in outcome.problems] == kinds


def test_internal_error_is_placed_in_the_code(fuzz: ModuleType, tmp_path: Path) -> None:
    outcome = fuzz.judge(_case(fuzz, tmp_path), 2, 0.1, b"",
                         b"dindcheck: internal error: TypeError: x at "
                         b"dindcheck/sources/compose/services.py:312 (please)\n", 10.0)
    assert outcome.problems == [("traceback",
                                 "TypeError at dindcheck/sources/compose/services.py:312")]


# Kubernetes corpus files that are no manifest: a Helm chart's helper templates, the values
# of a chart the Kubernetes source does not know. They stay seeds (mutations may hit them).
NOT_READ = {"arc-gha-runner-scale-set-helpers.tpl", "drone-runner-docker-values.yaml"}


@pytest.mark.parametrize("kind", ["compose", "gitlab-ci", "github-actions", "kubernetes",
                                  "shell"])
def test_every_seed_is_placed_where_its_source_reads_it(fuzz: ModuleType, tmp_path: Path,
                                                        kind: str) -> None:
    require(CORPUS.is_dir(), "the shared corpus is not there")
    seeds = fuzz._seeds((kind,))[kind]
    assert seeds
    for number, seed in enumerate(seeds):
        folder = tmp_path / str(number)
        (folder / seed.name).parent.mkdir(parents=True)
        shutil.copy(seed.path, folder / seed.name)
        groups = walk([folder], FILE_SOURCES).groups
        read = [files for source, files in groups if source == kind]
        assert read == ([] if seed.path.name in NOT_READ else [[folder / seed.name]]), \
            seed.path.name


@pytest.mark.slow
def test_a_short_fuzz_run(fuzz: ModuleType, tmp_path: Path) -> None:
    """Two dozen real cases through the installed command: every case ends, is judged,
    and every distinct problem is saved with a way to reproduce it."""
    summary = fuzz.fuzz(24, seed=5, timeout=20.0, jobs=2, out_dir=tmp_path)
    assert summary.cases == 24
    assert sum(summary.codes.values()) == 24
    for key, repro in summary.saved.items():
        assert (Path(repro) / "REPRO.txt").is_file(), key
    kinds = set(summary.kinds)
    assert kinds <= {"traceback", "hang", "fail-open", "secret", "control"}
    # Problems in the report's own pipeline (sanitising, reporters) never show up.
    assert not {kind for kind, place in summary.places if kind in ("secret", "control")}
