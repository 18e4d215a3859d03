"""Where a daemon's data root is and what covers it: a mount, another container's mounts,
the image's declared volume, sysbox, or nothing (the container's own layer)."""

from __future__ import annotations

from typing import Any

from dindcheck.images import default_data_root, split_ref
from dindcheck.subjects.images import ImageFacts
from dindcheck.workload import (
    BIND,
    IMAGE_VOLUMES_CREATED,
    TMPFS,
    VOLUME,
    Mount,
    Setup,
    Workload,
    covering,
)

_LAYER = "layer"
_IMAGE_VOLUME = "image_volume"
_RUNTIME = "runtime"  # the image's VOLUME, left to a container runtime (Kubernetes)
_SYSBOX = "sysbox"


def mount_block(mount: Mount) -> dict[str, Any]:
    """The fact model's ``mount`` block of one mount."""
    block: dict[str, Any] = {"type": mount.kind, "source": mount.source,
                             "target": mount.target, "share_key": mount.storage,
                             "persistent": mount.persistent, "read_only": mount.read_only,
                             "per_instance": mount.per_instance}
    if mount.driver:
        block["driver"] = mount.driver
    if mount.into_outer_root:
        block["into_outer_root"] = True
    if mount.size_limit is not None:
        block["size_limit"] = mount.size_limit
    if mount.access_modes is not None:
        block["access_modes"] = list(mount.access_modes)
    return block


def _may_exhaust_memory(block: dict[str, Any], memory_limit: int | None) -> bool | None:
    """A tmpfs data root counts against the container's memory: whether it may grow until
    the container is out of memory (no memory limit, no size limit, or a size limit not
    below the memory limit). None when the data root is not a tmpfs."""
    if block["type"] != TMPFS:
        return None
    size = block.get("size_limit")
    return memory_limit is None or size is None or size >= memory_limit


def _borrowed(w: Workload, path: str, setup: Setup) -> tuple[dict[str, Any] | None,
                                                           dict[str, Any]]:
    """A data root covered through ``volumes_from`` another workload."""
    if not w.volumes_from:
        return None, {}  # (the index below is one pass over every workload of the setup)
    others = {o.name: o for o in setup.workloads}
    for entry in w.volumes_from:
        other = others.get(entry.workload)
        mount = covering(other.mounts or (), path) if other is not None else None
        if mount is None:
            continue
        block = {"type": "volumes_from", "source": entry.workload, "target": mount.target,
                 "share_key": mount.storage, "persistent": mount.kind in (VOLUME, BIND),
                 "read_only": entry.read_only, "per_instance": mount.per_instance}
        return block, entry.location.to_json() if entry.location else {}
    return None, {}


def unresolved_image(w: Workload) -> bool:
    """The image's repository is a variable the input does not define (a tag that is one,
    ``docker:${VERSION}-dind``, still names the image)."""
    return bool(w.image and "$" in split_ref(w.image)[0] and not w.built_from
                and w.observation is None)


def data_root(w: Workload, image: ImageFacts, path: str, sysbox: bool,
              setup: Setup) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``data_root`` block of a daemon whose data root is ``path``, and the location
    of what covers it."""
    mount = covering(w.mounts or (), path)
    location: dict[str, Any]
    if mount is not None:
        block = mount_block(mount)
        location = mount.location.to_json() if mount.location else {}
    else:
        borrowed, location = _borrowed(w, path, setup)
        if borrowed is not None:
            block = borrowed
        elif unresolved_image(w):
            # An image named by a variable the input does not define: whether it declares a
            # VOLUME at the data root is not known.
            return ({"path": path, "mount": None, "covered_by": "unknown", "persistent": False,
                     "shared": False, "shared_with": [], "backing_fs": None,
                     "backing_fs_d_type": None}, w.location("image").to_json())
        else:
            declares = bool(image.family and image.family["declares_data_volume"]) and \
                path == default_data_root(image.family)
            created = setup.image_volumes == IMAGE_VOLUMES_CREATED
            kind = (_SYSBOX if sysbox else _LAYER if not declares
                    else _IMAGE_VOLUME if created else _RUNTIME)
            block = {"type": kind, "source": None, "target": path if declares else None,
                     "share_key": None, "persistent": kind == _SYSBOX, "read_only": False,
                     "per_instance": True}
            location = w.location("volumes", "image").to_json()
    obs = w.observation
    inner = obs.inner if obs else None
    return ({"path": path, "mount": block, "covered_by": block["type"],
             "persistent": block["persistent"], "shared": False, "shared_with": [],
             "may_exhaust_memory": _may_exhaust_memory(block, w.memory_limit),
             "backing_fs": obs.data_root_fs if obs else None,
             "backing_fs_d_type": (inner or {}).get("d_type")}, location)
