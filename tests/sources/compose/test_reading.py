from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from dindcheck.sources.compose.reading import ReadError, is_outside, read_bytes, read_text


def test_a_regular_file_is_read_and_its_bom_dropped(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"\xef\xbb\xbfA=1\n")
    assert read_text(path, 100) == "A=1\n"
    assert read_bytes(path, 7) == b"\xef\xbb\xbfA=1\n"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda p: os.mkfifo(p), "a FIFO, not a regular file", id="fifo"),
        pytest.param(lambda p: os.symlink("/dev/zero", p), "a device, not a regular file",
                     id="device"),
        pytest.param(lambda p: os.mkdir(p), "a directory, not a regular file", id="directory"),
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


def test_the_cap_applies_while_reading(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 101)
    with pytest.raises(ReadError, match="over the 100-byte cap"):
        read_bytes(path, 100)
    assert read_bytes(path, 101) == b"x" * 101


@pytest.mark.parametrize(
    ("data", "message", "where"),
    [
        pytest.param(b"A=1\nB=\x00\n", "binary file", (2, 3), id="nul"),
        pytest.param(b"A=1\n\xffB\n", "not UTF-8 text (byte 0xff)", (2, 1), id="bad-utf8"),
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
