"""Which files are GitHub Actions workflows: by path in a folder walk (workflows live in
the hidden ``.github/workflows`` folder, which a walk must enter for them), by content for
a file named on the command line."""

from __future__ import annotations

import re
from pathlib import PurePath

WORKFLOW_FOLDER = (".github", "workflows")
_SUFFIXES = (".yml", ".yaml")
_JOBS = re.compile(r"^jobs\s*:", re.MULTILINE)
_ON = re.compile(r"^(?:on|\"on\"|'on'|true)\s*:", re.MULTILINE)
_STEPS_OR_RUNS_ON = re.compile(r"^\s+(?:runs-on|steps|uses)\s*:", re.MULTILINE)


def claims(path: PurePath) -> bool:
    """Whether a file found in a folder walk is a workflow: ``.github/workflows/*.y[a]ml``
    (files in subfolders of it are not workflows to GitHub)."""
    parts = path.parts
    return (len(parts) >= 3 and parts[-3:-1] == WORKFLOW_FOLDER
            and path.name.lower().endswith(_SUFFIXES))


def sniff(text: str) -> bool:
    """Whether a YAML text named on the command line reads as a workflow: a top-level
    ``jobs:`` with ``on:`` (or jobs that have ``runs-on``/``steps``)."""
    if not _JOBS.search(text):
        return False
    return bool(_ON.search(text) or _STEPS_OR_RUNS_ON.search(text))
