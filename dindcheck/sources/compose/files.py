"""Load a compose project the way ``docker compose -f a -f b`` computes it.

The steps are compose-go's, in its order. Each file is read once (regular files only, with
the size cap applied while reading, inside the root when one is given) and split into its
YAML documents. Each document has its ``!reset``/``!override`` tags taken out, is
interpolated with the project's environment (the shell over ``.env``), and has the shape of
the fields dindcheck reads checked. Then its ``include`` entries are loaded as projects of
their own (their folder, their ``.env`` or ``env_file``) and imported; the resets of the
document are applied to what came before; its ``extends`` are resolved; and it is merged on
top of the earlier documents and files (:mod:`.merge`). At the end each service gets its
final environment (``env_file`` read, listed variables filled in), its implied dependencies,
and one entry per target in its lists; references to undefined services are reported, and
the profile selection is applied.

Relative paths resolve against the project's folder. Paths written in a file of another
folder (an included project, the file of an ``extends``) are made absolute against that
folder when they join the project, as compose does.

Nothing here raises on bad input: what compose would refuse becomes an
:class:`InputProblem` at its line, what is not read (outside the root) a note naming it, and
loading carries on. Every value keeps the mark of the file and line it came from.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dindcheck.model import DEFAULT_MAX_FILE_SIZE, InputProblem
from dindcheck.reading import ReadError, is_outside, read_text
from dindcheck.sources.compose.dockerfile import (
    MAX_DOCKERFILE_SIZE,
    ImageConfig,
    read_dockerfile,
)
from dindcheck.sources.compose.documents import parse_documents
from dindcheck.sources.compose.dotenv import Dotenv, DotenvError, parse_dotenv
from dindcheck.sources.compose.environment import resolve_listed, service_environment
from dindcheck.sources.compose.interpolate import (
    TemplateError,
    Unresolved,
    interpolate_tree,
    substitute,
)
from dindcheck.sources.compose.merge import (
    as_mapping,
    copy_dict,
    depends_on_mapping,
    merge_service,
    merge_volume,
    put,
    unique_service,
    without,
)
from dindcheck.sources.compose.references import (
    check_cycles,
    check_references,
    enabled_services,
    with_implied,
)
from dindcheck.sources.compose.resets import Path as ResetPath
from dindcheck.sources.compose.resets import apply_resets, strip_tags, under
from dindcheck.sources.compose.shape import check_service, check_volume, kind
from dindcheck.sources.compose.volumes import (
    SpecError,
    is_file_path,
    parse_short_volume,
    volume_target,
)
from dindcheck.yamlload import Mark, PosDict, PosList, YamlError

__all__ = ["ComposeProject", "as_mapping", "depends_on_mapping", "load_project",
           "merge_service", "volume_target"]

KEEP_EXTENSION = "x-dindcheck"
PROJECT_NAME_VARIABLE = "COMPOSE_PROJECT_NAME"

# Includes nest this deep at most: a real project nests a few levels.
MAX_INCLUDE_DEPTH = 32

_NAME_CHARS = re.compile(r"[a-z0-9_-]")
_VALID_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_REMOTE_CONTEXT = ("https://", "http://", "git://", "ssh://", "github.com/", "git@")


@dataclass(frozen=True)
class ComposeProject:
    """One compose project after merging, ``extends``, ``include`` and interpolation.

    ``services`` is a :class:`PosDict` (service name -> definition) whose ``key_marks``
    give where each service was first defined; it holds the services the profile selection
    starts (all of them without a selection), each keeping its ``profiles``. ``disabled``
    names the services the selection leaves out. ``project_dir`` is the folder relative
    paths resolve against. ``dockerfiles`` gives, for a service built locally without an
    ``image``, what its Dockerfile's final stage says (its base image, ENTRYPOINT, CMD,
    VOLUMEs: read safely here), and ``base_images`` that stage's base image.
    """

    name: str
    files: tuple[str, ...]
    services: dict[str, PosDict]
    volumes: dict[str, Any]
    problems: tuple[InputProblem, ...]
    unresolved: tuple[str, ...]
    notes: tuple[str, ...] = ()
    project_dir: str = "."
    disabled: tuple[str, ...] = ()
    base_images: Mapping[str, str] = field(default_factory=dict)
    dockerfiles: Mapping[str, ImageConfig] = field(default_factory=dict)


def load_project(files: Sequence[Path], *, environ: Mapping[str, str],
                 max_file_size: int = DEFAULT_MAX_FILE_SIZE,
                 profiles: Sequence[str] | None = None, root: Path | None = None,
                 allow_outside: bool = False) -> ComposeProject:
    """Read ``files`` in order (like ``docker compose -f ... -f ...``) into one project.

    Variables come from ``environ``, then from the ``.env`` of the project's folder (the
    first file's). ``profiles``: None lints every service; a list keeps the services
    ``docker compose --profile ...`` would start (``COMPOSE_PROFILES`` is not read: pass it
    here to follow it). ``root``: files that resolve outside it are not read (a note names
    them) unless ``allow_outside``.
    """
    paths = [str(f) for f in files]
    if not paths:
        return ComposeProject(name="", files=(), services=PosDict(), volumes=PosDict(),
                              problems=(), unresolved=())
    session = _Session(max_file_size, None if allow_outside else root)
    return session.load(paths, environ, profiles)


# --- the state of one load ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Env:
    """An environment to interpolate with; ``key`` tells environments apart in caches."""

    values: Mapping[str, str]
    key: int

    def get(self, name: str) -> str | None:
        return self.values.get(name)


@dataclass(slots=True)
class _Document:
    """One YAML document, prepared: tags taken out, interpolated, shapes checked."""

    path: str
    top: PosDict
    services: PosDict
    volumes: PosDict
    resets: set[ResetPath]


@dataclass(slots=True)
class _Model:
    """Files (or an included project) after include, extends and merging."""

    services: PosDict
    volumes: PosDict


@dataclass(frozen=True, slots=True)
class _Scope:
    """Where a project being loaded lives: its folder, its environment, the include
    chain above it."""

    base: str
    env: _Env
    chain: tuple[str, ...] = ()


class _Session:
    def __init__(self, max_file_size: int, root: Path | None) -> None:
        self.max_file_size = max_file_size
        self.root = root
        self.files: list[str] = []
        self.problems: list[InputProblem] = []
        self.notes: list[str] = []
        self.unresolved = Unresolved()
        self.raw: dict[str, list[Any] | None] = {}
        self.taken: set[str] = set()
        self.tagged: set[str] = set()
        self.listed: set[str] = set()
        self.documents_cache: dict[tuple[str, int], list[_Document] | None] = {}
        self.file_documents: dict[tuple[str, int], _Document] = {}
        self.includes: dict[tuple[tuple[str, ...], str, int], _Model] = {}
        self.resolved: dict[tuple[int, str], PosDict] = {}
        self.envs: dict[frozenset[tuple[str, str]], _Env] = {}
        self.include_envs: dict[Any, _Env | None] = {}
        self.main_base = "."

    def problem(self, path: str, message: str, mark: Mark | None = None) -> None:
        line, column = (mark.line, mark.column) if mark is not None else (None, None)
        self.problems.append(InputProblem(path=mark.path if mark else path, message=message,
                                          line=line, column=column, kind="input"))

    def reporter(self, path: str) -> Callable[[str, Mark | None], None]:
        def report(message: str, mark: Mark | None) -> None:
            self.problem(path, message, mark)
        return report

    def readable(self, path: str, what: str, mark: Mark | None) -> bool:
        """False, and a problem naming it, for a file outside the root or a path no file
        can have (a NUL byte in it): what it holds was not checked."""
        if "\0" in path:
            self.problem(path.replace("\0", "\\0"), f"{what}: a path with a NUL byte", mark)
            return False
        if self.root is None or not is_outside(path, self.root):
            return True
        real = os.path.realpath(path)
        shown = path if real == os.path.abspath(path) else f"{path} (-> {real})"
        self.problem(path, f"{what} {shown} is outside {self.root} and was not read "
                     "(--allow-outside reads it)", mark)
        return False

    def env(self, values: Mapping[str, str]) -> _Env:
        """The environment with these values (one per content, so that caches keyed by
        environment hit whichever way it was reached)."""
        content = frozenset(values.items())
        env = self.envs.get(content)
        if env is None:
            env = self.envs[content] = _Env(values, len(self.envs))
        return env

    # the whole project

    def load(self, paths: list[str], environ: Mapping[str, str],
             profiles: Sequence[str] | None) -> ComposeProject:
        base = os.path.dirname(paths[0]) or "."
        self.main_base = base
        values = dict(environ)
        dotenv = self.dotenv(os.path.join(base, ".env"), values, None, required=False)
        if dotenv is not None:
            values = {**dotenv.values, **environ}
        name = self.project_name(paths, values, base)
        values[PROJECT_NAME_VARIABLE] = name
        scope = _Scope(base, self.env(values))
        model = self.project(paths, scope)
        lookup = scope.env.get
        services = PosDict(model.services.mark)
        for service_name, service in model.services.items():
            put(services, service_name, self.finalise(service, lookup),
                model.services.key_marks.get(service_name))
        enabled = enabled_services(services, profiles)
        check_references(services, enabled, self.reporter(paths[0]))
        check_cycles(services, set(enabled), self.reporter(paths[0]))
        kept = PosDict(services.mark)
        for service_name in enabled:
            put(kept, service_name, services[service_name],
                services.key_marks.get(service_name))
        dockerfiles = self.dockerfiles(kept, base)
        base_images = {n: c.base for n, c in dockerfiles.items() if c.base}
        notes = list(self.notes)
        if not services and not self.problems:
            notes.append(f"{', '.join(self.files)}: no services defined, nothing was linted")
        return ComposeProject(
            name=name, files=tuple(self.files), services=kept,
            volumes=_volume_names(model.volumes, name), problems=tuple(self.problems),
            unresolved=self.unresolved.names(), notes=tuple(notes), project_dir=base,
            disabled=tuple(n for n in services if n not in kept), base_images=base_images,
            dockerfiles=dockerfiles)

    def project_name(self, paths: list[str], values: Mapping[str, str], base: str) -> str:
        """compose's project name: ``COMPOSE_PROJECT_NAME``, else the last ``name:`` of the
        files (interpolated alone, normalised), else the project folder's name normalised."""
        given = values.get(PROJECT_NAME_VARIABLE)
        if given:
            if _VALID_NAME.match(given):
                return given
            self.problem(paths[0], f"{PROJECT_NAME_VARIABLE} is not a valid project name "
                                   "(lowercase letters, digits, - and _, not first)")
        written: str | None = None
        for path in paths:
            for data in self.raw_documents(path, None) or ():
                name = data.get("name") if isinstance(data, PosDict) else None
                if isinstance(name, str) and name:
                    written = name
        if written is not None:
            with contextlib.suppress(TemplateError):  # reported when the file is read
                written = substitute(written, values.get)
            normalised = _normalise_name(written)
            if normalised:
                return normalised
        return _normalise_name(os.path.basename(os.path.abspath(base))) or "default"

    # reading files

    def raw_documents(self, path: str, mark: Mark | None) -> list[Any] | None:
        """A file's documents as parsed (kept until prepared), None when unreadable."""
        key = os.path.abspath(path)
        if key in self.raw:
            return self.raw[key]
        self.raw[key] = None
        if not self.readable(path, "compose file", mark):
            return None
        try:
            text = read_text(path, self.max_file_size)
            self.raw[key] = parse_documents(text, path)
            if "!" in text:
                self.tagged.add(key)
        except ReadError as exc:
            self.problems.append(exc.problem())
        except YamlError as exc:
            self.problems.append(InputProblem(path=exc.path, message=exc.message,
                                              line=exc.line, column=exc.column, kind="input"))
        return self.raw[key]

    def documents(self, path: str, env: _Env, mark: Mark | None = None) -> list[_Document] | None:
        """The prepared documents of a file (read once, prepared once per environment)."""
        key = (os.path.abspath(path), env.key)
        if key in self.documents_cache:
            return self.documents_cache[key]
        if key[0] not in self.listed:
            self.listed.add(key[0])
            self.files.append(path)
        raw = self.raw_documents(path, mark)
        if raw is not None and key[0] in self.taken:
            # Preparing changes parsed values in place: the first environment takes them,
            # another one parses the file again.
            raw = self.parse_again(path)
        self.taken.add(key[0])
        if raw is None:
            self.documents_cache[key] = None
            return None
        tagged = key[0] in self.tagged
        documents = [d for d in (self.prepare(path, data, env, tagged) for data in raw)
                     if d is not None]
        self.documents_cache[key] = documents
        return documents

    def parse_again(self, path: str) -> list[Any] | None:
        try:
            text = read_text(path, self.max_file_size)
            return parse_documents(text, path)
        except (ReadError, YamlError):
            return None  # reported when it was first read

    def prepare(self, path: str, data: Any, env: _Env, tagged: bool = True) -> _Document | None:
        """Tags out (``tagged``: the text has a ``!`` at all), interpolated, shapes checked."""
        report = self.reporter(path)
        if data is None:
            data = PosDict(Mark(path, 1, 1))
        if not isinstance(data, PosDict):
            mark = data.mark if isinstance(data, PosList) else Mark(path, 1, 1)
            self.problem(path, f"top level must be a mapping, not {kind(data)}", mark)
            return None
        resets = strip_tags(data, report) if tagged else set()
        interpolate_tree(data, env.get, self.unresolved, report)
        services = self._services(data, path)
        for name, service in services.items():
            check_service(name, service, report)
            for key in [k for k in service if k.startswith("x-") and k != KEEP_EXTENSION]:
                del service[key]
                service.key_marks.pop(key, None)
        return _Document(path, data, services, self._volumes(data, path), resets)

    def _services(self, top: PosDict, path: str) -> PosDict:
        raw = top.get("services")
        if raw is None:
            return PosDict(top.key_marks.get("services", top.mark))
        if not isinstance(raw, PosDict):
            self.problem(path, f"`services` must be a mapping, not {kind(raw)}",
                         top.key_marks.get("services"))
            return PosDict(top.key_marks.get("services"))
        if all(isinstance(service, PosDict) for service in raw.values()):
            return raw
        out = PosDict(raw.mark)
        for name, service in raw.items():
            if isinstance(service, PosDict):
                put(out, name, service, raw.key_marks.get(name))
            else:
                self.problem(path, f'service "{name}" must be a mapping, not {kind(service)}',
                             raw.key_marks.get(name))
        return out

    def _volumes(self, top: PosDict, path: str) -> PosDict:
        raw = top.get("volumes")
        if raw is None:
            return PosDict(top.key_marks.get("volumes", top.mark))
        if not isinstance(raw, PosDict):
            self.problem(path, f"`volumes` must be a mapping, not {kind(raw)}",
                         top.key_marks.get("volumes"))
            return PosDict(top.key_marks.get("volumes"))
        out = PosDict(raw.mark)
        for name, volume in raw.items():
            mark = raw.key_marks.get(name)
            put(out, name, check_volume(name, volume, mark, self.reporter(path)), mark)
        return out

    def dotenv(self, path: str, lookup_values: Mapping[str, str], mark: Mark | None, *,
               required: bool) -> Dotenv | None:
        """A ``.env`` file's values (references resolved against ``lookup_values`` first);
        None when absent (a problem when ``required``) or unreadable (a problem)."""
        if not os.path.lexists(path):
            if required:
                self.problem(path, f"env file {path} not found", mark)
            return None
        if not required and os.path.isdir(path):
            return None  # compose passes over a folder named .env
        if not self.readable(path, "env file", mark):
            return None
        try:
            text = read_text(path, self.max_file_size)
        except ReadError as exc:
            self.problems.append(exc.problem())
            return None
        try:
            parsed = parse_dotenv(text, lookup_values.get)
        except DotenvError as exc:
            self.problems.append(InputProblem(path=path, message=exc.message, line=exc.line,
                                              kind="input"))
            return None
        self.unresolved.missing |= parsed.unresolved.missing
        self.unresolved.required |= parsed.unresolved.required
        return parsed

    # projects: files merged in order

    def project(self, paths: Sequence[str], scope: _Scope) -> _Model:
        services, volumes = PosDict(), PosDict()
        first = True
        for path in paths:
            documents = self.documents(path, scope.env)
            if documents is None:
                continue
            for document in documents:
                if first:
                    services = PosDict(document.services.mark)
                    first = False
                self.apply(document, scope, services, volumes)
        return _Model(services, volumes)

    def apply(self, document: _Document, scope: _Scope, services: PosDict,
              volumes: PosDict) -> None:
        """``document`` on top of ``services``/``volumes`` (updated in place)."""
        local, local_volumes = document.services, document.volumes
        if document.top.get("include") is not None:
            local, local_volumes = self.include(document, scope)
        if document.resets:
            _reset(services, "services", document.resets)
            _reset(volumes, "volumes", document.resets)
        if any("extends" in service for service in local.values()):
            local = self.extends_all(document, local, scope)
        _import(services, local, merge_service, base_first=True)
        _import(volumes, local_volumes, merge_volume, base_first=True)

    # include

    def include(self, document: _Document, scope: _Scope) -> tuple[PosDict, PosDict]:
        """The document's services and volumes with those of its ``include`` entries added;
        a service also defined locally takes the included one as its base."""
        raw = document.top["include"]
        services, volumes = copy_dict(document.services), copy_dict(document.volumes)
        if not isinstance(raw, PosList):
            self.problem(document.path, f"`include` must be a list, not {kind(raw)}",
                         document.top.key_marks.get("include"))
            return services, volumes
        for index, entry in enumerate(raw):
            mark = raw.item_mark(index)
            included = self.included(entry, mark, document.path, scope)
            if included is None:
                continue
            model, base = included
            for name, service in model.services.items():
                service = _rebased(service, base, scope.base)
                if name in services:
                    service = apply_resets(service, under(document.resets, ("services", name)))
                    put(services, name, merge_service(service, services[name]),
                        services.key_marks.get(name))
                else:
                    put(services, name, service, model.services.key_marks.get(name))
            _import(volumes, model.volumes, merge_volume, base_first=False)
        return services, volumes

    def included(self, entry: Any, mark: Mark | None, path: str,
                 scope: _Scope) -> tuple[_Model, str] | None:
        """The project an ``include`` entry names, and its folder."""
        spec = _include_spec(entry)
        if spec is None:
            self.problem(path, "an `include` entry must be a path or a mapping with `path`",
                         mark)
            return None
        files, project_directory, env_files = spec
        targets = [_join(scope.base, f) for f in files]
        for shown, target in zip(files, targets, strict=True):
            if not self.readable(target, "included file", mark):
                return None
            if not os.path.isfile(target):
                self.problem(path, f'include: file "{shown}" not found', mark)
                return None
        first = os.path.abspath(targets[0])
        chain = (*scope.chain, os.path.abspath(path))
        if first in chain:
            self.problem(path, f'include cycle: "{files[0]}" is already being included', mark)
            return None
        if len(chain) > MAX_INCLUDE_DEPTH:
            self.problem(path, f"includes nested deeper than {MAX_INCLUDE_DEPTH} levels", mark)
            return None
        base = (_join(scope.base, project_directory) if project_directory is not None
                else os.path.dirname(targets[0]) or ".")
        env = self.include_env(env_files, base, scope, mark, path)
        if env is None:
            return None
        key = (tuple(os.path.abspath(t) for t in targets), os.path.abspath(base), env.key)
        model = self.includes.get(key)
        if model is None:
            inner = _Scope(base, env, chain)
            model = self.project(targets, inner)
            for name, service in model.services.items():
                model.services[name] = _included_defaults(service, env.get)
            self.includes[key] = model
        return model, base

    def include_env(self, env_files: list[str], base: str, scope: _Scope,
                    mark: Mark | None, path: str) -> _Env | None:
        """The included project's environment: the including one's over the values of its
        ``env_file`` (or the ``.env`` of its folder)."""
        if env_files:
            files = [(_join(scope.base, f), True) for f in env_files if f != "/dev/null"]
        else:
            files = [(os.path.join(base, ".env"), False)]
        key = (scope.env.key, tuple(os.path.abspath(f) for f, _ in files))
        if key in self.include_envs:
            return self.include_envs[key]
        values: dict[str, str] = {}
        env: _Env | None = None
        for env_file, required in files:
            if required and not os.path.lexists(env_file):
                self.problem(path, f"include: env file {env_file} not found", mark)
                break
            parsed = self.dotenv(env_file, {**values, **scope.env.values}, mark,
                                 required=required)
            if parsed is not None:
                values.update(parsed.values)
        else:
            env = self.env({**values, **scope.env.values}) if values else scope.env
        self.include_envs[key] = env
        return env

    # extends

    def extends_all(self, document: _Document, services: PosDict, scope: _Scope) -> PosDict:
        out = PosDict(services.mark)
        for name in services:
            put(out, name, self.resolve(document, services, name, scope),
                services.key_marks.get(name))
        return out

    def resolve(self, document: _Document, services: PosDict, name: str,
                scope: _Scope) -> PosDict:
        """The service with its ``extends`` chain applied; the chain is walked without
        recursion (it may be as long as the file allows)."""
        chain: list[tuple[tuple[int, str], _Document, PosDict, str, str]] = []
        seen: set[tuple[int, str]] = set()
        here, where, directory, current = document, services, scope.base, name
        base: PosDict | None
        while True:
            key = (id(here), current)
            if key in self.resolved:
                base = self.resolved[key]
                break
            service = where[current]
            if "extends" not in service:
                base = service
                break
            if key in seen:
                _, last, last_service, _, last_name = chain[-1]
                self.problem(last.path, f'extends cycle: service "{last_name}" extends '
                                        f'"{current}", which leads back to it',
                             last_service.key_marks.get("extends"))
                base = None
                break
            seen.add(key)
            chain.append((key, here, service, directory, current))
            target = self.extends_target(here, where, current, service["extends"], scope,
                                         directory, service.key_marks.get("extends"))
            if target is None:
                base = None
                break
            here, where, directory, current = target
        for key, owner, service, service_dir, service_name in reversed(chain):
            local = without(service, "extends")
            if base is not None:
                base = _rebased(base, directory, service_dir)
                base = apply_resets(base, under(owner.resets, ("services", service_name)))
                local = merge_service(base, local)
            self.resolved[key] = local
            base, directory = local, service_dir
        assert base is not None
        return base

    def extends_target(self, document: _Document, services: PosDict, name: str,
                       extends: Any, scope: _Scope, base_dir: str,
                       mark: Mark | None) -> tuple[_Document, PosDict, str, str] | None:
        """Where the base of an ``extends`` is: (its document, the services it is among,
        its folder, its name)."""
        ref, other = _extends_spec(extends)
        if ref is None:
            self.problem(document.path, f'service "{name}": `extends` needs a service name',
                         mark)
            return None
        if other is None:
            if ref not in services:
                self.problem(document.path, f'service "{name}" extends "{ref}", which is '
                                            "not defined", mark)
                return None
            return document, services, base_dir, ref
        target_path = _join(base_dir, other)
        if not self.readable(target_path, "extended file", mark):
            return None
        if not os.path.isfile(target_path):
            self.problem(document.path, f'service "{name}" extends a service in "{other}", '
                                        "which was not found", mark)
            return None
        merged = self.file_document(target_path, scope.env, mark)
        if merged is None:
            return None
        if ref not in merged.services:
            self.problem(document.path, f'service "{name}" extends "{ref}", which is not '
                                        f'defined in "{other}"', mark)
            return None
        return merged, merged.services, os.path.dirname(target_path) or ".", ref

    def file_document(self, path: str, env: _Env, mark: Mark | None) -> _Document | None:
        """A file's documents merged in order, without include or extends (what compose
        reads from the file an ``extends`` names)."""
        key = (os.path.abspath(path), env.key)
        if key not in self.file_documents:
            documents = self.documents(path, env, mark)
            if not documents:
                return None
            self.file_documents[key] = _file_document(path, documents)
        return self.file_documents[key]

    # the last steps

    def finalise(self, service: PosDict, lookup: Callable[[str], str | None]) -> PosDict:
        """Compose's normalisation of one service: one entry per key in its lists, its
        final environment, ``depends_on`` as a mapping with the implied dependencies."""
        out = unique_service(service)
        if out is service:
            out = copy_dict(service)
        for key in [k for k, v in out.items() if v is None or k == "extends"]:
            del out[key]  # null is "not set"
            out.key_marks.pop(key, None)
        environment = service_environment(out, lookup, self.read_env_file)
        if environment is not None:
            out["environment"] = environment
            if "environment" not in out.key_marks and "env_file" in out.key_marks:
                out.key_marks["environment"] = out.key_marks["env_file"]
        deps = out.get("depends_on")
        mapping = with_implied(out, depends_on_mapping(deps, out.key_marks.get("depends_on"))
                               if deps is not None else None)
        if mapping is not None:
            if "depends_on" not in out.key_marks and mapping.mark is not None:
                out.key_marks["depends_on"] = mapping.mark
            out["depends_on"] = mapping
        return out

    def read_env_file(self, path: str, mark: Mark | None, required: bool,
                      lookup: Callable[[str], str | None],
                      known: Mapping[str, str]) -> tuple[Dotenv, str] | None:
        """One service ``env_file``, relative to the project folder."""
        shown = _join(self.main_base, path)
        if not os.path.lexists(shown):
            if required:
                self.problem(shown, f"env file {path} not found", mark)
            return None
        if not self.readable(shown, "env file", mark):
            return None
        try:
            text = read_text(shown, self.max_file_size)
            parsed = parse_dotenv(text, lookup, known)
        except ReadError as exc:
            self.problems.append(exc.problem())
            return None
        except DotenvError as exc:
            self.problems.append(InputProblem(path=shown, message=exc.message, line=exc.line,
                                              kind="input"))
            return None
        self.unresolved.missing |= parsed.unresolved.missing
        self.unresolved.required |= parsed.unresolved.required
        return parsed, shown

    def dockerfiles(self, services: PosDict, base: str) -> dict[str, ImageConfig]:
        """What the Dockerfile of each locally built service without an ``image`` says."""
        configs: dict[str, ImageConfig] = {}
        for name, service in services.items():
            build = service.get("build")
            if "image" in service or build is None:
                continue
            args = _build_args(build)
            inline = build.get("dockerfile_inline") if isinstance(build, PosDict) else None
            if isinstance(inline, str):
                configs[name] = read_dockerfile(inline[:MAX_DOCKERFILE_SIZE], args)
                continue
            dockerfile = self.dockerfile(build, base, service.key_marks.get("build"))
            if dockerfile is None:
                continue
            try:
                text = read_text(dockerfile, MAX_DOCKERFILE_SIZE, cap_flag=None)
            except ReadError as exc:
                if os.path.lexists(dockerfile):
                    self.notes.append(f"{dockerfile}: {exc.message}; it was not read")
                continue
            configs[name] = read_dockerfile(text, args)
        return configs

    def dockerfile(self, build: Any, base: str, mark: Mark | None) -> str | None:
        if isinstance(build, str):
            context, dockerfile = build, "Dockerfile"
        elif isinstance(build, PosDict):
            context = build.get("context") or "."
            if "dockerfile_inline" in build:
                return None
            dockerfile = build.get("dockerfile") or "Dockerfile"
        else:
            return None
        if not isinstance(context, str) or context.startswith(_REMOTE_CONTEXT) or \
                "://" in context or context.startswith("service:"):
            return None
        path = os.path.normpath(os.path.join(_join(base, context), dockerfile))
        if not self.readable(path, "Dockerfile", mark):
            return None
        return path


