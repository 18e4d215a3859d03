"""From the merged, reference-resolved document to :class:`~.model.Job` values.

After ``extends``, a job takes what it does not set itself from ``default:`` (and the
older top-level ``image``/``services``/``before_script``/``after_script``), and the
global ``variables`` under its own, as far as ``inherit:`` lets it. Hidden jobs
(``.name``) are templates and never run; ``trigger`` jobs start no container.
``rules``, ``only``, ``except`` and ``workflow:rules`` are kept but not evaluated:
every job is linted as if it runs. ``parallel: N`` runs N copies; ``parallel:matrix``
becomes one job per row, named as GitLab names them (``build: [24, amd64]``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dindcheck.sources.gitlab.extends import resolve_extends
from dindcheck.sources.gitlab.hostnames import service_hostnames, split_aliases
from dindcheck.sources.gitlab.merge import flatten
from dindcheck.sources.gitlab.model import (
    Image,
    Job,
    ScriptLine,
    Service,
    Variable,
    location,
)
from dindcheck.sources.gitlab.problems import Collector
from dindcheck.sources.gitlab.scripts import SECTIONS, script_facts, script_lines
from dindcheck.sources.gitlab.variables import (
    Expander,
    expand_all,
    merged,
    read_assignments,
    read_variables,
    scalar_text,
)
from dindcheck.yamlload import Mark, PosDict, PosList

GLOBAL_KEYWORDS = frozenset({"default", "include", "stages", "types", "variables", "workflow",
                             "image", "services", "cache", "before_script", "after_script",
                             "spec"})
DEFAULT_KEYWORDS = ("image", "services", "before_script", "after_script", "tags", "cache",
                    "artifacts", "retry", "timeout", "interruptible", "hooks", "id_tokens")
MAX_MATRIX = 200  # GitLab's limit of jobs one parallel:matrix makes
MAX_PARALLEL = 200
SUPPRESS_VARIABLE = "DINDCHECK_IGNORE"
VARIABLE_COST = 5  # work units per variable per job (see build_jobs)
_RULE_KEYS = ("rules", "only", "except")


@dataclass(frozen=True, slots=True)
class Prepared:
    """The jobs of a pipeline after ``extends`` and defaults, before variable expansion."""

    jobs: tuple[tuple[str, PosDict, Mark | None], ...]
    global_variables: tuple[Variable, ...]


def prepare(document: PosDict, sink: Collector, *, fragment: bool = False) -> Prepared:
    """The runnable jobs; in a ``fragment`` that defines none, the templates that name an
    image or services, as the jobs that extend them would run them."""
    entries: dict[str, PosDict] = {}
    marks: dict[str, Mark | None] = {}
    for name, spec in document.items():
        if name in GLOBAL_KEYWORDS:
            continue
        mark = document.key_marks.get(name, document.mark)
        if isinstance(spec, PosDict):
            entries[name] = spec
            marks[name] = mark
        elif not name.startswith(".") and spec is not None:
            sink.problem(f"job {name} must be a mapping of keywords", mark)
    resolved = resolve_extends(entries, sink)
    defaults = _defaults(document, sink)
    global_variables = read_variables(document.get("variables"),
                                      document.key_mark("variables"), "global", sink)
    _note_rules(document, resolved, sink)
    runnable = [name for name in entries if not name.startswith(".")]
    if fragment and not runnable:
        runnable = [name for name in entries if resolved[name].get("image") is not None
                    or resolved[name].get("services") is not None]
        if runnable:
            sink.note(f"{sink.path}: a fragment without jobs; its templates that name an image "
                      "or services are linted as the jobs that extend them would run")
    jobs = [(name, _with_defaults(name, resolved[name], defaults, sink), marks[name])
            for name in runnable]
    return Prepared(jobs=tuple(jobs), global_variables=tuple(global_variables))


def _defaults(document: PosDict, sink: Collector) -> PosDict:
    """``default:`` over the older top-level keywords."""
    out = PosDict(document.mark)
    for key in ("image", "services", "before_script", "after_script", "cache"):
        if document.get(key) is not None:
            _put(out, key, document[key], document.key_mark(key))
    default = document.get("default")
    if isinstance(default, PosDict):
        for key, value in default.items():
            if value is not None:
                _put(out, key, value, default.key_mark(key))
    elif default is not None:
        sink.problem("default must be a mapping of keywords", document.key_mark("default"))
    return out


def _inherit(spec: PosDict, key: str, sink: Collector) -> bool | frozenset[str]:
    inherit = spec.get("inherit")
    if not isinstance(inherit, PosDict) or key not in inherit:
        return True
    value = inherit[key]
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return frozenset(str(v) for v in flatten(value, sink))
    sink.problem(f"inherit:{key} must be true, false or a list", inherit.key_mark(key))
    return True


def _allowed(rule: bool | frozenset[str], name: str) -> bool:
    return rule if isinstance(rule, bool) else name in rule


def _with_defaults(name: str, spec: PosDict, defaults: PosDict, sink: Collector) -> PosDict:
    rule = _inherit(spec, "default", sink)
    missing = [k for k in defaults if spec.get(k) is None and _allowed(rule, k)]
    if not missing:
        return spec
    out = PosDict(spec.mark)
    out.update(spec)
    out.key_marks.update(spec.key_marks)
    for key in missing:
        _put(out, key, defaults[key], defaults.key_marks.get(key))
    return out


def _put(target: PosDict, key: str, value: Any, mark: Mark | None) -> None:
    target[key] = value
    if mark is not None:
        target.key_marks[key] = mark


def _note_rules(document: PosDict, resolved: dict[str, PosDict], sink: Collector) -> None:
    """Once per file that has them: conditions are kept, not evaluated."""
    paths: list[str] = []
    workflow = document.get("workflow")
    if isinstance(workflow, PosDict) and "rules" in workflow:
        mark = workflow.key_mark("rules")
        if mark is not None:
            paths.append(mark.path)
    for job_name, spec in resolved.items():
        if job_name.startswith("."):
            continue
        for key in _RULE_KEYS:
            mark = spec.key_marks.get(key) if key in spec else None
            if mark is not None and mark.path not in paths:
                paths.append(mark.path)
    for path in paths:
        sink.note(f"{path}: rules, only, except and workflow:rules are not evaluated; "
                  "every job is linted as if it runs")


# --------------------------------------------------------------------------- jobs


def build_jobs(prepared: Prepared, runner_variables: Sequence[Variable],
               runner_services: Sequence[PosDict], sink: Collector,
               unresolved: set[str]) -> list[Job]:
    """Each job (each matrix row) with its variables expanded, the runner's services
    (``[[runners.docker.services]]``) first."""
    jobs: list[Job] = []
    for name, spec, mark in prepared.jobs:
        rule = _inherit(spec, "variables", sink)
        inherited: Sequence[Variable] = prepared.global_variables if rule is True else [
            v for v in prepared.global_variables if _allowed(rule, v.name)]
        own = read_variables(spec.get("variables"), spec.key_mark("variables"), "job", sink)
        for instance, row in _instances(name, spec, sink):
            # Every container of the job gets them all, each copied, expanded and looked up
            # a few times: charged before that happens.
            count = len(runner_variables) + len(inherited) + len(own) + len(row)
            sink.spend(VARIABLE_COST * count + 1, mark)
            layered = merged(runner_variables, inherited, own, row)
            jobs.append(_job(instance, spec, mark, layered, runner_services, sink,
                             unresolved, _parallel(spec, sink) if not row else 1))
    return jobs


def _parallel(spec: PosDict, sink: Collector) -> int:
    value = spec.get("parallel")
    if isinstance(value, int) and not isinstance(value, bool):
        if 1 <= value <= MAX_PARALLEL:
            return value
        sink.problem(f"parallel must be between 1 and {MAX_PARALLEL}", spec.key_mark("parallel"))
    return 1


def _instances(name: str, spec: PosDict,
               sink: Collector) -> list[tuple[str, list[Variable]]]:
    """The job once, or once per ``parallel:matrix`` row with that row's variables."""
    parallel = spec.get("parallel")
    if not isinstance(parallel, PosDict) or parallel.get("matrix") is None:
        return [(name, [])]
    matrix = parallel["matrix"]
    if not isinstance(matrix, PosList):
        sink.problem(f"{name}: parallel:matrix must be a list", parallel.key_mark("matrix"))
        return [(name, [])]
    rows: list[tuple[str, list[Variable]]] = []
    for item in matrix:
        if not isinstance(item, PosDict):
            sink.problem(f"{name}: a parallel:matrix entry must be a mapping",
                         matrix.mark)
            continue
        keys = list(item)
        choices = [_choices(item, key) for key in keys]
        for combo in itertools.product(*choices):
            if len(rows) >= MAX_MATRIX:
                sink.problem(f"{name}: parallel:matrix makes more than {MAX_MATRIX} jobs",
                             parallel.key_mark("matrix"))
                return rows
            variables = [Variable(name=str(k), raw=v, value=v, scope="matrix",
                                  location=location(item.key_mark(k)))
                         for k, v in zip(keys, combo, strict=True)]
            rows.append((f"{name}: [{', '.join(combo)}]", variables))
    return rows or [(name, [])]


