"""The compose merge rules: how a later definition (``-f`` override, ``extends``, ``include``,
a later YAML document) applies on top of an earlier one, and which list entries compose
keeps one of.

These are compose-go's ``override`` package rules: mappings merge key by key, lists append,
scalars are replaced, a ``null`` override keeps the base; ``command``, ``entrypoint`` and
``healthcheck.test`` are replaced whole; ``environment``, ``labels``, ``sysctls``, build
``args``... merge per key (a list of ``KEY=VAL`` and a mapping alike); ``depends_on`` and
``networks`` merge as mappings (a list entry stands for ``condition: service_started``);
``build: ./dir`` is ``build: {context: ./dir}``; logging options merge only for the same
driver. After merging, compose keeps one entry per key in some lists (:data:`UNIQUE`): the
first position, the last value (one volume per target, one port per published address...).

Inputs are never changed: results share unchanged values with them. Every value keeps the
mark of where it was written; a merged key takes the mark of the file that wrote it last.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dindcheck.sources.compose.interpolate import Interpolated
from dindcheck.sources.compose.volumes import volume_target
from dindcheck.yamlload import Mark, PosDict, PosList

DEFAULT_CONDITION = "service_started"

Rule = Callable[[Any, Mark | None, Any, Mark | None], Any]
"""Merges a base value and an override value; receives each value's key mark."""


def merge_service(base: PosDict, over: PosDict) -> PosDict:
    """``over`` applied on top of ``base`` by the compose merge rules."""
    return merge_mapping(base, over, _SERVICE_RULES, _merge_value)


def merge_volume(base: Any, over: Any) -> Any:
    """A top-level volume definition merged with a later one."""
    return _MERGE_VOLUME(base, None, over, None)


def merge_mapping(base: PosDict, over: PosDict, rules: Mapping[str, Rule],
                  default: Rule) -> PosDict:
    out = copy_dict(base)
    for key, value in over.items():
        mark = over.key_marks.get(key)
        rule = rules.get(key)
        if key not in out:
            put(out, key, value, mark)
        elif rule is not None:
            put(out, key, rule(out[key], out.key_marks.get(key), value, mark), mark)
        elif value is not None:  # a null override keeps the base value
            put(out, key, default(out[key], out.key_marks.get(key), value, mark), mark)
    return out


def _merge_value(base: Any, base_mark: Mark | None, over: Any, over_mark: Mark | None) -> Any:
    """The default rule: mappings merge recursively, sequences append, scalars replace."""
    if over is None:
        return base
    if isinstance(base, PosDict) and isinstance(over, PosDict):
        return merge_mapping(base, over, _NO_RULES, _merge_value)
    if isinstance(base, PosList) and isinstance(over, PosList):
        return concat(base, over)
    return over


def _replace(base: Any, base_mark: Mark | None, over: Any, over_mark: Mark | None) -> Any:
    return over


def _nested(rules: Mapping[str, Rule]) -> Rule:
    """A rule merging two mappings with special ``rules`` for some of their keys."""
    def rule(base: Any, base_mark: Mark | None, over: Any, over_mark: Mark | None) -> Any:
        if isinstance(base, PosDict) and isinstance(over, PosDict):
            return merge_mapping(base, over, rules, _merge_value)
        return base if over is None else over
    return rule


def _kv_rule(split: Callable[[str], tuple[str, Any]]) -> Rule:
    """Merge ``KEY=VAL`` lists or mappings as one mapping; the override wins per key."""
    def rule(base: Any, base_mark: Mark | None, over: Any, over_mark: Mark | None) -> Any:
        if over is None:
            return base
        left = as_mapping(base, base_mark, split)
        right = as_mapping(over, over_mark, split)
        if left is None or right is None:
            return over
        out = copy_dict(left) if left is base else left
        for key, value in right.items():
            put(out, key, value, right.key_marks.get(key))
        return out
    return rule


