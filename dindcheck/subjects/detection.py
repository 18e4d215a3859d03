"""Which workloads run a Docker daemon, what shows it, and how sure that is.

A container runs dockerd when its effective argv does: the entrypoint (written for the
container, else the image's own: its Dockerfile's ENTRYPOINT, else what is known of the
image) followed by the command (written, else the image's CMD). An entrypoint that takes
dockerd's flags (dockerd, the official ``dockerd-entrypoint.sh``) runs a daemon when the
command is empty or flags. Where the entrypoint is not known, weaker signs decide, and the
detection says so: an image named for dind (``likely``), a command made of dockerd's own
flags (``likely`` with a supporting sign, else ``possible``), a writable volume at
``/var/lib/docker`` in a privileged container (``possible``). A volume alone never makes
a daemon: data-only containers, backup jobs and disk-usage exporters mount one too.
"""

from __future__ import annotations

from dataclasses import dataclass

from dindcheck.dockerd import (
    FLAG_ENTRYPOINTS,
    DaemonArgs,
    daemon_flags_only,
    expand_shell,
    is_daemon_flag,
    parse_daemon_args,
)
from dindcheck.subjects.images import ImageFacts
from dindcheck.workload import ANONYMOUS_VOLUME, VOLUME, Workload

DATA_ROOT = "/var/lib/docker"
OFFICIAL_ENTRYPOINT = "dockerd-entrypoint.sh"

# How sure a detection is: the argv that runs dockerd is known (or dockerd was seen);
# the image or the command's flags point at one; only circumstances do.
CERTAIN, LIKELY, POSSIBLE = "certain", "likely", "possible"
# Detections that rest on the image or on circumstances: a running container whose
# processes show no dockerd overrules them.
_INFERRED = frozenset({"image", "flags", "volume"})
# Variables only a dind entrypoint reads.
_DIND_VARIABLES = ("DOCKER_TLS_CERTDIR", "DOCKER_DRIVER")


@dataclass(frozen=True, slots=True)
class Detection:
    """How a workload shows it runs dockerd (``detected_by``), the argv that runs it and
    the daemon's flags, whether the official image's entrypoint adds its default
    listeners, how sure the detection is and what it rests on (``basis``, in words)."""

    detected_by: str
    argv: tuple[str, ...]
    args: DaemonArgs
    official_entrypoint: bool
    starts: bool = True
    confidence: str = CERTAIN
    basis: tuple[str, ...] = ()


def _flags_or_nothing(command: tuple[str, ...] | None) -> bool:
    """No arguments, or flags first; a variable the input does not expand
    (``dockerd-entrypoint.sh $DOCKER_OPTIONS``) is taken to hold flags, as it most often
    does."""
    return not command or command[0].startswith(("-", "$"))


def _shown(argv: tuple[str, ...], limit: int = 3) -> str:
    words = list(argv[:limit]) + (["…"] if len(argv) > limit else [])
    return " ".join(words)


