"""A service's environment as compose computes it: ``env_file`` values under the
``environment`` entries, and variables listed without a value filled from the project's
environment (the shell, then ``.env``).

The result is a mapping (written list or mapping alike) whose keys carry the mark of where
each variable was set: the ``environment`` entry, or the line of the ``env_file``. A value
taken from the project's environment is an :class:`Interpolated` whose written form is
``${NAME}``, so that reports can name it without showing it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dindcheck.sources.compose.dotenv import Dotenv
from dindcheck.sources.compose.interpolate import Interpolated
from dindcheck.sources.compose.merge import as_mapping, copy_dict, put
from dindcheck.yamlload import Mark, PosDict, PosList

EnvFileReader = Callable[[str, "Mark | None", bool, Callable[[str], "str | None"],
                          Mapping[str, str]], "tuple[Dotenv, str] | None"]
"""Reads one env file: (path as written, mark, required, lookup, values so far) ->
(values, path to show), or None when it is not read (its problem or note is reported)."""


def from_environment(name: str, value: str) -> Interpolated:
    return Interpolated(value, f"${{{name}}}", ())


def resolve_listed(environment: Any, lookup: Callable[[str], str | None]) -> Any:
    """List entries without ``=`` filled from ``lookup`` (compose's ``ResolveEnvironment``,
    run for each project, included ones with their own environment)."""
    if not isinstance(environment, PosList):
        return environment
    out: PosList | None = None
    for index, item in enumerate(environment):
        if isinstance(item, str) and "=" not in item:
            value = lookup(item)
            if value is not None:
                if out is None:
                    out = PosList(environment.mark, environment.tag)
                    out.extend(environment)
                    out.item_marks.extend(environment.item_mark(i)
                                          for i in range(len(environment)))
                out[index] = Interpolated(f"{item}={value}", item, ())
    return environment if out is None else out


def service_environment(service: PosDict, lookup: Callable[[str], str | None],
                        read: EnvFileReader) -> PosDict | None:
    """The service's final environment, or None when it has neither ``environment`` nor
    ``env_file``."""
    written = service.get("environment")
    env_files = service.get("env_file")
    if written is None and env_files is None:
        return None
    mark = service.key_marks.get("environment") or service.key_marks.get("env_file")
    declared = as_mapping(written, mark) if written is not None else PosDict(mark)
    if declared is None:
        return None
    declared = copy_dict(declared)
    for name, value in declared.items():
        if value is None:
            found = lookup(name)
            if found is not None:
                declared[name] = from_environment(name, found)
    if env_files is None:
        return declared
    return _with_env_files(declared, env_files, service.key_marks.get("env_file"), lookup,
                           read)


def _with_env_files(declared: PosDict, env_files: Any, mark: Mark | None,
                    lookup: Callable[[str], str | None], read: EnvFileReader) -> PosDict:
    """``env_file`` values (in order, later files winning) under the declared entries."""
    known = {k: v for k, v in declared.items() if v is not None}

    def resolve(name: str) -> str | None:
        found = lookup(name)
        return known.get(name) if found is None else found

    values: dict[str, str] = {k: v for k, v in declared.items() if v is not None}
    out = PosDict(declared.mark)
    entries = [env_files] if isinstance(env_files, str) else env_files
    for index, entry in enumerate(entries):
        item_mark = env_files.item_mark(index) if isinstance(env_files, PosList) else mark
        path, required = _env_file_entry(entry)
        if path is None:
            continue
        result = read(path, item_mark, required, resolve, values)
        if result is None:
            continue
        parsed, shown = result
        for name, value in parsed.values.items():
            values[name] = value
            put(out, name, value, Mark(shown, parsed.lines[name], 1))
    for name, value in declared.items():
        put(out, name, value, declared.key_marks.get(name))
    return out


def _env_file_entry(entry: Any) -> tuple[str | None, bool]:
    if isinstance(entry, str):
        return entry, True
    if isinstance(entry, PosDict) and isinstance(entry.get("path"), str):
        return entry["path"], entry.get("required", True) is not False
    return None, True
