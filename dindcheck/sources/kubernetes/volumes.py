"""A container's volume mounts, with the identity of the storage behind each.

Containers of one pod share its volumes: one pod volume is one storage identity, seen
from every container that mounts it (a ``subPath`` is a folder of it, so a storage of
its own). Per pod (each replica its own): ``emptyDir`` (``medium: Memory`` is a tmpfs),
generic ``ephemeral`` claims, a StatefulSet's ``volumeClaimTemplates``. Shared by every
replica: a ``persistentVolumeClaim`` (what its access modes do to that is said, not
decided here), a ``hostPath`` (the node's own: shared by the pods on one node; the
node's ``/var/lib/docker`` is its Docker Engine's data root). A volume without a source
is an emptyDir, as the API server defaults it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dindcheck.sources.kubernetes.catalog import Catalog
from dindcheck.sources.kubernetes.facts import MountFacts
from dindcheck.sources.kubernetes.pods import (
    Container,
    Pod,
    Source,
    item_location,
    mapping,
    sequence,
)
from dindcheck.sources.kubernetes.scalars import flag, quantity, show
from dindcheck.workload import (
    BIND,
    EMPTYDIR,
    MISSING_CREATES_DIRECTORY,
    MISSING_CREATES_FILE,
    MISSING_FAILS,
    PVC,
    TMPFS,
    UNKNOWN,
    VOLUME,
    Mount,
    within,
)

CONFIG = "config"  # configMap, secret, projected, downwardAPI: read-only files the cluster writes
NODE_DATA_ROOT = "/var/lib/docker"
_CONFIG_SOURCES = {"configMap": "configmap", "secret": "secret", "projected": "projected",
                   "downwardAPI": "downwardapi"}
_KNOWN_SOURCES = ("emptyDir", "hostPath", "persistentVolumeClaim", "ephemeral", *_CONFIG_SOURCES,
                  "nfs", "csi", "image", "iscsi", "rbd", "cephfs", "glusterfs", "cinder",
                  "azureDisk", "azureFile", "awsElasticBlockStore", "gcePersistentDisk", "fc",
                  "flexVolume", "flocker", "portworxVolume", "quobyte", "scaleIO",
                  "storageos", "vsphereVolume", "photonPersistentDisk", "gitRepo")
_VARIABLE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")
_PER_POD_FIELDS = {"metadata.name", "metadata.uid"}


@dataclass(frozen=True, slots=True)
class _Backing:
    """What a pod volume is, before a mount picks a subPath of it."""

    kind: str
    source: str | None
    storage: str | None
    persistent: bool
    per_instance: bool
    read_only: bool
    driver: str | None
    facts: MountFacts
    node: str = ""  # "@node" of a host path on a known node, after any subPath
    size_limit: int | None = None
    access_modes: tuple[str, ...] | None = None


def shows_node_data_root(path: str) -> bool:
    """Whether a host folder is the node's Docker data root, a folder in it or a folder
    that holds it (``/``, ``/var``, ``/var/lib``)."""
    return within(path, NODE_DATA_ROOT) or within(NODE_DATA_ROOT, path)


def _missing_source(host_path_type: str | None) -> str:
    """What the node does when a hostPath is missing: without a type (or with
    DirectoryOrCreate) the runtime makes an empty folder there; FileOrCreate makes a file;
    every other type refuses to start the pod."""
    if host_path_type in (None, "", "DirectoryOrCreate"):
        return MISSING_CREATES_DIRECTORY
    if host_path_type == "FileOrCreate":
        return MISSING_CREATES_FILE
    return MISSING_FAILS


def container_mounts(container: Container, pod: Pod, volumes: Mapping[str, Source],
                     catalog: Catalog, env: Mapping[str, str]) -> tuple[
                         tuple[Mount, ...], tuple[MountFacts, ...]]:
    """The mounts of ``container`` (``env``: its variables set by ``fieldRef``, by name)."""
    items = container.spec.get("volumeMounts")
    mounts: list[Mount] = []
    facts: list[MountFacts] = []
    for i, item in enumerate(sequence(items)):
        if not isinstance(item, dict):
            continue
        field = f"volumeMounts[{i}]"
        where = _item_source(container.source, items, i, item)
        name, target = item.get("name"), item.get("mountPath")
        if not isinstance(target, str) or not target.startswith("/"):
            catalog.problem(where.at("mountPath"), f"mountPath must be an absolute path, "
                                                   f"not {show(target)}")
            continue
        read_only = _read_only(item, where, catalog)
        backing = _backing(str(name), pod, volumes, catalog) if isinstance(name, str) else None
        if backing is None:
            catalog.note(where.at("name"), f"volume {show(name)} is not a volume of the pod "
                                           "(the API server rejects the pod)")
            backing = _Backing(UNKNOWN, str(name), None, False, False, False, None,
                               MountFacts(field=field, volume=str(name), volume_type="missing"))
        storage, per_instance, sub_path, folder = _sub_path(item, backing, env)
        source = backing.source
        if backing.kind == BIND and source is not None and folder is not None:
            source = posixpath.normpath(f"{source}/{folder}")  # the host folder it shows
        host = backing.kind == BIND and source is not None
        mounts.append(Mount(
            kind=backing.kind, target=posixpath.normpath(target), source=source,
            storage=storage and storage + backing.node,
            read_only=read_only or backing.read_only,
            persistent=backing.persistent, per_instance=per_instance, field=field,
            location=where.at(), driver=backing.driver,
            into_outer_root=host and shows_node_data_root(str(source)),
            size_limit=backing.size_limit, access_modes=backing.access_modes,
            missing_source=_missing_source(backing.facts.host_path_type) if host else None))
        assumption = backing.facts.assumption
        if host:
            assumption = _host_path_assumption(str(source))
        facts.append(MountFacts(
            field=field, volume=backing.facts.volume, volume_type=backing.facts.volume_type,
            claim=backing.facts.claim, storage_class=backing.facts.storage_class,
            medium=backing.facts.medium, sub_path=sub_path,
            host_path_type=backing.facts.host_path_type, assumption=assumption))
    return tuple(mounts), tuple(facts)


def _item_source(container: Source, items: Any, index: int, item: Mapping[str, Any]) -> Source:
    field = f"{container.field}.volumeMounts[{index}]"
    return Source(item, field, item_location(items, index, field, container.fallback))


def _read_only(item: Mapping[str, Any], where: Source, catalog: Catalog) -> bool:
    if "readOnly" not in item:
        return False
    value = flag(item["readOnly"], "readOnly")
    if isinstance(value, str):
        catalog.problem(where.at("readOnly"), value)
        return False
    return value is True


def _sub_path(item: Mapping[str, Any], backing: _Backing, env: Mapping[str, str]) -> tuple[
        str | None, bool, str | None, str | None]:
    """``(storage, per_instance, subPath as written, its folder)`` of a mount of
    ``backing``; the folder is None for a ``subPathExpr`` (known only in the pod)."""
    sub = item.get("subPath")
    expression = item.get("subPathExpr")
    if isinstance(sub, str) and sub.strip("/"):
        folder = posixpath.normpath(sub.strip("/"))
        storage = f"{backing.storage}/{folder}" if backing.storage else None
        return storage, backing.per_instance, sub, folder
    if isinstance(expression, str) and expression:
        per_pod = any(env.get(v) in _PER_POD_FIELDS for v in _VARIABLE.findall(expression))
        storage = f"{backing.storage}/{expression}" if backing.storage else None
        return storage, backing.per_instance or per_pod, expression, None
    return backing.storage, backing.per_instance, None, None


def _backing(name: str, pod: Pod, volumes: Mapping[str, Source],
             catalog: Catalog) -> _Backing | None:
    volume = volumes.get(name)
    if volume is None:
        template = pod.claim_templates.get(name)
        return None if template is None else _claim_template(name, template, pod)
    spec = volume.spec
    source_type = next((k for k in _KNOWN_SOURCES if k in spec), None)
    if source_type is None:
        other = [k for k in spec if k != "name"]
        if other:
            return _other(name, other[0], spec, pod)
        source_type = "emptyDir"  # the API server's default
    value = mapping(spec.get(source_type))
    if source_type == "emptyDir":
        medium = value.get("medium") if isinstance(value.get("medium"), str) else None
        memory = medium == "Memory"
        return _Backing(TMPFS if memory else EMPTYDIR, name, f"emptydir:{pod.key}/{name}",
                        False, True, False, None,
                        MountFacts(field="", volume=name, volume_type="emptyDir",
                                   medium=medium),
                        size_limit=quantity(value.get("sizeLimit")))
    if source_type == "hostPath":
        return _host_path(name, value, volume, pod, catalog)
    if source_type == "persistentVolumeClaim":
        return _claim(name, value, pod, catalog)
    if source_type == "ephemeral":
        claim = mapping(mapping(value.get("volumeClaimTemplate")).get("spec"))
        return _Backing(PVC, name, f"ephemeral:{pod.key}/{name}", False, True, False, None,
                        MountFacts(field="", volume=name, volume_type="ephemeral",
                                   storage_class=_class(claim),
                                   assumption="a generic ephemeral claim: one per pod"),
                        access_modes=_modes(claim))
    if source_type in _CONFIG_SOURCES:
        ref = value.get("name") or value.get("secretName")
        storage = f"{_CONFIG_SOURCES[source_type]}:{pod.namespace}/{ref}" \
            if isinstance(ref, str) else f"{_CONFIG_SOURCES[source_type]}:{pod.key}/{name}"
        return _Backing(CONFIG, name, storage, False, False, True, None,
                        MountFacts(field="", volume=name, volume_type=source_type))
    return _other(name, source_type, spec, pod)


def _host_path(name: str, value: Mapping[str, Any], volume: Source, pod: Pod,
               catalog: Catalog) -> _Backing:
    path = value.get("path")
    kind = value.get("type") if isinstance(value.get("type"), str) else None
    if not isinstance(path, str) or not path.startswith("/"):
        catalog.problem(volume.at("hostPath"), f"hostPath.path must be an absolute path, "
                                               f"not {show(path)}")
        return _Backing(BIND, None, None, True, False, False, None,
                        MountFacts(field="", volume=name, volume_type="hostPath"))
    path = posixpath.normpath(path)
    return _Backing(BIND, path, f"bind:{path}", True, False, False, None,
                    MountFacts(field="", volume=name, volume_type="hostPath",
                               host_path_type=kind, assumption=_host_path_assumption(path)),
                    f"@{pod.node}" if pod.node else "")


def _host_path_assumption(path: str) -> str:
    if within(path, NODE_DATA_ROOT):
        return "the node's own Docker data root (if the node runs Docker Engine)"
    if within(NODE_DATA_ROOT, path):
        return ("a folder of the node that holds its Docker data root "
                f"({NODE_DATA_ROOT}, if the node runs Docker Engine)")
    return "a folder of the node: shared by the pods on one node"


def _claim(name: str, value: Mapping[str, Any], pod: Pod, catalog: Catalog) -> _Backing:
    claim = value.get("claimName")
    claim_name = claim if isinstance(claim, str) else None
    found = catalog.claims.get((pod.namespace, claim_name or ""))
    modes = _modes(found.spec) if found is not None else None
    storage_class = _class(found.spec) if found is not None else None
    read_only = value.get("readOnly") is True
    return _Backing(PVC, claim_name, f"pvc:{pod.namespace}/{claim_name or name}", True, False,
                    read_only, None,
                    MountFacts(field="", volume=name, volume_type="persistentVolumeClaim",
                               claim=claim_name, storage_class=storage_class,
                               assumption=claim_sharing(modes, pod.replicas,
                                                        pod.rollout_overlap)),
                    access_modes=modes)


def claim_sharing(modes: tuple[str, ...] | None, replicas: int, overlap: bool = False) -> str:
    """What a claim mounted by every replica means, by its access modes (and whether a
    rolling update mounts it from a new pod while the old one runs)."""
    if modes is not None and "ReadWriteOncePod" in modes:
        return ("ReadWriteOncePod: one pod at a time; other replicas stay Pending"
                if replicas > 1 else "ReadWriteOncePod: one pod at a time")
    if modes is None:
        said = "the claim is not in the input; read as shared by every replica"
    elif "ReadWriteMany" in modes or "ReadOnlyMany" in modes:
        said = "ReadWriteMany: every replica mounts it at once (usually a network filesystem)"
    else:
        said = ("ReadWriteOnce: replicas on one node mount it together; replicas on other "
                "nodes fail to attach it (Multi-Attach)")
    if overlap:
        said += "; a rolling update mounts it from a new pod while the old one still runs"
    return said


def _claim_template(name: str, template: Source, pod: Pod) -> _Backing:
    spec = mapping(template.spec.get("spec"))
    return _Backing(PVC, name, f"pvc:{pod.namespace}/{name}-{pod.name}-<ordinal>", True, True,
                    False, None,
                    MountFacts(field="", volume=name, volume_type="volumeClaimTemplate",
                               claim=f"{name}-{pod.name}-<ordinal>",
                               storage_class=_class(spec),
                               assumption="a claim template: one claim per replica"),
                    access_modes=_modes(spec))


def _other(name: str, source_type: str, spec: Mapping[str, Any], pod: Pod) -> _Backing:
    """Network and plugin volumes: persistent, shared, on the plugin's filesystem."""
    value = mapping(spec.get(source_type))
    driver = source_type
    if source_type == "csi" and isinstance(value.get("driver"), str):
        driver = f"csi:{value['driver']}"
        if "volumeAttributes" in value and "volumeHandle" not in value:
            return _Backing(VOLUME, name, f"csi:{pod.key}/{name}", False, True, False, driver,
                            MountFacts(field="", volume=name, volume_type=source_type,
                                       assumption="an inline CSI volume: one per pod"))
    if source_type == "image":
        return _Backing(UNKNOWN, name, None, False, False, True, "image",
                        MountFacts(field="", volume=name, volume_type="image"))
    identity = "/".join(str(value[k]) for k in ("server", "path", "volumeHandle", "volumeID",
                                                 "pdName", "diskName", "shareName")
                        if isinstance(value.get(k), str))
    return _Backing(VOLUME, name, f"{driver}:{identity or pod.key + '/' + name}", True, False,
                    value.get("readOnly") is True, driver,
                    MountFacts(field="", volume=name, volume_type=source_type))


def _modes(spec: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(m for m in sequence(spec.get("accessModes")) if isinstance(m, str))


def _class(spec: Mapping[str, Any]) -> str | None:
    value = spec.get("storageClassName")
    return value if isinstance(value, str) else None


def pod_volumes_by_name(pod: Pod, catalog: Catalog) -> dict[str, Source]:
    """The pod's volumes by name; a repeated name is said (the API server refuses it)."""
    result: dict[str, Source] = {}
    for volume in pod.volumes:
        name = volume.spec.get("name")
        if not isinstance(name, str):
            catalog.problem(volume.at("name"), "a volume needs a name")
            continue
        if name in result:
            catalog.note(volume.at("name"), f"volume {show(name)} is defined twice in the pod "
                                            "(the API server rejects it); the first is read")
            continue
        result[name] = volume
    return result
