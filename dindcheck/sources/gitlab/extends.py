"""Resolve ``extends`` the way GitLab does (``Gitlab::Ci::Config::Extendable``).

Each entry is merged on top of its bases (a list: later bases win), bases first, with
the deep merge of :mod:`.merge`; a key set to ``null`` removes what a base set. A base
that does not exist or is not a mapping, a cycle, and a chain deeper than GitLab's ten
levels are located problems; the rest of the chain still resolves. Resolution is
iterative, so a hostile 1,000-level chain costs no Python stack.
"""

from __future__ import annotations

from dindcheck.sources.gitlab.merge import deep_merge, without_nulls
from dindcheck.sources.gitlab.problems import Collector
from dindcheck.yamlload import Mark, PosDict, PosList

MAX_EXTENDS_DEPTH = 10  # GitLab refuses an entry with more ancestors than this


def _bases(name: str, spec: PosDict, sink: Collector) -> list[tuple[str, Mark | None]]:
    value = spec.get("extends")
    mark = spec.key_mark("extends")
    if value is None:
        return []
    if isinstance(value, str):
        return [(value, mark)]
    if isinstance(value, PosList) and all(isinstance(v, str) for v in value):
        return [(str(v), value.item_mark(i)) for i, v in enumerate(value)]
    sink.problem(f"{name}: extends must be a job name or a list of job names", mark)
    return []


def resolve_extends(entries: dict[str, PosDict], sink: Collector) -> dict[str, PosDict]:
    """Every entry with its bases merged in, ``extends`` and ``null`` keys removed."""
    resolved: dict[str, PosDict] = {}
    depth: dict[str, int] = {}
    active: set[str] = set()
    bases: dict[str, list[str]] = {}
    too_deep = False
    for root in entries:
        stack: list[tuple[str, bool]] = [(root, False)]
        while stack:
            name, ready = stack.pop()
            if name in resolved:
                continue
            spec = entries[name]
            if not ready:
                active.add(name)
                stack.append((name, True))
                usable: list[str] = []
                for base, mark in _bases(name, spec, sink):
                    if base in active:
                        sink.problem(f"{name}: extends {base}, which extends {name} again "
                                     "(a cycle)", mark)
                    elif base not in entries:
                        sink.missing(f"{name}: extends {base}, which is not defined", mark)
                    elif base == name:
                        sink.problem(f"{name}: extends itself", mark)
                    else:
                        usable.append(base)
                bases[name] = usable
                stack.extend((base, False) for base in reversed(usable)
                             if base not in resolved)
                continue
            sink.spend(len(spec) + 1, spec.mark)
            merged = PosDict(spec.mark)
            for base in bases[name]:
                if base in resolved:
                    merged = deep_merge(merged, resolved[base], sink)
            merged = deep_merge(merged, spec, sink)
            merged.pop("extends", None)
            resolved[name] = without_nulls(merged)
            depth[name] = 1 + max((depth.get(b, 0) for b in bases[name]), default=-1)
            active.discard(name)
            if depth[name] > MAX_EXTENDS_DEPTH and not name.startswith(".") and not too_deep:
                too_deep = True  # said once: a hostile chain would say it for every job
                sink.problem(f"{name}: extends nests {depth[name]} levels deep; GitLab "
                             f"allows {MAX_EXTENDS_DEPTH}", spec.key_mark("extends"))
    return resolved
