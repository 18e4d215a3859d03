"""Start-up: whole-process wall time of `dindcheck --version` and a one-file lint.

Also runs the lint path under `python -X importtime` and lists what it imports, most
expensive first. The package is byte-compiled first (as a wheel install would be), so
the numbers do not include compiling dindcheck's sources.

    python bench/startup_bench.py [--runs 15]
"""

from __future__ import annotations

import argparse
import compileall
import re
import statistics
import subprocess
from collections import defaultdict

from _common import PYTHON, ROOT, dindcheck_cmd, log, repeat, summarize, table

ONE_FILE = "examples/dind-good-tls/compose.yaml"
TARGETS = {"version": 0.100, "lint-one": 0.250}
IMPORT_PROBE = ("import io, sys; from dindcheck.cli import main; "
                f"main(['lint', '--format', 'json', '{ONE_FILE}'], stdout=io.StringIO())")
_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def precompile() -> None:
    """Write dindcheck's bytecode; the CI machine sets PYTHONDONTWRITEBYTECODE."""
    compileall.compile_dir(str(ROOT / "dindcheck"), quiet=1)


def startup(runs: int) -> tuple[str, dict[str, float]]:
    dc = dindcheck_cmd()
    cases = [
        ("python -c pass (floor)", [PYTHON, "-c", "pass"], None),
        ("python -c 'import yaml' (floor)", [PYTHON, "-c", "import yaml"], None),
        ("dindcheck --version", [*dc, "--version"], "version"),
        (f"dindcheck lint --format json {ONE_FILE}", [*dc, "lint", "--format", "json", ONE_FILE],
         "lint-one"),
        (f"dindcheck lint {ONE_FILE} (text)", [*dc, "lint", ONE_FILE], None),
    ]
    rows = []
    medians: dict[str, float] = {}
    for label, cmd, key in cases:
        log(f"startup: {label}")
        result = repeat(cmd, runs, warmup=2, cwd=ROOT)
        wall = summarize([r.wall for r in result])
        rss = statistics.median(r.maxrss_mib for r in result)
        target = ""
        if key:
            medians[key] = wall.median
            ok = "✔" if wall.median <= TARGETS[key] else "✘"
            target = f"≤ {TARGETS[key] * 1000:.0f} ms {ok}"
        rows.append([f"`{label}`", wall.ms(), f"{rss:.1f} MiB", target])
    text = table(["command", f"wall median (min–max), {runs} runs", "peak RSS", "target"], rows)
    return text, medians


def import_costs(runs: int = 5, top: int = 12) -> str:
    """Median cumulative import time of each top-level import of the lint path."""
    cumulative: dict[str, list[int]] = defaultdict(list)
    own: dict[str, list[int]] = defaultdict(list)
    for _ in range(runs):
        err = subprocess.run([PYTHON, "-X", "importtime", "-c", IMPORT_PROBE], cwd=ROOT,
                             capture_output=True, text=True, check=True).stderr
        for line in err.splitlines():
            match = _IMPORT_LINE.match(line)
            if not match:
                continue
            self_us, cum_us, indent, name = match.groups()
            own[name].append(int(self_us))
            if not indent:
                cumulative[name].append(int(cum_us))
    heavy = {"textual", "docker", "jsonschema", "rich", "requests"}
    loaded = {name.split(".")[0] for name in own}
    total = sum(statistics.median(v) for v in cumulative.values())
    rows = [[f"`{name}`", f"{statistics.median(v) / 1000:.1f} ms"]
            for name, v in sorted(cumulative.items(), key=lambda kv: -statistics.median(kv[1]))]
    by_package: dict[str, float] = defaultdict(float)
    for name, v in own.items():
        by_package[name.split(".")[0]] += statistics.median(v)
    packages = ", ".join(f"{name} {us / 1000:.1f} ms" for name, us in
                         sorted(by_package.items(), key=lambda kv: -kv[1])[:8])
    return "\n".join([
        f"Imports of `dindcheck lint --format json {ONE_FILE}` (`python -X importtime`, "
        f"median of {runs}): {len(own)} modules, {total / 1000:.0f} ms in all "
        "(importtime itself inflates this).",
        f"Heavy packages loaded: {', '.join(sorted(heavy & loaded)) or 'none'} "
        "(textual, docker, jsonschema, rich, requests must stay off this path).",
        "",
        table(["top-level import (cumulative)", "time"], rows[:top]),
        "",
        f"Own time by package: {packages}.",
    ])


def run(runs: int = 15) -> tuple[str, dict[str, float]]:
    precompile()
    text, medians = startup(runs)
    return text + "\n\n" + import_costs(), medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(run(args.runs)[0])


if __name__ == "__main__":
    main()
