"""The hostnames GitLab Runner gives a service container.

From the image name (GitLab Runner's ``SplitNameAndVersion``): the reference is
matched against Docker's reference grammar, the registry port is dropped, and the rest
becomes two names, ``/`` replaced by ``__`` and by ``-``; ``docker:dind`` is reachable
as ``docker``, ``registry.example.com/mirror/library/docker:dind`` as
``registry.example.com__mirror__library__docker`` and
``registry.example.com-mirror-library-docker``. ``alias`` adds names (comma- or
space-separated). The Kubernetes executor keeps only names that are valid DNS
subdomains (the ``__`` form never is) and fails the job on an invalid ``alias``.
"""

from __future__ import annotations

import re

# Docker's reference grammar (distribution/reference), written out.
_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[a-fA-F0-9:]+\])"
_NAME = rf"(?:{_HOST}(?::[0-9]+)?/)?{_COMPONENT}(?:/{_COMPONENT})*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(rf"({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?")
_NO_PORT = re.compile(r"(.*?)(|:[0-9]+)(|/.*)", re.DOTALL)
_DNS_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_DNS_SUBDOMAIN = re.compile(rf"{_DNS_LABEL}(?:\.{_DNS_LABEL})*")


def derived_hostnames(image: str) -> tuple[str, ...]:
    """The names GitLab Runner derives from a service image (empty: not a valid reference)."""
    match = _REFERENCE.fullmatch(image)
    if match is None:
        return ()
    parts = _NO_PORT.fullmatch(match.group(1))
    if parts is None:
        return ()
    service = parts.group(1) + parts.group(3)
    slug = service.replace("/", "__")
    dashed = service.replace("/", "-")
    return (slug,) if slug == dashed else (slug, dashed)


def split_aliases(alias: str) -> tuple[str, ...]:
    """``alias: "docker,dind"`` or ``"docker dind"`` as names."""
    return tuple(alias.replace(",", " ").split())


def is_dns_subdomain(name: str) -> bool:
    """Kubernetes' DNS-1123 subdomain rule (what the Kubernetes executor requires)."""
    return len(name) <= 253 and _DNS_SUBDOMAIN.fullmatch(name) is not None


def service_hostnames(image: str) -> tuple[str, ...]:
    """:func:`derived_hostnames`, also for a name whose tag or digest is still a variable
    (``docker:${DOCKER_VERSION}-dind`` is reachable as ``docker`` whatever the version)."""
    if "$" not in image:
        return derived_hostnames(image)
    name = image.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name = name[:colon]
    return () if "$" in name else derived_hostnames(name)