# --- helpers -----------------------------------------------------------------------------


def _build_args(build: Any) -> dict[str, str]:
    """``build.args`` (a mapping or ``KEY=VALUE`` items); an argument without a value
    is left to its default."""
    args = build.get("args") if isinstance(build, PosDict) else None
    if isinstance(args, dict):
        return {str(k): str(v) for k, v in args.items() if v is not None}
    if isinstance(args, list):
        return dict(str(item).split("=", 1) for item in args if "=" in str(item))
    return {}


def _import(target: PosDict, source: PosDict, merge: Callable[[Any, Any], Any], *,
            base_first: bool) -> None:
    """Add ``source``'s entries to ``target``; a name in both is merged.

    ``base_first``: ``target`` is the base and ``source`` overrides it (``-f`` order);
    otherwise ``source`` is the base.
    """
    for name, value in source.items():
        if name not in target:
            put(target, name, value, source.key_marks.get(name))
        elif base_first:
            if value is not None:
                target[name] = merge(target[name], value)
        elif target[name] is not None and value is not None:
            target[name] = merge(value, target[name])
        elif target[name] is None:
            target[name] = value


def _reset(target: PosDict, section: str, resets: set[ResetPath]) -> None:
    """Remove from ``target`` (a project's services or volumes so far) what a later
    document resets or overrides (compose's ``ResetProcessor.Apply``)."""
    if (section,) in resets:
        target.clear()
        target.key_marks.clear()
        return
    for name in list(target):
        if (section, name) in resets:
            del target[name]
            target.key_marks.pop(name, None)
            continue
        inner = under(resets, (section, name))
        if inner:
            target[name] = apply_resets(target[name], inner)


