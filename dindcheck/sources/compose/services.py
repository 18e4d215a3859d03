"""Turn a loaded compose project into subjects: dind daemons, socket mounts, clients."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dindcheck.dockerd import (
    DaemonArgs,
    client_tls,
    parse_daemon_args,
    plan_tls,
    tcp_port,
    words,
)
from dindcheck.images import classify_image, default_data_root
from dindcheck.model import Subject
from dindcheck.sources.compose.files import ComposeProject
from dindcheck.sources.compose.volumes import (
    Mount,
    Port,
    covering,
    parse_ports,
    service_mounts,
    socket_engine,
)
from dindcheck.yamlload import Mark, PosDict

_TRUE = {True, "true", "yes", "True", "TRUE", "on"}
_FROM = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)", re.IGNORECASE | re.MULTILINE)


def _loc(mark: Mark | None) -> dict[str, Any]:
    if mark is None:
        return {}
    return {"path": mark.path, "line": mark.line, "column": mark.column}


def _env(service: PosDict) -> dict[str, str]:
    raw = service.get("environment")
    env: dict[str, str] = {}
    if isinstance(raw, dict):
        for key, value in raw.items():
            if value is not None:
                env[str(key)] = "" if value is None else _scalar(value)
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, str) and "=" in item:
                key, value = item.split("=", 1)
                env[key] = value
    return env


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _env_mark(service: PosDict, name: str) -> Mark | None:
    raw = service.get("environment")
    if isinstance(raw, PosDict) and name in raw:
        return raw.key_mark(name)
    if isinstance(raw, list) and hasattr(raw, "item_mark"):
        for i, item in enumerate(raw):
            if isinstance(item, str) and item.split("=", 1)[0] == name:
                return raw.item_mark(i)  # type: ignore[no-any-return]
    return service.key_mark("environment")


def _replicas(service: PosDict) -> tuple[int, Mark | None]:
    deploy = service.get("deploy")
    if isinstance(deploy, PosDict) and "replicas" in deploy:
        value = deploy["replicas"]
        return (int(value) if str(value).isdigit() else 1), deploy.key_mark("replicas")
    if "scale" in service:
        value = service["scale"]
        return (int(value) if str(value).isdigit() else 1), service.key_mark("scale")
    return 1, None


def _build_base_image(service: PosDict, project_dir: Path) -> str | None:
    """The final FROM of a service's local Dockerfile, when it can be read."""
    build = service.get("build")
    if isinstance(build, str):
        context, dockerfile = build, "Dockerfile"
    elif isinstance(build, dict):
        context = str(build.get("context") or ".")
        dockerfile = str(build.get("dockerfile") or "Dockerfile")
    else:
        return None
    path = (project_dir / context / dockerfile)
    try:
        if path.stat().st_size > 1024 * 1024:
            return None
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    matches = _FROM.findall(text)
    return matches[-1] if matches else None