def detect(workload: Workload, image: ImageFacts) -> Detection | None:
    """Whether ``workload`` runs a Docker daemon, and what shows it.

    ``detected_by``: ``image`` (the image's own entrypoint starts dockerd), ``dockerfile``
    (the image's Dockerfile ENTRYPOINT/CMD runs it), ``command`` (the entrypoint or
    command written for the container runs it, also through ``sh -c``), ``flags`` (the
    command is dockerd's flags for an entrypoint that is not known), ``volume`` (a writable
    volume at /var/lib/docker in a privileged container whose image is not known),
    ``process`` (a dockerd was seen among its processes), ``declared`` (the input says so),
    ``engine`` (the audited engine itself). What was seen wins over what is inferred: a
    running container whose processes were read and show no dockerd is no daemon. A
    platform that replaces the image's entrypoint (a GitHub Actions job container) gives
    a daemon that never starts.
    """
    if workload.engine is not None:
        return Detection("engine", (), DaemonArgs(), False, basis=("the audited engine",))
    if workload.entrypoint_replaced_by and image.dind:
        # The platform runs its own command instead of the image's: no dockerd, ever.
        return Detection("image", (), DaemonArgs(), False, starts=False,
                         basis=(f"{workload.entrypoint_replaced_by} replaces the entrypoint "
                                "of a dind image",))
    found = _planned(workload, image)
    if found is None and workload.declared_daemon:
        argv = (*(workload.entrypoint or ()), *(workload.command or ()))
        found = Detection("declared", argv, parse_daemon_args(argv), False,
                          basis=(workload.declared_daemon,))
    obs = workload.observation
    if obs is None:
        return found
    running = obs.state is not None and obs.state.running
    if found is not None and found.detected_by in _INFERRED and running \
            and obs.processes is not None and obs.daemon_argv is None:
        return None
    if found is None and obs.daemon_argv is not None:
        argv = (*(workload.entrypoint or ()), *(workload.command or ()))
        return Detection("process", argv, parse_daemon_args(argv), False,
                         basis=("a dockerd runs among its processes",))
    if found is not None and found.confidence != CERTAIN and obs.daemon_argv is not None:
        return Detection(found.detected_by, found.argv, found.args, found.official_entrypoint,
                         confidence=CERTAIN,
                         basis=(*found.basis, "a dockerd runs among its processes"))
    return found


def _planned(w: Workload, image: ImageFacts) -> Detection | None:
    """What the plan (image, its Dockerfile, entrypoint, command, mounts) says."""
    if w.entrypoint is not None:
        # A written entrypoint replaces the image's, and drops the image's CMD.
        return _known(w.entrypoint, "command", tuple(w.command or ()), "command")
    if w.image_entrypoint is not None:
        entrypoint, ep_from = w.image_entrypoint, "dockerfile"
    elif image.entrypoint is not None:
        entrypoint, ep_from = (image.entrypoint,), "image"
    else:
        return _unknown_entrypoint(w, image)
    if w.command is not None:
        command, cmd_from = w.command, "command"
    elif w.image_command is not None:
        command, cmd_from = w.image_command, "dockerfile"
    else:
        command, cmd_from = (), "image"
    found = _known(entrypoint, ep_from, command, cmd_from)
    if found is not None or not _flags_or_nothing(command):
        return found
    flags = parse_daemon_args(("dockerd", *command))
    if ep_from == "image" and image.runs_daemon:
        # A known image whose own entrypoint starts dockerd beside other programs.
        return Detection("image", entrypoint, flags, image.official_entrypoint,
                         basis=(f"the entrypoint of {image.family_name} starts dockerd",))
    if ep_from == "dockerfile" and image.dind:
        # Built FROM a dind image, with an entrypoint of its own (a process supervisor
        # that starts dockerd beside a runner, often): most likely still a daemon.
        return Detection("image", entrypoint, flags, False, confidence=LIKELY,
                         basis=(f"built FROM {image.family_name}, a dind image; its "
                                f"Dockerfile's ENTRYPOINT ({_shown(entrypoint)}) is not known "
                                "to start dockerd",))
    return None


def _known(entrypoint: tuple[str, ...], ep_from: str, command: tuple[str, ...],
           cmd_from: str) -> Detection | None:
    """A daemon when the entrypoint and command, both known, run dockerd."""
    argv = (*entrypoint, *command)
    words = tuple(expand_shell(list(argv)))
    program = words[0].rsplit("/", 1)[-1] if words else None
    if program in FLAG_ENTRYPOINTS:
        if _flags_or_nothing(words[1:]):
            return Detection(ep_from, argv, parse_daemon_args(words),
                             program == OFFICIAL_ENTRYPOINT,
                             basis=(f"{_where(ep_from, 'entrypoint')} {program} starts "
                                    "dockerd",))
        if program == OFFICIAL_ENTRYPOINT:
            # The entrypoint runs its arguments when the first one is not a flag.
            args = parse_daemon_args(words[1:])
            return Detection(cmd_from, words[1:], args, True,
                             basis=(f"{_where(cmd_from, 'command')} runs dockerd",)) \
                if args.is_daemon else None
    args = parse_daemon_args(argv)
    if not args.is_daemon:
        return None
    by = ep_from if parse_daemon_args(entrypoint).is_daemon else cmd_from
    return Detection(by, argv, args, args.runs_entrypoint_script,
                     basis=(f"{_where(by, 'command')} runs dockerd",))


