"""Lint throughput: `dindcheck lint --format json DIR` on N generated projects, against a floor.

The floor is the least any YAML linter in Python must do: one process that reads the
same files and loads each with PyYAML's C loader (`yaml.load(text, Loader=CSafeLoader)`).
Both are timed as whole processes (interpreter start-up included). Peak RSS is the
largest process of the tree (the parent, in practice), from wait4's rusage.

    python bench/lint_bench.py [--sizes 100,1000,10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from _common import PYTHON, Run, Summary, dindcheck_cmd, log, repeat, run_timed, summarize, table
from gen_projects import generate

FLOOR = """
import sys, yaml
for path in open(sys.argv[1]).read().splitlines():
    with open(path, encoding="utf-8") as f:
        yaml.load(f.read(), Loader=yaml.CSafeLoader)
"""
TARGET_WALL_1000 = 0.5
TARGET_FLOOR_RATIO = 2.0


@dataclass(frozen=True)
class Case:
    n: int
    folder: Path
    files: list[Path]
    list_file: Path


def make_case(n: int, scratch: Path) -> Case:
    folder = scratch / f"projects-{n}"
    files = generate(n, folder)
    list_file = scratch / f"files-{n}.txt"
    list_file.write_text("\n".join(str(p) for p in files) + "\n")
    return Case(n, folder, files, list_file)


def runs_for(n: int, runs: int) -> int:
    return runs if n <= 1000 else min(runs, 2)


def warmups_for(n: int) -> int:
    return 1 if n <= 1000 else 0  # the files are in the page cache since generate()


def check_output(case: Case, scratch: Path) -> tuple[int, int, Run]:
    """(findings, report bytes, the `-j 1` run), after checking that every project was
    read and that the process pool (`-j 2`) reports exactly what one process does."""
    texts, runs = [], []
    for jobs in ("1", "2"):
        out = scratch / f"report-{case.n}-{jobs}.json"
        with out.open("wb") as f:
            runs.append(run_timed([*dindcheck_cmd(), "lint", "--format", "json", "-j", jobs,
                                   str(case.folder)], stdout=f.fileno()))
        texts.append(out.read_text())
        out.unlink()
    if texts[0] != texts[1]:
        sys.exit(f"lint_bench: -j 1 and -j 2 disagree on {case.n} projects")
    report = json.loads(texts[0])
    summary = report["summary"]
    if len(report["inputs"]) != case.n or summary["errors"]:
        sys.exit(f"lint_bench: expected {case.n} projects and no errors, got "
                 f"{len(report['inputs'])} and {summary['errors']}")
    return summary["total"], len(texts[0].encode()), runs[0]


def deep_size(obj: object, seen: set[int]) -> int:
    """Bytes held by OBJ and what it refers to (dicts, sequences, slotted objects)."""
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        size += sum(deep_size(k, seen) + deep_size(v, seen) for k, v in obj.items())
    elif isinstance(obj, list | tuple | set | frozenset):
        size += sum(deep_size(item, seen) for item in obj)
    else:
        for name in getattr(type(obj), "__slots__", ()):
            size += deep_size(getattr(obj, name, None), seen)
    return size


def retained(case: Case) -> str:
    """What the Report holds after linting CASE, in this process (`jobs=1`)."""
    from dindcheck.catalogue import load_catalogue
    from dindcheck.lint import lint
    from dindcheck.report.json import report_json

    rules = load_catalogue()
    report = lint([case.folder], rules, jobs=1, environ={})
    shared = {id(rule) for rule in rules}
    shared |= {id(getattr(r, name)) for r in rules for name in r.__slots__}
    mib = 1024 * 1024
    subjects = deep_size([t.subjects for t in report.targets], set(shared)) / mib
    findings = deep_size(report.findings, set(shared)) / mib
    tree = deep_size(report_json(report, "error"), set()) / mib
    per = 1000 / case.n
    return (f"Held per 1,000 projects (measured at N={case.n:,}, one process, subjects kept "
            f"as for the TUI): subjects {subjects * per:.1f} MiB, findings "
            f"{findings * per:.1f} MiB (rule texts shared, not counted); the whole report as "
            f"one JSON tree would add {tree * per:.1f} MiB.")


def measure(case: Case, runs: int, jobs: str | None = None) -> tuple[Summary, float, float]:
    cmd = [*dindcheck_cmd(), "lint", "--format", "json", str(case.folder)]
    if jobs:
        cmd += ["-j", jobs]
    result = repeat(cmd, runs_for(case.n, runs), warmup=warmups_for(case.n))
    return (summarize([r.wall for r in result]), statistics.median(r.cpu for r in result),
            statistics.median(r.maxrss_mib for r in result))


def measure_floor(case: Case, runs: int) -> tuple[Summary, float]:
    result = repeat([PYTHON, "-c", FLOOR, str(case.list_file)], runs_for(case.n, runs),
                    warmup=warmups_for(case.n))
    return summarize([r.wall for r in result]), statistics.median(r.maxrss_mib for r in result)


def run(sizes: list[int], runs: int, scratch: Path,
        metrics: dict[str, float] | None = None) -> tuple[str, dict[int, float], list[Case]]:
    """The markdown section, median walls by N, the cases; key numbers go into METRICS."""
    metrics = {} if metrics is None else metrics
    rows = []
    walls: dict[int, float] = {}
    cases = []
    rss: dict[int, float] = {}
    for n in sizes:
        log(f"lint: generating {n} projects")
        case = make_case(n, scratch)
        cases.append(case)
        findings, size, single_run = check_output(case, scratch)
        log(f"lint: N={n} dindcheck")
        wall, cpu, peak = measure(case, runs)
        singles = [single_run.wall]
        if n <= 1000:
            singles += [r.wall for r in repeat(
                [*dindcheck_cmd(), "lint", "--format", "json", "-j", "1", str(case.folder)],
                runs - 1, warmup=0)]
        single = summarize(singles)
        floor, floor_rss = measure_floor(case, runs)
        walls[n] = wall.median
        rss[n] = peak
        ratio = wall.median / floor.median
        verdict = ""
        if n == 1000:
            metrics.update(wall_1000=wall.median, floor_ratio_1000=ratio)
            verdict = f" (target ≤ {TARGET_FLOOR_RATIO:.0f}×: {'✔' if ratio <= 2 else '✘'})"
        rows.append([
            f"{n:,} ({len(case.files):,} files)", f"{findings:,} ({size / 2**20:.0f} MiB)",
            wall.s(),
            f"{len(case.files) / wall.median:,.0f}", f"{cpu:.2f} s", f"{peak:.0f} MiB",
            single.s(), f"{floor.s()}, {floor_rss:.0f} MiB", f"{ratio:.2f}×{verdict}",
        ])
    text = table(["projects", "findings (JSON size)", "dindcheck wall", "files/s", "CPU",
                  "peak RSS", "wall with `-j 1`", "floor (C loader) wall, RSS",
                  "dindcheck / floor"], rows)
    if len(rss) > 1:
        low, high = min(rss), max(rss)
        slope = (rss[high] - rss[low]) / (high - low) * 1000
        metrics.update(rss_per_1000=slope, rss_low=rss[low], rss_high=rss[high], n_low=low,
                       n_high=high)
        text += (f"\n\nPeak RSS grows by {slope:.1f} MiB per 1,000 projects "
                 f"({rss[low]:.0f} MiB at {low:,}, {rss[high]:.0f} MiB at {high:,}).")
    middle = next((c for c in cases if c.n == 1000), cases[-1])
    text += " " + retained(middle)
    return text, walls, cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dindcheck-bench-") as tmp:
        text, _, _ = run([int(s) for s in args.sizes.split(",")], args.runs, Path(tmp))
    print(text)


if __name__ == "__main__":
    main()
