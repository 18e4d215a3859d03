"""Fuzz the installed ``dindcheck`` with hostile inputs; count what must never happen.

Each case is a folder made from a seed by a few random mutations, linted by the installed
command in a subprocess with a time bound (one in eight cases instead audits a fake Docker
engine on a unix socket that answers the recorded live observation, mutated). Seeds are
every kind of input dindcheck reads, from the shared corpus (``../shared/corpus``) and
``examples/``, each written under a name its source reads: a compose file as
``compose.yaml``, a pipeline as ``.gitlab-ci.yml`` (with a runner ``config.toml`` given by
``--runner-config`` in some cases), a workflow under ``.github/workflows/``, a Kubernetes
manifest under its own name (or piped to ``dindcheck lint -``), a script keeping its
``.sh`` (a Makefile as ``Makefile``). One case in four names the file instead of the
folder (as pre-commit does). Mutations:

* one structural mutator for every kind (YAML as data, Kubernetes as a stream of
  documents, scripts and Groovy as lines of words): type swaps of any value (numbers past
  every limit, ``1e400``, unicode digits, lists for strings, control characters, 100 KB
  strings), deletions and duplications;
* service, job and ``name:`` values with forged CI commands, terminal escapes and Textual
  markup;
* secrets planted where each kind carries them: compose ``environment``, ``DOCKER_HOST``
  credentials, ``--password x`` in commands and healthchecks, registry mirrors with
  credentials, the process environment; GitLab ``variables:`` (``DOCKER_AUTH_CONFIG``
  too), ``script:`` lines (``docker login -u x -p SECRET``, ``--password SECRET``), a
  service's ``command``; Actions ``env:``, ``with: password:``, ``run:`` lines, container
  ``credentials`` and service ``options``; Kubernetes ``env`` values, ``args``,
  ``command``, a Secret's ``data``/``stringData``; script lines (``docker run -e
  TOKEN=...``, ``docker login -p ...``, URLs with credentials); a runner ``config.toml``
  with ``token = "..."``, credentials in its ``url``, ``environment`` and scripts;
* references to odd things: compose ``extends``/``include``/``env_file`` graphs (cycles,
  self-references, missing files, ``/etc/passwd``, special files); GitLab ``include:``
  of missing, special, out-of-tree files and folders, wildcards that match a FIFO, include
  cycles and chains past GitLab's limits, remote/template/project includes, ``extends``
  cycles and deep chains; Actions reusable workflows (``uses: ./...``) that are FIFOs,
  ``/dev/zero``, ``/etc/passwd`` or missing, local actions that are FIFOs, matrices with
  billions of combinations; Kubernetes Lists of thousands of pods, Lists nested
  thousands deep, thousands of documents, odd List items; scripts with thousands of line
  continuations, nested substitutions, unterminated quotes and heredocs; a runner config
  that is a FIFO, ``/dev/zero``, ``/etc/passwd``, a folder, missing, not TOML, or has
  odd values;
* special files in the tree: the input itself as a FIFO, a symlink to ``/dev/zero`` or a
  folder, a FIFO beside it under a name its source reads; raw bytes: truncation, NUL,
  invalid UTF-8, deep nesting, alias bombs; hostile bytes on standard input;
* a hostile ``.dindcheck.yaml`` and ``--rules`` folder (mutated rules, backtracking
  patterns, recursive ``$ref``; a ``runner_config`` that is a special file).

What is counted, per case:

* **traceback**: a Python traceback or dindcheck's own ``internal error`` line on stderr,
  or an exit code outside 0-3;
* **hang**: the case ran past ``--timeout`` seconds;
* **fail-open**: a case whose input cannot be read (a FIFO, bad bytes, ...) or whose
  engine is gone, that exited 0 or 1;
* **secret**: a planted secret (or a line of ``/etc/passwd``) in stdout or stderr;
* **control**: an ESC, BEL or CR in the text or github output.

Each distinct problem (kind and place in the code) is saved once, with its case folder,
under ``--out`` (default ``fuzz-out/``) together with the command line that reproduces it.

    python bench/fuzz.py --cases 10000 --jobs 2            # the full run
    python bench/fuzz.py --cases 40 --seed 1 --out fuzz-smoke   # a smoke run
    python bench/fuzz.py --cases 300 --kinds gitlab-ci,shell    # some kinds only

The command is looked for beside the running interpreter, then on PATH. The run stops
by itself: at most ``--cases`` cases, each bounded by ``--timeout``.
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import contextlib
import copy
import json
import os
import random
import re
import shutil
import socket
import socketserver
import stat
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
# The folders each kind of input is seeded from, by the source that reads it.
SEED_FOLDERS: dict[str, tuple[Path, ...]] = {
    "compose": (CORPUS / "compose", REPO / "examples"),
    "gitlab-ci": (CORPUS / "gitlab-ci",),
    "github-actions": (CORPUS / "github-actions",),
    "kubernetes": (CORPUS / "kubernetes",),
    "shell": (CORPUS / "scripts",),
}
KINDS = (*SEED_FOLDERS, "live")
RECORDED_ENGINE = REPO / "tests" / "sources" / "live" / "data" / "scenarios.json"
FORMATS = ("text", "json", "sarif", "github")
OUT_OF_TREE = "root:x:0:0"  # the first line of /etc/passwd: must never be reported
FORGED = ("x\n::error file=README.md::forged", "t\x1b]0;pwned\x07\x1b[2J",
          "[bold]b[/bold][@click=app.quit]q", "##[add-mask]m", "r\rcarriage")
SECRET_NAMES = ("REGISTRY_PASSWORD", "CI_JOB_TOKEN", "AWS_SECRET_ACCESS_KEY",
                "DOCKER_AUTH_CONFIG", "API_KEY")


# -- cases ---------------------------------------------------------------------------------


@dataclass
class Case:
    number: int
    folder: Path
    argv: list[str]
    env: dict[str, str]
    secrets: set[str] = field(default_factory=set)
    must_fail: str = ""  # why the run may not pass (an unreadable input, a dead engine)
    mutations: list[str] = field(default_factory=list)
    fmt: str = "text"
    server: FakeEngine | None = None
    kind: str = "compose"       # the source that reads the seed (``live``: an audit)
    main: str = "compose.yaml"  # the seed's name in the case folder
    form: str = "yaml"          # how the mutator sees it: yaml, stream, lines
    options: list[str] = field(default_factory=list)  # more arguments of the command
    stdin: bytes | None = None  # piped to ``dindcheck lint -``
    explicit: bool = False      # the input is named on the command line, not its folder


@dataclass(frozen=True)
class Seed:
    kind: str
    path: Path

    @property
    def name(self) -> str:
        """Where a case holds it: under a name its source reads in a folder walk."""
        if self.kind == "compose":
            return "compose.yaml"
        if self.kind == "gitlab-ci":
            return ".gitlab-ci.yml"
        if self.kind == "github-actions":
            return f".github/workflows/{self.path.name}"
        if self.kind == "shell" and self.path.name.endswith("Makefile"):
            return "Makefile"
        return self.path.name


def _secret(rng: random.Random) -> str:
    return "s3" + "".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(14))


def _odd_value(rng: random.Random) -> Any:
    return rng.choice([
        10**400, -(10**30), 1e308, float("inf"), "1e400", "١٢٣", "９９", True, None, [], {},
        [1, [2, [3]]], {"a": {"b": None}}, "", " ", "x" * 100_000, "\x00\x1b[2J\x07",
        rng.choice(FORGED), "-1", "0", "0o777", "0x1F", "null", "~", "${UNSET:?boom}",
        "$${ESCAPED}", "${A:-${B:-${C}}}", "/", "../../../../etc/passwd", "C:\\x",
        "☃" * 50, "\ud800" if rng.random() < 0.1 else "é",
    ])


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


def _services(data: Any) -> dict[str, Any]:
    services = data.get("services") if isinstance(data, dict) else None
    return services if isinstance(services, dict) else {}


def _mutate_data(data: Any, rng: random.Random, case: Case) -> Any:
    """One structural mutation of the parsed seed (any kind, any form)."""
    kind = rng.choice(["swap", "swap", "delete", "duplicate", "secret", "secret", "name"])
    case.mutations.append(kind)
    paths = [p for p in _paths(data) if p]
    if kind == "swap" and paths:
        path = rng.choice(paths)
        parent = _get(data, path[:-1])
        parent[path[-1]] = _odd_value(rng)
    elif kind == "delete" and paths:
        path = rng.choice(paths)
        parent = _get(data, path[:-1])
        del parent[path[-1]]
    elif kind == "duplicate" and paths:
        source = _get(data, rng.choice(paths))
        target = rng.choice(paths)
        parent = _get(data, target[:-1])
        parent[target[-1]] = copy.deepcopy(source)
    elif kind == "secret":
        _plant(data, rng, case)
    elif kind == "name":
        _rename(data, rng, case)
    return data


def _plant(data: Any, rng: random.Random, case: Case) -> None:
    """A secret where the case's kind carries one."""
    if case.form == "lines":
        _plant_in_lines(data, rng, case)
    elif case.kind == "compose":
        services = _services(data)
        if services:
            _plant_secret(services, rng, case)
    elif isinstance(data, dict | list):
        PLANTERS[case.kind](data, rng, case)


