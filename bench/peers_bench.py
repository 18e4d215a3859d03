"""Peers on the same files: compose-lint (PyPI) and dclint (npm), timed and compared.

Each peer is installed with its ordinary client into a scratch prefix (a venv for
compose-lint, `npm install --prefix` for dclint), reused by later runs; a peer that
cannot be installed is skipped with a message. compose-lint gets every project's base
file in one process (it merges the override file beside it, as dindcheck does);
dclint walks the folder itself (`-r`). A run slower than the timeout is killed, and
a size whose projected time (ten times the previous one) exceeds it is skipped.

    python bench/peers_bench.py [--sizes 100,1000] [--timeout 120] [--prefix DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from _common import ROOT, dindcheck_cmd, log, repeat, run_timed, summarize, table

DEFAULT_PREFIX = Path(tempfile.gettempdir()) / "dindcheck-bench-peers"
EXAMPLES = ROOT / "examples"
TARGET_RATIO_1000 = 5.0

# Docker-related but generic: a peer (or dindcheck) flags privileged mode, a runtime
# socket mount, the host's /var/lib/docker, or a Docker API port, without knowing
# that the service is a dind daemon. Dind-specific: about the inner daemon itself
# (its data root, storage driver, TLS, its clients, its image, its start-up).
DOCKER_GENERIC = {"CL-0001", "CL-0002", "CL-0025", "DIND007", "DIND009"}
_DOCKER_PORT = re.compile(r"\b237[56]\b")


@dataclass(frozen=True)
class Peer:
    name: str
    cmd: list[str]  # the executable (and fixed leading arguments)
    version: str


def install_compose_lint(prefix: Path) -> Peer | str:
    venv = prefix / "venv-compose-lint"
    exe = venv / "bin" / "compose-lint"
    if not exe.exists():
        log("peers: installing compose-lint into a venv")
        try:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True,
                           capture_output=True)
            subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "compose-lint"],
                           check=True, capture_output=True, timeout=600)
        except (subprocess.SubprocessError, OSError) as exc:
            return f"compose-lint skipped: pip install failed ({exc})"
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True).stdout
    return Peer("compose-lint", [str(exe)], version.strip().split()[-1])


def install_dclint(prefix: Path) -> Peer | str:
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        return "dclint skipped: node/npm not found (Debian: apt-get install nodejs npm)"
    npm_prefix = prefix / "npm"
    exe = npm_prefix / "node_modules" / ".bin" / "dclint"
    if not exe.exists():
        log("peers: installing dclint with npm")
        try:
            subprocess.run([npm, "install", "--prefix", str(npm_prefix), "dclint", "--no-audit",
                            "--no-fund"], check=True, capture_output=True, timeout=600)
        except (subprocess.SubprocessError, OSError) as exc:
            return f"dclint skipped: npm install failed ({exc})"
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True).stdout
    return Peer("dclint", [str(exe)], version.strip())


def base_files(folder: Path) -> list[str]:
    """The first file of each compose project (compose-lint merges the override itself)."""
    from dindcheck.sources import FILE_SOURCES
    from dindcheck.sources.walk import walk

    groups = walk([folder], FILE_SOURCES).groups
    return [str(files[0]) for kind, files in groups if kind == "compose"]


def peer_cmd(peer: Peer, folder: Path) -> list[str]:
    if peer.name == "compose-lint":
        return [*peer.cmd, "check", "--format", "json", *base_files(folder)]
    return [*peer.cmd, "-r", str(folder), "-f", "json", "--no-color"]


# -- findings on examples/ -------------------------------------------------------------

def _compose_lint_findings(out: str) -> list[tuple[str, str]]:
    return [(f["rule_id"], f["message"]) for f in json.loads(out)["findings"]]


def _dclint_findings(out: str) -> list[tuple[str, str]]:
    return [(m["rule"], m["message"]) for entry in json.loads(out) for m in entry["messages"]]


def _dindcheck_findings(out: str) -> list[tuple[str, str]]:
    return [(f["rule_id"], f["message"]) for f in json.loads(out)["findings"]]


def classify(findings: list[tuple[str, str]], dind_rules: bool) -> tuple[int, int]:
    """(docker-related generic, dind-specific) counts."""
    generic = dind = 0
    for rule, message in findings:
        if rule in DOCKER_GENERIC or (not dind_rules and _DOCKER_PORT.search(message)):
            generic += 1
        elif dind_rules:
            dind += 1
    return generic, dind


def examples_row(name: str, cmd: list[str],
                 parse: Callable[[str], list[tuple[str, str]]], dind_rules: bool) -> list[str]:
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    findings = parse(result.stdout)
    generic, dind = classify(findings, dind_rules)
    rules = sorted({rule for rule, _ in findings})
    return [name, str(result.returncode), str(len(findings)), str(generic), str(dind),
            ", ".join(rules)]


def examples_table(peers: list[Peer], metrics: dict[str, float]) -> str:
    files = [str(p.relative_to(ROOT)) for p in sorted(EXAMPLES.glob("*/compose.yaml"))]
    rows = [examples_row("dindcheck", [*dindcheck_cmd(), "lint", "--format", "json", "examples"],
                         _dindcheck_findings, True)]
    for peer in peers:
        if peer.name == "compose-lint":
            rows.append(examples_row(f"compose-lint {peer.version}",
                                     [*peer.cmd, "check", "--format", "json", *files],
                                     _compose_lint_findings, False))
        else:
            rows.append(examples_row(f"dclint {peer.version}",
                                     [*peer.cmd, *files, "-f", "json", "--no-color"],
                                     _dclint_findings, False))
    metrics["dind_dindcheck"] = int(rows[0][4])
    metrics["dind_peers"] = max((int(row[4]) for row in rows[1:]), default=0)
    return table(["tool", "exit", "findings", "docker-related, generic", "dind-specific",
                  "rules that fired"], rows)


# -- timing ----------------------------------------------------------------------------

def timing(peers: list[Peer], cases: list[tuple[int, Path, int]], dindcheck_walls: dict[int, float],
           runs: int, timeout: float, metrics: dict[str, float]) -> str:
    rows = []
    last: dict[str, float] = {}
    for n, folder, n_files in cases:
        row = [f"{n:,} ({n_files:,} files)", f"{dindcheck_walls[n]:.2f} s"]
        for peer in peers:
            projected = last.get(peer.name, 0.0) * 10
            if projected > timeout:
                row.append(f"skipped (~{projected:.0f} s projected > {timeout:.0f} s cap)")
                last[peer.name] = projected
                continue
            log(f"peers: {peer.name} N={n}")
            cmd = peer_cmd(peer, folder)
            first = run_timed(cmd, timeout=timeout)
            if first.timed_out:
                row.append(f"killed at {timeout:.0f} s cap")
                last[peer.name] = timeout * 10
                continue
            results = [first]
            if first.wall < 10:  # repeat the faster peer; a single run of the slow one
                results += repeat(cmd, runs - 1, warmup=0, timeout=timeout)
            wall = summarize([r.wall for r in results])
            last[peer.name] = wall.median
            ratio = wall.median / dindcheck_walls[n]
            mark = ""
            if n == 1000:
                mark = " ✔" if ratio >= TARGET_RATIO_1000 else " ✘"
                metrics["peer_ratio_1000"] = min(ratio, metrics.get("peer_ratio_1000", ratio))
            row.append(f"{wall.s()}, {first.maxrss_mib:.0f} MiB, exit {first.rc}; "
                       f"dindcheck {ratio:.1f}× faster{mark}")
        rows.append(row)
    return table(["projects", "dindcheck (from the lint table)", *(p.name for p in peers)], rows)


def install_all(prefix: Path) -> tuple[list[Peer], list[str]]:
    prefix.mkdir(parents=True, exist_ok=True)
    peers: list[Peer] = []
    skipped: list[str] = []
    for install in (install_compose_lint, install_dclint):
        result = install(prefix)
        if isinstance(result, Peer):
            peers.append(result)
        else:
            skipped.append(result)
            log(f"peers: {result}")
    return peers, skipped


def run(cases: list[tuple[int, Path, int]], dindcheck_walls: dict[int, float], *,
        runs: int = 3, timeout: float = 120, prefix: Path = DEFAULT_PREFIX,
        metrics: dict[str, float] | None = None) -> str:
    """The markdown section; key numbers go into METRICS."""
    metrics = {} if metrics is None else metrics
    peers, skipped = install_all(prefix)
    parts = [f"Peers: {', '.join(f'{p.name} {p.version}' for p in peers) or 'none'}"
             f"{'; ' + '; '.join(skipped) if skipped else ''}. Scratch prefix: `{prefix}`.",
             "", timing(peers, cases, dindcheck_walls, runs, timeout, metrics), "",
             "On `examples/` (the four example projects):", "", examples_table(peers, metrics)]
    return "\n".join(parts)


def main() -> None:
    from lint_bench import make_case, measure

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--prefix", type=Path, default=DEFAULT_PREFIX)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dindcheck-bench-") as tmp:
        cases, walls = [], {}
        for n in (int(s) for s in args.sizes.split(",")):
            case = make_case(n, Path(tmp))
            cases.append((n, case.folder, len(case.files)))
            walls[n] = measure(case, args.runs)[0].median
        print(run(cases, walls, runs=args.runs, timeout=args.timeout, prefix=args.prefix))


if __name__ == "__main__":
    main()
