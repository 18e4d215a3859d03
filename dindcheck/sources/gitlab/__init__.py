"""GitLab CI pipelines and GitLab Runner ``config.toml``: discovery, loading, workloads.

``discover`` says which files are pipelines or runner configurations; ``document`` reads a
pipeline with its local includes, ``references`` resolves ``!reference`` tags, ``jobs``
resolves ``extends``, ``default:`` and inheritance into :class:`~.model.Job` values,
``runner`` reads ``config.toml``, and ``workloads`` turns both into a
:class:`dindcheck.workload.Setup`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dindcheck.sources import LoadOptions
    from dindcheck.workload import Setup

# Top-level keys that only a GitLab CI file has; an indented `script:` is a job's.
_PIPELINE_KEY = re.compile(r"(?:stages|include|workflow|default|before_script|after_script)"
                           r"\s*:")
_SCRIPT_KEY = re.compile(r"[ \t]+script[ \t]*:")


def _reads_as_pipeline(head: str) -> bool:
    """Line by line (linear, whatever the text): a GitLab-only top-level key, or a
    ``script:`` inside a top-level mapping."""
    return any(_PIPELINE_KEY.match(line) or _SCRIPT_KEY.match(line)
               for line in head.splitlines())


class GitLabSource:
    kind = "gitlab-ci"
    modules = ("dindcheck.sources.gitlab.workloads",)

    def groups(self, folder: Path, names: Sequence[str]) -> list[list[Path]]:
        from dindcheck.sources.gitlab.discover import is_fragment_name, is_pipeline_name

        pipelines = [[folder / n] for n in sorted(names) if is_pipeline_name(n)]
        fragments = [[folder / n] for n in sorted(names) if is_fragment_name(n)]
        return pipelines + fragments

    def recognises(self, path: Path, head: str) -> bool:
        if path.suffix.lower() not in (".yml", ".yaml"):
            return False
        from dindcheck.sources.gitlab.discover import looks_like_pipeline
        from dindcheck.yamlload import YamlError, load_text

        try:
            return looks_like_pipeline(load_text(head, str(path)))
        except YamlError:  # the head may end mid-document
            return _reads_as_pipeline(head)

    def load(self, files: Sequence[Path], options: LoadOptions) -> list[Setup]:
        from dindcheck.sources.gitlab.workloads import load_setups

        return [setup for path in files for setup in load_setups(
            path, runner_config=options.runner_config,
            root=repository_of(path, options.root), max_file_size=options.max_file_size)]


def repository_of(pipeline: Path, root: Path | None) -> Path | None:
    """The repository a pipeline's ``include: local`` paths are relative to: the nearest
    folder with a ``.git`` from the pipeline's folder up to the lint's root, else the
    pipeline's own folder (where GitLab keeps ``.gitlab-ci.yml``). Reads never leave it."""
    if root is None:
        return None
    folder = pipeline.absolute().parent
    top = root.absolute()
    if folder != top and top not in folder.parents:
        return root  # a pipeline named outside the root: the root still bounds its reads
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
        if candidate == top:
            break
    return folder


SOURCE = GitLabSource()
