"""Load a compose project the way ``docker compose -f a -f b`` would see it.

Each file is read once, checked, and interpolated; then its ``include`` entries are
imported and its ``extends`` resolved; then the files are merged in order using the
compose-spec merge rules (13-merge.md). Every value keeps the mark of the file and
line it came from, so findings point at what a person wrote.

Nothing here raises on bad input: unreadable files, missing ``extends``/``include``
targets and cycles become :class:`InputProblem` values and loading carries on.

Merged containers keep the mark of their first definition (``.mark``); each key's mark
(``key_marks``) is that of the last file that wrote it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dindcheck.model import DEFAULT_MAX_FILE_SIZE, InputProblem
from dindcheck.sources.compose.interpolate import (
    interpolate,
    interpolate_mapping,
    interpolate_tree,
    load_dotenv,
)
from dindcheck.yamlload import Mark, PosDict, PosList, YamlError, load_file

DEFAULT_CONDITION = "service_started"
KEEP_EXTENSION = "x-dindcheck"


@dataclass(frozen=True)
class ComposeProject:
    """One compose project after merging, ``extends``, ``include`` and interpolation.

    ``services`` is a :class:`PosDict` (service name -> definition) whose ``key_marks``
    give where each service was first defined.
    """

    name: str
    files: tuple[str, ...]
    services: dict[str, PosDict]
    volumes: dict[str, Any]
    problems: tuple[InputProblem, ...]
    unresolved: tuple[str, ...]
    notes: tuple[str, ...] = ()


def load_project(files: Sequence[Path], *, environ: Mapping[str, str],
                 max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> ComposeProject:
    """Read ``files`` in order (like ``docker compose -f ... -f ...``) into one project.

    Variables come from ``environ``, then from a ``.env`` beside the first file.
    """
    paths = [str(f) for f in files]
    if not paths:
        return ComposeProject(name="", files=(), services=PosDict(), volumes=PosDict(),
                              problems=(), unresolved=())
    session = _Session(max_file_size)
    env = project_environment(Path(paths[0]).parent / ".env", environ)
    model = session.project(paths, env, frozenset())
    services = model.services
    for name, service in services.items():
        services[name] = _finalise(service)
    notes: tuple[str, ...] = ()
    if not services and not session.problems:
        notes = (f"{', '.join(session.files)}: no services defined, nothing was linted",)
    return ComposeProject(
        name=model.name or Path(os.path.abspath(paths[0])).parent.name,
        files=tuple(session.files),
        services=services,
        volumes=model.volumes,
        problems=tuple(session.problems),
        unresolved=tuple(sorted(session.unresolved)),
        notes=notes,
    )


def project_environment(dotenv: Path, environ: Mapping[str, str]) -> Mapping[str, str]:
    """``environ`` over the values of ``dotenv`` (the process environment wins)."""
    values = load_dotenv(dotenv, environ)
    if not values:
        return environ
    values.update(environ)
    return values


# --- merging ---------------------------------------------------------------------------

Rule = Callable[[Any, Mark | None, Any, Mark | None], Any]
"""Merges a base value and an override value; receives each value's key mark."""


def merge_service(base: PosDict, over: PosDict) -> PosDict:
    """``over`` applied on top of ``base`` by the compose merge rules; inputs are unchanged."""
    return _merge_mapping(base, over, _SERVICE_RULES, _merge_value)


def _merge_mapping(base: PosDict, over: PosDict, rules: Mapping[str, Rule],
                   default: Rule) -> PosDict:
    out = _copy_dict(base)
    for key, value in over.items():
        mark = over.key_marks.get(key)
        if key not in out:
            _put(out, key, value, mark)
        elif value is not None:  # an empty override keeps the base value
            rule = rules.get(key, default)
            _put(out, key, rule(out[key], out.key_marks.get(key), value, mark), mark)
    return out


def _merge_value(base: Any, base_mark: Mark | None, over: Any, over_mark: Mark | None) -> Any:
    """The default rule: mappings merge recursively, sequences append, scalars replace."""
    if isinstance(base, PosDict) and isinstance(over, PosDict):
        return _merge_mapping(base, over, _NO_RULES, _merge_value)
    if isinstance(base, PosList) and isinstance(over, PosList):
        return _concat(base, over)
    return over