def split_assignment(item: str) -> tuple[str, Any]:
    """``"KEY=VAL"`` -> ``("KEY", "VAL")``; a bare ``"KEY"`` has the value ``None``.

    An interpolated item gives an interpolated value: its written form is the part after
    ``=`` as written (``${NAME}`` for a variable listed bare and filled in).
    """
    key, sep, value = item.partition("=")
    if not sep:
        return key, None
    if isinstance(item, Interpolated):
        written_key, written_sep, written = item.written.partition("=")
        if not written_sep:
            written = f"${{{written_key}}}"
        return key, Interpolated(value, written, item.unresolved)
    return key, value


def split_host(item: str) -> tuple[str, Any]:
    """An ``extra_hosts`` item: ``"host:ip"`` or ``"host=ip"``."""
    sep = "=" if "=" in item else ":"
    key, found, value = item.partition(sep)
    return key, (value if found else None)


def as_mapping(value: Any, mark: Mark | None,
               split: Callable[[str], tuple[str, Any]] = split_assignment) -> PosDict | None:
    """A list of ``KEY=VAL`` strings as a mapping whose keys carry their items' marks.

    A mapping is returned unchanged; ``None`` for values of another type.
    """
    if isinstance(value, PosDict):
        return value
    if value is None:
        return PosDict(mark)
    if isinstance(value, str):
        value = single(value, mark)
    if not isinstance(value, PosList):
        return None
    out = PosDict(value.mark)
    for index, item in enumerate(value):
        key, val = split(item) if isinstance(item, str) else (str(item), None)
        put(out, key, val, value.item_mark(index))
    return out


def _as_list(value: Any, mark: Mark | None) -> PosList | None:
    if isinstance(value, PosList):
        return value
    if value is None:
        return PosList(mark)
    if isinstance(value, str | int | float):
        return single(value, mark)
    return None


def _append(base: Any, base_mark: Mark | None, over: Any, over_mark: Mark | None) -> Any:
    """Lists (a scalar is a one-item list) append; compose's ``mergeToSequence``."""
    left = _as_list(base, base_mark)
    right = _as_list(over, over_mark)
    if left is None or right is None:
        return base if over is None else over
    return concat(left, right)


def depends_on_mapping(value: Any, mark: Mark | None) -> PosDict | None:
    """``depends_on`` as ``name -> {condition: ..., required: ...}``, compose's canonical
    form: a list entry, or a mapping entry without them, gets ``service_started`` and
    ``required: true`` (marked where the name was written)."""
    if isinstance(value, PosList):
        out = PosDict(value.mark)
        for index, item in enumerate(value):
            item_mark = value.item_mark(index)
            put(out, str(item), _with_defaults(PosDict(item_mark), item_mark), item_mark)
        return out
    if not isinstance(value, PosDict):
        return None
    if all(isinstance(v, PosDict) and "condition" in v and "required" in v
           for v in value.values()):
        return value
    out = PosDict(value.mark)
    for name, entry in value.items():
        key_mark = value.key_marks.get(name)
        entry = copy_dict(entry) if isinstance(entry, PosDict) else PosDict(key_mark)
        put(out, name, _with_defaults(entry, key_mark), key_mark)
    return out


def _with_defaults(entry: PosDict, mark: Mark | None) -> PosDict:
    if "condition" not in entry:
        put(entry, "condition", DEFAULT_CONDITION, mark)
    if "required" not in entry:
        put(entry, "required", True, mark)
    return entry


def _dependency_list(value: Any) -> PosDict | None:
    """compose's merge view of ``depends_on``: a list entry is a started, required
    dependency; a mapping is taken as written."""
    if isinstance(value, PosList):
        return depends_on_mapping(value, value.mark)
    return value if isinstance(value, PosDict) else None


def _merge_depends_on(base: Any, base_mark: Mark | None, over: Any,
                      over_mark: Mark | None) -> Any:
    if over is None:
        return base
    left = _dependency_list(base)
    right = _dependency_list(over)
    if left is None or right is None:
        return over
    return merge_mapping(left, right, _NO_RULES, _merge_value)


