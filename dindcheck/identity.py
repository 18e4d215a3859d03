"""A finding's identity across runs: the rule, the subject and the file, never the line.

A baseline is keyed by it, and SARIF's ``partialFingerprints`` and Code Quality's
``fingerprint`` are hashes of it, so an edit above a finding does not make it new, two
subjects flagged on one line stay two results, and a finding keeps its identity whatever
folder the repository was checked out in (files are relative to the root).
"""

from __future__ import annotations

import hashlib
import os

from dindcheck.model import Finding

FINGERPRINT_VERSION = "dindcheck/v1"  # the SARIF partialFingerprints key


def relative_file(path: str, root: str | None) -> str:
    """``path`` relative to ``root`` (``..`` steps when outside it), ``/``-separated;
    as given when there is no root."""
    if root is None:
        return path.replace(os.sep, "/")
    return os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")


def identity(finding: Finding, root: str | None) -> tuple[str, str, str]:
    """(rule id, subject id, file relative to ``root``); a live finding's "file" is its
    endpoint."""
    loc = finding.location
    where = relative_file(loc.path, root) if loc.path is not None else loc.endpoint or ""
    return finding.rule_id, finding.subject_id, where


def fingerprint(finding: Finding, root: str | None) -> str:
    """A hex digest of :func:`identity`."""
    text = "\0".join(identity(finding, root))
    return hashlib.sha256(text.encode("utf-8", "backslashreplace")).hexdigest()