def _replace(base: Any, base_mark: Mark | None, over: Any, over_mark: Mark | None) -> Any:
    return over


def _nested(rules: Mapping[str, Rule], default: Rule = _merge_value) -> Rule:
    """A rule merging two mappings with special ``rules`` for some of their keys."""
    def rule(base: Any, base_mark: Mark | None, over: Any, over_mark: Mark | None) -> Any:
        if isinstance(base, PosDict) and isinstance(over, PosDict):
            return _merge_mapping(base, over, rules, default)
        return over
    return rule


def _kv_rule(split: Callable[[str], tuple[str, Any]]) -> Rule:
    """Merge ``KEY=VAL`` lists or mappings as one mapping; the override wins per key."""
    def rule(base: Any, base_mark: Mark | None, over: Any, over_mark: Mark | None) -> Any:
        left = as_mapping(base, base_mark, split)
        right = as_mapping(over, over_mark, split)
        if left is None or right is None:
            return over
        out = _copy_dict(left) if left is base else left
        for key, value in right.items():
            _put(out, key, value, right.key_marks.get(key))
        return out
    return rule


def split_assignment(item: str) -> tuple[str, Any]:
    """``"KEY=VAL"`` -> ``("KEY", "VAL")``; a bare ``"KEY"`` has the value ``None``."""
    key, sep, value = item.partition("=")
    return key, (value if sep else None)


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
        value = _single(value, mark)
    if not isinstance(value, PosList):
        return None
    out = PosDict(value.mark)
    for index, item in enumerate(value):
        key, val = split(item) if isinstance(item, str) else (str(item), None)
        _put(out, key, val, value.item_mark(index))
    return out


def _as_list(value: Any, mark: Mark | None) -> PosList | None:
    if isinstance(value, PosList):
        return value
    if value is None:
        return PosList(mark)
    if isinstance(value, str | int | float):
        return _single(value, mark)
    return None


def _unique_rule(key_of: Callable[[Any], str | None]) -> Rule:
    """Append, but an item whose key (e.g. a mount target) is already present replaces it."""
    def rule(base: Any, base_mark: Mark | None, over: Any, over_mark: Mark | None) -> Any:
        left = _as_list(base, base_mark)
        right = _as_list(over, over_mark)
        if left is None or right is None:
            return over
        out = PosList(left.mark)
        index: dict[str, int] = {}
        for seq in (left, right):
            for i, item in enumerate(seq):
                mark = seq.item_mark(i)
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
    return rule


def volume_target(item: Any) -> str | None:
    """The container path of a service volume (short or long syntax)."""
    if isinstance(item, PosDict):
        target = item.get("target")
        return None if target is None else str(target)
    if not isinstance(item, str):
        return None
    parts = item.split(":")
    if len(parts) > 2 and len(parts[0]) == 1 and parts[0].isalpha() and parts[1][:1] in "\\/":
        parts = [f"{parts[0]}:{parts[1]}", *parts[2:]]  # a Windows drive: C:\src:/dst
    return parts[1] if len(parts) > 1 else parts[0]


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


def _port_key(item: Any) -> str | None:
    if isinstance(item, PosDict):
        return (f"{item.get('host_ip') or '0.0.0.0'}:{item.get('published') or ''}:"
                f"{item.get('target')}/{item.get('protocol') or 'tcp'}")
    return None if item is None else str(item)


def _device_key(item: Any) -> str | None:
    if isinstance(item, PosDict):
        return None if item.get("target") is None else str(item["target"])
    if isinstance(item, str):
        parts = item.split(":")
        return parts[1] if len(parts) > 1 else parts[0]
    return None


def _scalar_key(item: Any) -> str | None:
    if isinstance(item, str):
        return item.partition("=")[0]
    if isinstance(item, PosDict):  # env_file long syntax
        return None if item.get("path") is None else str(item["path"])
    return None if item is None else str(item)