class _Service:
    """One service with the pieces every subject builder needs."""

    def __init__(self, project: ComposeProject, name: str, spec: PosDict, key_mark: Mark | None,
                 project_dir: Path) -> None:
        self.project = project
        self.name = name
        self.spec = spec
        self.key_mark = key_mark or spec.mark
        ref = spec.get("image")
        self.image = classify_image(ref if isinstance(ref, str) else None)
        self.built_from = None
        if self.image is None:
            base = _build_base_image(spec, project_dir)
            if base:
                self.built_from = classify_image(base)
        self.env = _env(spec)
        self.mounts = service_mounts(spec)
        self.entrypoint = words(spec.get("entrypoint")) if "entrypoint" in spec else None
        self.command = words(spec.get("command")) if "command" in spec else None

    @property
    def family(self) -> dict[str, Any] | None:
        return self.image or self.built_from

    def loc(self, key: str | None = None) -> dict[str, Any]:
        if key is None:
            return _loc(self.key_mark)
        return _loc(self.spec.key_marks.get(key) or self.key_mark)

    def daemon_args(self) -> tuple[DaemonArgs, str | None, bool]:
        """``(args, detected_by, official_entrypoint)``; ``detected_by`` None: no daemon."""
        family = self.family
        official = bool(family and family["official_docker"])
        variant = family["variant"] if family else "other"
        if official and variant in ("dind", "dind-rootless") and self.entrypoint is None:
            command = self.command or []
            if not command or command[0].startswith("-"):
                args = parse_daemon_args(["dockerd-entrypoint.sh", *command])
                return args, "image", True
            args = parse_daemon_args(command)
            return args, ("command" if args.is_daemon else None), True
        argv = [*(self.entrypoint or []), *(self.command or [])]
        args = parse_daemon_args(argv)
        if args.is_daemon:
            return args, "command", official and self.entrypoint is None
        if variant in ("dind", "dind-rootless") and not official and (
                not self.command or self.command[0].startswith("-")):
            # A dind-named image whose command is left alone (or only gets flags) runs
            # its own entrypoint, which for these images starts dockerd.
            return args, "image", False
        if any(m.target == "/var/lib/docker" and m.type in ("volume", "anonymous_volume")
               and not m.read_only for m in self.mounts):
            return args, "volume", False
        return args, None, False


def project_dir(project: ComposeProject) -> Path:
    return Path(project.files[0]).parent if project.files else Path(".")


def build_subjects(project: ComposeProject) -> list[Subject]:
    base = project_dir(project)
    marks = getattr(project.services, "key_marks", {})
    services = {name: _Service(project, name, spec, marks.get(name), base)
                for name, spec in project.services.items() if isinstance(spec, PosDict)}
    subjects: list[Subject] = []
    daemons: dict[str, Subject] = {}
    for svc in services.values():
        args, detected_by, official_entrypoint = svc.daemon_args()
        if detected_by is not None:
            daemon = _daemon(svc, args, detected_by, official_entrypoint, services, base)
            daemons[svc.name] = daemon
            subjects.append(daemon)
        subjects.extend(_socket_mounts(svc))
    for svc in services.values():
        client = _client(svc, services, daemons)
        if client is not None:
            subjects.append(client)
    return subjects


def _common(svc: _Service, kind: str, suffix: str = "") -> Subject:
    ignore = svc.spec.get("x-dindcheck")
    suppress = []
    if isinstance(ignore, dict) and isinstance(ignore.get("ignore"), list):
        suppress = [str(i) for i in ignore["ignore"]]
    return {
        "kind": kind,
        "id": f"{svc.project.name}/{svc.name}{suffix}",
        "name": svc.name,
        "origin": "compose",
        "project": svc.project.name,
        "suppress": suppress,
        "notes": [],
        "locations": {"subject": svc.loc()},
    }


def _volume_identity(project: ComposeProject, mount: Mount, base: Path,
                     owner: str) -> str | None:
    """Identity of the storage behind a mount; equal identities are the same storage."""
    if mount.type == "anonymous_volume":
        return f"anonymous:{project.name}/{owner}:{mount.target}"
    if mount.source is None:
        return None
    if mount.type == "bind":
        source = mount.source
        if source.startswith("$"):
            return f"bind:{source}"
        if source.startswith("~"):
            return f"bind:{source}"
        return f"bind:{(base / source).resolve(strict=False).as_posix()}" \
            if not source.startswith("/") else f"bind:{Path(source).as_posix()}"
    if mount.type == "volume":
        spec = project.volumes.get(mount.source) if isinstance(project.volumes, dict) else None
        name = f"{project.name}_{mount.source}"
        if isinstance(spec, dict):
            external = spec.get("external")
            if spec.get("name"):
                name = str(spec["name"])
            elif external in _TRUE or isinstance(external, dict):
                name = str(external.get("name")) if isinstance(external, dict) and \
                    external.get("name") else mount.source
        return f"volume:{name}"
    return None


