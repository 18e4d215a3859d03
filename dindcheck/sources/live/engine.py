"""Audit running Docker engines, read-only, through the docker SDK.

The audit only reads: ``GET /info``, ``/version``, ``/containers/json`` and
``/containers/{id}/json``, the tail of each dind container's log
(``/containers/{id}/logs``, bounded: :mod:`dindcheck.sources.live.logs`); with probes on
also ``/containers/{id}/top`` of running containers and ``exec`` of the fixed probes of
:mod:`dindcheck.sources.live.probes` inside running dind containers. ``exec_probes=False``
turns off both (the engine records ``top`` and ``exec`` in its event stream; plain reads
leave no trace). It never creates, starts, stops, pulls or removes anything.

``docker`` is imported here and only here (lazily: this module is imported only on
the audit path). Subjects are built by :mod:`dindcheck.sources.live.observation` from
the JSON the engine returned, so recorded audits replay without an engine.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import quote

from dindcheck.model import InputProblem
from dindcheck.redact import redact_text
from dindcheck.sources.live.endpoints import Endpoint, EndpointError, resolve
from dindcheck.sources.live.inspect import container_name, is_running
from dindcheck.sources.live.logs import TAIL_LINES, log_lines, log_payload
from dindcheck.sources.live.observation import ContainerObservation, EngineObservation
from dindcheck.sources.live.probes import (
    DEFAULT_SOCKETS,
    MAX_OUTPUT,
    ProbeResult,
    parse_json_object,
    probe_argv,
)
from dindcheck.sources.live.shapes import INFO, INSPECT, SUMMARY, TOP, VERSION, conformed
from dindcheck.sources.live.workloads import container_workload, setup
from dindcheck.subjects import daemon_hosts, data_root_path, detect
from dindcheck.subjects.images import ImageFacts
from dindcheck.workload import Setup, Workload

if TYPE_CHECKING:
    from docker import APIClient

NOTE_NO_EXEC = "probes off (--no-exec): inner daemons were not inspected from inside"
MAX_WORKERS = 8
DEADLINE = 300.0  # seconds for a whole audit (--deadline)

AfterList = Callable[[list[str]], None]
_T = TypeVar("_T")


# --------------------------------------------------------------------------- public API


def audit_endpoints(endpoints: Sequence[str | None], *, exec_probes: bool = True,
                    timeout: float = 10.0, probe_timeout: float = 5.0,
                    environ: Mapping[str, str] | None = None, context: str | None = None,
                    after_list: AfterList | None = None, deadline: float = DEADLINE,
                    ) -> tuple[list[Setup], list[InputProblem], list[str]]:
    """Audit each endpoint (None: from the environment or ``context``), concurrently.

    Returns a setup per audited engine, ``InputProblem(kind="engine")`` values for what
    could not be audited (an endpoint, a container), and notes on what could not be
    seen. ``deadline`` bounds the whole audit (an engine that answers a byte a second
    never times out a single read): an endpoint not done by then is a problem.
    ``after_list`` is called with each engine's container ids right after the listing
    (tests use it to make a container vanish before it is inspected).
    """
    environ = os.environ if environ is None else environ
    problems: list[InputProblem] = []
    resolved: dict[str, Endpoint] = {}
    for endpoint in endpoints or [None]:
        try:
            spec = resolve(endpoint, environ, context)
        except EndpointError as exc:
            problems.append(InputProblem(kind="engine", message=str(exc),
                                         path=endpoint or context or "docker context"))
            continue
        resolved.setdefault(spec.url, spec)
    specs = list(resolved.values())
    outcomes = daemon_map(lambda s: _audit_endpoint(
        s, exec_probes=exec_probes, timeout=timeout, probe_timeout=probe_timeout,
        after_list=after_list), specs, MAX_WORKERS, deadline)
    setups: list[Setup] = []
    notes: list[str] = [NOTE_NO_EXEC] if not exec_probes else []
    for spec, outcome in zip(specs, outcomes, strict=True):
        if outcome is None:
            problems.append(InputProblem(kind="engine", path=spec.url, message=(
                f"the audit of {spec.url} did not finish within {deadline:g}s (--deadline)")))
            continue
        engine_setup, endpoint_problems, endpoint_notes = outcome
        problems.extend(endpoint_problems)
        if engine_setup is not None:
            setups.append(engine_setup)
        prefix = f"{spec.url}: " if len(specs) > 1 else ""
        notes.extend(prefix + note for note in endpoint_notes)
    return setups, problems, notes


def connect(spec: Endpoint, timeout: float, version: str = "auto") -> APIClient:
    """A ``docker.APIClient`` for ``spec``; with ``version="auto"`` this already talks to
    the engine (``GET /version``), so connection errors surface here."""
    import docker
    from docker.tls import TLSConfig

    tls: Any = False
    if spec.tls:
        cert = (spec.client_cert, spec.client_key) if spec.client_cert and spec.client_key \
            else None
        tls = TLSConfig(client_cert=cert, ca_cert=spec.ca_cert if spec.tls_verify else None,
                        verify=spec.tls_verify)
    # requests takes float seconds; the stubs say int.
    return docker.APIClient(base_url=spec.url, version=version,
                            timeout=timeout,  # type: ignore[arg-type]
                            tls=tls,
                            use_ssh_client=spec.url.startswith("ssh://"),
                            max_pool_size=MAX_WORKERS + 2)


# --------------------------------------------------------------------------- one endpoint


def _audit_endpoint(spec: Endpoint, *, exec_probes: bool, timeout: float,
                    probe_timeout: float, after_list: AfterList | None,
                    ) -> tuple[Setup | None, list[InputProblem], list[str]]:
    client = probe_client = None
    try:
        client = connect(spec, timeout)
        if exec_probes:
            probe_client = connect(spec, probe_timeout, version=client.api_version)
        observation, notes = observe_engine(client, spec.url, exec_probes=exec_probes,
                                            probe_client=probe_client,
                                            probe_timeout=probe_timeout, endpoint_tls=spec.tls,
                                            after_list=after_list)
    except _engine_errors() as exc:
        message = describe_failure(exc, spec, timeout)
        return None, [InputProblem(kind="engine", path=spec.url, message=message)], []
    finally:
        for open_client in (client, probe_client):
            if open_client is not None:
                open_client.close()
    unread = [InputProblem(kind="engine", path=spec.url, message=m) for m in observation.unread]
    return setup(observation), unread, notes


def _engine_errors() -> tuple[type[BaseException], ...]:
    """What talking to an engine may raise: SDK, HTTP and socket errors."""
    import requests
    from docker.errors import DockerException

    # ValueError: an answer that is not JSON; RecursionError: JSON nested past reason.
    return (DockerException, requests.exceptions.RequestException, OSError, ValueError,
            RecursionError)


@dataclass(slots=True)
class _Context:
    client: APIClient
    probe_client: APIClient
    exec_probes: bool
    probe_timeout: float


def observe_engine(client: APIClient, endpoint: str, *, exec_probes: bool = True,
                   probe_client: APIClient | None = None, probe_timeout: float = 5.0,
                   endpoint_tls: bool = False, after_list: AfterList | None = None,
                   ) -> tuple[EngineObservation, list[str]]:
    """Read everything the audit needs from one engine (the I/O half of the audit).

    Every answer is put in the shape the audit reads (:mod:`.shapes`); what did not fit
    is said in the notes.
    """
    notes: list[str] = []
    info = _shaped(notes, "info", client.info(), INFO)
    version = _shaped(notes, "version", client.version(api_version=False), VERSION)
    answer = client.containers(all=True)
    listed = [c for c in (_shaped(notes, "the container list", s, SUMMARY)
                          for s in (answer if isinstance(answer, list) else []))
              if isinstance(c.get("Id"), str)]
    if not isinstance(answer, list) or len(listed) < len(answer):
        notes.append("the engine's container list had entries without an id: left out")
    ids = [str(c["Id"]) for c in listed]
    if after_list is not None:
        after_list(ids)
    ctx = _Context(client=client, probe_client=probe_client or client, exec_probes=exec_probes,
                   probe_timeout=probe_timeout)
    results = [r for r in daemon_map(lambda c: _observe_container(ctx, c), listed,
                                     MAX_WORKERS, None) if r is not None]
    containers = [obs for obs, _, _ in results if obs is not None]
    notes += [note for _, container_notes, _ in results for note in container_notes]
    unread = [failure for _, _, failure in results if failure is not None]
    observation = EngineObservation(endpoint=endpoint, info=info, version=version,
                                    client_api_version=str(client.api_version),
                                    containers=containers, exec_probes=exec_probes,
                                    endpoint_tls=endpoint_tls, unread=unread)
    return observation, notes


def _shaped(notes: list[str], what: str, answer: Any, shape: Any) -> dict[str, Any]:
    """``answer`` in ``shape``; a note names what was left out."""
    kept, dropped = conformed(answer, shape)
    if dropped:
        shown = ", ".join(dropped[:5]) + (f" and {len(dropped) - 5} more"
                                          if len(dropped) > 5 else "")
        notes.append(f"{what} had values of the wrong type, left out: {shown}")
    return kept


def _summary_name(summary: Mapping[str, Any]) -> str:
    names = summary.get("Names") or []
    return str(names[0]).lstrip("/") if names else str(summary.get("Id", ""))[:12]


def _observe_container(ctx: _Context, summary: Mapping[str, Any],
                       ) -> tuple[ContainerObservation | None, list[str], str | None]:
    """The container's observation, notes, and why it could not be read (None: it was,
    or it vanished, which is no failure)."""
    from docker.errors import APIError, NotFound

    name = _summary_name(summary)
    failures: tuple[type[BaseException], ...] = (APIError, *_engine_errors())
    shape_notes: list[str] = []
    try:
        inspect = _shaped(shape_notes, f"the inspect of container {name}",
                          ctx.client.inspect_container(summary["Id"]), INSPECT)
    except NotFound:
        return None, [f"container {name} vanished during the audit"], None
    except failures as exc:
        return None, [], f"container {name} could not be inspected: {_one_line(exc)}"
    inspect.setdefault("Id", summary["Id"])
    obs = ContainerObservation(inspect=inspect, notes=shape_notes)
    if is_running(inspect) and ctx.exec_probes:
        # `top` is a read, but the engine logs it as an event: --no-exec leaves no trace.
        obs.processes = _processes(ctx.client, inspect["Id"])
    daemon = _runs_a_daemon(obs)
    probe = ctx.exec_probes and is_running(inspect)
    if probe and daemon:
        if (inspect.get("State") or {}).get("Paused"):
            obs.notes.append(f"container {name} is paused: inner facts not read")
        else:
            _run_probes(ctx.probe_client, obs, ctx.probe_timeout)
    if daemon and (inspect.get("State") or {}).get("Status") != "created":
        obs.log = _read_log(ctx.probe_client, obs, ctx.probe_timeout)
    return obs, list(obs.notes), None


def _seen(obs: ContainerObservation) -> Workload:
    """What the observation shows so far, as a workload."""
    return container_workload("", obs, outer_root=None, exec_probes=True)


def _runs_a_daemon(obs: ContainerObservation) -> bool:
    workload = _seen(obs)
    return detect(workload, ImageFacts.of(workload)) is not None


def _unix_sockets(obs: ContainerObservation) -> list[str]:
    """The unix sockets the inner daemon listens on per its flags, then the defaults."""
    hosts = [h for h in daemon_hosts(_seen(obs)) if h.startswith("unix://")]
    return list(dict.fromkeys([*hosts, *DEFAULT_SOCKETS]))


def _processes(client: APIClient, container_id: str) -> list[str] | None:
    """The CMD column of ``GET /containers/{id}/top`` (None when it cannot be read)."""
    try:
        top, dropped = conformed(client.top(container_id), TOP)
    except _engine_errors():
        return None
    if dropped:
        return None
    titles = top.get("Titles") or []
    column = titles.index("CMD") if "CMD" in titles else len(titles) - 1
    return [str(row[column]) for row in top.get("Processes") or [] if len(row) > column]


# --------------------------------------------------------------------------- logs


def _read_log(client: APIClient, obs: ContainerObservation, timeout: float) -> list[str] | None:
    """The tail of the container's log (None, with a note, when it cannot be read): read
    within ``timeout`` seconds, bounded in bytes by :func:`logs.log_payload
    <dindcheck.sources.live.logs.log_payload>`."""
    name = container_name(obs.inspect)
    failures: tuple[type[BaseException], ...] = (TimeoutError, *_engine_errors())
    # The SDK's logs() inspects the container again to learn whether it has a TTY, and
    # fails on an answer without one: the log is read directly, framed per the inspect.
    tty = (obs.inspect.get("Config") or {}).get("Tty") is True
    container = quote(str(obs.inspect["Id"]), safe="")
    url = f"{client.base_url}/v{client.api_version}/containers/{container}/logs"

    def read() -> tuple[int, bytes]:
        response = client.get(url, params={"stdout": 1, "stderr": 1, "follow": 0,
                                           "tail": TAIL_LINES}, stream=True, timeout=timeout)
        try:
            if response.status_code != 200:
                return response.status_code, b""
            return 200, log_payload(response.iter_content(16 * 1024), multiplexed=not tty)
        finally:
            response.close()

    try:
        status, data = _within(timeout, read)
    except failures as exc:
        timed_out = any(_is_timeout(e) for e in _chain(exc))
        obs.notes.append(f"container {name}: its log was not read "
                         f"({'timed out' if timed_out else _one_line(exc)})")
        return None
    if status == 404:
        obs.notes.append(f"container {name} vanished before its log was read")
    elif status != 200:
        obs.notes.append(f"container {name}: its log cannot be read (HTTP {status})")
    else:
        return log_lines(data)
    return None


# --------------------------------------------------------------------------- probes


class _Gone(Exception):
    """The container stopped or vanished while being probed."""


def _run_probes(client: APIClient, obs: ContainerObservation, timeout: float) -> None:
    """Run the fixed probes in ``obs``'s container and store what they printed."""
    name = container_name(obs.inspect)
    cid = str(obs.inspect["Id"])
    probes = obs.probes

    def run(key: str, **params: str) -> ProbeResult:
        result = _exec(client, cid, probe_argv(key, **params), timeout)
        probes[key] = result
        if result.error == "timed out":
            obs.notes.append(f"container {name}: `{' '.join(result.argv)}` did not finish "
                             f"within the probe timeout")
        return result

    try:
        info = run("docker_info")
        socket_used = None
        if info.missing_program:
            obs.notes.append(f"container {name} has no docker CLI: inner facts not read")
        elif info.error == "timed out":
            pass  # a CLI that hangs once hangs on every socket: do not wait again
        elif not _answers(info):
            for address in _unix_sockets(obs):
                if _answers(run("docker_info_socket", socket=address)):
                    socket_used = address
                    break
        if socket_used:
            run("docker_version_socket", socket=socket_used)
        elif _answers(info):
            run("docker_version")
        answered = probes.get("docker_info_socket", info)
        inner_info = parse_json_object(answered.stdout) if _answers(answered) else None
        data_root = str((inner_info or {}).get("DockerRootDir") or data_root_path(_seen(obs)))
        stat = run("data_root_fs", data_root=data_root)
        if not stat.ok or stat.stdout.strip().upper() in ("", "UNKNOWN"):
            run("mounts")
        for key in ("mtu_uplink", "mtu_bridge", "iptables", "daemon_json"):
            run(key)
    except _Gone as gone:
        obs.notes.append(f"container {name} {gone}: probes stopped")


