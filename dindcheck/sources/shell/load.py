"""A shell file (script, Makefile, Jenkinsfile, Markdown) read into one setup."""

from __future__ import annotations

from pathlib import Path

from dindcheck.model import DEFAULT_MAX_FILE_SIZE, InputProblem
from dindcheck.reading import ReadError, read_text
from dindcheck.shell.docker import read_script
from dindcheck.shell.positions import Located, MappedLocator, TextLocator
from dindcheck.shell.workloads import Naming, workloads
from dindcheck.sources.shell.discover import JENKINSFILE, MAKEFILE, MARKDOWN, SCRIPT, sniff
from dindcheck.sources.shell.jenkinsfile import sh_steps
from dindcheck.sources.shell.makefile import recipes
from dindcheck.sources.shell.markdown import shell_blocks
from dindcheck.workload import Setup

KIND = "shell"


def load(path: Path, max_size: int = DEFAULT_MAX_FILE_SIZE,
         file_format: str | None = None) -> Setup:
    """One file's ``docker run`` lines as workloads (``file_format`` None: by name, then
    by content; an explicit file nothing identifies is read as a script)."""
    name = str(path)
    try:
        text = read_text(path, max_size)
    except ReadError as exc:
        return Setup(kind=KIND, name=name, origin=KIND, paths=(name,),
                     problems=(exc.problem(),))
    return read(text, name, file_format or sniff(path.name, text) or SCRIPT)


def read(text: str, name: str, file_format: str) -> Setup:
    """A shell text of one of the formats in :mod:`.discover`."""
    file_locator = TextLocator(text)
    notes: list[Located] = []
    project_of = None
    if file_format == MAKEFILE:
        made = recipes(text)
        reading = read_script(made.text, MappedLocator(made.offsets, file_locator))
        project_of = lambda run: made.target_at(run.where(run.docker)[0])  # noqa: E731
    elif file_format == JENKINSFILE:
        steps = sh_steps(text)
        notes.extend(Located(*file_locator(offset), message)
                     for offset, message in steps.unread)
        reading = read_script(steps.text, MappedLocator(steps.offsets, file_locator))
    elif file_format == MARKDOWN:
        blocks = shell_blocks(text)
        reading = read_script(blocks.text, MappedLocator(blocks.offsets, file_locator))
    else:
        reading = read_script(text, file_locator)
    naming = Naming(path=name, origin=KIND, project_of=project_of)
    notes.extend(reading.notes)
    return Setup(
        kind=KIND, name=name, origin=KIND, paths=(name,),
        workloads=tuple(workloads(reading.runs, naming)),
        problems=tuple(InputProblem(path=name, message=p.message, line=p.line,
                                    column=p.column) for p in reading.problems),
        notes=tuple(f"{name}:{n.line}:{n.column}: {n.message}" for n in notes))