def _merge_networks(base: Any, base_mark: Mark | None, over: Any, over_mark: Mark | None) -> Any:
    """Service ``networks``: a list of names or a mapping, merged as a mapping."""
    if over is None:
        return base
    left = as_mapping(base, base_mark, _name_only)
    right = as_mapping(over, over_mark, _name_only)
    if left is None or right is None:
        return over
    return merge_mapping(left, right, _NO_RULES, _merge_value)


def _name_only(item: str) -> tuple[str, Any]:
    return item, None


def _merge_build(base: Any, base_mark: Mark | None, over: Any, over_mark: Mark | None) -> Any:
    """``build: ./dir`` is short for ``build: {context: ./dir}``."""
    left = as_build(base, base_mark)
    right = as_build(over, over_mark)
    if left is None or right is None:
        return base if over is None else over
    return merge_mapping(left, right, _BUILD_RULES, _merge_value)


def as_build(value: Any, mark: Mark | None) -> PosDict | None:
    if isinstance(value, PosDict):
        return value
    if isinstance(value, str):
        out = PosDict(mark)
        put(out, "context", value, mark)
        return out
    return None


def _merge_logging(base: Any, base_mark: Mark | None, over: Any, over_mark: Mark | None) -> Any:
    """Logging options merge only when the driver stays the same (or is not given)."""
    if not (isinstance(base, PosDict) and isinstance(over, PosDict)):
        return base if over is None else over
    if "driver" in base and "driver" in over and base["driver"] != over["driver"]:
        return over
    return merge_mapping(base, over, _NO_RULES, _merge_value)


def _merge_ulimits(base: Any, base_mark: Mark | None, over: Any, over_mark: Mark | None) -> Any:
    """Each ulimit is replaced whole by an override."""
    if not (isinstance(base, PosDict) and isinstance(over, PosDict)):
        return base if over is None else over
    return merge_mapping(base, over, _NO_RULES, _replace)


_NO_RULES: dict[str, Rule] = {}
_KV = _kv_rule(split_assignment)
_HOSTS = _kv_rule(split_host)
_BUILD_RULES: dict[str, Rule] = {
    "args": _KV, "labels": _KV, "extra_hosts": _HOSTS, "additional_contexts": _KV,
}
_SERVICE_RULES: dict[str, Rule] = {
    "command": _replace,
    "entrypoint": _replace,
    "healthcheck": _nested({"test": _replace}),
    "environment": _KV,
    "labels": _KV,
    "annotations": _KV,
    "sysctls": _KV,
    "extra_hosts": _HOSTS,
    "ulimits": _merge_ulimits,
    "depends_on": _merge_depends_on,
    "networks": _merge_networks,
    "build": _merge_build,
    "logging": _merge_logging,
    "deploy": _nested({"labels": _KV}),
    **dict.fromkeys(("dns", "dns_opt", "dns_search", "env_file", "label_file", "tmpfs"),
                    _append),
}
_MERGE_VOLUME = _nested({"labels": _KV})


# --- unicity ---------------------------------------------------------------------------


def _key_value(item: Any) -> str | None:
    if isinstance(item, str):
        return item.partition("=")[0]
    return None


def _mount_key(default_dir: str) -> Callable[[Any], str | None]:
    """Secrets and configs: the target, defaulting to ``default_dir/source``."""
    def key_of(item: Any) -> str | None:
        if isinstance(item, str):
            return f"{default_dir}/{item}"
        if isinstance(item, PosDict):
            if item.get("target") is not None:
                return str(item["target"])
            return f"{default_dir}/{item.get('source')}"
        return None
    return key_of


def port_key(item: Any) -> str | None:
    """compose's key for a published port: ``host_ip:published:target/protocol``."""
    if isinstance(item, PosDict):
        return (f"{item.get('host_ip') or '0.0.0.0'}:{item.get('published') or ''}:"
                f"{item.get('target')}/{item.get('protocol') or 'tcp'}")
    if isinstance(item, int) and not isinstance(item, bool):
        return str(item)
    return item if isinstance(item, str) else None


