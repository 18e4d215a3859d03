"""Reading the files a compose project names: regular files only, with a size cap applied
while reading, and only inside a root when one is given.

A file's size in ``stat`` says nothing for a FIFO or a device (``/dev/zero`` is 0 bytes
and never ends), so a file is opened without blocking, checked with ``fstat`` on the open
descriptor (no race with a swapped path) and refused unless it is a regular file; then at
most ``max_size + 1`` bytes are read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_CHUNK = 1 << 16
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | \
    getattr(os, "O_CLOEXEC", 0)


class ReadError(Exception):
    """A file that cannot be read; ``line``/``column`` are 1-based when known."""

    def __init__(self, message: str, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def read_bytes(path: str | Path, max_size: int) -> bytes:
    """The bytes of a regular file of at most ``max_size`` bytes."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise ReadError(f"cannot read: {exc.strerror or exc}") from None
    except ValueError:  # a NUL byte in the path
        raise ReadError("cannot read: the path holds a NUL byte") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise ReadError(f"cannot read: {_kind(mode)}, not a regular file")
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, max_size + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > max_size:
                raise ReadError(f"file is over the {max_size}-byte cap (--max-file-size)")
        return b"".join(chunks)
    except OSError as exc:
        raise ReadError(f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def read_text(path: str | Path, max_size: int) -> str:
    """The UTF-8 text (a BOM dropped) of a regular file; binary data is refused."""
    data = read_bytes(path, max_size)
    if b"\x00" in data:
        raise ReadError("binary file (NUL byte), not text", *_line_column(data, data.index(0)))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(f"not UTF-8 text (byte 0x{data[exc.start]:02x})",
                        *_line_column(data, exc.start)) from None


def is_outside(path: str | Path, root: str | Path) -> bool:
    """Whether ``path``, symlinks resolved, lies outside ``root`` (a path that cannot be
    resolved at all, with a NUL byte in it, is outside)."""
    try:
        real = os.path.realpath(path)
        top = os.path.realpath(root)
    except ValueError:
        return True
    return not (real == top or real.startswith(top.rstrip(os.sep) + os.sep))


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _line_column(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in bytes) of ``offset``."""
    return data.count(b"\n", 0, offset) + 1, offset - (data.rfind(b"\n", 0, offset) + 1) + 1