def depends_on_mapping(value: Any, mark: Mark | None) -> PosDict | None:
    """``depends_on`` as ``name -> {condition: ...}``; list items lend their marks to keys.

    Entries without a condition get ``service_started`` (marked where the name was written).
    """
    if isinstance(value, PosList):
        out = PosDict(value.mark)
        for index, item in enumerate(value):
            item_mark = value.item_mark(index)
            _put(out, str(item), _condition(PosDict(item_mark), item_mark), item_mark)
        return out
    if not isinstance(value, PosDict):
        return None
    if all(isinstance(v, PosDict) and "condition" in v for v in value.values()):
        return value
    out = PosDict(value.mark)
    for name, entry in value.items():
        key_mark = value.key_marks.get(name)
        if entry is None:
            entry = _condition(PosDict(key_mark), key_mark)
        elif isinstance(entry, PosDict) and "condition" not in entry:
            entry = _condition(_copy_dict(entry), key_mark)
        _put(out, name, entry, key_mark)
    return out


def _condition(entry: PosDict, mark: Mark | None) -> PosDict:
    _put(entry, "condition", DEFAULT_CONDITION, mark)
    return entry


def _merge_depends_on(base: Any, base_mark: Mark | None, over: Any,
                      over_mark: Mark | None) -> Any:
    left = depends_on_mapping(base, base_mark)
    right = depends_on_mapping(over, over_mark)
    if left is None or right is None:
        return over
    return _merge_mapping(left, right, _NO_RULES, _merge_value)


def _merge_networks(base: Any, base_mark: Mark | None, over: Any, over_mark: Mark | None) -> Any:
    """Service ``networks``: a list of names or a mapping, merged as a mapping."""
    left = as_mapping(base, base_mark, _name_only)
    right = as_mapping(over, over_mark, _name_only)
    if left is None or right is None:
        return over
    return _merge_mapping(left, right, _NO_RULES, _merge_value)


def _name_only(item: str) -> tuple[str, Any]:
    return item, None


def _merge_build(base: Any, base_mark: Mark | None, over: Any, over_mark: Mark | None) -> Any:
    """``build: ./dir`` is short for ``build: {context: ./dir}``."""
    left = _as_build(base, base_mark)
    right = _as_build(over, over_mark)
    if left is None or right is None:
        return over
    return _merge_mapping(left, right, _BUILD_RULES, _merge_value)


def _as_build(value: Any, mark: Mark | None) -> PosDict | None:
    if isinstance(value, PosDict):
        return value
    if isinstance(value, str):
        out = PosDict(mark)
        _put(out, "context", value, mark)
        return out
    return None


def _merge_logging(base: Any, base_mark: Mark | None, over: Any, over_mark: Mark | None) -> Any:
    """Logging options merge only when the driver stays the same (or is not given)."""
    if not (isinstance(base, PosDict) and isinstance(over, PosDict)):
        return over
    if "driver" in base and "driver" in over and base["driver"] != over["driver"]:
        return over
    return _merge_mapping(base, over, _NO_RULES, _merge_value)


_NO_RULES: dict[str, Rule] = {}
_KV = _kv_rule(split_assignment)
_HOSTS = _kv_rule(split_host)
_UNIQUE_VALUES = _unique_rule(_scalar_key)
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
    "ulimits": _nested(_NO_RULES, _replace),
    "depends_on": _merge_depends_on,
    "networks": _merge_networks,
    "build": _merge_build,
    "logging": _merge_logging,
    "deploy": _nested({"labels": _KV}),
    "volumes": _unique_rule(volume_target),
    "secrets": _unique_rule(_mount_key("/run/secrets")),
    "configs": _unique_rule(_mount_key("")),
    "ports": _unique_rule(_port_key),
    "devices": _unique_rule(_device_key),
    **dict.fromkeys(("cap_add", "cap_drop", "dns", "dns_opt", "dns_search", "env_file",
                     "expose", "links", "profiles", "tmpfs", "label_file"), _UNIQUE_VALUES),
}
_MERGE_VOLUME = _nested({"labels": _KV})


def _put(target: PosDict, key: str, value: Any, mark: Mark | None) -> None:
    target[key] = value
    if mark is not None:
        target.key_marks[key] = mark


def _copy_dict(source: PosDict) -> PosDict:
    out = PosDict(source.mark)
    out.update(source)
    out.key_marks.update(source.key_marks)
    return out