def _device_key(item: Any) -> str | None:
    if isinstance(item, PosDict):
        return None if item.get("target") is None else str(item["target"])
    if isinstance(item, str):
        parts = item.split(":")
        return parts[1] if len(parts) > 1 else parts[0]
    return None


def _env_file_key(item: Any) -> str | None:
    if isinstance(item, PosDict):
        path = item.get("path")
        return path if isinstance(path, str) else None
    return item if isinstance(item, str) else None


def _expose_key(item: Any) -> str | None:
    return None if item is None or isinstance(item, PosDict | PosList) else str(item)


UNIQUE: dict[str, Callable[[Any], str | None]] = {
    "volumes": volume_target,
    "ports": port_key,
    "devices": _device_key,
    "secrets": _mount_key("/run/secrets"),
    "configs": _mount_key(""),
    "env_file": _env_file_key,
    "expose": _expose_key,
    **dict.fromkeys(("annotations", "cap_add", "cap_drop", "dns", "dns_opt", "dns_search",
                     "environment", "labels", "links", "profiles", "sysctls", "tmpfs"),
                    _key_value),
}
"""The service lists compose keeps one entry per key of (``EnforceUnicity``)."""


def unique(items: PosList, key_of: Callable[[Any], str | None]) -> PosList:
    """One entry per key: the first one's position, the last one's value and mark."""
    out = PosList(items.mark, items.tag)
    index: dict[str, int] = {}
    for i, item in enumerate(items):
        mark = items.item_mark(i)
        key = key_of(item)
        if key is not None and key in index:
            out[index[key]] = item
            out.item_marks[index[key]] = mark
            continue
        if key is not None:
            index[key] = len(out)
        out.append(item)
        out.item_marks.append(mark)
    return out


def unique_service(service: PosDict) -> PosDict:
    """``service`` with the lists of :data:`UNIQUE` (and of each network's ``aliases`` and
    ``link_local_ips``) made unique."""
    out = _unique_lists(service, UNIQUE)
    networks = service.get("networks")
    if isinstance(networks, PosDict):
        changed = {name: _unique_lists(entry, _NETWORK_UNIQUE)
                   for name, entry in networks.items() if isinstance(entry, PosDict)}
        if any(changed[name] is not networks[name] for name in changed):
            merged = copy_dict(networks)
            merged.update(changed)
            if out is service:
                out = copy_dict(service)
            out["networks"] = merged
    return out


_NETWORK_UNIQUE = {"aliases": _key_value, "link_local_ips": _key_value}


def _unique_lists(mapping: PosDict, keys: Mapping[str, Callable[[Any], str | None]]) -> PosDict:
    out = mapping
    for key in [k for k in mapping if k in keys]:
        value = mapping[key]
        if isinstance(value, PosList) and len(value) > 1:
            kept = unique(value, keys[key])
            if len(kept) != len(value):
                if out is mapping:
                    out = copy_dict(mapping)
                out[key] = kept
    return out


# --- helpers ---------------------------------------------------------------------------


def put(target: PosDict, key: str, value: Any, mark: Mark | None) -> None:
    target[key] = value
    if mark is not None:
        target.key_marks[key] = mark


def copy_dict(source: PosDict) -> PosDict:
    out = PosDict(source.mark)
    out.update(source)
    out.key_marks.update(source.key_marks)
    return out


def concat(left: PosList, right: PosList) -> PosList:
    out = PosList(left.mark)
    for seq in (left, right):
        out.extend(seq)
        out.item_marks.extend(seq.item_mark(i) for i in range(len(seq)))
    return out


def single(value: Any, mark: Mark | None) -> PosList:
    out = PosList(mark)
    out.append(value)
    out.item_marks.append(mark)
    return out


def without(mapping: PosDict, key: str) -> PosDict:
    out = copy_dict(mapping)
    del out[key]
    out.key_marks.pop(key, None)
    return out
