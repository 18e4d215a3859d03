"""The tail of a container's log as the audit keeps it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dindcheck.redact import REDACTED
from dindcheck.sources.live.logs import (
    MAX_KEPT,
    MAX_LINE,
    MAX_READ,
    TAIL_LINES,
    log_lines,
    log_payload,
)


def test_terminal_escapes_and_control_characters_are_removed() -> None:
    data = b"\x1b[31mERRO\x1b[0m[0000] failed to mount overlay\r\n\x07bell\x00\n\n"
    assert log_lines(data) == ["ERRO[0000] failed to mount overlay", "bell"]


def test_secrets_are_redacted() -> None:
    data = (b"+ REGISTRY_PASSWORD=hunter2 dockerd\n"
            b"pulling https://user:tok3n@registry.example/v2/\n")
    text = "\n".join(log_lines(data))
    assert "hunter2" not in text
    assert "tok3n" not in text
    assert text.count(REDACTED) == 2


def test_bounded_lines_and_bytes() -> None:
    many = b"".join(b"line %d\n" % i for i in range(TAIL_LINES * 2))
    lines = log_lines(many)
    assert len(lines) == TAIL_LINES
    assert lines[-1] == f"line {TAIL_LINES * 2 - 1}"
    long = log_lines(b"x" * (MAX_KEPT * 4) + b"\nend\n")
    assert len(long[0]) == MAX_LINE
    assert long[-1] == "end"


def test_bytes_that_are_not_utf8_are_kept_readable() -> None:
    assert log_lines(b"caf\xe9 timeout waiting for containerd to start\n") == [
        "caf\ufffd timeout waiting for containerd to start"]


def frame(stream: int, body: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(body).to_bytes(4, "big") + body


FRAMED = frame(2, b"level=info msg=starting\n") + frame(1, b"pid file found\n")


@pytest.mark.parametrize(("chunks", "multiplexed", "expected"), [
    pytest.param([FRAMED], True, b"level=info msg=starting\npid file found\n",
                 id="frames-of-stdout-and-stderr"),
    pytest.param([FRAMED[i:i + 3] for i in range(0, len(FRAMED), 3)], True,
                 b"level=info msg=starting\npid file found\n", id="headers-split-by-reads"),
    pytest.param([b"plain text of a tty\n"], False, b"plain text of a tty\n", id="a-tty"),
    pytest.param([frame(1, b"a\n") + b"\xff garbage after\n"], True,
                 b"a\n\xff garbage after\n", id="not-a-frame-ends-the-framing"),
    pytest.param([frame(1, b"cut short")[:-6]], True, b"cut", id="a-frame-cut-short"),
])
def test_log_payload(chunks: list[bytes], multiplexed: bool, expected: bytes) -> None:
    assert log_payload(chunks, multiplexed=multiplexed) == expected


def test_log_payload_reads_a_bounded_amount() -> None:
    read: list[int] = []

    def endless() -> Iterator[bytes]:
        while True:
            read.append(1)
            yield frame(1, b"y" * 60_000)

    kept = log_payload(endless(), multiplexed=True)
    assert len(kept) == MAX_KEPT
    assert sum(read) * 60_008 < MAX_READ + 60_008 * 2
