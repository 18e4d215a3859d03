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
