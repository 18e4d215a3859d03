"""What a Kubernetes container says that :class:`~dindcheck.workload.Workload` has no field
for: what ends its pod and which controller made it, its security context beyond
privilege, probes, where variables come from, what backs each volume and what was assumed
about who shares it. Kept beside the setup, by workload id (tests and diagnostics read
them; rules read workloads).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dindcheck.workload import Healthcheck, Setup


@dataclass(frozen=True, slots=True, kw_only=True)
class MountFacts:
    """One volume mount: what backs it, and what was assumed about who shares it."""

    field: str                     # volumeMounts[i]
    volume: str                    # the pod volume's name
    volume_type: str               # emptyDir, hostPath, persistentVolumeClaim, ephemeral, …
    claim: str | None = None       # the claim's name (or the claim template's)
    storage_class: str | None = None
    medium: str | None = None      # emptyDir medium (Memory)
    sub_path: str | None = None
    host_path_type: str | None = None
    assumption: str | None = None  # what was assumed to decide sharing


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerFacts:
    """A container's Kubernetes facts (see the module docstring)."""

    completion: str                # service, job, controller (pods.SERVICE/JOB/CONTROLLER)
    controller: str                # the kind that was read: Deployment, Job, RunnerSet, …
    restart_policy: str | None = None
    memory_request: int | None = None
    run_as_user: int | None = None
    run_as_non_root: bool | None = None
    read_only_root: bool | None = None
    allow_privilege_escalation: bool | None = None
    host_pid: bool = False
    host_ipc: bool = False
    host_users: bool | None = None   # False: a user namespace (hostUsers: false)
    probes: Mapping[str, Healthcheck] = field(default_factory=dict)
    env_sources: Mapping[str, str] = field(default_factory=dict)  # valueFrom, not resolved
    env_from: tuple[str, ...] = ()   # envFrom sources not in the input
    mounts: tuple[MountFacts, ...] = ()
    template: str | None = None      # the chart template it was rendered from
    added_by: str | None = None      # the controller that adds it, when not written


@dataclass(frozen=True, slots=True)
class KubernetesSetup:
    """A setup and the Kubernetes facts of its workloads, by workload id."""

    setup: Setup
    facts: Mapping[str, ContainerFacts]
