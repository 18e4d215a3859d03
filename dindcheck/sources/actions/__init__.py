"""GitHub Actions workflows: job containers, service containers, ``docker run`` steps."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dindcheck.sources import LoadOptions
    from dindcheck.workload import Setup


class ActionsSource:
    kind = "github-actions"
    modules = ("dindcheck.sources.actions.workflow",)

    def groups(self, folder: Path, names: Sequence[str]) -> list[list[Path]]:
        from dindcheck.sources.actions.discover import claims

        return [[folder / name] for name in sorted(names) if claims(folder / name)]

    def recognises(self, path: Path, head: str) -> bool:
        from dindcheck.sources.actions.discover import sniff

        return path.suffix.lower() in (".yml", ".yaml") and sniff(head)

    def load(self, files: Sequence[Path], options: LoadOptions) -> list[Setup]:
        from dindcheck.sources.actions.workflow import load

        return [load(path, options.max_file_size) for path in files]


SOURCE = ActionsSource()
