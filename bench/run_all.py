"""Run every benchmark, print the results as markdown and write them into docs/benchmarks.md.

The results go between the BEGIN/END markers of docs/benchmarks.md; the text around
them (how to read the numbers) is left alone. A full run takes about five minutes
on a 2-core machine.

    python bench/run_all.py [--quick] [--peer-sizes 100,1000] [--no-write]
"""

from __future__ import annotations

import argparse
import datetime
import sys
import tempfile
import time
from pathlib import Path

import lint_bench
import peers_bench
import profile_lint
import startup_bench
import tune_parallel
from _common import ROOT, log, machine, table

DOC = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- BEGIN bench/run_all.py output -->"
END = "<!-- END bench/run_all.py output -->"


def write_doc(text: str) -> None:
    doc = DOC.read_text() if DOC.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in doc or END not in doc:
        doc = doc.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    head, rest = doc.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")


def targets(startup: dict[str, float], walls: dict[int, float], lint_text: str) -> str:
    ok = {True: "✔", False: "✘"}
    rows = [["`dindcheck --version`", "≤ 100 ms", f"{startup['version'] * 1000:.0f} ms",
             ok[startup["version"] <= 0.1]],
            ["lint one small file", "≤ 250 ms", f"{startup['lint-one'] * 1000:.0f} ms",
             ok[startup["lint-one"] <= 0.25]]]
    if 1000 in walls:
        rows.append(["lint 1,000 projects", "≤ 0.5 s", f"{walls[1000]:.2f} s",
                     ok[walls[1000] <= 0.5]])
    rows.append(["within 2× of the floor, ≥ 5× faster than the fastest peer at 1,000, "
                 "memory flat in N", "", "see the tables below", ""])
    return table(["target", "wanted", "measured (median)", ""], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer runs and sizes, for checking the scripts (~1 min)")
    parser.add_argument("--peer-sizes", default=None,
                        help="sizes for the peers (default 100,1000; 10000 takes minutes)")
    parser.add_argument("--peer-timeout", type=float, default=120)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    sizes = [100, 1000] if args.quick else [100, 1000, 10000]
    peer_sizes = [int(s) for s in (args.peer_sizes or "100,1000").split(",")]
    runs = 3 if args.quick else 5
    started = time.perf_counter()
    before = machine()
    command = "python bench/run_all.py" + (" --quick" if args.quick else "")

    startup_text, startup = startup_bench.run(runs=5 if args.quick else 12)
    with tempfile.TemporaryDirectory(prefix="dindcheck-bench-") as tmp:
        lint_text, walls, cases = lint_bench.run(sizes, runs, Path(tmp))
        peer_cases = [(c.n, c.folder, len(c.files)) for c in cases if c.n in peer_sizes]
        peers_text = peers_bench.run(peer_cases, walls, runs=1 if args.quick else 3,
                                     timeout=args.peer_timeout)
    tune_text = tune_parallel.run([100, 200, 400], [1000], 2 if args.quick else 4)
    profile_text = profile_lint.run(1000, top=15)

    after = machine()
    minutes = (time.perf_counter() - started) / 60
    facts = ", ".join(f"{k} {v}" for k, v in before.items() if k != "load")
    text = "\n".join([
        f"Produced by `{command}` on {datetime.date.today().isoformat()} in {minutes:.1f} min. "
        f"Machine: {facts}. Load average (1/5/15 min) {before['load']} at the start, "
        f"{after['load']} at the end: other work on the machine shows up as noise.", "",
        "### Targets", "", targets(startup, walls, lint_text), "",
        "### Start-up", "", startup_text, "",
        "### Lint throughput", "", lint_text, "",
        "### Peers", "", peers_text, "",
        "### Process pool: threshold and chunk size", "", tune_text, "",
        "### Profile", "", profile_text,
    ])
    print(text)
    if not args.no_write:
        write_doc(text)
        log(f"run_all: wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