def _answers(result: ProbeResult) -> bool:
    info = parse_json_object(result.stdout) if result.ok else None
    return bool(info and info.get("ServerVersion"))


def _exec(client: APIClient, container_id: str, argv: list[str], timeout: float) -> ProbeResult:
    """One probe: exec create + start, then its exit code. Never raises for the probe's
    own failure; raises :class:`_Gone` when the container is no longer there."""
    from docker.errors import APIError, NotFound

    try:
        created = client.exec_create(container_id, argv, stdout=True, stderr=True, tty=False)
        out, err = _within(timeout, lambda: _read_capped(
            client.exec_start(created["Id"], stream=True, demux=True)))
        code = client.exec_inspect(created["Id"]).get("ExitCode")
    except NotFound:
        raise _Gone("vanished during the audit") from None
    except APIError as exc:
        if exc.status_code == 409:
            raise _Gone("stopped during the audit") from None
        return ProbeResult(argv=tuple(argv), exit_code=None, error=_one_line(exc))
    except _engine_errors() as exc:
        timed_out = any(_is_timeout(e) for e in _chain(exc))
        return ProbeResult(argv=tuple(argv), exit_code=None,
                           error="timed out" if timed_out else _one_line(exc))
    return ProbeResult(argv=tuple(argv), exit_code=code, stdout=_text(out),
                       stderr=_text(err))