def _rename(data: Any, rng: random.Random, case: Case) -> None:
    """A forged name: a service's or a job's key, else a ``name:`` value (a line that names
    a container, in a script)."""
    if case.form == "lines":
        if isinstance(data, list):
            data.insert(rng.randrange(len(data) + 1), ["", "docker", "run", "--name",
                                                       rng.choice(FORGED), "docker:dind"])
        return
    owner, names = _named(data, case)
    if names:
        name = rng.choice(names)
        owner[rng.choice(FORGED) + str(name)] = owner.pop(name)
        return
    spots = [p for p in _paths(data) if p and p[-1] == "name" and isinstance(_get(data, p), str)]
    if spots:
        path = rng.choice(spots)
        _get(data, path[:-1])["name"] = rng.choice(FORGED) + _get(data, path)


def _named(data: Any, case: Case) -> tuple[dict[Any, Any], list[Any]]:
    """A mapping whose keys name containers or jobs, and those keys: compose services,
    Actions jobs, GitLab jobs (top-level keys that are no keyword)."""
    if case.kind == "compose":
        services = _services(data)
        return services, list(services)
    if case.kind == "github-actions" and isinstance(data, dict) \
            and isinstance(data.get("jobs"), dict):
        return data["jobs"], list(data["jobs"])
    if case.kind == "gitlab-ci" and isinstance(data, dict):
        return data, [k for k, v in data.items() if _is_gitlab_job(k, v)]
    return {}, []


def _add_reference(data: Any, rng: random.Random, case: Case) -> None:
    """An ``extends``/``include``/``env_file`` to something odd: applied after the other
    mutations, so that none of them removes it again (the run must then fail)."""
    services = _services(data)
    if not services:
        return
    if rng.random() < 0.7:
        _graph(data, services, rng, case)
    else:
        case.mutations.append("envfile")
        service = services[rng.choice(list(services))]
        if isinstance(service, dict):
            target = rng.choice(["/dev/zero", "fifo.env", "missing.env", "/etc/passwd"])
            service["env_file"] = [target]
            if target == "fifo.env":
                with contextlib.suppress(FileExistsError):
                    os.mkfifo(case.folder / "fifo.env")
            if target != "/etc/passwd":
                _unread(case, target, f"env_file {target}")


def _unread(case: Case, target: str, reason: str) -> None:
    """The run must fail for a file it cannot read. A file outside the tree (an absolute
    path) is not read at all, a note says so, unless the case runs with
    ``--allow-outside``."""
    if not target.startswith("/") or "--allow-outside" in case.options:
        case.must_fail = reason


def _plant_secret(services: dict[str, Any], rng: random.Random, case: Case) -> None:
    secret = _secret(rng)
    case.secrets.add(secret)
    name = rng.choice(list(services))
    service = services[name]
    if not isinstance(service, dict):
        service = services[name] = {"image": "docker:dind"}
    form = rng.choice(["env", "host", "command", "health", "mirror", "opts", "label",
                       "process-env"])
    case.mutations.append(f"secret-{form}")
    env = service.get("environment")
    if not isinstance(env, dict):
        env = service["environment"] = {}
    if form == "env":
        env[rng.choice(["REGISTRY_PASSWORD", "CI_JOB_TOKEN", "AWS_SECRET_ACCESS_KEY",
                        "DOCKER_AUTH_CONFIG", "API_KEY"])] = secret
    elif form == "host":
        env["DOCKER_HOST"] = f"tcp://admin:{secret}@docker:2375"
    elif form == "command":
        service["command"] = ["dockerd", "--registry-password", secret,
                              f"--token={secret}"]
    elif form == "health":
        service["healthcheck"] = {"test": ["CMD", "docker", "login",
                                           f"--password={secret}"]}
    elif form == "mirror":
        service["command"] = f"--registry-mirror https://user:{secret}@mirror.example"
    elif form == "opts":
        env["DOCKER_OPTS"] = f"--tls --password {secret}"
    elif form == "label":
        service["command"] = [f"--label=ci.token={secret}"]
    else:
        case.env["REGISTRY_TOKEN"] = secret
        service["command"] = "dockerd --token ${REGISTRY_TOKEN} --debug ${REGISTRY_TOKEN}"


def _graph(data: dict[str, Any], services: dict[str, Any], rng: random.Random,
           case: Case) -> None:
    names = list(services)
    name = rng.choice(names)
    service = services[name]
    if not isinstance(service, dict):
        return
    form = rng.choice(["self", "cycle", "file-missing", "file-self", "passwd", "special",
                       "include-self", "include-cycle", "include-special"])
    if form == "self":
        service["extends"] = {"service": name}
    elif form == "cycle":
        other = rng.choice(names)
        service["extends"] = other
        if isinstance(services[other], dict):
            services[other]["extends"] = {"service": name}
    elif form == "file-missing":
        service["extends"] = {"file": "nope.yaml", "service": name}
        case.must_fail = "extends of a missing file"
    elif form == "file-self":
        service["extends"] = {"file": "compose.yaml", "service": name}
    elif form == "passwd":
        service["extends"] = {"file": "/etc/passwd", "service": "root"}
        _unread(case, "/etc/passwd", "extends of a file that is not compose (/etc/passwd)")
    elif form == "special":
        target = rng.choice(["/dev/zero", "fifo.yaml"])
        service["extends"] = {"file": target, "service": "x"}
        with contextlib.suppress(FileExistsError):
            os.mkfifo(case.folder / "fifo.yaml")
        _unread(case, target, "extends of a special file")
    elif form == "include-self":
        data["include"] = ["compose.yaml"]
    elif form == "include-cycle":
        data["include"] = ["other.yaml"]
        (case.folder / "other.yaml").write_text("include: [compose.yaml]\nservices: {}\n")
    else:
        target = rng.choice(["/dev/zero", "/etc/passwd", "fifo.yaml"])
        data["include"] = [target]
        with contextlib.suppress(FileExistsError):
            os.mkfifo(case.folder / "fifo.yaml")
        _unread(case, target, "include of a special file or /etc/passwd")
    case.mutations.append(f"graph-{form}")


# -- secrets and references of the other kinds ----------------------------------------------

