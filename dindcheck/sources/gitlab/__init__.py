"""GitLab CI pipelines and GitLab Runner ``config.toml``: discovery, loading, workloads.

``discover`` says which files are pipelines or runner configurations; ``document`` reads a
pipeline with its local includes, ``references`` resolves ``!reference`` tags, ``jobs``
resolves ``extends``, ``default:`` and inheritance into :class:`~.model.Job` values,
``runner`` reads ``config.toml``, and ``workloads`` turns both into a
:class:`dindcheck.workload.Setup`.
"""
