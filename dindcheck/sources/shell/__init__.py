"""Shell files (scripts, Makefiles, Jenkinsfiles, Markdown): their ``docker run`` lines."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dindcheck.sources import LoadOptions
    from dindcheck.workload import Setup


_DATA_SUFFIXES = (".yml", ".yaml", ".json", ".toml")


class ShellSource:
    kind = "shell"
    modules = ("dindcheck.sources.shell.load",)

    def groups(self, folder: Path, names: Sequence[str]) -> list[list[Path]]:
        from dindcheck.sources.shell.discover import claims

        return [[folder / name] for name in sorted(names) if claims(name)]

    def recognises(self, path: Path, head: str) -> bool:
        from dindcheck.sources.shell.discover import sniff

        if path.suffix.lower() in _DATA_SUFFIXES:
            return False  # `docker run` in a YAML or JSON file is another format's text
        return sniff(path.name, head) is not None

    def load(self, files: Sequence[Path], options: LoadOptions) -> list[Setup]:
        from dindcheck.sources.shell.load import load

        return [load(path, options.max_file_size) for path in files]


SOURCE = ShellSource()
