"""Shell and workflow reading: N generated workflows and N scripts read into setups,
against a parse floor.

Floors: workflows, reading each file and loading its YAML with the same C loader
(``yamlload.load_file``: what any reader of a workflow must do); scripts, reading each
file and splitting it into words with the standard library's ``shlex`` (comments and
quotes, no positions, no commands). Measured in one process, best of ``--runs``; then the
wired pipeline as whole processes: ``dindcheck lint`` on the folder of workflows and on the
folder of scripts (rules and JSON report included), against the same floors run as
processes (interpreter start-up included on both sides).

    python bench/shell_bench.py [--n 1000] [--runs 5] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import shlex
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from _common import PYTHON, dindcheck_cmd, repeat, summarize

from dindcheck.sources.actions.workflow import load as load_workflow
from dindcheck.sources.shell.load import load as load_shell
from dindcheck.yamlload import load_file

DIND = ("docker:dind", "docker:27.3.1-dind", "docker:${{ matrix.docker }}-dind",
        "docker:26-dind", "docker:dind-rootless")
PLAIN = ("postgres:16", "redis:7.4", "alpine:3.20", "node:22", "python:3.12-slim")


def workflow(rng: random.Random, index: int) -> str:
    lines = [f"name: ci-{index}", "on: [push, pull_request]", "env:",
             "  REGISTRY: ghcr.io", "jobs:"]
    for job in range(rng.randint(1, 4)):
        lines += [f"  job{job}:", "    runs-on: ubuntu-latest"]
        if rng.random() < 0.3:
            lines += ["    strategy:", "      matrix:", "        docker: ['24.0', '27.3']",
                      "        os: [a, b]"]
        if rng.random() < 0.3:
            lines += ["    container:", f"      image: {rng.choice(DIND + PLAIN)}",
                      "      options: --privileged"]
        if rng.random() < 0.6:
            lines += ["    services:", "      docker:", f"        image: {rng.choice(DIND)}",
                      "        options: >-", "          --privileged",
                      "          --health-cmd \"docker info\"", "        env:",
                      f"          DOCKER_TLS_CERTDIR: {rng.choice(['/certs', ''])}",
                      "        ports:", "          - 2375:2375", "        volumes:",
                      "          - certs:/certs", "      db:",
                      f"        image: {rng.choice(PLAIN)}"]
        lines += ["    env:", "      DOCKER_HOST: tcp://localhost:2375", "    steps:",
                  "      - uses: actions/checkout@v4"]
        for step in range(rng.randint(2, 8)):
            if rng.random() < 0.4:
                lines += ["      - run: |", "          set -eux",
                          f"          docker run --rm -v \"$PWD:/src\" -w /src "
                          f"{rng.choice(PLAIN)} make test-{step}",
                          "          echo \"${{ github.sha }}\" | tee out.txt"]
            else:
                lines += [f"      - name: step {step}",
                          f"        run: make build-{step} && ./scripts/check.sh --fast"]
    return "\n".join(lines) + "\n"


def script(rng: random.Random, index: int) -> str:
    lines = ["#!/usr/bin/env bash", "set -euo pipefail", f"NAME=dind-{index}",
             'IMAGE="${IMAGE:-docker:27-dind}"', ""]
    for block in range(rng.randint(3, 12)):
        choice = rng.random()
        if choice < 0.3:
            lines += [f"docker run -d --name \"$NAME-{block}\" --privileged \\",
                      f"  -v cache-{rng.randint(0, 3)}:/var/lib/docker \\",
                      "  -e DOCKER_TLS_CERTDIR=/certs -v certs:/certs/client \\",
                      f"  -p 127.0.0.1:{2376 + block}:2376 \"$IMAGE\" --mtu 1400"]
        elif choice < 0.5:
            lines += [f'id=$(docker run -d --network container:"$NAME-0" '
                      f'{rng.choice(PLAIN)} sleep 60)',
                      'docker exec "$NAME-0" docker run --rm alpine true']
        elif choice < 0.7:
            lines += [f"for i in $(seq 1 {block}); do",
                      "  if curl -fsS \"http://localhost:$i/health\"; then echo ok; fi",
                      "done", "cat <<EOF > conf.json", '{"debug": true}', "EOF"]
        else:
            lines += ["log() { echo \"[$(date +%T)] $*\" >&2; }",
                      f"log 'step {block}: building'",
                      "make -C src all 2>&1 | tee -a build.log"]
    return "\n".join(lines) + "\n"


FLOOR_PROCESS = """
import shlex, sys
from pathlib import Path
from dindcheck.yamlload import load_file
for line in Path(sys.argv[1]).read_text().splitlines():
    if line.endswith(".yml"):
        load_file(Path(line))
    else:
        list(shlex.shlex(Path(line).read_text(encoding="utf-8"), posix=True,
                         punctuation_chars=True))
