"""Profile the lint hot path with cProfile: N generated projects, linted and rendered as JSON.

Runs in one process (`jobs=1`) so every call is seen; the profiler slows Python code
down by roughly 2x, so read the shares, not the seconds.

    python bench/profile_lint.py [--n 1000] [--top 20] [--pstats out.prof]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import tempfile
from collections import defaultdict
from pathlib import Path

from _common import ROOT, table
from gen_projects import generate


def _where(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    path = Path(filename)
    try:
        short = str(path.relative_to(ROOT))
    except ValueError:
        parts = path.parts
        short = "/".join(parts[parts.index("site-packages") + 1:]) if "site-packages" in parts \
            else path.name
    return f"{short}:{line}({name})" if line else name


def _module(filename: str) -> str:
    path = Path(filename)
    if ROOT in path.parents:
        return str(path.relative_to(ROOT))
    if "site-packages" in path.parts:
        return path.parts[path.parts.index("site-packages") + 1]
    if filename.startswith(("~", "<")):
        return "builtins (C)"
    return f"stdlib {path.stem}"


def profile(n: int, dump: Path | None = None) -> pstats.Stats:
    from dindcheck.catalogue import load_catalogue
    from dindcheck.lint import lint
    from dindcheck.report import RenderOptions, renderer

    render = renderer("json")

    rules = load_catalogue()
    # As the CLI renders into a pipe or file: compact JSON where RenderOptions has `pretty`.
    compact = {"pretty": False} if "pretty" in RenderOptions.__dataclass_fields__ else {}
    options = RenderOptions(**compact)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory(prefix="dindcheck-profile-") as tmp:
        generate(n, Path(tmp))
        profiler = cProfile.Profile()
        profiler.enable()
        render(lint([Path(tmp)], rules, jobs=1, environ={}), options)
        profiler.disable()
    if dump:
        profiler.dump_stats(str(dump))
    return pstats.Stats(profiler, stream=io.StringIO())


def run(n: int = 1000, top: int = 20, dump: Path | None = None) -> str:
    stats = profile(n, dump)
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for _, _, tt, _, _ in raw.values())
    by_own = sorted(raw.items(), key=lambda kv: -kv[1][2])[:top]
    rows = [[f"`{_where(key)}`", f"{nc:,}", f"{tt:.3f} s", f"{tt / total:.0%}", f"{ct:.3f} s"]
            for key, (_, nc, tt, ct, _) in by_own]
    modules: dict[str, float] = defaultdict(float)
    for key, (_, _, tt, _, _) in raw.items():
        modules[_module(key[0])] += tt
    mod_rows = [[f"`{m}`", f"{t:.3f} s", f"{t / total:.0%}"]
                for m, t in sorted(modules.items(), key=lambda kv: -kv[1])[:12]]
    cumulative = [("lint (all but the report)", "lint.py", "lint"),
                  ("read YAML into PosDict/PosList", "yamlload.py", "load_text"),
                  ("PyYAML scalar construction", "constructor.py", "construct_object"),
                  ("compose model (load_project)", "compose/files.py", "load_project"),
                  ("subjects (build_subjects)", "subjects/__init__.py", "build_subjects"),
                  ("rules (evaluate)", "engine.py", "evaluate"),
                  ("findings (make_finding)", "engine.py", "make_finding"),
                  ("JSON report (write_report)", "report/__init__.py", "write_report")]
    cum_rows = []
    for label, file, func in cumulative:
        ct = max((v[3] for k, v in raw.items() if k[0].endswith(file) and k[2] == func),
                 default=0.0)
        if ct:
            cum_rows.append([label, f"`{file}:{func}`", f"{ct:.3f} s", f"{ct / total:.0%}"])
    return "\n".join([
        f"cProfile of lint + JSON render of {n:,} generated projects in one process "
        f"({total:.2f} s profiled).", "",
        table(["stage (cumulative)", "function", "time", "share"], cum_rows), "",
        table(["function (own time)", "calls", "own", "share", "cumulative"], rows), "",
        table(["module (own time)", "time", "share"], mod_rows)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--pstats", type=Path, default=None, help="also write raw stats here")
    args = parser.parse_args()
    print(run(args.n, args.top, args.pstats))


if __name__ == "__main__":
    main()