# Shell lines that carry a secret where a reader can tell it is one.
SECRET_LINES = {
    "login-p": "docker login -u ci -p {s} registry.example.com",
    "login-password": "docker login --username ci --password {s} registry.example.com",
    "login-password-eq": "echo start && docker login --password={s} registry.example.com",
    "run-env": "docker run -e API_TOKEN={s} --privileged docker:dind",
    "run-env-long": "docker run --env REGISTRY_PASSWORD={s} -d docker:27-dind",
    "run-mirror": "docker run -d --privileged docker:dind --registry-mirror "
                  "https://ci:{s}@mirror.example",
    "run-host": "DOCKER_HOST=tcp://ci:{s}@docker:2375 docker run --rm alpine true",
    "curl": "curl -fsS https://ci:{s}@artifacts.example/tool.tgz",
    "export": "export REGISTRY_PASSWORD={s}",
    "dockerd-flag": "dockerd --registry-password {s} --host tcp://0.0.0.0:2375",
}
GITLAB_KEYWORDS = frozenset({"stages", "include", "workflow", "default", "variables", "image",
                             "services", "before_script", "after_script", "cache", "spec"})
POD: dict[str, Any] = {
    "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "fuzz"},
    "spec": {"containers": [{"name": "dind", "image": "docker:27-dind",
                             "securityContext": {"privileged": True}}]}}
_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def _new_secret(rng: random.Random, case: Case) -> str:
    secret = _secret(rng)
    case.secrets.add(secret)
    return secret


def _secret_line(secret: str, rng: random.Random, case: Case) -> str:
    form = rng.choice(sorted(SECRET_LINES))
    case.mutations.append(f"secret-{form}")
    return SECRET_LINES[form].format(s=secret)


def _mapping(owner: dict[str, Any], key: str) -> dict[str, Any]:
    """``owner[key]`` as a mapping (replaced by an empty one when it is something else)."""
    value = owner.get(key)
    if not isinstance(value, dict):
        value = owner[key] = {}
    return value


def _sequence(owner: dict[str, Any], key: str) -> list[Any]:
    """``owner[key]`` as a list (a scalar becomes its only item)."""
    value = owner.get(key)
    if not isinstance(value, list):
        value = owner[key] = [] if value is None else [value]
    return value


def _special_file(path: Path, form: str) -> str:
    """Make ``path`` a FIFO, a symlink to ``/dev/zero`` or ``/etc/passwd``, or a folder;
    what it is, said for the judge."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not (path.exists() or path.is_symlink()):
        if form == "fifo":
            os.mkfifo(path)
        elif form in ("zero", "passwd"):
            path.symlink_to("/dev/zero" if form == "zero" else "/etc/passwd")
        else:
            path.mkdir()
    return {"fifo": "a FIFO", "zero": "a symlink to /dev/zero",
            "passwd": "a symlink to /etc/passwd", "folder": "a folder"}[form]


def _plant_in_lines(lines: Any, rng: random.Random, case: Case) -> None:
    """A secret-carrying line in a script (a rule of its own in a Makefile)."""
    if not isinstance(lines, list):
        return
    text = _secret_line(_new_secret(rng, case), rng, case)
    if case.main == "Makefile":
        lines.extend([[""], ["", "fuzz-secret:"], ["\t", *text.split()]])
    else:
        lines.insert(rng.randrange(len(lines) + 1), ["", *text.split()])


def _is_gitlab_job(key: Any, value: Any) -> bool:
    return isinstance(value, dict) and key not in GITLAB_KEYWORDS


def _gitlab_job(data: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A job (or template) of the pipeline; a dind job added when there is none."""
    names = [k for k, v in data.items() if _is_gitlab_job(k, v)]
    if names:
        found: dict[str, Any] = data[rng.choice(names)]
        return found
    job = data["fuzz-job"] = {"image": "docker:27", "services": ["docker:27-dind"],
                              "script": ["docker info"]}
    return job


def _plant_gitlab(data: Any, rng: random.Random, case: Case) -> None:
    if not isinstance(data, dict):
        return
    job = _gitlab_job(data, rng)
    secret = _new_secret(rng, case)
    form = rng.choice(["variable", "global", "auth-config", "host", "script", "script",
                       "expanded", "service"])
    if form == "script":
        script = _sequence(job, "script")
        script.insert(rng.randrange(len(script) + 1), _secret_line(secret, rng, case))
        return
    case.mutations.append(f"secret-{form}")
    variables = _mapping(job, "variables")
    if form == "variable":
        variables[rng.choice(SECRET_NAMES)] = secret
    elif form == "global":
        _mapping(data, "variables")["CI_REGISTRY_PASSWORD"] = secret
    elif form == "auth-config":
        variables["DOCKER_AUTH_CONFIG"] = json.dumps(
            {"auths": {"registry.example.com": {"auth": secret}}})
    elif form == "host":
        variables["DOCKER_HOST"] = f"tcp://ci:{secret}@docker:2375"
    elif form == "expanded":
        variables["REGISTRY_PASSWORD"] = secret
        _sequence(job, "script").append(
            "docker login -u ci -p $REGISTRY_PASSWORD registry.example.com && "
            "docker run --privileged -e REGISTRY_PASSWORD docker:dind")
    else:
        job["services"] = [{"name": "docker:27-dind", "alias": "docker", "command": [
            "--registry-mirror", f"https://ci:{secret}@mirror.example",
            f"--registry-password={secret}"]}]


