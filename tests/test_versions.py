from __future__ import annotations

import pytest

from dindcheck.versions import parse_version


@pytest.mark.parametrize(("text", "expected"), [
    ("29.0.0", "29.0.0"),
    ("20.10.24+dfsg1", "20.10.24"),
    ("17.06.0-ce", "17.6.0"),
    ("24.0.7-0ubuntu4", "24.0.7"),
    ("29.0.0-rc.1", "29.0.0rc1"),
    ("v1.44", "1.44"),
    ("20", "20"),
    ("dind", None),
    ("latest", None),
    ("", None),
    (None, None),
])
def test_parse_version(text: str | None, expected: str | None) -> None:
    parsed = parse_version(text)
    assert (str(parsed) if parsed is not None else None) == expected
