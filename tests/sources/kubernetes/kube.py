"""Helpers for the Kubernetes source tests: write a manifest, read it, pick a workload."""

from __future__ import annotations

import textwrap
from pathlib import Path

from dindcheck.model import Location
from dindcheck.sources.kubernetes.facts import ContainerFacts, KubernetesSetup
from dindcheck.sources.kubernetes.source import load_files
from dindcheck.workload import Mount, Workload

DATA = Path(__file__).parent / "data"


def write(name: str, text: str) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def read(text: str, name: str = "m.yaml") -> KubernetesSetup:
    """Read ``text`` written to ``name`` (relative to the test's working folder)."""
    return load_files([write(name, text)])


def workload(setup: KubernetesSetup, name: str) -> Workload:
    found = [w for w in setup.setup.workloads if w.name == name]
    assert found, f"no workload {name}: {[w.name for w in setup.setup.workloads]}"
    return found[0]


def facts(setup: KubernetesSetup, name: str) -> ContainerFacts:
    return setup.facts[workload(setup, name).id]


def names(setup: KubernetesSetup) -> list[str]:
    return [w.name for w in setup.setup.workloads]


def mount(item: Workload, target: str) -> Mount:
    found = [m for m in item.mounts or () if m.target == target]
    assert found, f"no mount at {target}: {[m.target for m in item.mounts or ()]}"
    return found[0]


def at(location: Location | None) -> tuple[str | None, int | None, int | None] | None:
    return None if location is None else (location.path, location.line, location.column)


def problems(setup: KubernetesSetup) -> list[str]:
    return [str(p) for p in setup.setup.problems]


def notes(setup: KubernetesSetup) -> str:
    return "\n".join(setup.setup.notes)