def _choices(item: PosDict, key: str) -> list[str]:
    value = item[key]
    values = value if isinstance(value, list) else [value]
    return [text for v in values if (text := scalar_text(v)) is not None] or [""]


def _job(name: str, spec: PosDict, mark: Mark | None, layered: list[Variable],
         runner_services: Sequence[PosDict], sink: Collector, unresolved: set[str],
         instances: int) -> Job:
    variables = expand_all(layered, unresolved, sink)
    values = {v.name: v.value for v in variables}
    expander = Expander(values, unresolved)
    script: list[ScriptLine] = []
    for section in SECTIONS:
        script.extend(script_lines(section, spec.get(section), spec.key_mark(section), sink))
    locations = {key: loc for key in ("image", "services", "variables", "script",
                                      "before_script", "parallel", "tags")
                 if key in spec and (loc := location(spec.key_mark(key))) is not None}
    notes: list[str] = []
    if "run" in spec:
        notes.append(f"{name}: run: steps are not read")
    services = [service for index, item in enumerate(runner_services)
                if (service := read_service(
                    item, item.mark, index, variables, expander, sink, from_runner=True,
                    extra=read_assignments(item.get("environment") or (), "service")))]
    services.extend(_services(spec, variables, expander, len(services), sink))
    sink.spend(VARIABLE_COST * len(services) * len(variables), mark)  # each service's copy
    return Job(
        name=name,
        location=location(mark),
        image=_image(spec, expander, sink),
        services=tuple(services),
        variables=tuple(variables),
        script=tuple(script),
        facts=script_facts(script),
        instances=instances,
        trigger="trigger" in spec,
        stage=scalar_text(spec.get("stage")),
        tags=tuple(t for t in (scalar_text(v) for v in flatten(spec.get("tags"), sink)) if t),
        suppress=_suppress(values),
        locations=locations,
        notes=tuple(notes),
    )


