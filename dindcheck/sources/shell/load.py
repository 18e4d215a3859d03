"""A shell file (script, Makefile, Jenkinsfile, Markdown) read into one setup."""

from __future__ import annotations

from pathlib import Path

from dindcheck.model import DEFAULT_MAX_FILE_SIZE, InputProblem
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
    text, problem = read_text(path, max_size)
    if text is None:
        return Setup(kind=KIND, name=name, origin=KIND, paths=(name,),
                     problems=(problem,) if problem else ())
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


def read_text(path: Path, max_size: int) -> tuple[str | None, InputProblem | None]:
    """The file's text, or the located reason it cannot be read as text."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > max_size:
            return None, InputProblem(path=name, message=f"file is {size} bytes, over the "
                                                         f"{max_size}-byte cap (--max-file-size)")
        data = path.read_bytes()
    except OSError as exc:
        return None, InputProblem(path=name, message=f"cannot read: {exc.strerror or exc}")
    if b"\x00" in data:
        line, column = _line_column(data, data.index(b"\x00"))
        return None, InputProblem(path=name, message="binary file (NUL byte), not text",
                                  line=line, column=column)
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line, column = _line_column(data, exc.start)
        return None, InputProblem(path=name, message=f"not UTF-8 text (byte "
                                                     f"0x{data[exc.start]:02x})",
                                  line=line, column=column)


def _line_column(data: bytes, offset: int) -> tuple[int, int]:
    return data.count(b"\n", 0, offset) + 1, offset - (data.rfind(b"\n", 0, offset) + 1) + 1
