"""The base image of a locally built service: the final ``FROM`` of its Dockerfile."""

from __future__ import annotations

import re

_FROM = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)", re.IGNORECASE | re.MULTILINE)

# A Dockerfile is small; one larger than this is not read for its FROM line.
MAX_DOCKERFILE_SIZE = 1024 * 1024


def final_from(text: str) -> str | None:
    """The image of the last ``FROM`` instruction (the stage that is run), if any."""
    matches = _FROM.findall(text)
    return matches[-1] if matches else None
