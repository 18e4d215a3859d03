"""A finding's identity across runs: the rule, the subject and the file, never the line.

A baseline is keyed by it, and SARIF's ``partialFingerprints`` and Code Quality's
``fingerprint`` are hashes of it, so an edit above a finding does not make it new, two
subjects flagged on one line stay two results, and a finding keeps its identity whatever
folder the repository was checked out in (files are relative to the root).
"""

from __future__ import annotations

import hashlib
import os
import re

from dindcheck.model import Finding

FINGERPRINT_VERSION = "dindcheck/v1"  # the SARIF partialFingerprints key
_POSITION = re.compile(r"(?<=\x00):[0-9]+(?::[0-9]+)?")  # a line:column after the path


def relative_file(path: str, root: str | None) -> str:
    """``path`` relative to ``root`` (``..`` steps when outside it), ``/``-separated;
    as given when there is no root."""
    if root is None:
        return path.replace(os.sep, "/")
    return os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")


def identity(finding: Finding, root: str | None) -> tuple[str, str, str]:
    """(rule id, subject id, file relative to ``root``); a live finding's "file" is its
    endpoint.

    Subject ids of some sources hold their file's path as it was given (a GitLab job is
    ``<file>/<job>``, a ``docker run`` line ``<file>:<line>:<column>``): the path is
    written relative to ``root`` and a position right after it is left out, so the
    identity does not depend on the folder of the checkout or on the lines above.
    """
    loc = finding.location
    if loc.path is None:
        return finding.rule_id, finding.subject_id, loc.endpoint or ""
    where = relative_file(loc.path, root)
    return finding.rule_id, _subject(finding.subject_id, loc.path, where, root), where


def _subject(subject_id: str, path: str, relative: str, root: str | None) -> str:
    for written in sorted({path, os.path.abspath(path)}, key=len, reverse=True):
        if written and written in subject_id:
            marked = subject_id.replace(written, "\x00")
            return _POSITION.sub("", marked).replace("\x00", relative)
    if root is not None:  # another file of the project (an include)
        return subject_id.replace(os.path.join(root, ""), "")
    return subject_id


def fingerprint(finding: Finding, root: str | None) -> str:
    """A hex digest of :func:`identity`."""
    text = "\0".join(identity(finding, root))
    return hashlib.sha256(text.encode("utf-8", "backslashreplace")).hexdigest()
