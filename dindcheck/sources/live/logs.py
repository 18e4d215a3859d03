"""The tail of a dind container's log, as the audit keeps it: bounded, cleaned, redacted.

The engine is asked for the last :data:`TAIL_LINES` lines (``GET /containers/{id}/logs``,
a plain read that leaves no event); at most :data:`MAX_READ` bytes are read and the last
:data:`MAX_KEPT` kept, each line cut to :data:`MAX_LINE` characters, terminal escape
sequences and other control characters removed, secrets redacted. What the lines mean is
decided by the subject builder (:mod:`dindcheck.daemonlog`), so recorded audits replay.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dindcheck.redact import redact_text

TAIL_LINES = 200
MAX_READ = 1024 * 1024
MAX_KEPT = 64 * 1024
MAX_LINE = 1000

_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


_FRAME_HEADER = 8  # stream (0 stdin, 1 stdout, 2 stderr), three zero bytes, size (big-endian)


def log_payload(chunks: Iterable[bytes], *, multiplexed: bool) -> bytes:
    """The log's own bytes from what the engine sends: at most :data:`MAX_READ` bytes are
    read and the last :data:`MAX_KEPT` kept. A container without a TTY gets stdout and
    stderr in frames (an 8-byte header each); bytes that do not look like a frame header
    end the framing and are kept as they are."""
    kept, pending, total, remaining = b"", b"", 0, 0
    framed = multiplexed
    for chunk in chunks:
        total += len(chunk)
        if not framed:
            kept = (kept + chunk)[-MAX_KEPT:]
        else:
            pending += chunk
            while pending:
                if remaining:
                    body, pending = pending[:remaining], pending[remaining:]
                    remaining -= len(body)
                    kept = (kept + body)[-MAX_KEPT:]
                    continue
                if len(pending) < _FRAME_HEADER:
                    break
                header = pending[:_FRAME_HEADER]
                if header[0] not in (0, 1, 2) or header[1:4] != b"\0\0\0":
                    framed = False
                    kept, pending = (kept + pending)[-MAX_KEPT:], b""
                    break
                remaining = int.from_bytes(header[4:], "big")
                pending = pending[_FRAME_HEADER:]
        if total >= MAX_READ:
            break
    return kept


def log_lines(data: bytes) -> list[str]:
    """The last lines of ``data`` (a log's bytes), cleaned and redacted."""
    text = data[-MAX_KEPT:].decode("utf-8", errors="replace")
    lines = []
    for raw in text.splitlines()[-TAIL_LINES:]:
        line = _CONTROL.sub("", _ESCAPES.sub("", raw)).strip()
        if line:
            lines.append(redact_text(line[:MAX_LINE]))
    return lines
