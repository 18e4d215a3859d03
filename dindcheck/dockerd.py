"""Read a dockerd command line, and what the official image's entrypoint adds to it.

The official ``docker:*-dind`` entrypoint (dockerd-entrypoint.sh) adds
``--host=unix:///var/run/docker.sock --host=tcp://0.0.0.0:2376 --tlsverify …`` when
``DOCKER_TLS_CERTDIR`` is non-empty, or ``--host=tcp://0.0.0.0:2375`` without TLS when it
is empty, but only when its first argument is empty or starts with ``-``: a command
that starts with ``dockerd`` gets none of these defaults.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from dindcheck.knowledge import load

_KNOWLEDGE = load("dockerd.json")
_DAEMON_FLAGS: tuple[str, ...] = tuple(_KNOWLEDGE["daemon_flags"])
_SHARED_FLAGS: tuple[str, ...] = tuple(_KNOWLEDGE["shared_flags"])
FLAG_ENTRYPOINTS: frozenset[str] = frozenset(_KNOWLEDGE["flag_entrypoints"])
ROOTLESS_PROGRAMS: frozenset[str] = frozenset(_KNOWLEDGE["rootless_programs"])
DAEMON_PROGRAMS = {"dockerd", "dockerd-entrypoint.sh", "dockerd-rootless.sh",
                   "dockerd-rootless-setuptool.sh", "dind"}
_SHELLS = {"sh", "bash", "ash", "dash", "/bin/sh", "/bin/bash", "/bin/ash", "/usr/bin/env"}
DEFAULT_SOCKET = "unix:///var/run/docker.sock"
_TCP = re.compile(r"^(?:tcp|http|https)://(?:[^@/]*@)?(?P<host>\[[^\]]*\]|[^:/]*)?"
                  r"(?::(?P<port>\d+))?", re.IGNORECASE)


@dataclass(slots=True)
class DaemonArgs:
    """The flags of interest in a dockerd argv."""

    is_daemon: bool = False
    starts_with_dockerd: bool = False
    runs_entrypoint_script: bool = False  # dockerd-entrypoint.sh, with flags only
    data_root: str | None = None
    storage_driver: str | None = None
    hosts: list[str] = field(default_factory=list)
    tls: bool | None = None
    tlsverify: bool | None = None
    mtu: int | None = None
    registry_mirrors: list[str] = field(default_factory=list)
    legacy_daemon_subcommand: bool = False
    features: dict[str, bool | str] = field(default_factory=dict)
    background: bool = False  # a script starts it with `&` and goes on (it may end first)


def words(value: str | Sequence[str] | None) -> list[str]:
    """A compose ``command``/``entrypoint`` as a list of words (strings are shell-split)."""
    if value is None:
        return []
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError:
            return value.split()
    return [str(v) for v in value]


def expand_shell(argv: list[str]) -> list[str]:
    """``sh -c "dockerd --x"`` → the words of the script, so flags inside it are seen."""
    if len(argv) >= 3 and argv[0].rsplit("/", 1)[-1] in {s.rsplit("/", 1)[-1] for s in _SHELLS} \
            and "-c" in argv[1:3]:
        script = argv[argv.index("-c") + 1] if argv.index("-c") + 1 < len(argv) else ""
        # A line ends a command as `;` does (a backslash-newline continues it).
        script = script.replace("\\\n", " ").replace("\n", " ; ")
        return words(script.replace("&&", " ; ").replace(";", " ; "))
    return argv


def _flag_value(argv: list[str], i: int, names: tuple[str, ...]) -> tuple[str | None, int]:
    arg = argv[i]
    for name in names:
        if arg == name:
            return (argv[i + 1] if i + 1 < len(argv) else None), i + 2
        if name.startswith("--") and arg.startswith(name + "="):
            return arg[len(name) + 1:], i + 1
        if not name.startswith("--") and arg.startswith(name) and len(arg) > len(name):
            return arg[len(name):].lstrip("="), i + 1
    return None, i


def _bool_flag(arg: str, name: str) -> bool | None:
    if arg == name:
        return True
    if arg.startswith(name + "="):
        return arg.split("=", 1)[1].lower() not in ("false", "0", "no")
    return None


def parse_daemon_args(argv: Sequence[str]) -> DaemonArgs:
    args = DaemonArgs()
    tokens = expand_shell(list(argv))
    programs = [t.rsplit("/", 1)[-1] for t in tokens]
    start = next((i for i, p in enumerate(programs) if p in DAEMON_PROGRAMS), None)
    if start is None:
        if len(tokens) >= 2 and programs[0] == "docker" and tokens[1] == "daemon":
            args.is_daemon = args.legacy_daemon_subcommand = True
            start = 1
        else:
            return args
    else:
        args.is_daemon = True
        args.starts_with_dockerd = start == 0 and programs[0] == "dockerd"
        # The official entrypoint adds its listeners when its first argument is a flag.
        args.runs_entrypoint_script = programs[start] == "dockerd-entrypoint.sh" and (
            start + 1 >= len(tokens) or tokens[start + 1] in (";",)
            or tokens[start + 1].startswith("-") or tokens[start + 1].startswith("$"))
    i = start + 1
    while i < len(tokens):
        arg = tokens[i]
        if arg == ";":
            break
        if arg == "&" or (arg.endswith("&") and not arg.endswith("&&")):
            args.background = True
            break
        value, nxt = _flag_value(tokens, i, ("--data-root", "--graph", "-g"))
        if nxt != i:
            args.data_root, i = value, nxt
            continue
        value, nxt = _flag_value(tokens, i, ("--storage-driver", "-s"))
        if nxt != i:
            args.storage_driver, i = value, nxt
            continue
        value, nxt = _flag_value(tokens, i, ("--host", "-H"))
        if nxt != i:
            if value:
                args.hosts.append(value)
            i = nxt
            continue
        value, nxt = _flag_value(tokens, i, ("--mtu",))
        if nxt != i:
            args.mtu = int(value) if value and value.isdigit() else None
            i = nxt
            continue
        value, nxt = _flag_value(tokens, i, ("--registry-mirror",))
        if nxt != i:
            if value:
                args.registry_mirrors.append(value)
            i = nxt
            continue
        value, nxt = _flag_value(tokens, i, ("--feature",))
        if nxt != i:
            if value:
                name, setting = feature(value)
                args.features[name] = setting
            i = nxt
            continue
        for name, attr in (("--tlsverify", "tlsverify"), ("--tls", "tls")):
            flag = _bool_flag(arg, name)
            if flag is not None:
                setattr(args, attr, flag)
        i += 1
    return args


def feature(text: str) -> tuple[str, bool | str]:
    """``name=value`` of ``--feature`` (a bare name is on): booleans as dockerd reads them."""
    name, sep, value = text.partition("=")
    if not sep:
        return name, True
    lowered = value.strip().lower()
    if lowered in ("true", "1", "t"):
        return name, True
    if lowered in ("false", "0", "f"):
        return name, False
    return name, value


def daemon_json_features(value: object) -> dict[str, bool | str]:
    """The ``features`` object of a daemon.json, as ``--feature`` gives them."""
    if not isinstance(value, Mapping):
        return {}
    return {str(k): v if isinstance(v, bool) else feature(f"{k}={v}")[1]
            for k, v in value.items()}


def is_daemon_flag(word: str, *, shared: bool = False) -> bool:
    """A flag only dockerd takes (``--insecure-registry=x``); with ``shared``, also one
    that clients take too (``-Hunix://…``, ``--tlsverify``)."""
    for flag in (*_DAEMON_FLAGS, *(_SHARED_FLAGS if shared else ())):
        if word == flag or (flag.startswith("--") and word.startswith(flag + "=")) or (
                not flag.startswith("--") and word.startswith(flag) and len(word) > len(flag)):
            return True
    return False


def daemon_flags_only(argv: Sequence[str] | None) -> bool:
    """``argv`` is only flags, one of them dockerd's alone: the arguments of an
    entrypoint that runs dockerd (``-H``, ``--tlsverify`` alone are a client's too)."""
    given = list(argv or ())
    return bool(given) and given[0].startswith("-") and any(is_daemon_flag(w) for w in given)


def default_port(tls: bool | None) -> int:
    """The port Docker uses for a tcp:// address without one: 2376 with TLS, else 2375."""
    return 2376 if tls else 2375


def tcp_port(host: str) -> tuple[str | None, int | None] | None:
    """``(host, port)`` of a tcp:// address, None for unix sockets and other schemes."""
    match = _TCP.match(host.strip())
    if match is None:
        return None
    port = match.group("port")
    return match.group("host") or None, int(port) if port else None


@dataclass(slots=True)
class TlsPlan:
    mode: str  # tls | plaintext | unix-only | unknown
    certdir: str | None
    tcp_ports: list[int]
    plaintext_ports: list[int]
    tcp_hosts: list[str]
    unix_sockets: list[str] = field(default_factory=list)


def plan_tls(args: DaemonArgs, env: Mapping[str, str], *, official_entrypoint: bool,
             image_version: str | None) -> TlsPlan:
    """The listeners and TLS mode a dind daemon will have.

    ``official_entrypoint``: the container runs the official dockerd-entrypoint.sh, which
    adds the default hosts unless the command starts with ``dockerd``.
    """
    certdir: str | None = env.get("DOCKER_TLS_CERTDIR")
    hosts = list(args.hosts)
    tls_on = bool(args.tlsverify) or bool(args.tls)
    if official_entrypoint and not args.starts_with_dockerd:
        from dindcheck.images import OFFICIAL

        if certdir is None and _tls_by_default(image_version):
            certdir = OFFICIAL["tls_certdir_default"]
        # The entrypoint listens on DOCKER_HOST when it names a unix socket.
        socket = env.get("DOCKER_HOST") or ""
        socket = socket if socket.startswith("unix://") else DEFAULT_SOCKET
        if certdir:
            hosts = [socket, f"tcp://0.0.0.0:{OFFICIAL['tls_port']}", *hosts]
            tls_on = True
        else:
            hosts = [socket, f"tcp://0.0.0.0:{OFFICIAL['plaintext_port']}", *hosts]
    if args.tls is False and not args.tlsverify:
        tls_on = False
    tcp = [(h, tcp_port(h)) for h in hosts]
    tcp_hosts = [h for h, p in tcp if p is not None]
    ports = [p[1] if p[1] is not None else default_port(tls_on)
             for _, p in tcp if p is not None]
    if not tcp_hosts:
        mode = "unix-only" if hosts or official_entrypoint or args.is_daemon else "unknown"
    else:
        mode = "tls" if tls_on else "plaintext"
    sockets = [h[len("unix://"):] for h in hosts if h.startswith("unix://")]
    if not hosts and args.is_daemon:
        sockets = [DEFAULT_SOCKET[len("unix://"):]]  # dockerd without -H
    return TlsPlan(mode=mode, certdir=certdir, tcp_ports=sorted(set(ports)),
                   plaintext_ports=[] if tls_on else sorted(set(ports)), tcp_hosts=tcp_hosts,
                   unix_sockets=sockets)


def _tls_by_default(image_version: str | None) -> bool:
    """The official image generates TLS certificates by default from 19.03 on."""
    if image_version is None:
        return True
    from dindcheck.images import OFFICIAL
    from dindcheck.versions import version_matches

    return version_matches(image_version, f">={OFFICIAL['tls_by_default_since']}")


def client_tls(env: Mapping[str, str], *, official_image: bool,
               has_file: Callable[[str], bool]) -> tuple[bool, str]:
    """Whether a docker client will speak TLS, and why.

    The docker CLI (and docker-py) turn TLS on for any non-empty DOCKER_TLS_VERIFY, even
    ``0``; the official image's docker-entrypoint.sh sets it itself when client
    certificates exist under ``$DOCKER_TLS_CERTDIR/client`` (``has_file`` tells whether
    a mount provides a path).
    """
    verify = env.get("DOCKER_TLS_VERIFY")
    if verify is not None:
        if verify != "":
            return True, f"DOCKER_TLS_VERIFY={verify} (any non-empty value turns TLS on)"
        return False, "DOCKER_TLS_VERIFY is empty"
    if official_image:
        from dindcheck.images import OFFICIAL

        certdir = env.get("DOCKER_TLS_CERTDIR", OFFICIAL["tls_certdir_default"])
        if certdir and has_file(f"{certdir}/client/ca.pem"):
            return True, f"client certificates mounted under {certdir}/client"
    return False, "no DOCKER_TLS_VERIFY and no client certificates"