def _suppress(values: dict[str, str]) -> tuple[str, ...]:
    text = values.get(SUPPRESS_VARIABLE, "")
    return tuple(part for part in text.replace(",", " ").split() if part)


def _words(value: Any, what: str, mark: Mark | None, sink: Collector) -> tuple[str, ...] | None:
    """``entrypoint``/``command``: a list of strings (a single string is one word)."""
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        words = [scalar_text(v) for v in flatten(value, sink)]
        if all(w is not None for w in words):
            return tuple(w for w in words if w is not None)
    sink.problem(f"{what} must be a list of strings", mark)
    return None


def _image(spec: PosDict, expander: Expander, sink: Collector) -> Image | None:
    value = spec.get("image")
    mark = spec.key_mark("image")
    entrypoint: tuple[str, ...] | None = None
    entry_mark: Mark | None = None
    if isinstance(value, PosDict):
        entrypoint = _words(value.get("entrypoint"), "image:entrypoint",
                            value.key_mark("entrypoint"), sink)
        entry_mark = value.key_mark("entrypoint") if "entrypoint" in value else None
        mark = value.key_mark("name") if "name" in value else mark
        value = value.get("name")
    if value is None:
        return None
    raw = scalar_text(value)
    if raw is None or not raw.strip():
        sink.problem("image must be an image name", mark)
        return None
    name = expander.expand(raw) or raw
    return Image(name=name, raw_name=raw, entrypoint=entrypoint, location=location(mark),
                 entrypoint_location=location(entry_mark))


