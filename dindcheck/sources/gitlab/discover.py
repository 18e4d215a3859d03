"""Which files are GitLab CI pipelines or GitLab Runner configurations.

In a folder walk: ``.gitlab-ci.yml`` (and ``.yaml``) is a pipeline, ``*.gitlab-ci.yml``
files are pipeline fragments (usually reached through ``include: local``), and
``config.toml`` is a runner configuration when its content says so. A file given
explicitly under another name is recognised by its content (:func:`looks_like_pipeline`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PIPELINE_NAMES = (".gitlab-ci.yml", ".gitlab-ci.yaml")
FRAGMENT_SUFFIXES = (".gitlab-ci.yml", ".gitlab-ci.yaml")
RUNNER_CONFIG_NAMES = ("config.toml",)
# Top-level keys only a GitLab CI file has (compose, Kubernetes and Actions have none).
_PIPELINE_KEYWORDS = frozenset({"stages", "include", "workflow", "default", "before_script",
                                "after_script"})
_JOB_KEYWORDS = frozenset({"script", "extends", "trigger", "stage", "run"})
# A hidden key (``.name``) holding these is a job template.
_TEMPLATE_KEYWORDS = _JOB_KEYWORDS | {"image", "services", "variables", "before_script"}
_OTHER_FORMATS = frozenset({"apiVersion", "kind", "on", "jobs", "runs-on", "x-dindcheck",
                            "volumes", "networks", "secrets", "configs", "name"})
MAX_ROOT_SEARCH = 40


def is_pipeline_name(name: str) -> bool:
    """A pipeline's main file, as a folder walk finds it."""
    return name.lower() in PIPELINE_NAMES


def is_fragment_name(name: str) -> bool:
    """A pipeline fragment (``build.gitlab-ci.yml``), a pipeline of its own when no
    pipeline includes it."""
    lower = name.lower()
    return lower.endswith(FRAGMENT_SUFFIXES) and lower not in PIPELINE_NAMES


def is_runner_config_name(name: str) -> bool:
    return name in RUNNER_CONFIG_NAMES


def looks_like_pipeline(data: Any) -> bool:
    """Whether loaded YAML reads as a GitLab CI file: a GitLab-only top-level keyword, a
    job (a mapping with ``script``, ``extends``, ``trigger``...), a template (``.name``
    with ``image``, ``services``, ``variables``...), or a list of ``services`` (compose's
    ``services`` is a mapping)."""
    if not isinstance(data, Mapping) or not data:
        return False
    keys = set(data)
    if keys & {"apiVersion", "kind"} or {"on", "jobs"} <= keys:
        return False
    services = data.get("services")
    if isinstance(services, Mapping):
        return False
    if keys & _PIPELINE_KEYWORDS or isinstance(services, list):
        return True
    return any(isinstance(value, Mapping) and (set(value) & (
        _TEMPLATE_KEYWORDS if str(key).startswith(".") else _JOB_KEYWORDS))
        for key, value in data.items() if key not in _OTHER_FORMATS)


def looks_like_runner_config(data: Any) -> bool:
    """Whether loaded TOML is a GitLab Runner configuration (``[[runners]]`` tables)."""
    if not isinstance(data, Mapping):
        return False
    runners = data.get("runners")
    return isinstance(runners, list) and any(
        isinstance(r, Mapping) and ("executor" in r or "docker" in r or "kubernetes" in r)
        for r in runners)


def repository_root(path: Path, boundary: Path | None = None) -> Path:
    """Where ``include: local`` paths start for ``path``: its folder for a
    ``.gitlab-ci.yml``, else the nearest folder above it with a ``.gitlab-ci.yml`` or
    ``.git``, never above ``boundary`` (the folder the user asked to lint)."""
    folder = path.parent
    if is_pipeline_name(path.name):
        return folder
    stop = os.path.abspath(boundary) if boundary is not None else None
    current = folder
    for _ in range(MAX_ROOT_SEARCH):
        if any((current / name).exists() for name in (*PIPELINE_NAMES, ".git")):
            return current
        if stop is not None and os.path.abspath(current) == stop:
            break
        parent = current.parent
        if parent == current:
            break
        current = parent
    return folder