def _actions_job(data: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A job of the workflow; one added when there is none."""
    jobs = _mapping(data, "jobs")
    names = [k for k, v in jobs.items() if isinstance(v, dict)]
    if names:
        found: dict[str, Any] = jobs[rng.choice(names)]
        return found
    job = jobs["fuzz"] = {"runs-on": "ubuntu-latest", "steps": [{"run": "docker info"}]}
    return job


def _plant_actions(data: Any, rng: random.Random, case: Case) -> None:
    if not isinstance(data, dict):
        return
    job = _actions_job(data, rng)
    secret = _new_secret(rng, case)
    form = rng.choice(["env", "workflow-env", "login-action", "run", "run", "expanded",
                       "credentials", "service-options", "service-env", "host"])
    steps = _sequence(job, "steps")
    if form == "run":
        steps.insert(rng.randrange(len(steps) + 1), {"run": _secret_line(secret, rng, case)})
        return
    case.mutations.append(f"secret-{form}")
    if form == "env":
        _mapping(job, "env")[rng.choice(SECRET_NAMES)] = secret
    elif form == "workflow-env":
        _mapping(data, "env")["REGISTRY_TOKEN"] = secret
    elif form == "login-action":
        steps.insert(0, {"uses": "docker/login-action@v3", "with": {
            "registry": "ghcr.io", "username": "ci", "password": secret}})
    elif form == "expanded":
        steps.append({"env": {"REGISTRY_PASSWORD": secret}, "run": (
            "docker login -u ci -p $REGISTRY_PASSWORD ghcr.io\n"
            "docker run --privileged -e REGISTRY_PASSWORD docker:dind\n")})
    elif form == "credentials":
        job["container"] = {"image": "docker:27-dind", "options": "--privileged",
                            "credentials": {"username": "ci", "password": secret}}
    elif form == "service-options":
        _mapping(job, "services")["dind"] = {
            "image": "docker:27-dind",
            "options": f"--privileged -e REGISTRY_TOKEN={secret} --label token={secret}"}
    elif form == "service-env":
        _mapping(job, "services")["dind"] = {"image": "docker:27-dind", "options": "--privileged",
                                             "env": {"DOCKER_PASSWORD": secret}}
    else:
        _mapping(job, "env")["DOCKER_HOST"] = f"tcp://ci:{secret}@localhost:2375"


def _containers(node: Any) -> list[dict[str, Any]]:
    """Every container mapping in a tree of Kubernetes documents."""
    found: list[dict[str, Any]] = []
    for path in _paths(node):
        if path and path[-1] in _CONTAINER_LISTS:
            value = _get(node, path)
            if isinstance(value, list):
                found.extend(c for c in value if isinstance(c, dict))
    return found


def _plant_kubernetes(docs: Any, rng: random.Random, case: Case) -> None:
    if not isinstance(docs, list):
        return
    secret = _new_secret(rng, case)
    form = rng.choice(["env", "env", "host", "args", "command", "secret-data",
                       "secret-string", "docker-config"])
    case.mutations.append(f"secret-{form}")
    if form in ("secret-data", "secret-string", "docker-config"):
        docs.append(_secret_object(form, secret, case))
        return
    containers = _containers(docs)
    if not containers:
        docs.append(copy.deepcopy(POD))
        containers = _containers(docs[-1])
    container = rng.choice(containers)
    if form == "env":
        _sequence(container, "env").append({"name": rng.choice(SECRET_NAMES), "value": secret})
    elif form == "host":
        _sequence(container, "env").append({"name": "DOCKER_HOST",
                                            "value": f"tcp://ci:{secret}@localhost:2375"})
    elif form == "args":
        container["args"] = ["--registry-mirror", f"https://ci:{secret}@mirror.example",
                             "--password", secret]
    else:
        container["command"] = ["sh", "-c", f"docker login -u ci -p {secret} "
                                            "registry.example.com && dockerd-entrypoint.sh"]


def _secret_object(form: str, secret: str, case: Case) -> dict[str, Any]:
    """A Secret holding ``secret`` (base64 in ``data``: that text is planted too)."""
    secret_object: dict[str, Any] = {"apiVersion": "v1", "kind": "Secret",
                                      "metadata": {"name": "registry-credentials"}}
    if form == "secret-data":
        encoded = base64.b64encode(secret.encode()).decode()
        case.secrets.add(encoded)
        secret_object.update(type="Opaque", data={"password": encoded})
    elif form == "secret-string":
        secret_object.update(type="Opaque", stringData={"REGISTRY_PASSWORD": secret})
    else:
        config = json.dumps({"auths": {"registry.example.com": {"auth": secret}}})
        secret_object.update(type="kubernetes.io/dockerconfigjson",
                             stringData={".dockerconfigjson": config})
    return secret_object


PLANTERS: dict[str, Callable[[Any, random.Random, Case], None]] = {
    "gitlab-ci": _plant_gitlab, "github-actions": _plant_actions,
    "kubernetes": _plant_kubernetes}


def _reference(data: Any, rng: random.Random, case: Case) -> None:
    """A reference to something odd, in the case's kind; applied after the other
    mutations, so that none of them removes it again."""
    if case.form == "lines":
        _shell_reference(data, rng, case)
    elif case.kind == "compose":
        _add_reference(data, rng, case)
    else:
        REFERENCES[case.kind](data, rng, case)


def _gitlab_reference(data: Any, rng: random.Random, case: Case) -> None:
    if not isinstance(data, dict):
        return
    form = rng.choice(["include-missing", "include-fifo", "include-zero", "include-passwd",
                       "include-folder", "include-wildcard", "include-self", "include-cycle",
                       "include-deep", "include-unfollowed", "extends-self", "extends-cycle",
                       "extends-chain", "extends-missing"])
    case.mutations.append(f"ref-{form}")
    if form.startswith("include-"):
        data["include"] = _gitlab_include(form.removeprefix("include-"), rng, case)
    else:
        _gitlab_extends(form.removeprefix("extends-"), data, rng)


def _gitlab_include(form: str, rng: random.Random, case: Case) -> Any:
    """The ``include:`` value of one odd form (and the files it names)."""
    ci = case.folder / "ci"
    ci.mkdir(exist_ok=True)
    if form == "missing":
        case.must_fail = "include of a missing file"
        return [{"local": "ci/missing.yml"}]
    if form in ("fifo", "zero", "passwd", "folder"):
        what = _special_file(ci / "odd.yml", form)
        case.must_fail = f"include of {what}"
        return rng.choice([[{"local": "/ci/odd.yml"}], "ci/odd.yml"])
    if form == "wildcard":
        _special_file(ci / "odd.yml", "fifo")
        (ci / "jobs.yml").write_text("wild:\n  script: [docker info]\n")
        case.must_fail = "a wildcard include that matches a FIFO"
        return [{"local": "ci/*.yml"}]
    if form == "self":
        return ".gitlab-ci.yml"
    if form == "cycle":
        (ci / "a.yml").write_text("include: [{local: .gitlab-ci.yml}]\n"
                                  "cycled:\n  script: [docker info]\n")
        return [{"local": "ci/a.yml"}]
    if form == "deep":
        depth = rng.choice([20, 120, 400])
        for i in range(depth):
            (ci / f"d{i}.yml").write_text(f"include: ci/d{i + 1}.yml\n" if i + 1 < depth
                                          else "deep:\n  script: [docker info]\n")
        return "ci/d0.yml"
    return rng.choice([{"remote": "https://example.com/ci.yml"},
                       {"template": "Docker.gitlab-ci.yml"},
                       {"project": "group/project", "file": ["/a.yml", "/etc/passwd"]},
                       {"component": "gitlab.example.com/x/y@1"},
                       "https://example.com/ci.yml"])


def _gitlab_extends(form: str, data: dict[str, Any], rng: random.Random) -> None:
    """A job whose ``extends`` loops, runs deep or names nothing."""
    if form == "self":
        data["loop"] = {"extends": "loop", "script": ["docker info"]}
    elif form == "cycle":
        data[".a"] = {"extends": ".b", "image": "docker:27"}
        data[".b"] = {"extends": [".a"], "services": ["docker:27-dind"]}
        data["cyclic"] = {"extends": ".a", "script": ["docker info"]}
    elif form == "chain":
        depth = rng.choice([5, 12, 200, 2000])
        for i in range(depth):
            data[f".t{i}"] = ({"extends": f".t{i + 1}"} if i + 1 < depth
                              else {"services": ["docker:27-dind"]})
        data["chained"] = {"extends": ".t0", "script": ["docker info"]}
    else:
        data["orphan"] = {"extends": [".nowhere", rng.choice(FORGED)],
                          "script": ["docker info"]}


def _actions_reference(data: Any, rng: random.Random, case: Case) -> None:
    if not isinstance(data, dict):
        return
    form = rng.choice(["fifo", "zero", "passwd", "folder", "missing", "outside",
                       "action-fifo", "matrix"])
    case.mutations.append(f"ref-uses-{form}")
    jobs = _mapping(data, "jobs")
    if form in ("fifo", "zero", "passwd", "folder"):
        what = _special_file(case.folder / ".github" / "workflows" / "called.yml", form)
        if form in ("fifo", "zero") and not case.explicit:  # found in a folder walk
            case.must_fail = f"a called workflow that is {what}"
        jobs["call"] = {"uses": "./.github/workflows/called.yml"}
    elif form in ("missing", "outside"):
        jobs["call"] = {"uses": {"missing": "./.github/workflows/nope.yml",
                                 "outside": "./../../../etc/passwd"}[form],
                        "secrets": "inherit"}
    elif form == "action-fifo":
        _special_file(case.folder / ".github" / "actions" / "odd" / "action.yml", "fifo")
        _sequence(_actions_job(data, rng), "steps").append({"uses": "./.github/actions/odd"})
    else:
        job = _actions_job(data, rng)
        axes = rng.choice([4, 10, 30])
        job["strategy"] = {"matrix": {f"axis{i}": list(range(rng.choice([3, 10])))
                                      for i in range(axes)}}
        job["container"] = {"image": "docker:${{ matrix.axis0 }}-dind",
                            "options": "--privileged"}


def _pod_list(count: int) -> dict[str, Any]:
    items = []
    for i in range(count):
        pod = copy.deepcopy(POD)
        pod["metadata"]["name"] = f"fuzz-{i}"
        items.append(pod)
    return {"apiVersion": "v1", "kind": "List", "items": items}


def _kubernetes_reference(docs: Any, rng: random.Random, case: Case) -> None:
    form = rng.choice(["huge-list", "nested-list", "many-documents", "odd-items",
                       "zero-sibling", "passwd-sibling"])
    case.mutations.append(f"ref-{form}")
    if form == "huge-list":
        count = rng.choice([1000, 5000])
        (case.folder / "cluster.json").write_text(json.dumps(_pod_list(count)))
    elif form == "nested-list":
        depth = rng.choice([100, 1000, 5000])
        (case.folder / "nested.json").write_text(
            '{"apiVersion": "v1", "kind": "List", "items": [' * depth + json.dumps(POD)
            + "]}" * depth)
    elif form == "many-documents" and isinstance(docs, list):
        docs.extend(copy.deepcopy(POD) for _ in range(rng.choice([500, 3000])))
    elif form == "odd-items" and isinstance(docs, list):
        docs.append({"apiVersion": "v1", "kind": "List", "items": [
            None, 5, "x", [], {"kind": "List"}, {"kind": "Pod", "spec": None},
            {"kind": "List", "items": {"a": 1}}, {"kind": "Pod", "spec": {"containers": 7}}]})
    elif form.endswith("-sibling"):
        _special_file(case.folder / "sibling.yaml", form.removesuffix("-sibling"))


def _shell_reference(lines: Any, rng: random.Random, case: Case) -> None:
    """Lines a shell reader must take in bounded time: thousands of continuations, deep
    substitutions, long command lines, unterminated quotes and heredocs."""
    if not isinstance(lines, list):
        return
    form = rng.choice(["continuations", "substitutions", "unterminated", "heredoc",
                       "long-run", "many-runs"])
    case.mutations.append(f"ref-shell-{form}")
    count = rng.choice([100, 5000, 50000])
    new: list[list[str]]
    if form == "continuations":
        new = [["", "docker", "run", "\\"],
               *(["  ", "-v", f"/v{i}:/v{i}", "\\"] for i in range(count)), ["  ", "docker:dind"]]
    elif form == "substitutions":
        new = [["", "docker", "run", "$(" * count + "x" + ")" * count, "docker:dind"]]
    elif form == "unterminated":
        new = [["", "docker", "run", '"--privileged', "docker:dind"]]
    elif form == "heredoc":
        new = [["", "cat", "<<EOF"], ["", "docker", "run", "--privileged", "docker:dind"]]
    elif form == "long-run":
        new = [["", "docker", "run", *(["-e", "A=b"] * count), "docker:dind"]]
    else:
        new = [["", "docker", "run", "--privileged", "-v", f"/d{i}:/var/lib/docker",
                "docker:dind"] for i in range(min(count, 2000))]
    at = rng.randrange(len(lines) + 1)
    lines[at:at] = new


REFERENCES: dict[str, Callable[[Any, random.Random, Case], None]] = {
    "gitlab-ci": _gitlab_reference, "github-actions": _actions_reference,
    "kubernetes": _kubernetes_reference, "shell": _shell_reference}


# -- a runner config.toml ------------------------------------------------------------------

RUNNER_CONFIG = (
    "concurrent = 4", "[[runners]]", 'name = "fuzz"', 'url = "https://gitlab.example.com"',
    'token = "glrt-placeholder"', 'executor = "docker"', "[runners.docker]",
    'image = "docker:27"', "privileged = true", 'volumes = ["/cache", "/certs/client"]',
    "[runners.kubernetes]", "privileged = false")
_RUNNER_KEYS_END = 6  # the runner's own keys end where [runners.docker] starts
TOML_ODD = ("1e400", "9" * 400, '"\\u001b[2J"', "[1, [2]]", "{ a = 1 }", "true", "-1", '""',
            '"/dev/zero"', "'''x'''", "nan", "1979-05-27", '"' + "x" * 100_000 + '"')


def _runner_config(case: Case, rng: random.Random) -> None:
    """``--runner-config`` with a config.toml: with a secret, with odd values, not TOML, a
    special file, a folder or missing."""
    form = rng.choice(["secret", "secret", "odd", "odd", "bytes", "fifo", "zero", "passwd",
                       "folder", "missing"])
    case.mutations.append(f"runner-{form}")
    path = case.folder / "config.toml"
    case.options += ["--runner-config", "nope.toml" if form == "missing" else "config.toml"]
    if form == "missing":
        case.must_fail = "a runner config that does not exist"
        return
    if form in ("fifo", "zero", "passwd", "folder"):
        case.must_fail = f"a runner config that is {_special_file(path, form)}"
        return
    lines = list(RUNNER_CONFIG)
    if form == "secret":
        _runner_secret(lines, rng, case)
    elif form == "odd":
        _mutate_toml(lines, rng)
    data = "\n".join(lines).encode() + b"\n"
    if form == "bytes":
        at = rng.randrange(len(data) + 1)
        data = data[:at] + rng.choice([b"\x00", b"\xff\xfe", b"[[runners]\n", b"= 1\n",
                                       b"\n[runners]\nx = 1\n"]) + data[at:]
    path.write_bytes(data)
    try:
        tomllib.loads(data.decode())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        case.must_fail = "a runner config that is not TOML"


def _runner_secret(lines: list[str], rng: random.Random, case: Case) -> None:
    secret = _new_secret(rng, case)
    form = rng.choice(["token", "url", "environment", "pre-build", "service-command"])
    case.mutations.append(f"secret-runner-{form}")
    if form == "token":
        lines[4] = f'token = "{secret}"'
    elif form == "url":
        lines[3] = f'url = "https://ci:{secret}@gitlab.example.com"'
    elif form == "environment":
        lines.insert(_RUNNER_KEYS_END, f'environment = ["REGISTRY_PASSWORD={secret}", '
                                       f'"DOCKER_HOST=tcp://ci:{secret}@docker:2375"]')
    elif form == "pre-build":
        lines.insert(_RUNNER_KEYS_END, "pre_build_script = "
                                       f'"docker login -u ci -p {secret} registry.example.com"')
    else:
        lines += ["[[runners.docker.services]]", 'name = "docker:27-dind"',
                  f'command = ["--registry-password", "{secret}"]']


def _mutate_toml(lines: list[str], rng: random.Random) -> None:
    """A value swapped for an odd one, a line deleted or repeated."""
    at = rng.randrange(len(lines))
    form = rng.choice(["swap", "swap", "delete", "duplicate"])
    if form == "swap" and " = " in lines[at]:
        lines[at] = lines[at].split(" = ", 1)[0] + " = " + rng.choice(TOML_ODD)
    elif form == "delete":
        del lines[at]
    else:
        lines.insert(at, lines[at])


# Where deep nesting and alias bombs go, per kind (after the lines that make the file one
# its source reads).
_YAML_TOP = {"compose": "services", "gitlab-ci": "bomb", "github-actions": "jobs",
             "kubernetes": "items", "shell": "x"}


def _yaml_head(case: Case) -> bytes:
    return {"kubernetes": b"apiVersion: v1\nkind: List\n",
            "github-actions": b"on: push\n"}.get(case.kind, b"")


def _mutate_bytes(text: bytes, rng: random.Random, case: Case) -> bytes:
    kind = rng.choice(["truncate", "nul", "utf8", "deep", "bomb", "insert", "huge-number"])
    case.mutations.append(f"bytes-{kind}")
    top = _YAML_TOP.get(case.kind, "services")
    if kind == "truncate" and text:
        return text[:rng.randrange(len(text))]
    if kind == "nul":
        case.must_fail = "a NUL byte"
        at = rng.randrange(len(text) + 1)
        return text[:at] + b"\x00" + text[at:]
    if kind == "utf8":
        case.must_fail = "invalid UTF-8"
        at = rng.randrange(len(text) + 1)
        return text[:at] + b"\xff\xfe" + text[at:]
    if kind == "deep":
        return _yaml_head(case) + f"{top}: ".encode() + b"[" * rng.choice([150, 250, 5000]) \
            + b"\n"
    if kind == "bomb":
        lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
        lines += [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]"
                  for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
        use = "services: {}" if case.kind == "compose" else f"{top}: *i"
        return _yaml_head(case) + ("\n".join(lines) + f"\n{use}\n").encode()
    if kind == "insert":
        at = rng.randrange(len(text) + 1)
        return text[:at] + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8))) \
            + text[at:]
    return text + f"\nx-huge: {'9' * rng.choice([400, 5000, 100_000])}\n".encode()


# A FIFO beside the input, under a name its source reads.
_SIBLINGS = {"compose": ".env", "gitlab-ci": "build.gitlab-ci.yml",
             "github-actions": ".github/workflows/fifo.yml", "kubernetes": "fifo.yaml",
             "shell": "fifo.sh"}


def _special_tree(folder: Path, rng: random.Random, case: Case) -> None:
    """Replace the input with a special file or a symlink out of the tree, or add a FIFO
    or a symlinked folder out of the tree beside it. Whatever could be an input and is not
    read fails the case (the walk reports a special file named like an input, and one
    whose name a source reads by content: ``.yml``, ``.yaml``, ``.json``)."""
    form = rng.choice(["fifo", "dev-zero", "fifo-env", "dir", "outside", "outside-dir"])
    case.mutations.append(f"special-{form}")
    main = folder / case.main
    allowed = "--allow-outside" in case.options
    if form == "fifo":
        main.unlink()
        os.mkfifo(main)
        case.must_fail = f"a FIFO {case.kind} file"
    elif form == "dev-zero":
        main.unlink()
        main.symlink_to("/dev/zero")
        case.must_fail = f"a symlink to /dev/zero as {case.kind} file"
    elif form == "fifo-env":
        sibling = folder / _SIBLINGS[case.kind]
        sibling.parent.mkdir(parents=True, exist_ok=True)
        made = not (sibling.exists() or sibling.is_symlink())
        if made:
            os.mkfifo(sibling)
        if made and (case.kind == "compose" or not case.explicit):
            case.must_fail = f"a FIFO {case.kind} file beside the input"
    elif form == "outside":  # a committed symlink that leads out of the repository
        main.unlink()
        main.symlink_to("/etc/passwd")
        if not allowed:
            case.must_fail = f"a {case.kind} file that is a symlink to /etc/passwd"
    elif form == "outside-dir" and not allowed:  # not walked: a note
        (folder / "vendor").symlink_to("/etc")
    else:  # a folder named like the input holds no input: nothing unread
        main.unlink()
        main.mkdir()
        case.must_fail = ""


RULE_CONDITIONS = [
    {"required": [["x"]]}, {"$ref": "#"}, {"$ref": "#/$defs/nope"},
    {"allOf": [{"$ref": "#/$defs/a"}], "$defs": {"a": {"not": {"$ref": "#"}}}},
    {"properties": {"image": {"properties": {"ref": {"pattern": "^(a+)+$"}}}}},
    {"properties": {"name": {"pattern": "(x|x?)+y"}}}, {"type": "strng"},
    {"properties": {"name": {"minLength": "3"}}}, {"properties": {"x": {"version": "<<1"}}},
    {"patternProperties": {"(a|ab)*c": True}}, {"not": {"not": {"not": True}}},
    {"properties": {"name": {"pattern": "["}}}, 5, None, [], "string",
]


def _hostile_config(case: Case, rng: random.Random) -> None:
    """A ``.dindcheck.yaml`` and a ``--rules`` folder, mutated (for a pipeline linted
    without ``--runner-config``, a ``runner_config`` that cannot be read)."""
    config: dict[str, Any] = {}
    forms = ["size", "rules", "severity", "select", "raw"]
    if case.kind == "gitlab-ci" and "--runner-config" not in case.options:
        forms.append("runner")
    form = rng.choice(forms)
    case.mutations.append(f"config-{form}")
    if form == "size":
        config["max_file_size"] = rng.choice(["lots", "1e400", 0, -1, "١٠M", 10**40, "5M",
                                              "999999G", True, [1]])
    elif form == "rules":
        folder = case.folder / "rules"
        folder.mkdir()
        config["rules"] = ["rules"]
        rule = yaml.safe_load((REPO / "rules" / "DIND007-privileged-dind.yaml").read_text())
        rule.update(id="ACME001", name="acme")
        rule["condition"] = copy.deepcopy(rng.choice(RULE_CONDITIONS))
        if rng.random() < 0.3:
            rule[rng.choice(list(rule))] = _odd_value(rng)
        (folder / "ACME001-acme.yaml").write_text(json.dumps(rule, default=str))
    elif form == "severity":
        config["severity"] = {rng.choice(["DIND007", "NOPE999", "[x]"]): _odd_value(rng)}
    elif form == "select":
        config["select"] = _odd_value(rng)
    elif form == "runner":
        special = rng.choice(["fifo", "zero", "passwd", "folder"])
        case.must_fail = ("a runner_config that is "
                          f"{_special_file(case.folder / 'runner.toml', special)}")
        config["runner_config"] = "runner.toml"
    else:
        (case.folder / ".dindcheck.yaml").write_bytes(
            rng.choice([b"\xff\xfe", b"max_file_size: [\n", b"\x00", b"- a\n- b\n", b""]))
        return
    (case.folder / ".dindcheck.yaml").write_text(json.dumps(config, default=str))


def _seeds(kinds: tuple[str, ...] = tuple(SEED_FOLDERS)) -> dict[str, list[Seed]]:
    """The seed files of each kind (compose: its YAML files only)."""
    found: dict[str, list[Seed]] = {}
    for kind in kinds:
        paths = sorted(p for folder in SEED_FOLDERS[kind] if folder.is_dir()
                       for p in folder.rglob("*") if p.is_file()
                       and (kind != "compose" or p.suffix in (".yml", ".yaml")))
        if paths:
            found[kind] = [Seed(kind, p) for p in paths]
    return found


# -- seeds as data -------------------------------------------------------------------------


@dataclass
class Tagged:
    """A value with an application tag (GitLab's ``!reference``): kept through the
    mutations and written back with its tag."""

    tag: str
    value: Any


class _Loader(yaml.SafeLoader):
    pass


class _Dumper(yaml.SafeDumper):
    pass


def _construct_tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Tagged:
    value: Any
    if isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        value = loader.construct_scalar(node)  # type: ignore[arg-type]
    return Tagged("!" + suffix, value)


def _represent_tagged(dumper: yaml.SafeDumper, data: Tagged) -> yaml.Node:
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value)
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value)
    return dumper.represent_scalar(data.tag, str(data.value))


_Loader.add_multi_constructor("!", _construct_tagged)
_Dumper.add_representer(Tagged, _represent_tagged)


def _parse(raw: bytes, case: Case) -> Any:
    """The seed as data: YAML (Kubernetes: a list of its documents), else (scripts, Groovy,
    unrendered templates) a list of lines, each its indent and its words."""
    if case.main.endswith((".yml", ".yaml", ".json")):
        try:
            if case.kind == "kubernetes":
                case.form = "stream"
                return list(yaml.load_all(raw, Loader=_Loader))
            case.form = "yaml"
            return yaml.load(raw, Loader=_Loader)
        except yaml.YAMLError:
            if case.kind == "compose":
                return None
    case.form = "lines"
    text = raw.decode("utf-8", "surrogateescape")
    return [[line[:len(line) - len(line.lstrip())], *line.split()]
            for line in text.split("\n")]


def _words(value: Any) -> str:
    return " ".join(_words(v) for v in value) if isinstance(value, list) else str(value)


def _line_text(line: Any) -> str:
    if isinstance(line, list) and line and isinstance(line[0], str) and not line[0].strip():
        return line[0] + _words(line[1:])
    return _words(line)


def _serialise(data: Any, form: str) -> bytes:
    if form == "lines":
        text = "\n".join(_line_text(line) for line in data) if isinstance(data, list) \
            else str(data)
    elif form == "stream":
        text = yaml.dump_all(data if isinstance(data, list) else [data], Dumper=_Dumper,
                             allow_unicode=True, sort_keys=False)
    else:
        text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
    return text.encode("utf-8", "surrogateescape")


def _mutated(seed: Seed, rng: random.Random, case: Case) -> bytes:
    """The seed's bytes after a bytes mutation, or after structural ones and perhaps a
    reference to something odd."""
    raw = seed.path.read_bytes()
    if rng.random() < 0.2:
        return _mutate_bytes(raw, rng, case)
    data = _parse(raw, case)
    for _ in range(rng.randint(1, 4)):
        data = _mutate_data(data, rng, case)
    if rng.random() < 0.3:
        _reference(data, rng, case)
    try:
        return _serialise(data, case.form)
    except (yaml.YAMLError, UnicodeEncodeError, RecursionError):
        case.mutations.append("unserialisable")
        return raw


def make_case(number: int, seeds: dict[str, list[Seed]], root: Path, rng: random.Random,
              dindcheck: list[str], environ: dict[str, str], live: bool = True) -> Case:
    """A case from a seed of a random kind (or, one in eight, an audit when ``live``)."""
    folder = root / f"case-{number:05d}"
    folder.mkdir()
    case = Case(number, folder, [], dict(environ))
    case.fmt = rng.choice(FORMATS)
    if live and RECORDED_ENGINE.is_file() and (rng.random() < 0.125 or not seeds):
        return _audit_case(case, rng, dindcheck)
    seed = rng.choice(seeds[rng.choice(sorted(seeds))])
    case.kind, case.main = seed.kind, seed.name
    case.mutations.append(f"seed={seed.path.name}")
    if case.kind == "kubernetes" and rng.random() < 0.15:
        return _stdin_case(case, seed, rng, dindcheck)
    # A file named on the command line, as pre-commit names a changed file (compose cases
    # lint the folder, as they always have, some reading outside it).
    case.explicit = case.kind != "compose" and rng.random() < 0.25
    if case.kind == "compose" and rng.random() < 0.3:
        case.options.append("--allow-outside")
    raw = _mutated(seed, rng, case)
    (folder / case.main).parent.mkdir(parents=True, exist_ok=True)
    (folder / case.main).write_bytes(raw)
    for env_file in (seed.path.parent / ".env",):
        if case.kind == "compose" and env_file.is_file():
            shutil.copy(env_file, folder / ".env")
    if rng.random() < 0.08:
        _special_tree(folder, rng, case)
    if case.kind == "gitlab-ci" and rng.random() < 0.35:
        _runner_config(case, rng)
    if rng.random() < 0.15:
        _hostile_config(case, rng)
    case.argv = [*dindcheck, "lint", case.main if case.explicit else ".", *case.options,
                 "--format", case.fmt]
    return case


def _stdin_case(case: Case, seed: Seed, rng: random.Random, dindcheck: list[str]) -> Case:
    """A manifest (or a List, or hostile bytes) piped to ``dindcheck lint -``."""
    form = rng.choice(["seed", "seed", "seed", "list", "zeros", "utf8", "empty"])
    case.mutations.append(f"stdin-{form}")
    if form == "seed":
        case.stdin = _mutated(seed, rng, case)
    elif form == "list":
        case.stdin = json.dumps(_pod_list(rng.choice([100, 5000]))).encode()
    elif form == "zeros":
        case.stdin = b"\x00" * rng.choice([1, 1_000_000])
        case.must_fail = "NUL bytes on standard input"
    elif form == "utf8":
        case.stdin = b"\xff\xfe" + seed.path.read_bytes()
        case.must_fail = "invalid UTF-8 on standard input"
    else:
        case.stdin = b""
        case.must_fail = "nothing on standard input"
    case.argv = [*dindcheck, "lint", "-", "--format", case.fmt]
    return case


# -- a fake engine -------------------------------------------------------------------------


class _UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class FakeEngine:
    """An HTTP server on a unix socket that answers what the audit asks, oddly."""

    def __init__(self, path: Path, answers: dict[str, Any], raw: dict[str, bytes]) -> None:
        self.answers = answers
        self.raw = raw
        engine = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_GET(self) -> None:
                engine.answer(self)

            do_POST = do_GET

        self.server = _UnixHTTPServer(str(path), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        key = next((k for k in ("/version", "/info", "/containers/json", "/top", "/json")
                    if path.endswith(k)), None)
        if key == "/json":
            key = path.rsplit("/", 2)[-2]  # a container id
        body = self.raw.get(key or "") or json.dumps(self.answers.get(key or "", {}),
                                                     default=str).encode()
        handler.send_response(200 if key else 404)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        with contextlib.suppress(OSError):
            handler.wfile.write(body)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _audit_case(case: Case, rng: random.Random, dindcheck: list[str]) -> Case:
    case.kind = "live"
    recorded = json.loads(RECORDED_ENGINE.read_text())
    containers = [c["inspect"] for c in recorded["containers"]]
    answers: dict[str, Any] = {"/version": recorded["version"], "/info": recorded["info"],
                               "/containers/json": [{"Id": c.get("Id"), "Names": [
                                   c.get("Name", "")]} for c in containers],
                               "/top": {"Titles": ["PID", "CMD"], "Processes": []}}
    for inspect in containers:
        answers[str(inspect.get("Id"))] = inspect
    raw: dict[str, bytes] = {}
    for _ in range(rng.randint(1, 5)):
        form = rng.choice(["swap", "swap", "secret", "name", "raw", "delete"])
        case.mutations.append(f"engine-{form}")
        key = rng.choice(list(answers))
        target = answers[key]
        paths = [p for p in _paths(target) if p]
        if form == "swap" and paths:
            path = rng.choice(paths)
            _get(target, path[:-1])[path[-1]] = _odd_value(rng)
        elif form == "delete" and paths:
            path = rng.choice(paths)
            del _get(target, path[:-1])[path[-1]]
        elif form == "secret" and containers:
            secret = _secret(rng)
            case.secrets.add(secret)
            inspect = rng.choice(containers)
            config = inspect.setdefault("Config", {}) if isinstance(inspect, dict) else {}
            if isinstance(config, dict):
                config["Env"] = [f"DOCKER_HOST=tcp://u:{secret}@h:2375",
                                 f"CI_JOB_TOKEN={secret}", f"DOCKER_OPTS=--password {secret}"]
                config["Cmd"] = ["dockerd", f"--registry-mirror=https://u:{secret}@m",
                                 "--password", secret]
            if isinstance(inspect, dict):
                inspect["Args"] = ["--label", f"token={secret}", "PASS" * 1000]
        elif form == "name" and containers:
            inspect = rng.choice(containers)
            if isinstance(inspect, dict):
                inspect["Name"] = "/" + rng.choice(FORGED)
        elif form == "raw":
            raw[key] = rng.choice([b"", b"{", b"null", b"[]", b"\xff\xfe", b"1e400",
                                   b'{"a":' * 5000, b"9" * 5000])
    socket_path = case.folder / "engine.sock"
    case.server = FakeEngine(socket_path, answers, raw)
    case.argv = [*dindcheck, "audit", "-H", f"unix://{socket_path}", "--no-exec",
                 "--timeout", "5", "--format", case.fmt]
    if rng.random() < 0.2:
        case.argv += ["-H", f"unix://{case.folder}/gone.sock"]
        case.must_fail = "an engine that is not there"
    return case


# -- running and judging -------------------------------------------------------------------


@dataclass
class Outcome:
    case: Case
    code: int | None
    seconds: float
    stdout: bytes
    stderr: bytes
    problems: list[tuple[str, str]]  # (kind, place)


_INTERNAL = re.compile(rb"internal error: (\w+).*? at (dindcheck/[\w/]+\.py):(\d+)")
_FRAME = re.compile(rb'File "[^"]*?/(dindcheck/[\w/]+\.py)", line (\d+)')


def judge(case: Case, code: int | None, seconds: float, out: bytes, err: bytes,
          timeout: float) -> Outcome:
    problems: list[tuple[str, str]] = []
    if code is None:
        odd = [m for m in case.mutations
               if m.startswith(("special-", "graph-", "envfile", "engine-raw", "config-",
                                "ref-", "runner-", "stdin-", "bytes-"))]
        problems.append(("hang", f"{case.kind}: over {timeout:g} s with "
                                 f"{'+'.join(odd) or 'no odd file'}"))
    else:
        internal = _INTERNAL.search(err)
        if internal:
            problems.append(("traceback", f"{internal.group(1).decode()} at "
                             f"{internal.group(2).decode()}:{internal.group(3).decode()}"))
        elif b"Traceback" in err or code not in (0, 1, 2, 3):
            frames = _FRAME.findall(err)
            last = err.strip().splitlines()[-1:] or [b"?"]
            place = (f"{frames[-1][0].decode()}:{frames[-1][1].decode()}" if frames else "?")
            problems.append(("traceback", f"{last[0][:80].decode(errors='replace')} at "
                             f"{place}"))
        if case.must_fail and code in (0, 1):
            problems.append(("fail-open", case.must_fail))
    for secret in sorted(case.secrets):
        if secret.encode() in out or secret.encode() in err:
            planted = [m for m in case.mutations if m.startswith(("secret-", "engine-"))]
            problems.append(("secret", f"{case.kind}: {'+'.join(planted) or 'planted secret'}"))
    if OUT_OF_TREE.encode() in out + err:
        problems.append(("secret", "out-of-tree content (/etc/passwd)"))
    if case.fmt in ("text", "github") and re.search(rb"[\x1b\x07\r]", out):
        problems.append(("control", f"control character in {case.fmt} output"))
    return Outcome(case, code, seconds, out, err, problems)


def run_case(case: Case, timeout: float) -> Outcome:
    start = time.perf_counter()
    try:
        stdin: dict[str, Any] = ({"input": case.stdin} if case.stdin is not None
                                 else {"stdin": subprocess.DEVNULL})
        proc = subprocess.run(case.argv, cwd=case.folder, env=case.env, capture_output=True,
                              timeout=timeout, check=False, **stdin)
        code: int | None = proc.returncode
        out, err = proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        code, out, err = None, exc.stdout or b"", exc.stderr or b""
    finally:
        if case.server is not None:
            case.server.close()
    return judge(case, code, time.perf_counter() - start, out, err, timeout)


def _dindcheck_command() -> list[str]:
    beside = Path(sys.executable).with_name("dindcheck")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("dindcheck")
    return [found] if found else [sys.executable, "-m", "dindcheck"]


@dataclass
class Summary:
    cases: int = 0
    inputs: Counter[str] = field(default_factory=Counter)  # cases per kind of input
    kinds: Counter[str] = field(default_factory=Counter)
    places: Counter[tuple[str, str]] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    longest: float = 0.0
    longest_case: str = ""
    longest_what: str = ""  # its kind, mutations and command line
    longest_finished: float = 0.0  # the longest case that ended within the bound
    saved: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, outcome: Outcome, out_dir: Path) -> None:
        self.cases += 1
        case = outcome.case
        self.inputs[case.kind + (" (stdin)" if case.stdin is not None else "")] += 1
        self.codes[str(outcome.code)] += 1
        if outcome.seconds > self.longest:
            self.longest = outcome.seconds
            self.longest_case = outcome.case.folder.name
            self.longest_what = (f"{case.kind}: {', '.join(case.mutations)}; "
                                 f"{' '.join(case.argv[1:])}")
        if outcome.code is not None:
            self.longest_finished = max(self.longest_finished, outcome.seconds)
        for kind, place in outcome.problems:
            self.kinds[kind] += 1
            self.places[(kind, place)] += 1
            if (kind, place) not in self.saved:
                self.saved[(kind, place)] = _save(outcome, out_dir)

    def as_json(self) -> dict[str, Any]:
        return {"cases": self.cases, "cases_per_kind": dict(sorted(self.inputs.items())),
                "problems": dict(self.kinds),
                "exit_codes": dict(self.codes), "longest_seconds": round(self.longest, 2),
                "longest_case": self.longest_case, "longest_what": self.longest_what,
                "longest_finished_seconds": round(self.longest_finished, 2),
                "distinct": [{"kind": k, "place": p, "count": n, "repro": self.saved[(k, p)]}
                             for (k, p), n in self.places.most_common()]}


def _copy_keeping_fifos(source: str, target: str) -> None:
    if stat.S_ISFIFO(os.lstat(source).st_mode):
        os.mkfifo(target)
    else:
        shutil.copy2(source, target)


def _save(outcome: Outcome, out_dir: Path) -> str:
    case = outcome.case
    target = out_dir / case.folder.name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(case.folder, target, symlinks=True, copy_function=_copy_keeping_fifos,
                    ignore=shutil.ignore_patterns("*.sock"))
    command = " ".join(case.argv[len(_dindcheck_command()):])
    if case.stdin is not None:
        (target / "stdin.bin").write_bytes(case.stdin)
        command += " < stdin.bin"
    (target / "REPRO.txt").write_text(
        f"mutations: {', '.join(case.mutations)}\n"
        f"command (from this folder): {command}\n"
        f"exit code: {outcome.code} after {outcome.seconds:.1f} s\n"
        f"problems: {outcome.problems}\n--- stderr ---\n"
        + outcome.stderr[-4000:].decode(errors="replace"))
    return str(target)


def fuzz(cases: int, seed: int, timeout: float, jobs: int, out_dir: Path,
         progress: Callable[[Summary], None] | None = None,
         kinds: tuple[str, ...] = KINDS, budget: float | None = None) -> Summary:
    """Run ``cases`` cases; with a ``budget`` (seconds), start no case after it is spent
    (the cases started still finish and count)."""
    rng = random.Random(seed)
    stop = time.monotonic() + budget if budget is not None else None
    seeds = _seeds(tuple(k for k in kinds if k in SEED_FOLDERS))
    live = "live" in kinds
    if not seeds and not live:
        raise SystemExit("no seed files: examples/ and ../shared/corpus are missing")
    dindcheck = _dindcheck_command()
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("DOCKER_", "DINDCHECK_"))}
    environ["NO_COLOR"] = "1"
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = Summary()
    with tempfile.TemporaryDirectory(prefix="dindcheck-fuzz-") as tmp, \
            concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        root = Path(tmp)
        pending: set[concurrent.futures.Future[Outcome]] = set()
        for number in range(cases):
            if stop is not None and time.monotonic() > stop:
                break
            case = make_case(number, seeds, root, random.Random(rng.random()), dindcheck,
                             environ, live)
            pending.add(pool.submit(run_case, case, timeout))
            if len(pending) >= jobs * 2:
                done, pending = concurrent.futures.wait(
                    pending, return_when=concurrent.futures.FIRST_COMPLETED)
                for future in done:
                    outcome = future.result()
                    summary.add(outcome, out_dir)
                    shutil.rmtree(outcome.case.folder, ignore_errors=True)
                    if progress is not None and summary.cases % 500 == 0:
                        progress(summary)
        for future in concurrent.futures.as_completed(pending):
            outcome = future.result()
            summary.add(outcome, out_dir)
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=20.0,
                        help="seconds a case may take before it counts as a hang")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=Path("fuzz-out"))
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help="the kinds of input to fuzz (comma-separated; live: audits)")
    parser.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                        help="start no case after this many seconds (the summary says how "
                             "many ran); summary.json is also written every 500 cases")
    args = parser.parse_args()
    kinds = tuple(k for k in args.kinds.split(",") if k)
    if not set(kinds) <= set(KINDS):
        parser.error(f"--kinds: choose from {', '.join(KINDS)}")
    socket.setdefaulttimeout(args.timeout)

    def progress(summary: Summary) -> None:
        print(f"{summary.cases} cases: {dict(summary.kinds) or 'no problem'}", flush=True)
        (args.out / "summary.json").write_text(json.dumps(summary.as_json(), indent=2) + "\n")

    summary = fuzz(args.cases, args.seed, args.timeout, args.jobs, args.out, progress, kinds,
                   args.budget)
    report = summary.as_json()
    (args.out / "summary.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 1 if summary.kinds else 0


if __name__ == "__main__":
    sys.exit(main())
