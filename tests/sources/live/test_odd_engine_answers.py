"""Engine answers of the wrong shape, found by the fuzz harness's fake engine
(bench/fuzz.py): the recorded observation with one field changed. An engine is untrusted
input too: what does not fit is left out, never a crash."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from dindcheck.sources.live import engine
from dindcheck.sources.live.observation import EngineObservation
from dindcheck.sources.live.workloads import setup
from dindcheck.subjects import build_subjects
from tests.repo import run_dindcheck
from tests.sources.live.test_recorded import DATA


def _container(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["containers"][0]["inspect"][field] = value
    return change


def _network(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["containers"][0]["inspect"].setdefault("NetworkSettings", {})[field] = value
    return change


@pytest.mark.parametrize("change", [
    pytest.param(_container("State", "running"), id="State-string"),
    pytest.param(_container("Mounts", [1]), id="Mounts-of-numbers"),
    pytest.param(_network("Ports", [1]), id="Ports-list"),
    pytest.param(_network("Networks", {"n": "x"}), id="Networks-of-strings"),
])
def test_wrong_shapes_do_not_crash_the_audit(change: Callable[[dict[str, Any]], None]) -> None:
    data = copy.deepcopy(json.loads((DATA / "scenarios.json").read_text()))
    change(data)
    assert build_subjects(setup(EngineObservation.from_json(data)))


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


@pytest.fixture
def odd_engine(tmp_path: Path) -> Iterator[Callable[[dict[str, bytes]], str]]:
    """An HTTP server on a unix socket answering the Engine API's paths with given bytes
    (a body that starts with ``500 `` is sent with that status)."""
    servers: list[_Server] = []

    def start(bodies: dict[str, bytes]) -> str:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                key = next((k for k in bodies if path.endswith(k)), None)
                body = bodies[key] if key else b"{}"
                status = 500 if body.startswith(b"500 ") else 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        path = tmp_path / f"engine{len(servers)}.sock"
        server = _Server(str(path), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"unix://{path}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


VERSION = json.dumps({"Version": "27.3.1", "ApiVersion": "1.47",
                      "MinAPIVersion": "1.24"}).encode()


@pytest.mark.parametrize(("bodies", "said"), [
    pytest.param({"/info": b"{"}, "not the Engine API's JSON", id="info-not-json"),
    pytest.param({"/info": b'{"a":' * 5000 + b"1" + b"}" * 5000},
                 "not the Engine API's JSON", id="info-nested-past-reason"),
    pytest.param({"/containers/json": b"\xff\xfe"}, "not the Engine API's JSON",
                 id="list-not-utf8"),
])
def test_an_engine_that_answers_garbage_is_an_engine_problem(
        odd_engine: Callable[[dict[str, bytes]], str], bodies: dict[str, bytes],
        said: str) -> None:
    url = odd_engine({"/version": VERSION, **bodies})
    setups, problems, _ = engine.audit_endpoints([url], environ={}, exec_probes=False)
    assert setups == []
    assert [p.kind for p in problems] == ["engine"]
    assert said in problems[0].message


def test_odd_shapes_from_an_engine_are_left_out_and_said(
        odd_engine: Callable[[dict[str, bytes]], str]) -> None:
    inspect = {"Id": "c" * 64, "Name": "/dind", "Path": "dockerd-entrypoint.sh",
               "Args": [], "State": "running", "Mounts": [1, {"Type": "volume"}],
               "Config": {"Image": "docker:27-dind", "Env": ["A=1", 5]}}
    url = odd_engine({"/version": VERSION, "/info": json.dumps({"Runtimes": [1]}).encode(),
                      "/containers/json": json.dumps([{"Id": "c" * 64, "Names": 5},
                                                      {"Names": ["/no-id"]}]).encode(),
                      "/json": json.dumps(inspect).encode()})
    (found,), problems, notes = engine.audit_endpoints([url], environ={}, exec_probes=False)
    assert problems == []
    daemons = [s for s in build_subjects(found) if s["kind"] == "daemon"]
    assert [d["image"]["ref"] for d in daemons] == ["docker:27-dind"]
    text = " ".join(notes)
    assert "info had values of the wrong type" in text
    assert "entries without an id" in text
    assert "State" in text
    assert "Mounts[0]" in text


def test_a_container_the_engine_will_not_show_fails_the_audit(
        odd_engine: Callable[[dict[str, bytes]], str]) -> None:
    """An audit that could not inspect a container is not clean: exit 3, unless partial
    audits are accepted."""
    from dindcheck.cli import main

    url = odd_engine({"/version": VERSION, "/info": b"{}",
                      "/containers/json": json.dumps([{"Id": "c" * 64,
                                                       "Names": ["/x"]}]).encode(),
                      "/json": b'500 {"message": "boom"}'})
    _, problems, _ = engine.audit_endpoints([url], environ={}, exec_probes=False)
    assert [(p.kind, p.path) for p in problems] == [("engine", url)]
    assert "container x could not be inspected" in problems[0].message
    for extra, code in (([], 3), (["--allow-partial"], 0)):
        out, err = io.StringIO(), io.StringIO()
        assert main(["audit", "-H", url, "--no-exec", "--json", *extra], stdout=out,
                    stderr=err) == code
        assert json.loads(out.getvalue())["summary"]["exit_code"] == code


def test_an_engine_that_trickles_is_cut_off_by_the_deadline(tmp_path: Path) -> None:
    """A byte a second never times out a read; the audit's deadline ends it, and the
    process exits at once (no thread keeps it alive)."""
    class Slow(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            with contextlib.suppress(OSError):
                for _ in range(100_000):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.5)

    path = tmp_path / "slow.sock"
    server = _Server(str(path), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        started = time.monotonic()
        result = run_dindcheck(["audit", "-H", f"unix://{path}", "--deadline", "2",
                                "--timeout", "5", "--json"], cwd=tmp_path, timeout=60)
        elapsed = time.monotonic() - started
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 3
    assert "did not finish within 2s" in json.loads(result.stdout)["errors"][0]["message"]
    assert elapsed < 30
