"""Live audit: wall time of `dindcheck audit` against a private engine of known size.

Starts a private dockerd with the test harness (tests/engine_harness.py: needs root
and the Debian docker.io binaries), fills it with RUNNING busybox containers, CREATED
never-started ones and DIND running dind containers, then times the whole CLI process
with the probes on and off, and the in-process ``audit_endpoints`` call. The engine is
stopped and removed at the end.

    python bench/audit_bench.py [--running 20] [--created 80] [--dind 3] [--runs 5]
"""

from __future__ import annotations

import argparse
import sys
import time

from _common import ROOT, dindcheck_cmd, log, machine, repeat, summarize, table

sys.path.insert(0, str(ROOT))

from dindcheck.sources.live import audit_endpoints
from tests.engine_harness import (
    BUSYBOX_IMAGE,
    DIND_IMAGE,
    DIND_RUN_FLAGS,
    Engine,
    build_images,
    inner_info,
    start_engine,
    wait_for,
)


def populate(engine: Engine, running: int, created: int, dind: int) -> None:
    for i in range(running):
        engine.docker("run", "-d", "--name", f"run-{i}", BUSYBOX_IMAGE, "sleep", "3600")
    for i in range(created):
        engine.docker("create", "--name", f"created-{i}", BUSYBOX_IMAGE, "true")
    for i in range(dind):
        engine.docker("run", "-d", "--name", f"dind-{i}", "-v", f"dind-{i}:/var/lib/docker",
                      *DIND_RUN_FLAGS, DIND_IMAGE)
    for i in range(dind):
        wait_for(lambda n=f"dind-{i}": inner_info(engine, n), what=f"dind-{i}")


def in_process(url: str, runs: int, exec_probes: bool) -> list[float]:
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        targets, problems, _ = audit_endpoints([url], exec_probes=exec_probes)
        times.append(time.perf_counter() - started)
        if problems or not targets:
            raise SystemExit(f"audit failed: {problems}")
    return times[1:]  # the first run warms the caches


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--running", type=int, default=20)
    parser.add_argument("--created", type=int, default=80)
    parser.add_argument("--dind", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    engine = start_engine()
    try:
        log(f"engine {engine.url}; importing images")
        build_images(engine)
        log(f"populating: {args.running} running, {args.created} created, {args.dind} dind")
        populate(engine, args.running, args.created, args.dind)
        cli = [*dindcheck_cmd(), "audit", "-H", engine.url, "--json", "--fail-on", "never"]
        rows = []
        for label, extra in (("probes on", []), ("--no-exec", ["--no-exec"])):
            log(f"cli: {label}")
            result = repeat([*cli, *extra], args.runs, warmup=1, cwd=ROOT)
            bad = [r.rc for r in result if r.rc != 0]
            assert not bad, f"dindcheck audit exited {bad}"
            rows.append([f"`dindcheck audit --json` ({label})", summarize(
                [r.wall for r in result]).s(), f"{max(r.maxrss_mib for r in result):.0f} MiB"])
            rows.append([f"`audit_endpoints` in process ({label})", summarize(
                in_process(engine.url, args.runs, not extra)).s(), ""])
    finally:
        engine.stop()
    facts = machine()
    print(f"{args.running + args.created + args.dind} containers "
          f"({args.running} running, {args.created} created, {args.dind} dind); "
          f"{args.runs} runs; {facts['nproc']} CPU {facts['cpu']}, load {facts['load']}\n")
    print(table(["what", "wall median (min–max)", "peak RSS"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