def _concat(left: PosList, right: PosList) -> PosList:
    out = PosList(left.mark)
    for seq in (left, right):
        out.extend(seq)
        out.item_marks.extend(seq.item_mark(i) for i in range(len(seq)))
    return out


def _single(value: Any, mark: Mark | None) -> PosList:
    out = PosList(mark)
    out.append(value)
    out.item_marks.append(mark)
    return out


def _without(service: PosDict, key: str) -> PosDict:
    out = _copy_dict(service)
    del out[key]
    out.key_marks.pop(key, None)
    return out


def _finalise(service: PosDict) -> PosDict:
    """Drop ``extends`` and ``x-`` keys (but ``x-dindcheck``); ``depends_on`` as a mapping."""
    for key in [k for k in service if k == "extends" or
                (k.startswith("x-") and k != KEEP_EXTENSION)]:
        del service[key]
        service.key_marks.pop(key, None)
    deps = service.get("depends_on")
    if deps is not None:
        mapping = depends_on_mapping(deps, service.key_marks.get("depends_on"))
        if mapping is not None:
            service["depends_on"] = mapping
    return service


# --- loading ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _File:
    """One file as read: its top level, and its valid services and volumes."""

    path: str
    top: PosDict
    services: PosDict
    volumes: PosDict


@dataclass(frozen=True, slots=True)
class _Model:
    """A file or set of files after include and extends."""

    name: str | None
    services: PosDict
    volumes: PosDict


@dataclass(frozen=True, slots=True)
class _IncludeSpec:
    paths: list[str]
    project_directory: str | None
    env_files: list[str]


