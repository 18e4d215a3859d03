"""Reading input files: regular files only, with a size cap applied while reading.

Every file dindcheck reads is untrusted. A file's size in ``stat`` says nothing for a
FIFO or a device (``/dev/zero`` is 0 bytes and never ends), and opening a FIFO without a
writer blocks; so a file is opened without blocking, checked with ``fstat`` on the open
descriptor (no race with a path swapped after a check) and refused unless it is a regular
file; then at most ``max_size + 1`` bytes are read, whatever ``stat`` said. Text must be
UTF-8 (a byte-order mark is dropped) without NUL bytes; what is refused is located to the
line and column of the first offending byte.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from dindcheck.model import InputProblem

_CHUNK = 1 << 16
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | \
    getattr(os, "O_CLOEXEC", 0)
SIZE_FLAG = "--max-file-size"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class ReadError(Exception):
    """A file that cannot be read: its path, why, and where in it when known (1-based)."""

    def __init__(self, path: str, message: str, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.line = line
        self.column = column

    def problem(self) -> InputProblem:
        """The located input problem it is (exit 2)."""
        return InputProblem(path=self.path, message=self.message, line=self.line,
                            column=self.column)


def read_bytes(path: str | Path, max_size: int, *, cap_flag: str | None = SIZE_FLAG) -> bytes:
    """The bytes of a regular file of at most ``max_size`` bytes (``cap_flag``: the option
    that raises the cap, named in the message; None when no option does)."""
    name = str(path)
    fd = _open(path)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ReadError(name, not_regular(info.st_mode))
        if info.st_size > max_size:
            raise ReadError(name, _over_cap(max_size, cap_flag, info.st_size))
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, max_size + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > max_size:  # it grew after fstat
                raise ReadError(name, _over_cap(max_size, cap_flag))
        return b"".join(chunks)
    except OSError as exc:
        raise ReadError(name, f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def read_text(path: str | Path, max_size: int, *, cap_flag: str | None = SIZE_FLAG) -> str:
    """The UTF-8 text (a BOM dropped) of a regular file; binary data is refused."""
    return decode_text(read_bytes(path, max_size, cap_flag=cap_flag), str(path))


def decode_text(data: bytes, name: str) -> str:
    """``data`` as UTF-8 text, a leading BOM dropped; a :class:`ReadError` located at the
    first NUL or undecodable byte."""
    if data.startswith(_UTF16_BOMS):
        raise ReadError(name, "UTF-16 text (byte-order mark); only UTF-8 is read", 1, 1)
    if b"\x00" in data:
        raise ReadError(name, "binary file (NUL byte), not text",
                        *_line_column(data, data.index(0)))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(name, f"not UTF-8 text (byte 0x{data[exc.start]:02x})",
                        *_line_column(data, exc.start)) from None


def read_head(path: str | Path, size: int) -> bytes | None:
    """The first ``size`` bytes of a regular file, to tell what it is; None for anything
    that is not a regular file or cannot be read (never blocks)."""
    try:
        fd = _open(path)
    except ReadError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, size)
    except OSError:
        return None
    finally:
        os.close(fd)


def is_regular(path: str | Path) -> bool:
    """Whether ``path`` (symlinks followed) is a regular file; never opens it."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def is_outside(path: str | Path, root: str | Path) -> bool:
    """Whether ``path``, symlinks resolved, lies outside ``root`` (a path that cannot be
    resolved at all, with a NUL byte in it, is outside)."""
    try:
        real = os.path.realpath(path)
        top = os.path.realpath(root)
    except (ValueError, OSError):
        return True
    return not (real == top or real.startswith(top.rstrip(os.sep) + os.sep))


def not_regular(mode: int) -> str:
    """The message for a file of ``mode`` that is not read because it is no regular file
    (the same wherever it is found out, so that one file gives one problem)."""
    return f"cannot read: {file_kind(mode)}, not a regular file"


def file_kind(mode: int) -> str:
    """What a file that is not a regular one is, for a message."""
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "a special file"


def _open(path: str | Path) -> int:
    try:
        return os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise ReadError(str(path), f"cannot read: {exc.strerror or exc}") from None
    except ValueError:  # a NUL byte in the path
        raise ReadError(str(path).replace("\0", "\\0"),
                        "cannot read: the path holds a NUL byte") from None


def _over_cap(max_size: int, cap_flag: str | None, size: int | None = None) -> str:
    what = f"file is {size} bytes, over" if size is not None else "file is over"
    hint = f"; not read (raise it with {cap_flag})" if cap_flag else "; not read"
    return f"{what} the {max_size}-byte cap{hint}"


def _line_column(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in bytes) of ``offset``."""
    return data.count(b"\n", 0, offset) + 1, offset - (data.rfind(b"\n", 0, offset) + 1) + 1
