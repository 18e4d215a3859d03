"""Kubernetes manifests and cluster state: discovery, reading, pods, workloads.

Manifests (multi-document YAML, JSON, ``kind: List``, Helm-rendered output, pod YAML
inside Jenkins Groovy strings) and ``kubectl get … -o json`` dumps become one
:class:`~dindcheck.workload.Setup` per group of inputs, one workload per container.
"""
