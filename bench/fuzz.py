"""Fuzz the installed ``dindcheck`` with hostile inputs; count what must never happen.

Each case is a folder made from a seed (the shared compose corpus, ``../shared/corpus``,
and ``examples/``) by a few random mutations, linted by the installed command in a
subprocess with a time bound (one in eight cases instead audits a fake Docker engine on a
unix socket that answers the recorded live observation, mutated). Mutations:

* type swaps of any value (numbers past every limit, ``1e400``, unicode digits, lists for
  strings, control characters, 100 KB strings), deletions and duplications of keys;
* service names and values with forged CI commands, terminal escapes and Textual markup;
* secrets planted in ``environment``, ``DOCKER_HOST`` credentials, ``--password x`` in
  commands and healthchecks, registry mirrors with credentials, the process environment;
* ``extends``/``include``/``env_file`` graphs: cycles, self-references, missing files,
  files outside the tree (``/etc/passwd``), special files;
* special files in the tree: the compose file or ``.env`` as a FIFO, a symlink to
  ``/dev/zero``; raw bytes: truncation, NUL, invalid UTF-8, deep nesting, alias bombs;
* a hostile ``.dindcheck.yaml`` and ``--rules`` folder (mutated rules, backtracking
  patterns, recursive ``$ref``).

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

The command is looked for beside the running interpreter, then on PATH
(``--dindcheck`` overrides it). The run stops by itself: at most ``--cases`` cases, each
bounded by ``--timeout``.
"""

from __future__ import annotations

import argparse
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
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
SEED_FOLDERS = (REPO.parent / "shared" / "corpus" / "compose", REPO / "examples")
RECORDED_ENGINE = REPO / "tests" / "sources" / "live" / "data" / "scenarios.json"
FORMATS = ("text", "json", "sarif", "github")
OUT_OF_TREE = "root:x:0:0"  # the first line of /etc/passwd: must never be reported
FORGED = ("x\n::error file=README.md::forged", "t\x1b]0;pwned\x07\x1b[2J",
          "[bold]b[/bold][@click=app.quit]q", "##[add-mask]m", "r\rcarriage")


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
    if isinstance(data, dict) and isinstance(data.get("services"), dict):
        return data["services"]
    return {}


def _mutate_data(data: Any, rng: random.Random, case: Case) -> Any:
    """One structural mutation of the parsed compose data."""
    kind = rng.choice(["swap", "swap", "delete", "duplicate", "secret", "secret", "name"])
    case.mutations.append(kind)
    paths = [p for p in _paths(data) if p]
    services = _services(data)
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
    elif kind == "secret" and services:
        _plant_secret(services, rng, case)
    elif kind == "name" and services:
        name = rng.choice(list(services))
        services[rng.choice(FORGED) + name] = services.pop(name)
    return data


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
                case.must_fail = f"env_file {target}"


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
        case.must_fail = "extends of a file that is not compose (/etc/passwd)"
    elif form == "special":
        service["extends"] = {"file": rng.choice(["/dev/zero", "fifo.yaml"]), "service": "x"}
        with contextlib.suppress(FileExistsError):
            os.mkfifo(case.folder / "fifo.yaml")
        case.must_fail = "extends of a special file"
    elif form == "include-self":
        data["include"] = ["compose.yaml"]
    elif form == "include-cycle":
        data["include"] = ["other.yaml"]
        (case.folder / "other.yaml").write_text("include: [compose.yaml]\nservices: {}\n")
    else:
        data["include"] = [rng.choice(["/dev/zero", "/etc/passwd", "fifo.yaml"])]
        with contextlib.suppress(FileExistsError):
            os.mkfifo(case.folder / "fifo.yaml")
        case.must_fail = "include of a special file or /etc/passwd"
    case.mutations.append(f"graph-{form}")


def _mutate_bytes(text: bytes, rng: random.Random, case: Case) -> bytes:
    kind = rng.choice(["truncate", "nul", "utf8", "deep", "bomb", "insert", "huge-number"])
    case.mutations.append(f"bytes-{kind}")
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
        return b"services: " + b"[" * rng.choice([150, 250, 5000]) + b"\n"
    if kind == "bomb":
        lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
        lines += [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]"
                  for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
        return ("\n".join(lines) + "\nservices: {}\n").encode()
    if kind == "insert":
        at = rng.randrange(len(text) + 1)
        return text[:at] + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8))) \
            + text[at:]
    return text + f"\nx-huge: {'9' * rng.choice([400, 5000, 100_000])}\n".encode()


def _special_tree(folder: Path, rng: random.Random, case: Case) -> None:
    """Replace the compose file (or add a ``.env``) with a special file."""
    form = rng.choice(["fifo", "dev-zero", "fifo-env", "dir"])
    case.mutations.append(f"special-{form}")
    compose = folder / "compose.yaml"
    if form == "fifo":
        compose.unlink()
        os.mkfifo(compose)
        case.must_fail = "a FIFO compose file"
    elif form == "dev-zero":
        compose.unlink()
        compose.symlink_to("/dev/zero")
        case.must_fail = "a symlink to /dev/zero"
    elif form == "fifo-env":
        os.mkfifo(folder / ".env")
    else:  # a folder named compose.yaml holds no compose file: nothing unread
        compose.unlink()
        compose.mkdir()
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
    """A ``.dindcheck.yaml`` and a ``--rules`` folder, mutated."""
    config: dict[str, Any] = {}
    form = rng.choice(["size", "rules", "severity", "select", "raw"])
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
    else:
        (case.folder / ".dindcheck.yaml").write_bytes(
            rng.choice([b"\xff\xfe", b"max_file_size: [\n", b"\x00", b"- a\n- b\n", b""]))
        return
    (case.folder / ".dindcheck.yaml").write_text(json.dumps(config, default=str))


