"""GitLab CI reading throughput: N generated pipelines read into Setups, against a floor.

Each pipeline folder holds a ``.gitlab-ci.yml`` in the shapes of GitLab's dind recipes and
the shared corpus (global variables, ``default:``, hidden templates with ``extends``,
``!reference``, anchors, services as strings and mappings, ``parallel:matrix``); about a
third include a local file, about a quarter come with a runner ``config.toml``. The
floor reads the same YAML files with PyYAML's C loader (taught ``!reference``, which any
GitLab CI reader must accept) and nothing else. Measured as whole processes (interpreter
start-up included), the same way bench/lint_bench.py does: the source alone, and the
wired pipeline, ``dindcheck lint`` on the folder of pipelines (rules and report included;
the pipelines alone, without their runner configs). A peer that reads GitLab CI, checkov
(``--framework gitlab_ci``), is timed on the same folder when ``--checkov`` names its
command (it is installed into a virtualenv of its own: it brings hundreds of packages).

    python bench/gitlab_bench.py [--n 1000] [--runs 5] [--seed 7] [--checkov PATH]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

from _common import PYTHON, dindcheck_cmd, log, machine, repeat, summarize, table

FLOOR = """
import sys, yaml
class Loader(yaml.CSafeLoader):
    pass
Loader.add_constructor("!reference", lambda loader, node: loader.construct_sequence(node))
for path in open(sys.argv[1]).read().splitlines():
    with open(path, encoding="utf-8") as f:
        yaml.load(f.read(), Loader=Loader)
"""
READ = """
import sys
from pathlib import Path
from dindcheck.sources.gitlab.workloads import load_setups
workloads = 0
for line in open(sys.argv[1]).read().splitlines():
    main, _, config = line.partition("\\t")
    for setup in load_setups(Path(main), runner_config=Path(config) if config else None):
        workloads += len(setup.workloads)
