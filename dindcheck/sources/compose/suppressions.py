"""A compose service's own suppressions: ``x-dindcheck`` and the ``dindcheck.ignore`` label.

    services:
      dind:
        x-dindcheck:
          ignore: [DIND007]            # rule ids or names, any case
          reason: isolated runner host
        labels:
          dindcheck.ignore: DIND009    # what a live audit of the container reads too

What does not have this shape is a warning, and what it means is not applied: an
``x-dindcheck`` that is not a mapping, a key other than ``ignore`` and ``reason`` (a
misspelling would silently suppress nothing), an ``ignore`` that is not a list, an item or
``reason`` that is not text. Whether each token names a rule is checked with the
catalogue (:mod:`dindcheck.suppress`).
"""

from __future__ import annotations

from typing import Any

from dindcheck.model import InputProblem, Location
from dindcheck.suppress import LABEL, LABEL_REASON, did_you_mean, from_labels, warning
from dindcheck.workload import SuppressionSource
from dindcheck.yamlload import Mark, PosDict

EXTENSION = "x-dindcheck"
KEYS = ("ignore", "reason")


def _location(mark: Mark | None) -> Location | None:
    return Location(path=mark.path, line=mark.line, column=mark.column) if mark else None


def _labels(spec: PosDict) -> dict[str, str]:
    raw = spec.get("labels")
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items() if v is not None}
    if isinstance(raw, list):
        return dict(str(item).split("=", 1) for item in raw
                    if isinstance(item, str) and "=" in item)
    return {}


def service_suppressions(name: str, spec: PosDict,
                         ) -> tuple[tuple[str, ...], SuppressionSource | None, list[InputProblem]]:
    """The rule tokens a service suppresses, where they are written, and the warnings."""
    warnings: list[InputProblem] = []
    ids: list[str] = []
    source: SuppressionSource | None = None
    if EXTENSION in spec:
        ids, source = _extension(name, spec, warnings)
    label_ids, label_reason = from_labels(_labels(spec))
    if label_ids:
        ids += label_ids
        if source is None:
            labels = spec.get("labels")
            marks = getattr(labels, "key_marks", {})
            mark = marks.get(LABEL) or marks.get(LABEL_REASON) or spec.key_mark("labels")
            source = SuppressionSource(by="label", location=_location(mark),
                                       reason=label_reason)
    return tuple(ids), source, warnings


def _extension(name: str, spec: PosDict, warnings: list[InputProblem],
               ) -> tuple[list[str], SuppressionSource | None]:
    value: Any = spec[EXTENSION]
    where = _location(spec.key_mark(EXTENSION))
    if not isinstance(value, dict):
        warnings.append(warning(where, (
            f"{EXTENSION} of {name} must be a mapping: `ignore: [DIND007]` and a `reason`; "
            "nothing is suppressed")))
        return [], None
    marks = getattr(value, "key_marks", {})
    for key in value:
        if key not in KEYS:
            warnings.append(warning(_location(marks.get(key)) or where, (
                f"{EXTENSION} of {name}: unknown key {str(key)!r}"
                f"{did_you_mean(str(key), KEYS)}; it takes ignore and reason")))
    reason = value.get("reason")
    if reason is not None and not isinstance(reason, str):
        warnings.append(warning(_location(marks.get("reason")) or where, (
            f"{EXTENSION}.reason of {name} must be text")))
        reason = None
    if "ignore" not in value:
        return [], None
    ignore = value["ignore"]
    if not isinstance(ignore, list):
        warnings.append(warning(_location(marks.get("ignore")) or where, (
            f"{EXTENSION}.ignore of {name} must be a list of rule ids, e.g. [DIND007]; "
            "nothing is suppressed")))
        return [], None
    ids = []
    for index, item in enumerate(ignore):
        if isinstance(item, str) and item.strip():
            ids.append(item.strip())
        else:
            item_mark = ignore.item_mark(index) if hasattr(ignore, "item_mark") else None
            warnings.append(warning(_location(item_mark) or where, (
                f"{EXTENSION}.ignore of {name}: {item!r} is not a rule id")))
    source = SuppressionSource(by=EXTENSION, location=_location(marks.get("ignore")) or where,
                               reason=reason.strip() or None if reason else None)
    return ids, source