def _seeds() -> list[Path]:
    return sorted(p for folder in SEED_FOLDERS if folder.is_dir()
                  for p in folder.rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml"))


def make_case(number: int, seeds: list[Path], root: Path, rng: random.Random,
              dindcheck: list[str], environ: dict[str, str]) -> Case:
    folder = root / f"case-{number:05d}"
    folder.mkdir()
    case = Case(number, folder, [], dict(environ))
    case.fmt = rng.choice(FORMATS)
    if rng.random() < 0.125 and RECORDED_ENGINE.is_file():
        return _audit_case(case, rng, dindcheck)
    seed = rng.choice(seeds)
    case.mutations.append(f"seed={seed.name}")
    raw = seed.read_bytes()
    for env_file in (seed.parent / ".env",):
        if env_file.is_file():
            shutil.copy(env_file, folder / ".env")
    if rng.random() < 0.2:
        raw = _mutate_bytes(raw, rng, case)
    else:
        try:
            data = yaml.safe_load(raw)
        except yaml.YAMLError:
            data = None
        for _ in range(rng.randint(1, 4)):
            data = _mutate_data(data, rng, case)
        if rng.random() < 0.3:
            _add_reference(data, rng, case)
        try:
            raw = yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode(
                "utf-8", "surrogateescape")
        except (yaml.YAMLError, UnicodeEncodeError, RecursionError):
            case.mutations.append("unserialisable")
    (folder / "compose.yaml").write_bytes(raw)
    if rng.random() < 0.08:
        _special_tree(folder, rng, case)
    if rng.random() < 0.15:
        _hostile_config(case, rng)
    case.argv = [*dindcheck, "lint", ".", "--format", case.fmt]
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
               if m.startswith(("special-", "graph-", "envfile", "engine-raw", "config-"))]
        problems.append(("hang", f"over {timeout:g} s with {'+'.join(odd) or 'no odd file'}"))
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
            problems.append(("secret", "+".join(planted) or "planted secret"))
    if OUT_OF_TREE.encode() in out + err:
        problems.append(("secret", "out-of-tree content (/etc/passwd)"))
    if case.fmt in ("text", "github") and re.search(rb"[\x1b\x07\r]", out):
        problems.append(("control", f"control character in {case.fmt} output"))
    return Outcome(case, code, seconds, out, err, problems)


def run_case(case: Case, timeout: float) -> Outcome:
    start = time.perf_counter()
    try:
        proc = subprocess.run(case.argv, cwd=case.folder, env=case.env, capture_output=True,
                              timeout=timeout, stdin=subprocess.DEVNULL, check=False)
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
    kinds: Counter[str] = field(default_factory=Counter)
    places: Counter[tuple[str, str]] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    longest: float = 0.0
    longest_case: str = ""
    longest_finished: float = 0.0  # the longest case that ended within the bound
    saved: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, outcome: Outcome, out_dir: Path) -> None:
        self.cases += 1
        self.codes[str(outcome.code)] += 1
        if outcome.seconds > self.longest:
            self.longest = outcome.seconds
            self.longest_case = outcome.case.folder.name
        if outcome.code is not None:
            self.longest_finished = max(self.longest_finished, outcome.seconds)
        for kind, place in outcome.problems:
            self.kinds[kind] += 1
            self.places[(kind, place)] += 1
            if (kind, place) not in self.saved:
                self.saved[(kind, place)] = _save(outcome, out_dir)

    def as_json(self) -> dict[str, Any]:
        return {"cases": self.cases, "problems": dict(self.kinds),
                "exit_codes": dict(self.codes), "longest_seconds": round(self.longest, 2),
                "longest_case": self.longest_case,
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
    (target / "REPRO.txt").write_text(
        f"mutations: {', '.join(case.mutations)}\n"
        f"command (from this folder): {' '.join(case.argv[len(_dindcheck_command()):])}\n"
        f"exit code: {outcome.code} after {outcome.seconds:.1f} s\n"
        f"problems: {outcome.problems}\n--- stderr ---\n"
        + outcome.stderr[-4000:].decode(errors="replace"))
    return str(target)


def fuzz(cases: int, seed: int, timeout: float, jobs: int, out_dir: Path,
         progress: Callable[[Summary], None] | None = None) -> Summary:
    rng = random.Random(seed)
    seeds = _seeds()
    if not seeds:
        raise SystemExit("no seed files: examples/ and ../shared/corpus/compose are missing")
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
            case = make_case(number, seeds, root, random.Random(rng.random()), dindcheck,
                             environ)
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
    args = parser.parse_args()
    socket.setdefaulttimeout(args.timeout)

    def progress(summary: Summary) -> None:
        print(f"{summary.cases} cases: {dict(summary.kinds) or 'no problem'}", flush=True)

    summary = fuzz(args.cases, args.seed, args.timeout, args.jobs, args.out, progress)
    report = summary.as_json()
    (args.out / "summary.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 1 if summary.kinds else 0


if __name__ == "__main__":
    sys.exit(main())