def _where(source: str, part: str) -> str:
    if source == "dockerfile":
        return f"the Dockerfile's {'ENTRYPOINT' if part == 'entrypoint' else 'CMD'}"
    if source == "image":
        return f"the image's {part}"
    return f"the {part} written for the container"


def _unknown_entrypoint(w: Workload, image: ImageFacts) -> Detection | None:
    """The image's entrypoint is not known: the command, the image's name, the command's
    flags and the container's circumstances decide."""
    command = w.command if w.command is not None else w.image_command
    if command:
        args = parse_daemon_args(command)
        if args.is_daemon:
            by = "command" if w.command is not None else "dockerfile"
            return Detection(by, command, args, args.runs_entrypoint_script,
                             basis=(f"{_where(by, 'command')} runs dockerd",))
    flags = ("dockerd", *(command or ()))  # what the entrypoint would pass to dockerd
    if image.dind and _flags_or_nothing(command):
        return Detection("image", tuple(command or ()), parse_daemon_args(flags), False,
                         confidence=LIKELY,
                         basis=(f"the image's name ({image.family_name}) says dind; its "
                                "entrypoint is not known",))
    signs = _signs(w)
    if daemon_flags_only(command):
        # Only the official entrypoint reads DOCKER_TLS_CERTDIR: where it is set, the
        # entrypoint that takes these flags is taken to be that one (with its listeners).
        official = "DOCKER_TLS_CERTDIR" in w.environment
        shown = _shown(tuple(word for word in command or () if is_daemon_flag(word)))
        return Detection(
            "flags", tuple(command or ()),
            parse_daemon_args((OFFICIAL_ENTRYPOINT if official else "dockerd", *(command or ()))),
            official, confidence=LIKELY if signs else POSSIBLE,
            basis=(f"the command is dockerd's flags ({shown}) for an entrypoint that is not "
                   "known", *signs, *_unknown_image(w)))
    if _flags_or_nothing(command) and _fresh_data_volume(w) and _privileged(w):
        return Detection("volume", tuple(command or ()), parse_daemon_args(flags), False,
                         confidence=POSSIBLE, basis=(*signs, *_unknown_image(w)))
    return None


def _privileged(w: Workload) -> bool:
    return bool(w.privileged) or bool(w.runtime and w.runtime.startswith("sysbox"))


def _fresh_data_volume(w: Workload) -> bool:
    return any(m.target.rstrip("/") == DATA_ROOT and m.kind in (VOLUME, ANONYMOUS_VOLUME)
               and not m.read_only for m in w.mounts or ())


def _signs(w: Workload) -> tuple[str, ...]:
    """What supports a daemon whose entrypoint is not known."""
    signs = []
    if w.privileged:
        signs.append("privileged")
    elif w.runtime and w.runtime.startswith("sysbox"):
        signs.append(f"runtime {w.runtime}")
    signs += [f"{name} is set (only a dind entrypoint reads it)"
              for name in _DIND_VARIABLES if name in w.environment]
    if _fresh_data_volume(w):
        signs.append(f"a writable volume at {DATA_ROOT}")
    return tuple(signs)


def _unknown_image(w: Workload) -> tuple[str, ...]:
    if w.image is None and w.image_volumes is None:
        return ("built from a Dockerfile that was not read",)
    return ()
