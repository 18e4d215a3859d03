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

import gitlab_bench
import kubernetes_bench
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


def targets(startup: dict[str, float], m: dict[str, float]) -> str:
    def row(name: str, wanted: str, measured: str, ok: bool | None) -> list[str]:
        return [name, wanted, measured, "" if ok is None else "✔" if ok else "✘"]

    rows = [row("`dindcheck --version`", "≤ 100 ms", f"{startup['version'] * 1000:.0f} ms",
                startup["version"] <= 0.1),
            row("lint one small file", "≤ 250 ms", f"{startup['lint-one'] * 1000:.0f} ms",
                startup["lint-one"] <= 0.25)]
    if "wall_1000" in m:
        rows += [row("lint 1,000 projects", "≤ 0.5 s", f"{m['wall_1000']:.2f} s",
                     m["wall_1000"] <= 0.5),
                 row("… against the floor", "≤ 2×", f"{m['floor_ratio_1000']:.2f}×",
                     m["floor_ratio_1000"] <= 2)]
    if "peer_ratio_1000" in m:
        rows.append(row("… against the fastest peer", "≥ 5× faster",
                        f"{m['peer_ratio_1000']:.1f}× faster", m["peer_ratio_1000"] >= 5))
    if "dind_dindcheck" in m:
        rows.append(row("dind-specific findings on `examples/`", "more than any peer",
                        f"{m['dind_dindcheck']:.0f} vs {m['dind_peers']:.0f}",
                        m["dind_dindcheck"] > m["dind_peers"]))
    for key, label in (("manifests", "Kubernetes: 1,000 manifests"),
                       ("list", "Kubernetes: a 5,000-pod List on stdin")):
        if f"k8s_{key}_wall" not in m:
            continue
        if f"k8s_{key}_checkov_ratio" in m:
            ratio = m[f"k8s_{key}_checkov_ratio"]
            rows.append(row(f"{label}, against checkov", "≥ 5× faster", f"{ratio:.1f}× faster",
                            ratio >= 5))
        rows.append(row(f"{label}, against the parse floor", "≤ 2×",
                        f"{m[f'k8s_{key}_floor_ratio']:.2f}×", m[f"k8s_{key}_floor_ratio"] <= 2))
        quarter, whole = m[f"k8s_{key}_rss_quarter"], m[f"k8s_{key}_rss"]
        rows.append(row(f"{label}, memory", "flat", f"{quarter:.0f} MiB at a quarter, "
                        f"{whole:.0f} MiB at the size", None))
    if "rss_per_1000" in m:
        rows.append(row("memory flat in N", "flat",
                        f"+{m['rss_per_1000']:.0f} MiB per 1,000 projects "
                        f"({m['rss_low']:.0f} MiB at {m['n_low']:,.0f}, "
                        f"{m['rss_high']:.0f} MiB at {m['n_high']:,.0f})", False))
    return table(["target", "wanted", "measured (median)", ""], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer runs and sizes, for checking the scripts (~1 min)")
    parser.add_argument("--peer-sizes", default=None,
                        help="sizes for the peers (default 100,1000; 10000 takes minutes)")
    parser.add_argument("--peer-timeout", type=float, default=120)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--no-checkov", action="store_true",
                        help="skip checkov (the Kubernetes peer, installed with pip)")
    args = parser.parse_args()
    sizes = [100, 1000] if args.quick else [100, 1000, 10000]
    peer_sizes = [int(s) for s in (args.peer_sizes or "100,1000").split(",")]
    runs = 3 if args.quick else 5
    started = time.perf_counter()
    before = machine()
    command = "python bench/run_all.py" + (" --quick" if args.quick else "")

    startup_text, startup = startup_bench.run(runs=5 if args.quick else 12)
    with tempfile.TemporaryDirectory(prefix="dindcheck-bench-") as tmp:
        metrics: dict[str, float] = {}
        lint_text, walls, cases = lint_bench.run(sizes, runs, Path(tmp), metrics)
        peer_cases = [(c.n, c.folder, len(c.files)) for c in cases if c.n in peer_sizes]
        peers_text = peers_bench.run(peer_cases, walls, runs=1 if args.quick else 3,
                                     timeout=args.peer_timeout, metrics=metrics)
        checkov = None if args.no_checkov else kubernetes_bench.install_checkov(Path(tmp))
        # checkov takes minutes on the 5,000-pod List: run it on the manifests only here
        # (bench/kubernetes_bench.py runs it on both).
        k8s_text = kubernetes_bench.run(200 if args.quick else 1000,
                                        1000 if args.quick else 5000, runs,
                                        Path(tmp) / "kubernetes", metrics, checkov=checkov,
                                        checkov_list=False)
    tune_text = tune_parallel.run([100, 200, 400], [1000], 2 if args.quick else 4)
    gitlab_text = gitlab_bench.measure(200 if args.quick else 1000, runs, seed=7)
    profile_text = profile_lint.run(1000, top=15)

    after = machine()
    minutes = (time.perf_counter() - started) / 60
    facts = ", ".join(f"{k} {v}" for k, v in before.items() if k != "load")
    text = "\n".join([
        f"Produced by `{command}` on {datetime.date.today().isoformat()} in {minutes:.1f} min. "
        f"Machine: {facts}. Load average (1/5/15 min) {before['load']} at the start, "
        f"{after['load']} at the end: other work on the machine shows up as noise.", "",
        "### Targets", "", targets(startup, metrics), "",
        "### Start-up", "", startup_text, "",
        "### Lint throughput", "", lint_text, "",
        "### Peers", "", peers_text, "",
        "### Kubernetes", "", k8s_text, "",
        "### Process pool: threshold and chunk size", "", tune_text, "",
        "### GitLab CI pipelines", "", gitlab_text, "",
        "### Profile", "", profile_text,
    ])
    print(text)
    if not args.no_write:
        write_doc(text)
        log(f"run_all: wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
