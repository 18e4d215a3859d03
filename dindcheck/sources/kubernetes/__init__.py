"""Kubernetes manifests and cluster state: discovery, reading, pods, workloads.

Manifests (multi-document YAML, JSON, ``kind: List``, Helm-rendered output, pod YAML
inside Jenkins Groovy strings) and ``kubectl get … -o json`` dumps become one
:class:`~dindcheck.workload.Setup` per group of inputs, one workload per container.

- :mod:`.discover`: the groups (a folder's manifests, a named file, standard input)
- :mod:`.documents`: an input's documents with their positions (YAML, JSON, Groovy)
- :mod:`.objects`: documents to pods and the objects they refer to (:mod:`.catalog`),
  with the runner controllers' pods in :mod:`.runners` and CI systems' in
  :mod:`.pipelines`
- :mod:`.pods`: a pod as the kubelet runs it: containers with roles, volumes, replicas
- :mod:`.workloads`: pods to workloads, with :mod:`.volumes` (storage identities) and
  :mod:`.status` (a running pod's observation)
- :mod:`.facts`: what a workload has no field for yet, kept beside the setup
- :mod:`.scalars`: counts, switches and quantities as the API server reads them
- :mod:`.source`: the entry points
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dindcheck.sources import LoadOptions
    from dindcheck.workload import Setup

_OBJECT = re.compile(r"^(?:apiVersion|kind)[ \t]*:|\"(?:apiVersion|kind)\"[ \t]*:"
                     r"|^(?:presubmits|postsubmits|periodics)[ \t]*:", re.MULTILINE)


class KubernetesSource:
    kind = "kubernetes"
    modules = ("dindcheck.sources.kubernetes.source",)

    def groups(self, folder: Path, names: Sequence[str]) -> list[list[Path]]:
        """A folder's manifests together, as ``kubectl apply -f folder/`` applies them; a
        Helm chart's templates are not manifests until rendered."""
        from dindcheck.sources.kubernetes.discover import is_input

        if "Chart.yaml" in names:
            return []
        files = [folder / n for n in sorted(names)
                 if (folder / n).is_file() and is_input(folder / n)]
        return [files] if files else []

    def recognises(self, path: Path, head: str) -> bool:
        return path.suffix.lower() in (".yml", ".yaml", ".json") and bool(_OBJECT.search(head))

    def load(self, files: Sequence[Path], options: LoadOptions) -> list[Setup]:
        from dindcheck.sources.kubernetes.source import load_files

        return [load_files(files, max_file_size=options.max_file_size).setup]


SOURCE = KubernetesSource()