def _services(spec: PosDict, job_variables: list[Variable], expander: Expander,
              first_index: int, sink: Collector) -> list[Service]:
    value = spec.get("services")
    if value is None:
        return []
    if not isinstance(value, list):
        sink.problem("services must be a list", spec.key_mark("services"))
        return []
    items = flatten(value, sink)
    services: list[Service] = []
    for index, item in enumerate(items):
        service = read_service(item, items.item_mark(index), first_index + len(services),
                               job_variables, expander, sink)
        if service is not None:
            services.append(service)
    return services


def read_service(item: Any, mark: Mark | None, index: int, job_variables: list[Variable],
                 expander: Expander, sink: Collector, *, from_runner: bool = False,
                 extra: Sequence[Variable] = ()) -> Service | None:
    """One service entry: a name, or a mapping with ``name``, ``alias``, ``entrypoint``,
    ``command``, ``variables``, ``pull_policy``."""
    spec = item if isinstance(item, PosDict) else PosDict(mark)
    if isinstance(item, str):
        raw: str | None = item
        name_mark = mark
    elif isinstance(item, PosDict):
        raw = scalar_text(item.get("name"))
        name_mark = item.key_mark("name")
    else:
        sink.problem("a service must be an image name or a mapping with a name", mark)
        return None
    if raw is None or not raw.strip():
        sink.problem("a service needs an image name", mark)
        return None
    name = expander.expand(raw) or raw
    alias_text = scalar_text(spec.get("alias")) or ""
    aliases = split_aliases(expander.expand(alias_text) or alias_text)
    own = [*extra, *read_variables(spec.get("variables"), spec.key_mark("variables"),
                                   "service", sink)]
    if own:
        source = {v.name: v.value for v in job_variables}
        source.update({v.name: v.raw for v in own})
        own = expand_all(own, expander.unresolved, sink, source)
    locations = {key: loc for key in ("alias", "entrypoint", "command", "variables")
                 if key in spec and (loc := location(spec.key_mark(key))) is not None}
    name_loc = location(name_mark)
    if name_loc is not None:
        locations["image"] = name_loc
    policy = spec.get("pull_policy")
    notes: list[str] = []
    derived = service_hostnames(name)
    if not derived and "$" not in name:
        notes.append(f"service image {name!r} is not a valid image reference: GitLab Runner "
                     "derives no hostname from it and fails to start it")
    elif not derived:
        notes.append(f"service image {name!r} names an unresolved variable: its hostname "
                     "cannot be derived")
    return Service(
        index=index, name=name, raw_name=raw, aliases=aliases, derived=derived,
        entrypoint=_words(spec.get("entrypoint"), "services:entrypoint",
                          spec.key_mark("entrypoint"), sink),
        command=_words(spec.get("command"), "services:command", spec.key_mark("command"), sink),
        variables=tuple(own),
        pull_policy=tuple(p for p in (scalar_text(v) for v in
                                      (policy if isinstance(policy, list) else [policy]))
                          if p),
        from_runner=from_runner, location=location(mark), locations=locations,
        notes=tuple(notes))
