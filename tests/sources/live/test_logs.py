"""The tail of a container's log as the audit keeps it."""

from __future__ import annotations

from dindcheck.redact import REDACTED
from dindcheck.sources.live.logs import MAX_KEPT, MAX_LINE, TAIL_LINES, log_lines


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