_I = TypeVar("_I")


def daemon_map(work: Callable[[_I], _T], items: Sequence[_I], workers: int,
               deadline: float | None) -> list[_T | None]:
    """``work`` over ``items`` in at most ``workers`` daemon threads, in order; an item
    not done within ``deadline`` seconds gives None.

    Daemon threads, not a pool: a pool's threads are joined when the interpreter exits,
    so one engine that never answers would keep dindcheck from exiting (and Ctrl-C from
    ending the audit) however the deadline ran out.
    """
    results: list[_T | None] = [None] * len(items)
    errors: list[BaseException] = []
    queue = list(enumerate(items))
    lock = threading.Lock()

    def run() -> None:
        while True:
            with lock:
                if not queue:
                    return
                index, item = queue.pop(0)
            try:
                results[index] = work(item)
            except BaseException as exc:  # handed to the caller
                errors.append(exc)

    threads = [threading.Thread(target=run, name="dindcheck-audit", daemon=True)
               for _ in range(max(1, min(workers, len(items))))]
    for thread in threads:
        thread.start()
    end = None if deadline is None else time.monotonic() + deadline
    for thread in threads:
        thread.join(None if end is None else max(0.0, end - time.monotonic()))
    if errors:
        raise errors[0]
    return list(results)  # a thread past the deadline may still write into its slot