def _file_document(path: str, documents: list[_Document]) -> _Document:
    """A file's documents merged in order, without include or extends (what compose reads
    from the file an ``extends`` names)."""
    if len(documents) == 1:
        return documents[0]
    services, volumes = PosDict(documents[0].services.mark), PosDict()
    resets: set[ResetPath] = set()
    for document in documents:
        for reset in document.resets:
            if len(reset) == 2 and reset[0] == "services":
                services.pop(str(reset[1]), None)
        _import(services, document.services, merge_service, base_first=True)
        resets |= document.resets
    return _Document(path, documents[-1].top, services, volumes, resets)


def _included_defaults(service: PosDict, lookup: Callable[[str], str | None]) -> PosDict:
    """What compose does to an included project's services before importing them: listed
    variables filled from the included project's environment, a build context of ``.``."""
    out = service
    environment = service.get("environment")
    resolved = resolve_listed(environment, lookup)
    if resolved is not environment:
        out = copy_dict(out)
        out["environment"] = resolved
    build = service.get("build")
    if isinstance(build, PosDict) and "context" not in build:
        out = copy_dict(out) if out is service else out
        context = copy_dict(build)
        put(context, "context", ".", service.key_marks.get("build"))
        out["build"] = context
    return out


def _rebased(service: PosDict, source_dir: str, target_dir: str) -> PosDict:
    """``service``, written in ``source_dir``, as seen from ``target_dir``: when the two
    folders differ, its relative paths (build context, bind sources, ``env_file``,
    ``extends.file``) become absolute against ``source_dir``."""
    if os.path.abspath(source_dir) == os.path.abspath(target_dir):
        return service
    out = copy_dict(service)
    build = out.get("build")
    if isinstance(build, str) and _local_path(build):
        out["build"] = _absolute(source_dir, build)
    elif isinstance(build, PosDict) and isinstance(build.get("context"), str) and \
            _local_path(build["context"]):
        context = copy_dict(build)
        context["context"] = _absolute(source_dir, build["context"])
        out["build"] = context
    volumes = out.get("volumes")
    if isinstance(volumes, PosList):
        out["volumes"] = _map_list(volumes, lambda item: _rebased_volume(item, source_dir))
    env_files = out.get("env_file")
    if isinstance(env_files, str):
        out["env_file"] = _absolute(source_dir, env_files)
    elif isinstance(env_files, PosList):
        out["env_file"] = _map_list(env_files, lambda item: _rebased_env_file(item, source_dir))
    extends = out.get("extends")
    if isinstance(extends, PosDict) and isinstance(extends.get("file"), str):
        moved = copy_dict(extends)
        moved["file"] = _absolute(source_dir, extends["file"])
        out["extends"] = moved
    return out


