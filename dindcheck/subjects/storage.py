"""Where a daemon's data root is and what covers it: a mount, another container's mounts,
the image's declared volume, sysbox, or nothing (the container's own layer)."""

from __future__ import annotations

import re
from typing import Any

from dindcheck.images import default_data_root, split_ref
from dindcheck.knowledge import load
from dindcheck.subjects.images import ImageFacts
from dindcheck.workload import (
    BIND,
    IMAGE_VOLUMES_CREATED,
    TMPFS,
    Mount,
    Setup,
    Workload,
    covering,
    normalise,
    within,
)

_LAYER = "layer"
_IMAGE_VOLUME = "image_volume"
_RUNTIME = "runtime"  # the image's VOLUME, left to a container runtime (Kubernetes)
_SYSBOX = "sysbox"
_UNKNOWN = "unknown"  # a built image whose Dockerfile was not read: its VOLUMEs are unknown
# The host engine's data root where the host cannot be asked (files): the default.
HOST_DATA_ROOT: str = load("dockerd.json")["host_data_root"]
_MAX_BORROWING = 16  # containers followed through volumes_from of volumes_from
_VOLUME_CONTENT = re.compile(r"^volumes/[^/]+/_data(?:/|$)")


def host_root_of(mount: Mount, setup: Setup, path: str | None = None
                 ) -> tuple[str, bool] | None:
    """``(the host engine's data root, assumed)`` when ``mount`` binds it (or a folder in
    it) into the container, else None; with ``path``, the container path the mount covers
    that counts (a bind of ``/var/lib`` puts ``/var/lib/docker`` on the host's).

    A live audit knows the engine's data root; files do not, so the default
    ``/var/lib/docker`` is assumed to be the host engine's own. A source that knows better
    marks the mount itself (``into_outer_root``: a Kubernetes node's data root or a folder
    that holds it). A named volume's content (``volumes/NAME/_data``) is a volume, not the
    engine's data.
    """
    if mount.kind != BIND or not mount.source:
        return None
    known = setup.host.facts.get("root_dir") if setup.host is not None else None
    root = normalise(str(known) if known else HOST_DATA_ROOT)
    shown = normalise(mount.source)
    if path is not None and within(path, mount.target):
        below = normalise(path)[len(normalise(mount.target)):].lstrip("/")
        shown = normalise(f"{shown.rstrip('/')}/{below}") if below else shown
    if not (within(shown, root) or mount.into_outer_root):
        return None
    rest = shown[len(root):].lstrip("/") if within(shown, root) else ""
    if _VOLUME_CONTENT.match(rest):
        return None
    return root, not known


def mount_block(mount: Mount, setup: Setup | None = None,
                path: str | None = None) -> dict[str, Any]:
    """The fact model's ``mount`` block of one mount (``setup``, ``path``: to tell a bind
    of the host engine's data root at the container path ``path``)."""
    block: dict[str, Any] = {"type": mount.kind, "source": mount.source,
                             "target": mount.target, "share_key": mount.storage,
                             "persistent": mount.persistent, "read_only": mount.read_only,
                             "per_instance": mount.per_instance}
    if mount.driver:
        block["driver"] = mount.driver
    host_root = host_root_of(mount, setup, path) if setup is not None else None
    if host_root is not None:
        block["into_outer_root"] = True
        block["outer_root"], block["outer_root_assumed"] = host_root
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
    """A data root covered through ``volumes_from`` another workload: that workload's mount
    there (also one it borrows itself), or the VOLUME its image declares there, which
    ``--volumes-from`` hands over too. The storage keeps its identity, so two daemons on it
    share it."""
    if not w.volumes_from:
        return None, {}  # (the index below is one pass over every workload of the setup)
    others = {o.name: o for o in setup.workloads}
    for entry in w.volumes_from:
        lent = _lent(others.get(entry.workload), path, setup, others, {w.name})
        if lent is None:
            continue
        block = {**lent, "type": "volumes_from", "source": entry.workload,
                 "read_only": entry.read_only or lent["read_only"]}
        return block, entry.location.to_json() if entry.location else {}
    return None, {}


def _lent(other: Workload | None, path: str, setup: Setup, others: dict[str, Workload],
          seen: set[str]) -> dict[str, Any] | None:
    """What of ``other`` covers ``path`` for a container that borrows its volumes."""
    if other is None or other.name in seen or len(seen) > _MAX_BORROWING:
        return None
    mount = covering(other.mounts or (), path)
    if mount is not None:
        return mount_block(mount, setup, path)
    for entry in other.volumes_from:
        lent = _lent(others.get(entry.workload), path, setup, others, {*seen, other.name})
        if lent is not None:
            return lent
    if setup.image_volumes == IMAGE_VOLUMES_CREATED and \
            image_declares(other, ImageFacts.of(other), path):
        return {"type": _IMAGE_VOLUME, "source": None, "target": path,
                "share_key": _image_volume_key(other, path), "persistent": False,
                "read_only": False, "per_instance": True}
    return None


def _image_volume_key(w: Workload, path: str) -> str:
    """The identity of the volume the engine creates for an image's VOLUME in ``w``."""
    return f"image_volume:{w.id}:{normalise(path)}"


def image_declares(w: Workload, image: ImageFacts, path: str) -> bool:
    """Whether the image declares a VOLUME at ``path``: its Dockerfile does, or what is known
    of its family (the official dind images declare their default data root)."""
    if any(normalise(v) == normalise(path) for v in w.image_volumes or ()):
        return True
    return bool(image.family and image.family["declares_data_volume"]) and \
        path == default_data_root(image.family)


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
        block = mount_block(mount, setup, path)
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
            declares = image_declares(w, image, path)
            created = setup.image_volumes == IMAGE_VOLUMES_CREATED
            kind = (_SYSBOX if sysbox else _IMAGE_VOLUME if declares and created
                    else _RUNTIME if declares else _UNKNOWN if w.image_volumes is None
                    else _LAYER)
            block = {"type": kind, "source": None, "target": path if declares else None,
                     "share_key": _image_volume_key(w, path) if kind == _IMAGE_VOLUME
                     else None, "persistent": kind == _SYSBOX, "read_only": False,
                     "per_instance": True}
            location = w.location("volumes", "image").to_json()
    obs = w.observation
    inner = obs.inner if obs else None
    return ({"path": path, "mount": block, "covered_by": block["type"],
             "persistent": block["persistent"], "shared": False, "shared_with": [],
             "may_exhaust_memory": _may_exhaust_memory(block, w.memory_limit),
             "backing_fs": obs.data_root_fs if obs else None,
             "backing_fs_d_type": (inner or {}).get("d_type")}, location)