def _within(timeout: float, call: Callable[[], _T]) -> _T:
    """``call()``, or TimeoutError after ``timeout`` seconds.

    The SDK reads exec output with a poll() that has no timeout, so a probe that
    hangs would hang the audit: the call runs in a daemon thread that is left behind
    (it ends with the probe's process, or with the interpreter).
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the caller below
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="dindcheck-probe", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"timed out after {timeout:g}s")
    if "error" in outcome:
        raise outcome["error"]
    return cast(_T, outcome["value"])


def _read_capped(chunks: Any) -> tuple[bytes, bytes]:
    """A probe's stdout and stderr, read until either holds ``MAX_OUTPUT`` bytes (a probe
    that floods its output is not read whole)."""
    out, err = bytearray(), bytearray()
    for chunk_out, chunk_err in chunks:
        if chunk_out and len(out) < MAX_OUTPUT:
            out += chunk_out[:MAX_OUTPUT - len(out)]
        if chunk_err and len(err) < MAX_OUTPUT:
            err += chunk_err[:MAX_OUTPUT - len(err)]
        if len(out) >= MAX_OUTPUT or len(err) >= MAX_OUTPUT:
            break
    with contextlib.suppress(Exception):
        chunks.close()
    return bytes(out), bytes(err)


def _text(data: bytes | None) -> str:
    return (data or b"")[:MAX_OUTPUT].decode("utf-8", errors="replace")


# --------------------------------------------------------------------------- errors


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything it wraps (causes, contexts, urllib3 reasons, args)."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = [current.__cause__, current.__context__, getattr(current, "reason", None),
                   *current.args]
        stack.extend(w for w in wrapped if isinstance(w, BaseException))


def _is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, TimeoutError | socket.timeout) or "Timeout" in type(exc).__name__


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return redact_text(text[0] if text else type(exc).__name__)


def describe_failure(exc: BaseException, spec: Endpoint, timeout: float) -> str:
    """One line that says what went wrong with an endpoint and how to fix it."""
    where = spec.url + (f" (context {spec.context})" if spec.context else "")
    socket_path = spec.socket_path
    chain = list(_chain(exc))
    texts = " ".join(str(e) for e in chain)
    for error in chain:
        code = getattr(error, "errno", None)
        if isinstance(error, PermissionError) or code == errno.EACCES:
            return (f"permission denied on {socket_path or where}: add your user to the "
                    "docker group (sudo usermod -aG docker $USER, then log in again), or "
                    "point DOCKER_HOST or --host at a socket you may use (rootless Docker: "
                    "unix://$XDG_RUNTIME_DIR/docker.sock)")
        if isinstance(error, FileNotFoundError) or code == errno.ENOENT:
            return (f"no Docker engine at {where}: {socket_path or 'the socket'} does not "
                    "exist (is dockerd running? set DOCKER_HOST or --host; rootless Docker: "
                    "unix://$XDG_RUNTIME_DIR/docker.sock)")
        if isinstance(error, ConnectionRefusedError) or code == errno.ECONNREFUSED:
            return f"connection refused at {where}: no engine listens there"
    if any(isinstance(e, json.JSONDecodeError | UnicodeDecodeError | RecursionError)
           for e in chain):
        return (f"the engine at {where} answered with something that is not the Engine "
                "API's JSON (a proxy, or not a Docker engine?)")
    if any(_is_timeout(e) for e in chain):
        return (f"the engine at {where} did not answer within {timeout:g}s "
                "(hanging daemon, or a wrong address?)")
    if "HTTP request to an HTTPS server" in texts:
        return (f"{where} speaks TLS: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the "
                "folder with ca.pem, cert.pem and key.pem")
    for error in chain:
        if isinstance(error, ssl.SSLError) or type(error).__name__ in (
                "SSLError", "TLSParameterError"):
            return (f"TLS with {where} failed: {_one_line(error)} (check DOCKER_CERT_PATH "
                    "and DOCKER_TLS_VERIFY)")
        if isinstance(error, socket.gaierror):
            return f"cannot resolve the host of {where}: {_one_line(error)}"
        status = getattr(error, "status_code", None)
        if status in (401, 403):
            return f"the engine at {where} refused access: {_one_line(error)}"
    return f"cannot audit the engine at {where}: {_one_line(exc)}"
