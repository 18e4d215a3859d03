"""Kubernetes manifests and cluster state: discovery, reading, pods, workloads.

Manifests (multi-document YAML, JSON, ``kind: List``, Helm-rendered output, pod YAML
inside Jenkins Groovy strings) and ``kubectl get … -o json`` dumps become one
:class:`~dindcheck.workload.Setup` per group of inputs, one workload per container.

- :mod:`.discover`: which files of a folder are inputs, and what a Helm chart holds
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
        """A folder's manifests together, as ``kubectl apply -f folder/`` applies them. A
        Helm chart is one group of its own (its ``Chart.yaml``): its templates are not
        manifests until rendered, and loading it says so."""
        from dindcheck.sources.kubernetes.discover import CHART_FILE, chart_of_templates, is_input

        if CHART_FILE in names:
            return [[folder / CHART_FILE]]
        chart = chart_of_templates(folder)
        if chart is not None:
            return [[chart / CHART_FILE]]  # the chart's group (once, however it is reached)
        files = [folder / n for n in sorted(names)
                 if (folder / n).is_file() and is_input(folder / n)]
        return [files] if files else []

    def recognises(self, path: Path, head: str) -> bool:
        return path.suffix.lower() in (".yml", ".yaml", ".json") and bool(_OBJECT.search(head))

    def load(self, files: Sequence[Path], options: LoadOptions) -> list[Setup]:
        from dindcheck.sources.kubernetes.discover import CHART_FILE
        from dindcheck.sources.kubernetes.source import load_chart, load_files

        if len(files) == 1 and files[0].name == CHART_FILE:
            return [load_chart(files[0])]
        return [load_files(files, max_file_size=options.max_file_size).setup]

    def load_stream(self, data: bytes, name: str, options: LoadOptions) -> list[Setup]:
        from dindcheck.sources.kubernetes.source import load_bytes

        return [load_bytes(data, name).setup]


SOURCE = KubernetesSource()