def _rebased_volume(item: Any, source_dir: str) -> Any:
    if isinstance(item, str):
        try:
            volume = parse_short_volume(item)
        except SpecError:
            return item
        if volume.source is None or not is_file_path(volume.source) or \
                not _local_path(volume.source):
            return item
        moved = type(volume)(_absolute(source_dir, volume.source), volume.target, volume.modes)
        return moved.text()
    if isinstance(item, PosDict) and item.get("type") == "bind" and \
            isinstance(item.get("source"), str) and _local_path(item["source"]):
        out = copy_dict(item)
        out["source"] = _absolute(source_dir, item["source"])
        return out
    return item


def _rebased_env_file(item: Any, source_dir: str) -> Any:
    if isinstance(item, str):
        return _absolute(source_dir, item)
    if isinstance(item, PosDict) and isinstance(item.get("path"), str):
        out = copy_dict(item)
        out["path"] = _absolute(source_dir, item["path"])
        return out
    return item


def _map_list(items: PosList, change: Callable[[Any], Any]) -> PosList:
    out = PosList(items.mark, items.tag)
    out.extend(change(item) for item in items)
    out.item_marks.extend(items.item_mark(i) for i in range(len(items)))
    return out


def _local_path(path: str) -> bool:
    """A relative local path (not absolute, not ``~``, not a URL or a Windows path)."""
    return bool(path) and not os.path.isabs(path) and not path.startswith("~") and \
        not path.startswith(_REMOTE_CONTEXT) and "://" not in path and \
        not (len(path) > 1 and path[1] == ":") and not path.startswith("\\\\")


