"""What a Kubernetes container says that :class:`~dindcheck.workload.Workload` has no field
for yet: its role in the pod, what ends the pod, resource limits, claim access modes, the
runtime's handling of image volumes. Kept beside the setup, by workload id, until the
workload model grows these fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dindcheck.workload import Healthcheck, Setup

# How the container runtime handles the image's VOLUME (``docker:dind`` declares
# /var/lib/docker). containerd's CRI plugin backs it with a directory of its own state
# folder (overlay2 works; the data escapes the pod's storage accounting and dies with
# the pod); CRI-O (``image_volumes = "mkdir"``) makes it inside the container's root
# filesystem (overlay on overlay). A Kubernetes source cannot know the node's runtime.
IMAGE_VOLUMES_BY_RUNTIME = "runtime"


@dataclass(frozen=True, slots=True, kw_only=True)
class MountFacts:
    """One volume mount: what backs it, and what was assumed about who shares it."""

    field: str                     # volumeMounts[i]
    volume: str                    # the pod volume's name
    volume_type: str               # emptyDir, hostPath, persistentVolumeClaim, ephemeral, …
    claim: str | None = None       # the claim's name (or the claim template's)
    access_modes: tuple[str, ...] | None = None  # None: the claim is not in the input
    storage_class: str | None = None
    size_limit: int | None = None  # emptyDir sizeLimit, bytes
    medium: str | None = None      # emptyDir medium (Memory)
    sub_path: str | None = None
    host_path_type: str | None = None
    assumption: str | None = None  # what was assumed to decide sharing


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerFacts:
    """A container's Kubernetes facts (see the module docstring)."""

    role: str                      # main, init, sidecar (pods.MAIN/INIT/SIDECAR)
    completion: str                # service, job, controller (pods.SERVICE/JOB/CONTROLLER)
    controller: str                # the kind that was read: Deployment, Job, RunnerSet, …
    restart_policy: str | None = None
    daemon: str | None = None      # what in the format says it runs dockerd
    waits_for_daemon: str | None = None  # probe: held until a sidecar's probe passes;
                                         # command: its command polls the daemon
    memory_limit: int | None = None
    memory_request: int | None = None
    ephemeral_storage_limit: int | None = None
    run_as_user: int | None = None
    run_as_non_root: bool | None = None
    read_only_root: bool | None = None
    allow_privilege_escalation: bool | None = None
    rollout_overlap: bool = False    # a rolling update runs a new pod beside the old one
    host_pid: bool = False
    host_ipc: bool = False
    host_users: bool | None = None   # False: a user namespace (hostUsers: false)
    image_volumes: str = IMAGE_VOLUMES_BY_RUNTIME
    probes: Mapping[str, Healthcheck] = field(default_factory=dict)
    env_sources: Mapping[str, str] = field(default_factory=dict)  # valueFrom, not resolved
    env_from: tuple[str, ...] = ()   # envFrom sources not in the input
    mounts: tuple[MountFacts, ...] = ()
    template: str | None = None      # the chart template it was rendered from
    added_by: str | None = None      # the controller that adds it, when not written
    pod_security: str | None = None  # the namespace's PodSecurity enforce level, when read


@dataclass(frozen=True, slots=True)
class KubernetesSetup:
    """A setup and the Kubernetes facts of its workloads, by workload id."""

    setup: Setup
    facts: Mapping[str, ContainerFacts]
