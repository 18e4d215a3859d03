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
        from dindcheck.sources.compose.discover import folder_groups

        return folder_groups(folder, set(names))

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