"""


def generate(root: Path, n: int, seed: int) -> tuple[list[Path], list[Path]]:
    rng = random.Random(seed)
    workflows, scripts = [], []
    for i in range(n):
        path = root / "workflows" / f"wf{i}" / ".github" / "workflows" / "ci.yml"
        path.parent.mkdir(parents=True)
        path.write_text(workflow(rng, i), encoding="utf-8")
        workflows.append(path)
        (root / "scripts").mkdir(exist_ok=True)
        path = root / "scripts" / f"sh{i}.sh"
        path.write_text(script(rng, i), encoding="utf-8")
        scripts.append(path)
    return workflows, scripts


def best(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def floor_scripts(paths: Sequence[Path]) -> None:
    for path in paths:
        list(shlex.shlex(path.read_text(encoding="utf-8"), posix=True, punctuation_chars=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        workflows, scripts = generate(Path(scratch), args.n, args.seed)
        wf_floor = best(args.runs, lambda: [load_file(p) for p in workflows])
        wf_time = best(args.runs, lambda: [load_workflow(p) for p in workflows])
        sh_floor = best(args.runs, lambda: floor_scripts(scripts))
        sh_time = best(args.runs, lambda: [load_shell(p) for p in scripts])
        wf_workloads = sum(len(load_workflow(p).workloads) for p in workflows)
        sh_workloads = sum(len(load_shell(p).workloads) for p in scripts)
        processes = {}
        for kind, paths in (("workflows", workflows), ("scripts", scripts)):
            listing = Path(scratch) / f"{kind}.txt"
            listing.write_text("\n".join(str(p) for p in paths))
            floor = repeat([PYTHON, "-c", FLOOR_PROCESS, str(listing)], args.runs)
            lint = repeat([*dindcheck_cmd(), "lint", str(Path(scratch) / kind), "--format",
                           "json", "--fail-on", "never"], args.runs)
            processes[kind] = (summarize([r.wall for r in floor]).median,
                               summarize([r.wall for r in lint]).median)
    print(f"python {sys.version.split()[0]}, n={args.n}, best of {args.runs}")
    print("| input | files | workloads | read into setups | floor | ratio |")
    print("|---|---|---|---|---|---|")
    print(f"| workflows | {args.n} | {wf_workloads} | {wf_time:.3f} s | {wf_floor:.3f} s "
          "(read + YAML C loader) | "
          f"{wf_time / wf_floor:.2f}× |")
    print(f"| scripts | {args.n} | {sh_workloads} | {sh_time:.3f} s | {sh_floor:.3f} s "
          "(read + stdlib shlex) | "
          f"{sh_time / sh_floor:.2f}× |")
    print()
    print("| whole process | dindcheck lint (median) | floor process (median) | ratio |")
    print("|---|---|---|---|")
    for kind, (floor_wall, lint_wall) in processes.items():
        print(f"| {args.n} {kind} | {lint_wall:.2f} s | {floor_wall:.2f} s | "
              f"{lint_wall / floor_wall:.2f}× |")


if __name__ == "__main__":
    main()
