"""Which Docker endpoint to talk to, the way the docker CLI decides it.

An explicit ``--host`` wins; otherwise a named ``--context``; otherwise
``DOCKER_HOST`` (with ``DOCKER_TLS_VERIFY``/``DOCKER_TLS``/``DOCKER_CERT_PATH``);
otherwise ``DOCKER_CONTEXT``, then ``currentContext`` of ``~/.docker/config.json``
(``$DOCKER_CONFIG`` moves that folder); otherwise the default socket. Contexts are
read from ``contexts/meta/<sha256 of the name>/meta.json`` and their TLS material
from ``contexts/tls/<sha256>/docker/``.

This module reads files only; it does not import ``docker``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dindcheck.reading import ReadError, read_text

DEFAULT_HOST = "unix:///var/run/docker.sock"
_SCHEMES = ("unix://", "tcp://", "http://", "https://", "ssh://", "npipe://", "fd://")


class EndpointError(Exception):
    """The endpoint cannot even be named (unknown context, unreadable config)."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A resolved endpoint: where to connect and with which TLS material."""

    url: str
    tls: bool = False
    tls_verify: bool = False
    ca_cert: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    context: str | None = None

    @property
    def socket_path(self) -> str | None:
        return self.url[len("unix://"):] if self.url.startswith("unix://") else None


def normalize_url(host: str) -> str:
    """``/var/run/docker.sock`` → ``unix:///var/run/docker.sock``; ``h:2376`` → ``tcp://h:2376``.

    An address that cannot be connected to as written (a port out of range, no host,
    control characters, bytes that are not text) is an :class:`EndpointError`.
    """
    host = host.strip()
    if host.startswith("/"):
        url = "unix://" + host
    elif host.lower().startswith(_SCHEMES):
        url = host
    else:
        url = "tcp://" + host
    _check_url(url)
    return url


_NETWORK_SCHEMES = ("tcp", "http", "https", "ssh")


def _check_url(url: str) -> None:
    from urllib.parse import urlsplit

    if not url.isprintable() or any(0xDC80 <= ord(c) <= 0xDCFF for c in url):
        raise EndpointError("the engine address has control characters or bytes that are "
                            "not text")
    scheme = url.split("://", 1)[0].lower()
    if scheme not in _NETWORK_SCHEMES:
        if len(url) <= len(scheme) + 3:
            raise EndpointError(f"{scheme}:// needs a path")
        return
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise EndpointError(f"not a valid engine address: {exc}") from None
    if not parts.hostname:
        raise EndpointError("the engine address has no host")
    if port == 0:
        raise EndpointError("port 0 is not a port an engine listens on")


def config_dir(environ: Mapping[str, str]) -> Path:
    if environ.get("DOCKER_CONFIG"):
        return Path(environ["DOCKER_CONFIG"])
    home = environ.get("HOME") or str(Path.home())
    return Path(home) / ".docker"


def _env_tls(url: str, environ: Mapping[str, str]) -> Endpoint:
    """TLS settings from DOCKER_TLS_VERIFY / DOCKER_TLS / DOCKER_CERT_PATH (tcp only). As
    in the docker CLI, any non-empty value turns either on, ``0`` and ``false`` too."""
    verify = bool(environ.get("DOCKER_TLS_VERIFY"))
    tls = verify or bool(environ.get("DOCKER_TLS"))
    if not tls or not url.startswith(("tcp://", "https://")):
        return Endpoint(url=url)
    certs = Path(environ.get("DOCKER_CERT_PATH") or config_dir(environ))
    ca = certs / "ca.pem"
    if verify and (ca.exists() or ca.is_symlink()) and not ca.is_file():
        raise EndpointError(f"{ca} is not a regular file")
    return Endpoint(url=url, tls=True, tls_verify=verify,
                    ca_cert=str(certs / "ca.pem") if verify else None,
                    client_cert=_existing(certs / "cert.pem"),
                    client_key=_existing(certs / "key.pem"))


# docker's config.json and a context's meta.json are a few KB; above this they are not.
MAX_CONFIG_SIZE = 1024 * 1024


def _read_json(path: Path) -> Any:
    """A small JSON file of the docker CLI (:mod:`dindcheck.reading`: a FIFO, a device or
    a huge file is refused at once); ``FileNotFoundError`` for a missing one, a
    ``ValueError`` for anything else that cannot be read."""
    try:
        text = read_text(path, MAX_CONFIG_SIZE, cap_flag=None)
    except ReadError as exc:
        if not os.path.lexists(path):
            raise FileNotFoundError(str(path)) from None
        raise ValueError(exc.message) from None
    return json.loads(text)


def _existing(path: Path) -> str | None:
    return str(path) if path.is_file() else None


def current_context(environ: Mapping[str, str]) -> str | None:
    """``DOCKER_CONTEXT``, else ``currentContext`` of config.json (None for the default)."""
    name = environ.get("DOCKER_CONTEXT")
    if not name:
        config = config_dir(environ) / "config.json"
        try:
            data = _read_json(config)
        except FileNotFoundError:
            data = {}
        except (OSError, ValueError) as exc:
            raise EndpointError(f"cannot read {config}: {exc}") from None
        name = data.get("currentContext") if isinstance(data, dict) else None
    return None if not name or name == "default" else str(name)


def context_endpoint(name: str, environ: Mapping[str, str]) -> Endpoint:
    """The docker endpoint of context ``name`` as ``docker context create`` stored it."""
    if name == "default":
        return _env_tls(normalize_url(environ.get("DOCKER_HOST") or DEFAULT_HOST), environ)
    # The docker CLI hashes the name's bytes; a name that is not UTF-8 keeps its bytes.
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()
    base = config_dir(environ) / "contexts"
    meta_path = base / "meta" / digest / "meta.json"
    try:
        meta: Any = _read_json(meta_path)
    except FileNotFoundError:
        raise EndpointError(f"docker context {name!r} not found ({meta_path})") from None
    except (OSError, ValueError) as exc:
        raise EndpointError(f"cannot read docker context {name!r}: {exc}") from None
    docker_ep = ((meta.get("Endpoints") or {}).get("docker") or {}) if isinstance(meta, dict) \
        else {}
    host = docker_ep.get("Host")
    if not host:
        raise EndpointError(f"docker context {name!r} has no docker endpoint")
    url = normalize_url(str(host))
    tls_dir = base / "tls" / digest / "docker"
    ca, cert, key = (_existing(tls_dir / f) for f in ("ca.pem", "cert.pem", "key.pem"))
    uses_tls = url.startswith(("tcp://", "https://")) and bool(ca or cert)
    return Endpoint(url=url, tls=uses_tls,
                    tls_verify=uses_tls and not docker_ep.get("SkipTLSVerify", False),
                    ca_cert=ca, client_cert=cert, client_key=key, context=name)


def resolve(endpoint: str | None, environ: Mapping[str, str],
            context: str | None = None) -> Endpoint:
    """The endpoint for one ``--host`` value (None: from context or environment)."""
    if endpoint:
        return _env_tls(normalize_url(endpoint), environ)
    if context:
        return context_endpoint(context, environ)
    if environ.get("DOCKER_HOST"):
        return _env_tls(normalize_url(environ["DOCKER_HOST"]), environ)
    name = current_context(environ)
    if name:
        return context_endpoint(name, environ)
    return Endpoint(url=DEFAULT_HOST)