def _absolute(directory: str, path: str) -> str:
    if not _local_path(path):
        return path
    return os.path.normpath(os.path.join(os.path.abspath(directory), path))


def _include_spec(entry: Any) -> tuple[list[str], str | None, list[str]] | None:
    if isinstance(entry, str):
        return [entry], None, []
    if not isinstance(entry, PosDict):
        return None
    paths = _strings(entry.get("path"))
    if not paths:
        return None
    directory = entry.get("project_directory")
    return (paths, directory if isinstance(directory, str) else None,
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
    """``path`` relative to ``directory``, kept relative when both were given relative."""
    return os.path.normpath(os.path.join(directory, os.path.expanduser(path)))


def _normalise_name(name: str) -> str:
    """compose's ``NormalizeProjectName``: lowercase, ``[a-z0-9_-]`` only, no leading
    ``_`` or ``-``."""
    return "".join(_NAME_CHARS.findall(name.lower())).lstrip("_-")


def _volume_names(volumes: PosDict, project: str) -> PosDict:
    """Top-level volumes with compose's names: ``name``, else the key for an external
    volume (or ``external.name``), else ``<project>_<key>``."""
    out = PosDict(volumes.mark)
    for key, volume in volumes.items():
        mark = volumes.key_marks.get(key)
        spec = copy_dict(volume) if isinstance(volume, PosDict) else PosDict(mark)
        external = spec.get("external")
        if isinstance(external, PosDict):
            if "name" not in spec and isinstance(external.get("name"), str):
                put(spec, "name", external["name"], external.key_marks.get("name"))
            put(spec, "external", True, spec.key_marks.get("external"))
        if spec.get("name") is None:
            name = key if spec.get("external") is True else f"{project}_{key}"
            put(spec, "name", name, mark)
        put(out, key, spec, mark)
    return out