print(workloads)
"""
DIND = ("docker:dind", "docker:27-dind", "docker:28.0.4-dind", "docker:${DOCKER_VERSION}-dind",
        "registry.example.com/mirror/library/docker:27-dind")
CLIENT = ("docker:27-cli", "docker:latest", "docker:${DOCKER_VERSION}", "python:3.12")
RUNNER = """
concurrent = {concurrent}
[[runners]]
  name = "runner-{i}"
  executor = "{executor}"
  [runners.{table}]
    privileged = {privileged}
{volumes}
"""


def pipeline(rng: random.Random, i: int) -> tuple[str, str | None]:
    """The main file's text and, for some, an included file's."""
    tls = rng.random() < 0.5
    lines = ["stages: [build, test]", "variables:",
             f"  DOCKER_VERSION: \"{rng.choice(('26', '27', '28.0.4'))}\"",
             f"  DOCKER_HOST: tcp://docker:{2376 if tls else 2375}",
             f"  DOCKER_TLS_CERTDIR: \"{'/certs' if tls else ''}\""]
    if rng.random() < 0.3:
        lines += ["  DOCKER_DRIVER: overlay2"]
    lines += ["default:", f"  image: {rng.choice(CLIENT)}",
              "  before_script: [docker info]",
              ".retry: &retry", "  retry: {max: 2, when: [runner_system_failure]}",
              ".snippets:", "  wait:", "    - until docker info; do sleep 1; done",
              ".docker:", "  services:"]
    service = rng.choice(DIND)
    if rng.random() < 0.5:
        lines += [f"    - name: {service}", "      alias: docker",
                  "      variables: {HEALTHCHECK_TCP_PORT: \"2376\"}"]
    else:
        lines += [f"    - {service}"]
    included = None
    if rng.random() < 0.33:
        lines.insert(0, "include: [{local: ci/templates.yml}]")
        included = "\n".join([".lint:", "  image: python:3.12", "  script: [ruff check .]",
                              "  rules: [{if: $CI_MERGE_REQUEST_ID}]"]) + "\n"
    for j in range(rng.randint(2, 12)):
        lines += [f"job-{i}-{j}:", "  <<: *retry", "  extends: .docker" if j % 3 else
                  "  extends: [.docker]", f"  stage: {rng.choice(('build', 'test'))}",
                  "  variables:", f"    IMAGE_TAG: $CI_COMMIT_SHORT_SHA-{j}", "  script:",
                  "    - !reference [.snippets, wait]",
                  f"    - docker build -t app:$IMAGE_TAG ./c{j}",
                  "    - docker run --rm app:$IMAGE_TAG make test"]
        if j == 0 and rng.random() < 0.3:
            lines += ["  parallel:", "    matrix:", "      - DOCKER_VERSION: [\"27\", \"28\"]"]
        if included is not None and j == 1:
            lines += [f"lint-{i}:", "  extends: .lint"]
    return "\n".join(lines) + "\n", included


def runner_config(rng: random.Random, i: int) -> str:
    kubernetes = rng.random() < 0.3
    volumes = ('    volumes = ["/certs/client", "/cache"]' if not kubernetes else
               '    [[runners.kubernetes.volumes.empty_dir]]\n      name = "certs"\n'
               '      mount_path = "/certs/client"')
    return RUNNER.format(concurrent=rng.randint(1, 8), i=i,
                         executor="kubernetes" if kubernetes else "docker",
                         table="kubernetes" if kubernetes else "docker",
                         privileged=str(rng.random() < 0.8).lower(), volumes=volumes)


def generate(n: int, folder: Path, seed: int) -> tuple[list[Path], list[str]]:
    """Write N pipelines; return every YAML file (for the floor) and the read list."""
    rng = random.Random(seed)
    yaml_files: list[Path] = []
    reads: list[str] = []
    for i in range(n):
        project = folder / f"p{i:05d}"
        (project / "ci").mkdir(parents=True)
        main_text, included = pipeline(rng, i)
        main = project / ".gitlab-ci.yml"
        main.write_text(main_text, encoding="utf-8")
        yaml_files.append(main)
        if included is not None:
            (project / "ci" / "templates.yml").write_text(included, encoding="utf-8")
            yaml_files.append(project / "ci" / "templates.yml")
        config = ""
        if rng.random() < 0.25:
            path = project / "config.toml"
            path.write_text(runner_config(rng, i), encoding="utf-8")
            config = str(path)
        reads.append(f"{main}\t{config}")
    return yaml_files, reads


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--checkov", default=None, help="checkov's command, to time it too")
    args = parser.parse_args()
    print(measure(args.n, args.runs, args.seed, args.checkov))
    print(" ".join(f"{k}={v}" for k, v in machine().items()))
    return 0


def measure(n: int, runs: int, seed: int, checkov: str | None = None) -> str:
    """The markdown table of one run (raises when a run fails)."""
    with tempfile.TemporaryDirectory(prefix="gitlab-bench-") as tmp:
        folder = Path(tmp)
        yaml_files, reads = generate(n, folder / "repos", seed)
        floor_list = folder / "floor.txt"
        floor_list.write_text("\n".join(str(p) for p in yaml_files))
        read_list = folder / "read.txt"
        read_list.write_text("\n".join(reads))
        size = sum(p.stat().st_size for p in yaml_files)
        log(f"{n} pipelines, {len(yaml_files)} YAML files, {size / 1024:.0f} KiB")
        measured = {
            "floor": repeat([PYTHON, "-c", FLOOR, str(floor_list)], runs),
            "source": repeat([PYTHON, "-c", READ, str(read_list)], runs),
            "lint": repeat([*dindcheck_cmd(), "lint", str(folder / "repos"), "--format",
                            "json", "--fail-on", "never"], runs),
        }
        if checkov:
            measured["checkov"] = repeat([checkov, "-d", str(folder / "repos"),
                                          "--framework", "gitlab_ci", "--quiet",
                                          "--compact", "-o", "json"], max(1, runs // 2),
                                         timeout=1800)
    for name, found in measured.items():
        if name != "checkov" and any(r.rc != 0 for r in found):
            raise RuntimeError(f"{name}: a run failed")
    walls = {k: summarize([r.wall for r in v]) for k, v in measured.items()}
    cpus = {k: summarize([r.cpu for r in v]) for k, v in measured.items()}
    rss = {k: summarize([r.maxrss_mib for r in v]) for k, v in measured.items()}
    floor = walls["floor"].median
    names = {"floor": "PyYAML C loader only (floor)",
             "source": "dindcheck GitLab source -> Setups",
             "lint": "dindcheck lint (source, rules, JSON report)",
             "checkov": "checkov --framework gitlab_ci"}
    rows = [(names[k], walls[k].s(), f"{cpus[k].median:.2f} s", f"{rss[k].median:.0f}",
             f"{walls[k].median / floor:.2f}x") for k in measured]
    text = table(("what", "wall (median, min-max)", "CPU (median)", "peak RSS MiB",
                  "vs floor"), rows)
    if "checkov" in walls:
        text += (f"\n\ncheckov / dindcheck lint: "
                 f"{walls['checkov'].median / walls['lint'].median:.1f}x")
    return text

if __name__ == "__main__":
    sys.exit(main())