def _data_root(svc: _Service, args: DaemonArgs, services: Mapping[str, _Service],
               base: Path, sysbox: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    family = svc.family
    path = args.data_root or default_data_root(family)
    mount = covering(svc.mounts, path)
    location: dict[str, Any]
    info: dict[str, Any] | None
    if mount is not None:
        share_key = _volume_identity(svc.project, mount, base, svc.name)
        info = {"type": mount.type, "source": mount.source, "target": mount.target,
                "share_key": share_key,
                "persistent": mount.type in ("volume", "bind"),
                "read_only": mount.read_only}
        location = _loc(mount.mark)
    else:
        info, location = _borrowed(svc, path, services, base)
        if info is None:
            declares = bool(family and family["declares_data_volume"]) and \
                path == default_data_root(family)
            kind = "sysbox" if sysbox else "image_volume" if declares else "layer"
            info = {"type": kind, "source": None, "target": path if declares else None,
                    "share_key": None, "persistent": kind == "sysbox", "read_only": False}
            location = svc.loc("volumes") if "volumes" in svc.spec else svc.loc("image")
    data_root: dict[str, Any] = {"path": path, "mount": info, "covered_by": info["type"],
                 "persistent": info["persistent"], "shared": False, "shared_with": [],
                 "backing_fs": None, "backing_fs_d_type": None}
    return data_root, location


def _borrowed(svc: _Service, path: str, services: Mapping[str, _Service],
              base: Path) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """A data root covered through ``volumes_from`` another service."""
    sources = svc.spec.get("volumes_from")
    if not isinstance(sources, list):
        return None, {}
    for i, entry in enumerate(sources):
        name = str(entry).split(":", 1)[0]
        if name.startswith("container"):
            continue
        other = services.get(name)
        if other is None:
            continue
        mount = covering(other.mounts, path)
        if mount is None:
            continue
        mark = sources.item_mark(i) if hasattr(sources, "item_mark") else None
        return ({"type": "volumes_from", "source": name, "target": mount.target,
                 "share_key": _volume_identity(svc.project, mount, base, name),
                 "persistent": mount.type in ("volume", "bind"),
                 "read_only": str(entry).endswith(":ro")}, _loc(mark))
    return None, {}


def _daemon(svc: _Service, args: DaemonArgs, detected_by: str, official_entrypoint: bool,
            services: Mapping[str, _Service], base: Path) -> Subject:
    spec = svc.spec
    subject = _common(svc, "daemon")
    runtime = spec.get("runtime")
    sysbox = isinstance(runtime, str) and runtime.startswith("sysbox")
    network_mode = spec.get("network_mode")
    replicas, replicas_mark = _replicas(spec)
    data_root, data_root_loc = _data_root(svc, args, services, base, sysbox)
    family = svc.family
    image_version = family["version"] if family else None
    configured, via = args.storage_driver, "flag" if args.storage_driver else None
    if configured is None and svc.env.get("DOCKER_DRIVER"):
        configured, via = svc.env["DOCKER_DRIVER"], "env"
    tls = plan_tls(args, svc.env, official_entrypoint=official_entrypoint,
                   image_version=image_version)
    ports = [_port_json(p) for p in parse_ports(spec)]
    plaintext_published = any(
        p["container_port"] in tls.plaintext_ports and p["host_port"] for p in ports)
    host_network = network_mode == "host"
    subject.update({
        "detected_by": detected_by,
        "image": svc.image or (dict(svc.built_from, built_locally=True)
                               if svc.built_from else None),
        "command": args_argv(svc),
        "replicas": replicas,
        "privileged": spec.get("privileged") in _TRUE,
        "runtime": runtime if isinstance(runtime, str) else None,
        "sysbox": sysbox,
        "rootless": bool(family and family["variant"] == "dind-rootless"),
        "cap_add": [str(c) for c in spec.get("cap_add") or [] if c is not None],
        "security_opt": [str(c) for c in spec.get("security_opt") or [] if c is not None],
        "network_mode": network_mode if isinstance(network_mode, str) else None,
        "host_network": host_network,
        "data_root": data_root,
        "storage_driver": {"configured": configured, "configured_via": via,
                           "expected": None, "observed": None},
        "tls": {"mode": tls.mode, "certdir": tls.certdir,
                "plaintext_tcp": bool(tls.plaintext_ports),
                "tcp_ports": tls.tcp_ports, "plaintext_ports": tls.plaintext_ports,
                "tcp_hosts": tls.tcp_hosts,
                "plaintext_published": plaintext_published or (
                    host_network and bool(tls.plaintext_ports))},
        "mtu": args.mtu,
        "registry_mirrors": args.registry_mirrors,
        "legacy_daemon_subcommand": args.legacy_daemon_subcommand,
        "published_ports": ports,
        "engine_version": image_version,
        "healthcheck": _healthcheck(spec),
        "healthcheck_split": _healthcheck_split(spec),
        "clients": [],
        "inner": None,
        "state": None,
    })
    locations = subject["locations"]
    locations["data_root"] = data_root_loc or locations["subject"]
    for key in ("privileged", "image", "runtime", "network_mode", "ports", "healthcheck"):
        if key in spec:
            locations[key] = svc.loc(key)
    if replicas_mark is not None:
        locations["replicas"] = _loc(replicas_mark)
    if via == "env":
        locations["storage_driver"] = _loc(_env_mark(spec, "DOCKER_DRIVER"))
    elif via == "flag":
        locations["storage_driver"] = svc.loc("command" if "command" in spec else "entrypoint")
    if "DOCKER_TLS_CERTDIR" in svc.env:
        locations["tls"] = _loc(_env_mark(spec, "DOCKER_TLS_CERTDIR"))
    elif "command" in spec:
        locations["tls"] = svc.loc("command")
    if plaintext_published and "ports" in spec:
        locations["tls"] = svc.loc("ports")
    if svc.built_from and not svc.image:
        subject["notes"].append(f"image built locally from {svc.built_from['ref']}")
    return subject


def args_argv(svc: _Service) -> list[str]:
    return [*(svc.entrypoint or []), *(svc.command or [])]


def _port_json(port: Port) -> dict[str, Any]:
    return {"host_ip": port.host_ip, "host_port": port.host_port,
            "container_port": port.container_port, "protocol": port.protocol}


def _healthcheck(spec: PosDict) -> str | None:
    check = spec.get("healthcheck")
    if not isinstance(check, dict) or check.get("disable") in _TRUE:
        return None
    test = check.get("test")
    if isinstance(test, list):
        return " ".join(str(t) for t in test)
    return str(test) if test is not None else None


def _healthcheck_split(spec: PosDict) -> bool:
    check = spec.get("healthcheck")
    test = check.get("test") if isinstance(check, dict) else None
    return isinstance(test, list) and len(test) > 2 and test[0] == "CMD-SHELL"


def _socket_mounts(svc: _Service) -> list[Subject]:
    subjects = []
    for mount in svc.mounts:
        engine = socket_engine(mount)
        if engine is None or mount.type == "tmpfs":
            continue
        subject = _common(svc, "socket_mount", f"#{mount.field}")
        subject.update({
            "source": mount.source or "",
            "target": mount.target,
            "engine": engine,
            "read_only": mount.read_only,
            "host_socket": mount.type == "bind",
            "via": "bind" if mount.type == "bind" else "volume",
            "image": svc.image,
            "privileged": svc.spec.get("privileged") in _TRUE,
        })
        subject["locations"]["mount"] = _loc(mount.mark)
        subjects.append(subject)
    return subjects


def _aliases(svc: _Service) -> set[str]:
    names = {svc.name}
    for key in ("container_name", "hostname"):
        if isinstance(svc.spec.get(key), str):
            names.add(svc.spec[key])
    networks = svc.spec.get("networks")
    if isinstance(networks, dict):
        for net in networks.values():
            if isinstance(net, dict) and isinstance(net.get("aliases"), list):
                names.update(str(a) for a in net["aliases"])
    return names


def _link_aliases(svc: _Service) -> dict[str, str]:
    """``links: [docker:dind]`` makes ``dind`` reachable as ``docker``."""
    result: dict[str, str] = {}
    links = svc.spec.get("links")
    if isinstance(links, list):
        for link in links:
            target, _, alias = str(link).partition(":")
            result[alias or target] = target
    return result


def _client(svc: _Service, services: Mapping[str, _Service],
            daemons: Mapping[str, Subject]) -> Subject | None:
    docker_host = svc.env.get("DOCKER_HOST")
    if not docker_host:
        return None
    endpoint = tcp_port(docker_host)
    target: str | None = None
    if endpoint is not None:
        host = endpoint[0]
        linked = _link_aliases(svc).get(host or "")
        for name in daemons:
            if name == svc.name:
                continue
            if linked == name or (host and host in _aliases(services[name])):
                target = name
                break
        network_mode = svc.spec.get("network_mode")
        if target is None and host in ("localhost", "127.0.0.1") and isinstance(
                network_mode, str) and network_mode.startswith("service:"):
            candidate = network_mode.split(":", 1)[1]
            target = candidate if candidate in daemons else None
    if target is None:
        return None
    daemon = daemons[target]
    daemon["clients"].append(svc.name)
    subject = _common(svc, "client")
    port = endpoint[1] if endpoint else None
    expects_tls, tls_reason = _client_tls(svc)
    if port is None:
        port = 2376 if expects_tls else 2375
    subject.update({
        "docker_host": docker_host,
        "scheme": docker_host.split("://", 1)[0] if "://" in docker_host else None,
        "host": endpoint[0] if endpoint else None,
        "port": port,
        "daemon": target,
        "daemon_tls_mode": daemon["tls"]["mode"],
        "daemon_tcp_ports": daemon["tls"]["tcp_ports"],
        "client_expects_tls": expects_tls,
        "client_image": svc.image["ref"] if svc.image else None,
        "client_engine_version": (svc.family or {}).get("version")
        if (svc.family or {}).get("official_docker") else None,
        "api_skew": None,
        "client_tls_reason": tls_reason,
        "port_served": None,
        "tls_agrees": None,
        "mismatch": None,
        **_depends(svc, target, daemon),
    })
    subject["locations"]["docker_host"] = _loc(_env_mark(svc.spec, "DOCKER_HOST"))
    if "depends_on" in svc.spec:
        subject["locations"]["depends_on"] = svc.loc("depends_on")
    return subject


def _client_tls(svc: _Service) -> tuple[bool, str]:
    return client_tls(svc.env, official_image=bool(svc.family and svc.family["official_docker"]),
                      has_file=lambda path: covering(svc.mounts, path) is not None)


def _depends(svc: _Service, target: str, daemon: Subject) -> dict[str, Any]:
    depends = svc.spec.get("depends_on")
    condition: str | None = None
    if isinstance(depends, list) and target in [str(d) for d in depends]:
        condition = "service_started"
    elif isinstance(depends, dict) and target in depends:
        entry = depends[target]
        condition = str(entry.get("condition", "service_started")) if isinstance(
            entry, dict) else "service_started"
    check = daemon.get("healthcheck")
    asks_daemon = bool(check and "docker" in check and not check.startswith("NONE"))
    return {
        "depends_on_condition": condition,
        "daemon_healthcheck": check,
        "waits_for_daemon": condition == "service_healthy" and asks_daemon,
    }
