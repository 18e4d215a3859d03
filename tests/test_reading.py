from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from dindcheck.catalogue import load_rule
from dindcheck.config import load_config
from dindcheck.errors import RuleError
from dindcheck.lint import lint
from dindcheck.model import Report
from dindcheck.reading import (
    ReadError,
    decode_text,
    is_outside,
    is_regular,
    read_bytes,
    read_head,
    read_text,
)
from tests.lintcase import RULES, write_tree


def test_a_regular_file_is_read_and_its_bom_dropped(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"\xef\xbb\xbfA=1\n")
    assert read_text(path, 100) == "A=1\n"
    assert read_bytes(path, 7) == b"\xef\xbb\xbfA=1\n"


def _fifo_behind_a_link(path: Path) -> None:
    os.mkfifo(path.with_name("target"))
    path.symlink_to(path.with_name("target"))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(os.mkfifo, "a FIFO, not a regular file", id="fifo"),
        pytest.param(_fifo_behind_a_link, "a FIFO, not a regular file", id="symlink-to-fifo"),
        pytest.param(lambda p: os.symlink("/dev/zero", p), "a device, not a regular file",
                     id="symlink-to-dev-zero"),
        pytest.param(os.mkdir, "a directory, not a regular file", id="directory"),
        pytest.param(lambda p: None, "cannot read: No such file or directory", id="missing"),
        pytest.param(lambda p: os.symlink(p, p), "cannot read: Too many levels of symbolic links",
                     id="symlink-loop"),
    ],
)
def test_anything_but_a_regular_file_is_refused_at_once(tmp_path: Path, make: object,
                                                         message: str) -> None:
    path = tmp_path / "f"
    make(path)  # type: ignore[operator]
    start = time.monotonic()
    with pytest.raises(ReadError) as caught:
        read_text(path, 1000)
    assert time.monotonic() - start < 1
    assert message in caught.value.message
    assert caught.value.path == str(path)
    assert read_head(path, 100) is None
    assert not is_regular(path)


def test_a_device_is_refused_without_reading_it() -> None:
    with pytest.raises(ReadError, match="a device, not a regular file"):
        read_bytes("/dev/zero", 10)


@pytest.mark.parametrize(("cap_flag", "hint"), [
    pytest.param("--max-file-size", "(raise it with --max-file-size)", id="flag"),
    pytest.param(None, "cap; not read", id="no-flag"),
])
def test_an_oversized_file_says_its_size_the_cap_and_how_to_raise_it(
        tmp_path: Path, cap_flag: str | None, hint: str) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 101)
    with pytest.raises(ReadError) as caught:
        read_bytes(path, 100, cap_flag=cap_flag)
    assert "file is 101 bytes, over the 100-byte cap" in caught.value.message
    assert hint in caught.value.message
    assert read_bytes(path, 101) == b"x" * 101


