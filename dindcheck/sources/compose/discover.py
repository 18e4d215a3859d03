"""Which files of a folder are compose files, and how they group into projects.

In each folder the standard file (``compose.yaml``, ...) and its override file form one
project, as ``docker compose`` would load them there; any other ``*compose*.y[a]ml`` file
is a project on its own.
"""

from __future__ import annotations

from pathlib import Path

# docker compose's order of preference (compose-go cli/options.go).
STANDARD_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_FILES = ("compose.override.yml", "compose.override.yaml",
                  "docker-compose.override.yml", "docker-compose.override.yaml")


def is_compose_name(name: str) -> bool:
    """Whether a file found in a folder walk looks like a compose file."""
    lower = name.lower()
    return "compose" in lower and lower.endswith((".yml", ".yaml"))


def folder_groups(folder: Path, names: set[str]) -> list[list[Path]]:
    """The projects in one folder, given the names of its files."""
    groups: list[list[Path]] = []
    used: set[str] = set()
    base = next((n for n in STANDARD_FILES if n in names), None)
    if base is not None:
        group = [folder / base]
        used.add(base)
        override = next((n for n in OVERRIDE_FILES if n in names), None)
        if override is not None:
            group.append(folder / override)
            used.add(override)
        groups.append(group)
    groups.extend([folder / name] for name in sorted(names - used) if is_compose_name(name))
    return groups
