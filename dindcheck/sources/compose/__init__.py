"""Docker Compose files: discovery, loading (merge, extends, include, interpolation), workloads."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dindcheck.sources import LoadOptions
    from dindcheck.workload import Setup

_SERVICES = re.compile(r"^services\s*:", re.MULTILINE)


class ComposeSource:
    kind = "compose"
    modules = ("dindcheck.sources.compose.files", "dindcheck.sources.compose.workloads")

    def groups(self, folder: Path, names: Sequence[str]) -> list[list[Path]]:
        """In a walk, the folder's projects. A project file named alone (the standard
        file or its override, as pre-commit passes a changed file) is linted with its
        folder's project, as ``docker compose`` would load it there."""
        from dindcheck.sources.compose.discover import (
            OVERRIDE_FILES,
            STANDARD_FILES,
            folder_groups,
        )

        wanted = set(names)
        if len(wanted) == 1 and wanted & {*STANDARD_FILES, *OVERRIDE_FILES}:
            project = set(wanted)
            for name in (*STANDARD_FILES, *OVERRIDE_FILES):
                if (folder / name).is_file():
                    project.add(name)
            return [g for g in folder_groups(folder, project)
                    if any(p.name in wanted for p in g)]
        return folder_groups(folder, wanted)

    def recognises(self, path: Path, head: str) -> bool:
        return path.suffix.lower() in (".yml", ".yaml") and bool(_SERVICES.search(head))

    def load(self, files: Sequence[Path], options: LoadOptions) -> list[Setup]:
        from dindcheck.sources.compose.files import load_project
        from dindcheck.sources.compose.workloads import setup

        return [setup(load_project(files, environ=options.environ,
                                   max_file_size=options.max_file_size, root=options.root,
                                   allow_outside=options.allow_outside,
                                   profiles=options.profiles))]


SOURCE = ComposeSource()