def test_the_cap_applies_while_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that grows after ``fstat`` (here: an fstat that says 10 bytes) is still read
    no further than the cap."""
    path = tmp_path / "f"
    path.write_bytes(b"x" * 1000)
    real_fstat = os.fstat

    def stale_fstat(fd: int) -> os.stat_result:
        result = real_fstat(fd)
        return os.stat_result((result.st_mode, *result[1:6], 10, *result[7:]))

    monkeypatch.setattr(os, "fstat", stale_fstat)
    with pytest.raises(ReadError, match="over the 100-byte cap"):
        read_bytes(path, 100)


@pytest.mark.parametrize(
    ("data", "message", "where"),
    [
        pytest.param(b"A=1\nB=\x00\n", "binary file", (2, 3), id="nul"),
        pytest.param(b"A=1\n\xffB\n", "not UTF-8 text (byte 0xff)", (2, 1), id="bad-utf8"),
        pytest.param(b"ok\nok\n  \xe2\x82\n", "not UTF-8 text (byte 0xe2)", (3, 3),
                     id="truncated-sequence"),
        pytest.param("a: 1\n".encode("utf-16"), "UTF-16", (1, 1), id="utf-16"),
    ],
)
def test_binary_and_bad_text_are_located(tmp_path: Path, data: bytes, message: str,
                                         where: tuple[int, int]) -> None:
    path = tmp_path / "f"
    path.write_bytes(data)
    with pytest.raises(ReadError) as caught:
        read_text(path, 100)
    assert message in caught.value.message
    assert (caught.value.line, caught.value.column) == where
    problem = caught.value.problem()
    assert problem.where == f"{path}:{where[0]}:{where[1]}"


def test_decoding_drops_only_a_leading_bom() -> None:
    assert decode_text(b"\xef\xbb\xbfa\xef\xbb\xbf", "x") == "a\ufeff"


def test_a_name_with_a_nul_is_an_error_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="NUL") as caught:
        read_text(f"{tmp_path}/a\x00b", 10)
    assert "\x00" not in caught.value.path
    assert read_head(f"{tmp_path}/a\x00b", 10) is None
    assert not is_regular(f"{tmp_path}/a\x00b")


def test_the_head_of_a_file_is_at_most_what_was_asked(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"0123456789")
    assert read_head(path, 4) == b"0123"
    assert is_regular(path)


def test_is_outside_follows_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    (tmp_path / "secret").write_text("x")
    (root / "link").symlink_to(tmp_path / "secret")
    (root / "inner").symlink_to(root / "sub")
    assert not is_outside(root / "sub" / "f", root)
    assert not is_outside(root, root)
    assert not is_outside(root / "inner" / "f", root)
    assert is_outside(root / "link", root)
    assert is_outside(tmp_path / "repo-other" / "f", root)
    assert is_outside(root / ".." / "secret", root)


# --- every reader: one located problem, exit 2, bounded, the rest still linted ----------

CAP = 4096
_DIND = "  dind:\n    image: docker:27-dind\n    privileged: true\n"
GOOD = {"ok/compose.yaml": "services:\n" + _DIND}  # linted whatever else fails
# Where each reader finds its input, and the files around it that make it read (named on
# the command line instead of the bad file, when there are any).
READERS = {
    "compose": ("compose.yaml", {}),
    "compose-dotenv": (".env", {"compose.yaml": "services:\n" + _DIND}),
    "compose-env-file": ("vars.env", {"compose.yaml": "services:\n" + _DIND
                                      + "    env_file: vars.env\n"}),
    "gitlab-ci": (".gitlab-ci.yml", {}),
    "gitlab-include": ("ci/jobs.yml", {".gitlab-ci.yml": "include: ci/jobs.yml\n"
                                       "a:\n  script: [docker info]\n"}),
    "github-actions": (".github/workflows/ci.yml", {}),
    "kubernetes": ("deploy/pod.yaml", {}),
    "shell-script": ("ci/build.sh", {}),
    "makefile": ("Makefile", {}),
    "jenkinsfile": ("Jenkinsfile", {}),
    "gitlab-runner-config": ("runner/config.toml", {".gitlab-ci.yml": "a:\n  script: [x]\n"}),
}
# A bad file: how it is made, and where the problem is located in it (None: the file).
BAD: dict[str, tuple[object, tuple[int, int] | None]] = {
    "fifo": (lambda p: os.mkfifo(p), None),
    "dev-zero": (lambda p: p.symlink_to("/dev/zero"), None),
    "oversized": (lambda p: p.write_bytes(b"kind: Pod\n" + b"# x\n" * CAP), None),
    "nul": (lambda p: p.write_bytes(b"kind: Pod\nx: \x00\n"), (2, 4)),
    "bad-utf8": (lambda p: p.write_bytes(b"kind: Pod\n# \xff\n"), (2, 3)),
}


def _lint_with_alarm(paths: list[Path], root: Path, runner_config: Path | None) -> Report:
    """Lint, interrupted by an alarm after 10 s (a blocking open of a FIFO would hang)."""
    import signal

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError("the lint blocked")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(10)
    try:
        return lint(paths, RULES, jobs=1, environ={}, max_file_size=CAP, root=root,
                    runner_config=runner_config)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("named", [False, True], ids=["walked", "named"])
@pytest.mark.parametrize("bad", list(BAD))
@pytest.mark.parametrize("reader", list(READERS))
def test_an_unreadable_input_is_one_located_problem_and_the_rest_is_linted(
        tmp_path: Path, reader: str, bad: str, named: bool) -> None:
    name, around = READERS[reader]
    write_tree(tmp_path, {**GOOD, **around})
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    make, where = BAD[bad]
    make(path)  # type: ignore[operator]
    targets = [tmp_path / n for n in (*around, *GOOD)] if named and around else \
        [path, tmp_path / "ok"] if named else [tmp_path]
    start = time.monotonic()
    report = _lint_with_alarm(targets, tmp_path,
                              path if reader == "gitlab-runner-config" else None)
    assert time.monotonic() - start < 3
    assert report.exit_code("never") == 2
    # At the file, or at the line of the file that names it; a file both found by the walk
    # and included, that resolves outside the root, is said to be at both.
    mine = [e for e in report.errors if e.path == str(path) or name in e.message]
    both = reader == "gitlab-include" and bad == "dev-zero" and not named
    assert len(mine) == (2 if both else 1), report.errors
    if where is not None and mine[0].path == str(path):
        assert (mine[0].line, mine[0].column) == where
    assert "ok/compose.yaml" in {str(Path(p).relative_to(tmp_path))
                                 for t in report.targets for p in t.paths}
    assert any(f.location.path.endswith("ok/compose.yaml") for f in report.findings)


@pytest.mark.parametrize("bad", [b for b in BAD if b != "oversized"])
@pytest.mark.parametrize("load", [
    pytest.param(lambda p: load_config(p), id="config"),
    pytest.param(lambda p: load_rule(p, shipped=False), id="rule"),
])
def test_an_unreadable_config_or_rule_file_is_a_located_error(
        tmp_path: Path, load: object, bad: str) -> None:
    path = tmp_path / ".dindcheck.yaml"
    make, where = BAD[bad]
    make(path)  # type: ignore[operator]
    start = time.monotonic()
    with pytest.raises(RuleError) as caught:
        load(path)  # type: ignore[operator]
    assert time.monotonic() - start < 1
    located = f"{path}:{where[0]}" if where else str(path)
    assert str(caught.value).startswith(f"{located}: ")
