"""Baselines: today's findings recorded, so that a gate on an existing repository fails
only on new ones.

A baseline is a JSON file of entries keyed by a finding's identity (the rule, the subject,
the file relative to the baseline's own folder: :mod:`dindcheck.identity`), never its line:
an edit above a finding does not make it new, and the file can be written on one machine
and read on another. An entry with ``count`` n covers n findings of that key.

    {"dindcheck_baseline": 1,
     "findings": [{"rule_id": "DIND007", "subject": "ci/dind", "file": "ci/compose.yaml",
                   "count": 1}]}

Reading one (``--baseline``), the findings it covers are left out of the report (and the
exit code) and counted; an entry that no finding matched although its file was read in
this run is "gone" (fixed or moved). ``--write-baseline`` records the findings of the run
(after suppressions) and reports none of them.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from dindcheck.errors import UsageError
from dindcheck.identity import identity, relative_file
from dindcheck.model import Finding, Target
from dindcheck.reading import ReadError, read_bytes
from dindcheck.report.summary import BaselineOutcome

FORMAT_VERSION = 1
MAX_BASELINE_SIZE = 64 * 1024 * 1024  # a baseline larger than this is not a baseline

Key = tuple[str, str, str]


def _root(path: Path) -> str:
    return os.path.dirname(os.path.abspath(path))


def read_baseline(path: Path) -> Counter[Key]:
    """The entries of a baseline file; a file that is not one is a usage error."""
    try:
        data = read_bytes(path, MAX_BASELINE_SIZE, cap_flag=None)
    except ReadError as exc:
        raise UsageError(f"{path}: cannot read the baseline: {exc.message}") from None
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"{path}: not a dindcheck baseline (not JSON: {exc})") from None
    entries = _entries(document)
    if entries is None:
        raise UsageError(f"{path}: not a dindcheck baseline (write one with "
                         "--write-baseline)")
    return entries


def _entries(document: Any) -> Counter[Key] | None:
    if not isinstance(document, dict) or document.get("dindcheck_baseline") != FORMAT_VERSION:
        return None
    findings = document.get("findings")
    if not isinstance(findings, list):
        return None
    entries: Counter[Key] = Counter()
    for entry in findings:
        if not isinstance(entry, dict):
            return None
        key = (entry.get("rule_id"), entry.get("subject"), entry.get("file"))
        count = entry.get("count", 1)
        if not all(isinstance(k, str) for k in key) or not isinstance(count, int) \
                or isinstance(count, bool) or count < 1:
            return None
        entries[key] += count  # type: ignore[index]
    return entries


class BaselineFilter:
    """Leaves out the findings a baseline covers, counting them and what is left over."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.root = _root(path)
        self.remaining = read_baseline(path)
        self.baselined = 0
        self.read_files: set[str] = set()

    def findings(self, findings: Iterable[Finding]) -> Iterator[Finding]:
        for f in findings:
            key = identity(f, self.root)
            if self.remaining[key] > 0:
                self.remaining[key] -= 1
                self.baselined += 1
            else:
                yield f

    def targets(self, targets: Iterable[Target]) -> None:
        """Note the files read (an entry is gone only where its file was read)."""
        for target in targets:
            self.read_files.update(relative_file(p, self.root) for p in target.paths)
            if target.kind == "engine":
                self.read_files.add(target.name)

    def outcome(self) -> BaselineOutcome:
        gone = sum(n for (_, _, file), n in self.remaining.items()
                   if n > 0 and file in self.read_files)
        return BaselineOutcome(path=str(self.path), baselined=self.baselined, gone=gone)


class BaselineRecorder:
    """Collects the keys of a run's findings and writes them as a baseline."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.root = _root(path)
        self.keys: Counter[Key] = Counter()

    def findings(self, findings: Iterable[Finding]) -> Iterator[Finding]:
        """Records every finding and lets none through: they are the baseline now."""
        for f in findings:
            self.keys[identity(f, self.root)] += 1
        return iter(())

    def write(self) -> int:
        """Writes the file (sorted, one entry a line) and returns the number of entries."""
        entries = [{"rule_id": rule, "subject": subject, "file": file, "count": count}
                   for (rule, subject, file), count in sorted(self.keys.items())]
        text = (f'{{"dindcheck_baseline": {FORMAT_VERSION}, "findings": [\n'
                + ",\n".join(json.dumps(e, ensure_ascii=False) for e in entries)
                + "\n]}\n")
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        try:
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError as exc:
            raise UsageError(f"{self.path}: cannot write the baseline: "
                             f"{exc.strerror or exc}") from None
        return len(entries)

    def outcome(self, written: int) -> BaselineOutcome:
        return BaselineOutcome(path=str(self.path), written=written)
