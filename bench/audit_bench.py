"""Live audit: wall time of `dindcheck audit` against a private engine, and its floor.

Starts a private dockerd with the test harness (tests/engine_harness.py: needs root
and the Debian docker.io binaries), fills it with RUNNING busybox containers, CREATED
never-started ones and DIND running dind containers (each inner daemon answers before
anything is timed), then times, interleaved in the same rounds:

* the whole CLI process, ``dindcheck audit --format json -H URL`` (probes on and
  ``--no-exec``), and the in-process ``audit`` call (engine reads, subjects, rules);
* the FLOOR: the same engine API calls made bare through the low-level
  ``docker.APIClient`` with a thread pool of the size dindcheck uses
  (``dindcheck.sources.live.MAX_WORKERS``): ``/version`` (API negotiation),
  ``/info``, ``/version``, the listing, ``inspect`` of each container and, with probes,
  ``top`` of each running container and, for each dind container, exactly the
  exec probes dindcheck ran there (``exec_create`` + ``exec_start`` + ``exec_inspect``,
  in the same order). It runs in process and as a whole process
  (``python bench/audit_bench.py --floor-child``, which imports only ``docker``).

The engine is stopped and removed at the end.

    python bench/audit_bench.py [--running 40] [--created 0] [--dind 10] [--runs 5]
                                [--profile]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from _common import PYTHON, ROOT, dindcheck_cmd, log, machine, run_timed, summarize, table

sys.path.insert(0, str(ROOT))

# Kept equal to dindcheck.sources.live.MAX_WORKERS (checked in main(); the floor child
# must not import dindcheck).
POOL_SIZE = 8

Plan = Mapping[str, Sequence[Sequence[str]]]  # container id -> argv of each probe, in order


# --------------------------------------------------------------------------- the floor


def floor(url: str, plan: Plan, exec_probes: bool, timeout: float = 10.0) -> int:
    """The API calls of one ``dindcheck audit`` made bare; returns the number of calls."""
    import docker

    client = docker.APIClient(base_url=url, version="auto", timeout=timeout,
                              max_pool_size=POOL_SIZE + 2)  # GET /version
    try:
        client.info()
        client.version(api_version=False)
        listed = client.containers(all=True)

        def one(summary: Mapping[str, Any]) -> int:
            inspect = client.inspect_container(summary["Id"])
            calls = 1
            if not exec_probes or not (inspect.get("State") or {}).get("Running"):
                return calls
            client.top(inspect["Id"])
            calls += 1
            for argv in plan.get(inspect["Id"], ()):
                created = client.exec_create(inspect["Id"], list(argv), stdout=True,
                                             stderr=True, tty=False)
                client.exec_start(created["Id"], demux=True)
                client.exec_inspect(created["Id"])
                calls += 3
            return calls

        with ThreadPoolExecutor(max_workers=max(1, min(POOL_SIZE, len(listed)))) as pool:
            return 4 + sum(pool.map(one, listed))
    finally:
        client.close()


def floor_child(argv: Sequence[str]) -> int:
    """``--floor-child URL PLAN.json [--no-exec]``: the floor as a whole process."""
    url, plan_path = argv[0], argv[1]
    floor(url, json.loads(Path(plan_path).read_text()), "--no-exec" not in argv)
    return 0


# --------------------------------------------------------------------------- the engine


def populate(engine: Any, running: int, created: int, dind: int) -> None:
    from tests.engine_harness import (
        BUSYBOX_IMAGE,
        DIND_IMAGE,
        DIND_RUN_FLAGS,
        inner_info,
        wait_for,
    )

    for i in range(running):
        engine.docker("run", "-d", "--name", f"run-{i}", BUSYBOX_IMAGE, "sleep", "3600")
    for i in range(created):
        engine.docker("create", "--name", f"created-{i}", BUSYBOX_IMAGE, "true")
    for i in range(dind):
        engine.docker("run", "-d", "--name", f"dind-{i}", "-v", f"dind-{i}:/var/lib/docker",
                      *DIND_RUN_FLAGS, DIND_IMAGE)
    for i in range(dind):
        wait_for(lambda n=f"dind-{i}": inner_info(engine, n), timeout=180, what=f"dind-{i}")


def probe_plan(url: str) -> dict[str, list[list[str]]]:
    """The probes dindcheck runs in each container, read from one observation."""
    from dindcheck.sources.live.endpoints import resolve
    from dindcheck.sources.live.engine import connect, observe_engine

    client = connect(resolve(url, {}, None), 10.0)
    try:
        observation, _ = observe_engine(client, url, exec_probes=True)
    finally:
        client.close()
    return {str(c.inspect["Id"]): [list(p.argv) for p in c.probes.values()]
            for c in observation.containers if c.probes}


def in_process(url: str, exec_probes: bool) -> float:
    from dindcheck.audit import audit
    from dindcheck.catalogue import load_catalogue

    rules = load_catalogue()
    started = time.perf_counter()
    report = audit([url], rules, exec_probes=exec_probes)
    wall = time.perf_counter() - started
    if report.errors or not report.targets:
        raise SystemExit(f"audit failed: {report.errors}")
    return wall


def profile(url: str, top: int = 25) -> None:
    """cProfile of one in-process audit with probes, in every thread (stderr)."""
    import cProfile
    import io
    import pstats
    import threading

    from dindcheck.audit import audit
    from dindcheck.catalogue import load_catalogue

    profilers: list[cProfile.Profile] = []
    lock = threading.Lock()

    def start(*_: Any) -> None:  # first event in each new thread: profile that thread
        threading.setprofile(None)
        sys.setprofile(None)
        prof = cProfile.Profile()
        with lock:
            profilers.append(prof)
        prof.enable()
        threading.setprofile(start)

    main = cProfile.Profile()
    threading.setprofile(start)
    main.enable()
    try:
        audit([url], load_catalogue(), exec_probes=True)
    finally:
        main.disable()
        threading.setprofile(None)
        for prof in profilers:
            prof.disable()
    stats = pstats.Stats(main, stream=(out := io.StringIO()))
    for prof in profilers:
        stats.add(prof)
    for key in ("tottime", "cumulative"):
        stats.sort_stats(key).print_stats(top)
    log(out.getvalue())


# --------------------------------------------------------------------------- main


def main() -> int:
    if sys.argv[1:2] == ["--floor-child"]:
        return floor_child(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--running", type=int, default=40)
    parser.add_argument("--created", type=int, default=0)
    parser.add_argument("--dind", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile one in-process audit (to stderr)")
    args = parser.parse_args()

    from dindcheck.sources.live.engine import MAX_WORKERS
    from tests.engine_harness import build_images, start_engine

    assert MAX_WORKERS == POOL_SIZE, f"dindcheck's pool is now {MAX_WORKERS}: update POOL_SIZE"
    engine = start_engine()
    plan_file = tempfile.NamedTemporaryFile("w", suffix=".plan.json", delete=False)  # noqa: SIM115
    try:
        log(f"engine {engine.url}; importing images")
        build_images(engine)
        log(f"populating: {args.running} running, {args.created} created, {args.dind} dind")
        started = time.perf_counter()
        populate(engine, args.running, args.created, args.dind)
        log(f"populated and inner daemons up in {time.perf_counter() - started:.0f} s")
        plan = probe_plan(engine.url)
        json.dump(plan, plan_file)
        plan_file.close()
        execs = sum(len(p) for p in plan.values())
        log(f"dindcheck probes {len(plan)} containers with {execs} execs")
        if len(plan) != args.dind:
            raise SystemExit(f"expected {args.dind} probed dind containers, got {len(plan)}")
        calls = {mode: floor(engine.url, plan, mode) for mode in (True, False)}

        cli = [*dindcheck_cmd(), "audit", "--format", "json", "-H", engine.url,
               "--fail-on", "never"]
        child = [PYTHON, str(Path(__file__).resolve()), "--floor-child", engine.url,
                 plan_file.name]

        def process(cmd: list[str]) -> Callable[[], tuple[float, float]]:
            def run() -> tuple[float, float]:
                result = run_timed(cmd, cwd=ROOT, timeout=300)
                if result.rc != 0:
                    raise SystemExit(f"{cmd} exited {result.rc}")
                return result.wall, result.maxrss_mib
            return run

        def here(call: Callable[[], object]) -> Callable[[], tuple[float, float]]:
            def run() -> tuple[float, float]:
                started = time.perf_counter()
                call()
                return time.perf_counter() - started, 0.0
            return run

        url = engine.url
        cases: dict[tuple[str, str], Callable[[], tuple[float, float]]] = {}
        for mode, flag in (("probes on", []), ("--no-exec", ["--no-exec"])):
            exec_on = not flag
            cases[("dindcheck audit (process)", mode)] = process([*cli, *flag])
            cases[("floor (process)", mode)] = process([*child, *flag])
            cases[("audit (in process)", mode)] = here(
                lambda e=exec_on: in_process(url, e))
            cases[("floor (in process)", mode)] = here(
                lambda e=exec_on: floor(url, plan, e))
        walls: dict[tuple[str, str], list[float]] = {key: [] for key in cases}
        rss: dict[tuple[str, str], float] = dict.fromkeys(cases, 0.0)
        keys = list(cases)
        for round_ in range(args.runs + 1):  # round 0 warms up and is discarded
            log(f"round {round_}/{args.runs}")
            order = keys[round_ % len(keys):] + keys[:round_ % len(keys)]
            for key in order:
                wall, peak = cases[key]()
                if round_:
                    walls[key].append(wall)
                    rss[key] = max(rss[key], peak)
        if args.profile:
            profile(url)
    finally:
        engine.stop()
        Path(plan_file.name).unlink(missing_ok=True)

    facts = machine()
    print(f"{args.running + args.created + args.dind} containers ({args.running} running "
          f"busybox, {args.created} created, {args.dind} running dind); dindcheck ran "
          f"{execs} exec probes in {len(plan)} dind containers; floor: "
          f"{calls[True]} API calls with probes, {calls[False]} with --no-exec; "
          f"pool {POOL_SIZE} threads; {args.runs} interleaved rounds after 1 warm-up; "
          f"{facts['nproc']} CPU {facts['cpu']}, {facts['ram']} RAM, "
          f"Python {facts['python']}, load {facts['load']}\n")
    rows = []
    for mode in ("probes on", "--no-exec"):
        for what in ("dindcheck audit (process)", "floor (process)",
                     "audit (in process)", "floor (in process)"):
            key = (what, mode)
            peak = f"{rss[key]:.0f} MiB" if rss[key] else ""
            rows.append([what, mode, summarize(walls[key]).s(), peak])
    print(table(["what", "mode", "wall median (min–max)", "peak RSS"], rows))
    print()
    ratios = []
    for mode in ("probes on", "--no-exec"):
        for kind in ("process", "in process"):
            ours = walls[(f"dindcheck audit ({kind})" if kind == "process"
                          else "audit (in process)", mode)]
            base = walls[(f"floor ({kind})", mode)]
            ratio = statistics.median(ours) / statistics.median(base)
            ratios.append([f"{mode}, {kind}", f"{ratio:.2f}×",
                           "✔" if ratio <= 1.3 else "✘ (target ≤ 1.3×)"])
    print(table(["dindcheck / floor (medians)", "ratio", "≤ 1.3×"], ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