class _Session:
    """The state of one :func:`load_project` call: file cache, problems, unresolved names."""

    def __init__(self, max_file_size: int) -> None:
        self.max_file_size = max_file_size
        self.cache: dict[str, _File | None] = {}
        self.files: list[str] = []
        self.problems: list[InputProblem] = []
        self.unresolved: set[str] = set()
        self.resolved: dict[tuple[str, str], PosDict] = {}

    def problem(self, path: str, message: str, mark: Mark | None = None) -> None:
        line, column = (mark.line, mark.column) if mark is not None else (None, None)
        self.problems.append(InputProblem(path=path, message=message, line=line,
                                          column=column, kind="input"))

    # files

    def read(self, path: str, env: Mapping[str, str]) -> _File | None:
        """The checked, interpolated file; each file is read once per project."""
        key = os.path.abspath(path)
        if key in self.cache:
            return self.cache[key]
        self.cache[key] = None
        self.files.append(path)
        try:
            data = load_file(Path(path), self.max_file_size)
        except YamlError as exc:
            self.problems.append(InputProblem(path=exc.path, message=exc.message,
                                              line=exc.line, column=exc.column, kind="input"))
            return None
        if data is None:
            data = PosDict(Mark(path, 1, 1))
        if not isinstance(data, PosDict):
            mark = data.mark if isinstance(data, PosList) else Mark(path, 1, 1)
            self.problem(path, f"top level must be a mapping, not {_kind(data)}", mark)
            return None
        file = _File(path, data, self._services(data, path), self._volumes(data, path))
        self._interpolate(file, env)
        self.cache[key] = file
        return file

    def _services(self, top: PosDict, path: str) -> PosDict:
        raw = top.get("services")
        if raw is None:
            return PosDict(top.key_marks.get("services", top.mark))
        if not isinstance(raw, PosDict):
            self.problem(path, f"`services` must be a mapping, not {_kind(raw)}",
                         top.key_marks.get("services"))
            return PosDict(top.key_marks.get("services"))
        if all(isinstance(service, PosDict) for service in raw.values()):
            return raw
        out = PosDict(raw.mark)
        for name, service in raw.items():
            if isinstance(service, PosDict):
                _put(out, name, service, raw.key_marks.get(name))
            else:
                self.problem(path, f'service "{name}" must be a mapping, not {_kind(service)}',
                             raw.key_marks.get(name))
        return out

    def _volumes(self, top: PosDict, path: str) -> PosDict:
        raw = top.get("volumes")
        if isinstance(raw, PosDict):
            return raw
        if raw is not None:
            self.problem(path, f"`volumes` must be a mapping, not {_kind(raw)}",
                         top.key_marks.get("volumes"))
        return PosDict(top.key_marks.get("volumes", top.mark))

    def _interpolate(self, file: _File, env: Mapping[str, str]) -> None:
        """Substitute variables in the parts a lint reads; ``x-`` extensions stay raw."""
        for service in file.services.values():
            interpolate_mapping(service, env, self.unresolved)
        interpolate_tree(file.volumes, env, self.unresolved)
        top = file.top
        if "include" in top:
            interpolate_tree(top["include"], env, self.unresolved)
        if isinstance(top.get("name"), str):
            top["name"] = interpolate(top["name"], env, self.unresolved)

    # projects

    def project(self, paths: Sequence[str], env: Mapping[str, str],
                stack: frozenset[str]) -> _Model:
        """Files merged in order, like ``docker compose -f a -f b``."""
        models = [m for m in (self.file_model(p, env, stack) for p in paths) if m is not None]
        if len(models) == 1:
            return models[0]
        first = models[0].services.mark if models else None
        services, volumes, name = PosDict(first), PosDict(), None
        for model in models:
            _import(services, model.services, merge_service, base_first=True)
            _import(volumes, model.volumes, _merge_volume, base_first=True)
            name = model.name or name
        return _Model(name, services, volumes)

    def file_model(self, path: str, env: Mapping[str, str],
                   stack: frozenset[str]) -> _Model | None:
        file = self.read(path, env)
        if file is None:
            return None
        services, volumes = file.services, file.volumes
        if file.top.get("include") is not None:
            services, volumes = self._include(file, env, stack | {os.path.abspath(path)})
        if any("extends" in service for service in services.values()):
            services = self._extends_all(path, services, env)
        name = file.top.get("name")
        return _Model(name if isinstance(name, str) and name else None, services, volumes)

    # include

    def _include(self, file: _File, env: Mapping[str, str],
                 stack: frozenset[str]) -> tuple[PosDict, PosDict]:
        """The file's services and volumes with those of its ``include`` entries added.

        Like compose, an included service that is also defined locally is the base and
        the local definition overrides it.
        """
        raw = file.top["include"]
        services, volumes = _copy_dict(file.services), _copy_dict(file.volumes)
        if not isinstance(raw, PosList):
            self.problem(file.path, f"`include` must be a list, not {_kind(raw)}",
                         file.top.key_marks.get("include"))
            return services, volumes
        here = os.path.dirname(file.path)
        for index, entry in enumerate(raw):
            mark = raw.item_mark(index)
            spec = _include_spec(entry)
            if spec is None:
                self.problem(file.path, "an `include` entry must be a path or a mapping "
                                        "with `path`", mark)
                continue
            paths = [_join(here, p) for p in spec.paths]
            if not self._include_targets_ok(file.path, spec.paths, paths, stack, mark):
                continue
            sub_env = self._include_env(spec, here, paths[0], env)
            model = self.project(paths, sub_env, stack)
            _import(services, model.services, merge_service, base_first=False)
            _import(volumes, model.volumes, _merge_volume, base_first=False)
        return services, volumes

    def _include_targets_ok(self, path: str, written: list[str], paths: list[str],
                            stack: frozenset[str], mark: Mark | None) -> bool:
        ok = True
        for shown, target in zip(written, paths, strict=True):
            if not os.path.isfile(target):
                self.problem(path, f'include: file "{shown}" not found', mark)
                ok = False
            elif os.path.abspath(target) in stack:
                self.problem(path, f'include cycle: "{shown}" is already being included',
                             mark)
                ok = False
        return ok

    def _include_env(self, spec: _IncludeSpec, here: str, first: str,
                     env: Mapping[str, str]) -> Mapping[str, str]:
        """The included project's ``.env`` values under the including project's ones."""
        if spec.env_files:
            env_files = [_join(here, f) for f in spec.env_files]
        elif spec.project_directory is not None:
            env_files = [os.path.join(_join(here, spec.project_directory), ".env")]
        else:
            env_files = [os.path.join(os.path.dirname(first), ".env")]
        values: dict[str, str] = {}
        for env_file in env_files:
            values.update(load_dotenv(Path(env_file), env))
        if not values:
            return env
        values.update(env)
        return values

    # extends

    def _extends_all(self, path: str, services: PosDict, env: Mapping[str, str]) -> PosDict:
        out = PosDict(services.mark)
        for name in services:
            _put(out, name, self._resolve(path, services, name, env, ()),
                 services.key_marks.get(name))
        return out

    def _resolve(self, path: str, services: PosDict, name: str, env: Mapping[str, str],
                 chain: tuple[tuple[str, str], ...]) -> PosDict:
        """The service with its ``extends`` chain applied (memoised per file and name)."""
        key = (os.path.abspath(path), name)
        if key in self.resolved:
            return self.resolved[key]
        service: PosDict = services[name]
        if "extends" not in service:
            return service
        local = _without(service, "extends")
        mark = service.key_marks.get("extends")
        target = self._extends_target(path, services, name, service["extends"], env, mark)
        result = local
        if target is not None:
            target_path, target_services, ref = target
            target_key = (os.path.abspath(target_path), ref)
            if target_key == key or target_key in chain:
                self.problem(path, f'extends cycle: service "{name}" extends "{ref}", which '
                                   f'extends "{name}" again', mark)
            else:
                base = self._resolve(target_path, target_services, ref, env, (*chain, key))
                result = merge_service(base, local)
        self.resolved[key] = result
        return result

    def _extends_target(self, path: str, services: PosDict, name: str, extends: Any,
                        env: Mapping[str, str],
                        mark: Mark | None) -> tuple[str, PosDict, str] | None:
        """Where the base service of ``extends`` is: (file, its services, service name)."""
        ref, other = _extends_spec(extends)
        if ref is None:
            self.problem(path, f'service "{name}": `extends` needs a service name', mark)
            return None
        if other is None:
            if ref not in services:
                self.problem(path, f'service "{name}" extends "{ref}", which is not defined',
                             mark)
                return None
            return path, services, ref
        target_path = _join(os.path.dirname(path), other)
        if not os.path.isfile(target_path):
            self.problem(path, f'service "{name}" extends a service in "{other}", '
                               "which was not found", mark)
            return None
        target = self.read(target_path, env)
        if target is None:
            return None  # the file's own problem is already reported
        if ref not in target.services:
            self.problem(path, f'service "{name}" extends "{ref}", which is not defined '
                               f'in "{other}"', mark)
            return None
        return target_path, target.services, ref


