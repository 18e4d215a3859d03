"""JSON Schemas shipped with dindcheck: the fact model, the JSON report, the config file."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def load(name: str) -> Any:
    """A shipped schema by file name, e.g. ``facts.schema.json``."""
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))
