"""A GitLab CI pipeline as dindcheck reads it: resolved jobs, their services and scripts.

Every value keeps the :class:`~dindcheck.model.Location` where it was written (through
``extends``, ``include`` and YAML anchors: where the text is), while the job that
inherits it is known from the :class:`Job` that holds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from dindcheck.model import InputProblem, Location
from dindcheck.yamlload import Mark


@lru_cache(maxsize=8192)
def _location(mark: Mark) -> Location:
    return Location(path=mark.path, line=mark.line, column=mark.column)


def location(mark: Mark | None) -> Location | None:
    """A YAML mark as a file location (one value per mark: locations are immutable)."""
    return None if mark is None else _location(mark)


@dataclass(frozen=True, slots=True, kw_only=True)
class Variable:
    """One CI variable as written (``raw``) and as the container sees it (``value``).

    ``value`` is ``raw`` with ``$NAME``/``${NAME}`` of the pipeline's own variables
    expanded the way GitLab Runner does (one pass); names the pipeline does not define
    (predefined ``CI_*`` variables, project settings) stay as written. ``expand`` False:
    written with ``expand: false``, passed verbatim.
    """

    name: str
    raw: str
    value: str
    expand: bool = True
    scope: str = "job"  # runner | global | job | matrix | service
    location: Location | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ScriptLine:
    """One item of ``before_script``/``script``/``after_script`` (a block may span lines)."""

    text: str
    section: str
    location: Location | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ScriptFacts:
    """What dindcheck reads from a job's script before a full shell parser does.

    ``uses_docker``: a line runs ``docker``/``docker-compose``. ``waits_for_daemon``: a
    loop retries ``docker info``/``docker version`` (the line where it is written in
    ``wait_location``). ``exports``: ``DOCKER_*`` variables a line sets (value) or unsets
    (None), with the line; they apply from that line on and may sit in a condition.
    """

    uses_docker: bool = False
    docker_lines: tuple[ScriptLine, ...] = ()
    waits_for_daemon: bool = False
    wait_location: Location | None = None
    exports: tuple[tuple[str, str | None, Location | None], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Service:
    """One ``services:`` entry of a job (or of the runner's ``[[runners.docker.services]]``).

    ``name`` is the image after variable expansion; ``derived`` the hostnames GitLab
    Runner derives from it, ``aliases`` those written in ``alias``.
    """

    index: int
    name: str
    raw_name: str
    aliases: tuple[str, ...] = ()
    derived: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] | None = None
    command: tuple[str, ...] | None = None
    variables: tuple[Variable, ...] = ()
    pull_policy: tuple[str, ...] = ()
    from_runner: bool = False
    location: Location | None = None
    locations: dict[str, Location] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def healthcheck_port(self) -> str | None:
        for var in self.variables:
            if var.name == "HEALTHCHECK_TCP_PORT":
                return var.value
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Image:
    """A job's ``image``: the name after expansion, and an ``entrypoint`` override."""

    name: str
    raw_name: str
    entrypoint: tuple[str, ...] | None = None
    location: Location | None = None
    entrypoint_location: Location | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Job:
    """A job after ``extends``, ``!reference``, ``default:`` and inheritance.

    ``variables``: global then job variables (and a ``parallel:matrix`` row), the job's
    winning; what the job container gets from the pipeline. ``instances``: how many
    copies run at once (``parallel``).
    """

    name: str
    location: Location | None
    image: Image | None = None
    services: tuple[Service, ...] = ()
    variables: tuple[Variable, ...] = ()
    script: tuple[ScriptLine, ...] = ()
    facts: ScriptFacts = ScriptFacts()
    instances: int = 1
    trigger: bool = False
    stage: str | None = None
    tags: tuple[str, ...] = ()
    suppress: tuple[str, ...] = ()
    locations: dict[str, Location] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def variable(self, name: str) -> Variable | None:
        for var in reversed(self.variables):
            if var.name == name:
                return var
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Pipeline:
    """One pipeline: its files (the main one first), its jobs, and what could not be read.

    ``unfollowed``: includes dindcheck does not read (project, remote, template,
    component), so a missing ``extends`` target or ``!reference`` may live there.
    """

    name: str
    root: str
    files: tuple[str, ...]
    jobs: tuple[Job, ...] = ()
    problems: tuple[InputProblem, ...] = ()
    notes: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()
    unfollowed: tuple[str, ...] = ()
