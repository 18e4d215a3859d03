"""Tune dindcheck/lint.py's process pool: where it starts to pay, and how big its chunks are.

Runs `dindcheck lint --format json DIR` as a whole process with PARALLEL_THRESHOLD and
CHUNKS_PER_WORKER overridden, variants interleaved round by round (so that load from
other processes hits them alike), and prints the median wall time of each.

    python bench/tune_parallel.py [--sizes 25,50,100,200,400] [--chunk-sizes 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from collections import defaultdict
from pathlib import Path

from _common import PYTHON, log, run_timed, table
from gen_projects import generate

WRAPPER = """
import sys
import dindcheck.lint as lint
lint.PARALLEL_THRESHOLD = int(sys.argv[1])
lint.CHUNKS_PER_WORKER = int(sys.argv[2])
from dindcheck.cli import main
sys.exit(main(sys.argv[3:]))
"""
SERIAL = 1 << 30
CHUNKS = (2, 8, 32)


def timed(folder: Path, threshold: int, chunks: int) -> float:
    cmd = [PYTHON, "-c", WRAPPER, str(threshold), str(chunks), "lint", "--format", "json",
           str(folder)]
    return run_timed(cmd).wall


def interleaved(variants: dict[str, tuple[Path, int, int]], runs: int) -> dict[str, float]:
    walls: dict[str, list[float]] = defaultdict(list)
    for args in variants.values():  # warm-up
        timed(*args)
    for _ in range(runs):
        for name, args in variants.items():
            walls[name].append(timed(*args))
    return {name: statistics.median(w) for name, w in walls.items()}


def crossover(sizes: list[int], runs: int, scratch: Path) -> str:
    rows = []
    for n in sizes:
        log(f"tune: threshold N={n}")
        folder = scratch / f"t{n}"
        generate(n, folder)
        med = interleaved({"serial": (folder, SERIAL, 8), "pool": (folder, 0, 8)}, runs)
        gain = med["serial"] / med["pool"]
        rows.append([f"{n:,}", f"{med['serial'] * 1000:.0f} ms", f"{med['pool'] * 1000:.0f} ms",
                     f"{gain:.2f}×"])
    return table(["projects", "serial", f"pool of {os.cpu_count()}", "speed-up"], rows)


def chunking(sizes: list[int], runs: int, scratch: Path) -> str:
    rows = []
    for n in sizes:
        log(f"tune: chunks N={n}")
        folder = scratch / f"c{n}"
        generate(n, folder)
        variants = {f"{c}": (folder, 0, c) for c in CHUNKS}
        variants["serial"] = (folder, SERIAL, 8)
        med = interleaved(variants, runs)
        rows.append([f"{n:,}", *(f"{med[k]:.2f} s" for k in (*map(str, CHUNKS), "serial"))])
    return table(["projects", *(f"{c} chunk(s)/worker" for c in CHUNKS), "serial"], rows)


def run(sizes: list[int], chunk_sizes: list[int], runs: int) -> str:
    with tempfile.TemporaryDirectory(prefix="dindcheck-tune-") as tmp:
        scratch = Path(tmp)
        return (crossover(sizes, runs, scratch) + "\n\n"
                + chunking(chunk_sizes, max(1, runs - 2), scratch))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="25,50,100,200,400")
    parser.add_argument("--chunk-sizes", default="1000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(run([int(s) for s in args.sizes.split(",")],
              [int(s) for s in args.chunk_sizes.split(",")], args.runs))


if __name__ == "__main__":
    main()