def _merge_volume(base: PosDict | None, over: PosDict | None) -> Any:
    return _MERGE_VOLUME(base, None, over, None)


def _import(target: PosDict, source: PosDict, merge: Callable[[Any, Any], Any], *,
            base_first: bool) -> None:
    """Add ``source``'s entries to ``target``; a name in both is merged.

    ``base_first``: ``target`` is the base and ``source`` overrides it (``-f`` order);
    otherwise ``source`` is the base (``include``, where local definitions win).
    """
    for name, value in source.items():
        if name not in target:
            _put(target, name, value, source.key_marks.get(name))
        elif base_first:
            if value is not None:
                target[name] = merge(target[name], value)
        elif target[name] is not None and value is not None:
            target[name] = merge(value, target[name])
        elif target[name] is None:
            target[name] = value


def _include_spec(entry: Any) -> _IncludeSpec | None:
    if isinstance(entry, str):
        return _IncludeSpec([entry], None, [])
    if not isinstance(entry, PosDict):
        return None
    paths = _strings(entry.get("path"))
    if not paths:
        return None
    directory = entry.get("project_directory")
    return _IncludeSpec(paths, directory if isinstance(directory, str) else None,
                        _strings(entry.get("env_file")))


def _extends_spec(extends: Any) -> tuple[str | None, str | None]:
    """``extends`` as (service, file or None)."""
    if isinstance(extends, str):
        return extends, None
    if isinstance(extends, PosDict):
        service, other = extends.get("service"), extends.get("file")
        return (service if isinstance(service, str) else None,
                other if isinstance(other, str) else None)
    return None, None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _join(directory: str, path: str) -> str:
    """``path`` relative to ``directory``, kept relative when it was given relative."""
    return os.path.normpath(os.path.join(directory, os.path.expanduser(path)))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string"
