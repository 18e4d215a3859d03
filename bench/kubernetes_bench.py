"""Kubernetes source: `dindcheck lint` on 1,000 manifests and on one 5,000-pod
`kubectl get -o json` List (piped in: `dindcheck lint -`), against the parse floor and
against checkov on the same files.

Manifests: seeded multi-document files (Deployments with dind sidecars and their claims,
Services and ConfigMaps; Jobs; StatefulSets with claim templates; CronJobs with native
sidecars; DaemonSets with host paths; legacy ARC RunnerDeployments; `helm template`
output of a runner scale set), ten to a folder, linted as a user would
(`dindcheck lint DIR --json`). Their floor: the same files loaded with PyYAML's C loader
(`yaml.load_all`), nothing else.

Cluster state: one List of 5,000 running pods (as the API returns them: defaulted
fields, service-account volumes, status) and the Deployments that own them, about 30 MiB
of JSON, on standard input (`dindcheck lint - --json < list.json`). Its floor:
`json.loads` of the same text.

checkov (`checkov -d DIR` / `checkov -f FILE`, `--framework kubernetes`) is the peer:
installed with pip into a scratch venv unless `--checkov PATH` names an installed one, run
once per input (it takes minutes on the List; `--no-checkov` skips it, `--checkov-list
no` skips only the List). Memory flat: peak RSS at a quarter of each size and at the size.

Each run is a whole process (interpreter start-up and imports included), median of RUNS
after one warm-up; peak RSS is that process's.

    python bench/kubernetes_bench.py [--manifests 1000] [--pods 5000] [--runs 5]
                                     [--checkov PATH | --no-checkov] [--checkov-list no]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import PYTHON, Summary, dindcheck_cmd, log, machine, repeat, summarize, table

MANIFEST_FLOOR = """
import sys, yaml
from pathlib import Path
for path in sorted(Path(sys.argv[1]).rglob("*.yaml")):
    list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))
"""
STATE_FLOOR = """
import json, sys
json.loads(open(sys.argv[1], encoding="utf-8").read())
"""
CHECKOV_TIMEOUT = 900.0


# --------------------------------------------------------------------------- manifests


def _container(name: str, image: str, indent: int, extra: str = "") -> str:
    pad = " " * indent
    text = f"{pad}- name: {name}\n{pad}  image: {image}\n"
    return text + "".join(f"{pad}  {line}\n" for line in extra.splitlines())


def _dind(rng: random.Random, indent: int, mount: bool) -> str:
    tls = rng.random() < 0.5
    extra = ("securityContext:\n  privileged: true\nenv:\n  - name: DOCKER_TLS_CERTDIR\n"
             f"    value: \"{'/certs' if tls else ''}\"\nresources:\n  limits:\n"
             f"    memory: {rng.choice(['2Gi', '4Gi', '8Gi'])}\n")
    if rng.random() < 0.4:
        extra += "args: [\"--mtu=1440\", \"--registry-mirror=https://mirror.example.com\"]\n"
    if mount:
        extra += "volumeMounts:\n  - name: docker-data\n    mountPath: /var/lib/docker\n"
    version = rng.choice(["dind", "27.3.1-dind", "28.1-dind", "24.0.9-dind"])
    return _container("dind", f"docker:{version}", indent, extra)


def _client(rng: random.Random, indent: int) -> str:
    port = rng.choice(["2375", "2376"])
    extra = ("command: [\"sh\", \"-c\", \"until docker info; do sleep 1; done; make ci\"]\n"
             f"env:\n  - name: DOCKER_HOST\n    value: tcp://localhost:{port}\n"
             "  - name: TOKEN\n    valueFrom:\n      secretKeyRef: {name: ci, key: token}\n")
    return _container("build", "docker:27.3.1-cli", indent, extra)


def _deployment(rng: random.Random, i: int) -> str:
    namespace, app = f"ci-{i % 7}", f"builders-{i}"
    mode = rng.choice(["ReadWriteOnce", "ReadWriteMany"])
    source = rng.choice(["persistentVolumeClaim:\n            claimName: cache-{i}",
                         "emptyDir: {{}}", "emptyDir:\n            medium: Memory",
                         "hostPath:\n            path: /var/lib/docker-{i}"]).format(i=i)
    claim = (f"apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: cache-{i}\n"
             f"  namespace: {namespace}\nspec:\n  accessModes: [{mode}]\n"
             "  resources:\n    requests:\n      storage: 50Gi\n")
    config = (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: env-{i}\n"
              f"  namespace: {namespace}\ndata:\n  DOCKER_DRIVER: overlay2\n")
    deployment = (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {app}\n"
                  f"  namespace: {namespace}\n  labels: {{app: {app}}}\nspec:\n"
                  f"  replicas: {rng.randint(1, 5)}\n"
                  f"  selector:\n    matchLabels: {{app: {app}}}\n"
                  f"  template:\n    metadata:\n      labels: {{app: {app}}}\n    spec:\n"
                  "      containers:\n" + _client(rng, 8) + _dind(rng, 8, True)
                  + "      volumes:\n        - name: docker-data\n          " + source + "\n")
    service = (f"apiVersion: v1\nkind: Service\nmetadata:\n  name: docker-{i}\n"
               f"  namespace: {namespace}\n"
               f"spec:\n  selector: {{app: {app}}}\n  ports:\n    - port: 2375\n")
    return "---\n".join([claim, config, deployment, service])


def _job(rng: random.Random, i: int) -> str:
    return (f"apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: tests-{i}\nspec:\n"
            f"  parallelism: {rng.randint(1, 3)}\n  template:\n    spec:\n"
            "      restartPolicy: Never\n      containers:\n"
            + _client(rng, 8) + _dind(rng, 8, False))


def _stateful_set(rng: random.Random, i: int) -> str:
    return (f"apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: cache-runners-{i}\n"
            f"spec:\n  replicas: {rng.randint(1, 4)}\n  serviceName: cache-runners-{i}\n"
            "  template:\n    spec:\n      containers:\n" + _dind(rng, 8, True)
            + "  volumeClaimTemplates:\n    - metadata:\n        name: docker-data\n"
            "      spec:\n        accessModes: [ReadWriteOnce]\n"
            "        resources:\n          requests:\n            storage: 50Gi\n")


def _cron_job(rng: random.Random, i: int) -> str:
    sidecar = _dind(rng, 14, False) + "                restartPolicy: Always\n" \
        "                startupProbe:\n                  exec:\n" \
        "                    command: [docker, info]\n"
    return (f"apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly-{i}\nspec:\n"
            "  schedule: \"0 3 * * *\"\n  jobTemplate:\n    spec:\n      template:\n"
            "        spec:\n          restartPolicy: OnFailure\n          initContainers:\n"
            + sidecar + "          containers:\n" + _client(rng, 12))


def _daemon_set(rng: random.Random, i: int) -> str:
    return (f"apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: node-agent-{i}\n"
            "spec:\n  template:\n    spec:\n      containers:\n"
            + _container("agent", "example/agent:1.4", 8,
                         "volumeMounts:\n  - name: run\n    mountPath: /var/run\n")
            + "      volumes:\n        - name: run\n          hostPath:\n"
            f"            path: {rng.choice(['/var/run', '/run', '/var/run/docker.sock'])}\n")


def _runner_deployment(rng: random.Random, i: int) -> str:
    within = rng.random() < 0.3
    return ("apiVersion: actions.summerwind.dev/v1alpha1\nkind: RunnerDeployment\n"
            f"metadata:\n  name: runners-{i}\nspec:\n  replicas: {rng.randint(1, 10)}\n"
            "  template:\n    spec:\n      organization: example\n"
            f"      image: summerwind/actions-runner{'-dind' if within else ''}:ubuntu-22.04\n"
            f"      dockerdWithinRunnerContainer: {'true' if within else 'false'}\n"
            "      dockerMTU: 1400\n      env:\n        - name: RUNNER_FEATURE_FLAG_EPHEMERAL\n"
            "          value: \"true\"\n")


def _rendered_scale_set(rng: random.Random, i: int) -> str:
    return (f"---\n# Source: gha-runner-scale-set/templates/no_permission_serviceaccount.yaml\n"
            f"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: set-{i}-gha-rs\n"
            "---\n# Source: gha-runner-scale-set/templates/autoscalingrunnerset.yaml\n"
            "apiVersion: actions.github.com/v1alpha1\nkind: AutoscalingRunnerSet\n"
            f"metadata:\n  name: set-{i}\nspec:\n  githubConfigUrl: https://github.com/example\n"
            f"  maxRunners: {rng.randint(2, 20)}\n  template:\n    spec:\n"
            "      restartPolicy: Never\n      initContainers:\n"
            + _dind(rng, 6, False) + "        restartPolicy: Always\n"
            "        startupProbe:\n          exec:\n            command: [docker, info]\n"
            "        volumeMounts:\n          - name: dind-sock\n            mountPath: /var/run\n"
            "      containers:\n"
            + _container("runner", "ghcr.io/actions/actions-runner:latest", 6,
                         "command: [/home/runner/run.sh]\nenv:\n  - name: DOCKER_HOST\n"
                         "    value: unix:///var/run/docker.sock\nvolumeMounts:\n"
                         "  - name: dind-sock\n    mountPath: /var/run\n")
            + "      volumes:\n        - name: dind-sock\n          emptyDir: {}\n")


KINDS = [_deployment, _job, _stateful_set, _cron_job, _daemon_set, _runner_deployment,
         _rendered_scale_set]


def generate_manifests(n: int, root: Path, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    paths = []
    for i in range(n):
        folder = root / f"app-{i // 10:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"manifest-{i:04d}.yaml"
        path.write_text(KINDS[i % len(KINDS)](rng, i), encoding="utf-8")
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- cluster state


def _state_pod(rng: random.Random, i: int,
               owner: tuple[str, str, str] | None) -> dict[str, object]:
    """A running pod as the API returns it; ``owner``: (namespace, Deployment, ReplicaSet)."""
    namespace = owner[0] if owner else f"team-{i % 23}"
    name = f"{owner[2]}-{i:05d}" if owner else f"pod-{i:05d}"
    dind = rng.random() < 0.25
    token = {"name": "kube-api-access-x2k9d", "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}],
                       "name": "kube-root-ca.crt"}}]}}
    mount = {"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
             "name": "kube-api-access-x2k9d", "readOnly": True}
    containers = [{"name": "app", "image": f"registry.example.com/app:{i % 97}",
                   "imagePullPolicy": "IfNotPresent",
                   "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                   "env": [{"name": "DOCKER_HOST", "value": "tcp://localhost:2375"},
                           {"name": "POD", "valueFrom": {"fieldRef": {
                               "apiVersion": "v1", "fieldPath": "metadata.name"}}}],
                   "resources": {"limits": {"memory": "1Gi"}, "requests": {"cpu": "100m"}},
                   "terminationMessagePath": "/dev/termination-log",
                   "terminationMessagePolicy": "File", "volumeMounts": [mount]}]
    volumes: list[dict[str, object]] = [token]
    statuses = [{"name": "app", "ready": True, "restartCount": rng.randint(0, 3),
                 "image": containers[0]["image"], "imageID": "sha256:" + "ab" * 32,
                 "containerID": "containerd://" + "cd" * 32, "started": True,
                 "lastState": {}, "state": {"running": {"startedAt": "2026-05-04T08:00:00Z"}}}]
    if dind:
        containers.append({"name": "dind", "image": "docker:27.3.1-dind",
                           "securityContext": {"privileged": True},
                           "env": [{"name": "DOCKER_TLS_CERTDIR", "value": ""}],
                           "volumeMounts": [{"mountPath": "/var/lib/docker", "name": "data"},
                                            mount]})
        volumes.append({"name": "data", "emptyDir": {}})
        statuses.append({**statuses[0], "name": "dind", "image": "docker:27.3.1-dind"})
    meta: dict[str, object] = {
        "name": name, "namespace": namespace, "uid": f"{i:08d}-0000-4000-8000-000000000000",
        "resourceVersion": str(100000 + i), "creationTimestamp": "2026-05-04T08:00:00Z",
        "labels": {"app": owner[1] if owner else name, "pod-template-hash": "5d8f7c9b6"}}
    if owner:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                    "name": owner[2], "uid": "u", "controller": True,
                                    "blockOwnerDeletion": True}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {
        "containers": containers, "volumes": volumes, "nodeName": f"node-{i % 40}",
        "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "schedulerName":
        "default-scheduler", "serviceAccountName": "default", "securityContext": {},
        "terminationGracePeriodSeconds": 30, "tolerations": [
            {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready",
             "operator": "Exists", "tolerationSeconds": 300}]},
        "status": {"phase": "Running", "hostIP": "10.0.0.1", "podIP": "10.244.0.1",
                   "qosClass": "Burstable", "startTime": "2026-05-04T08:00:00Z",
                   "conditions": [{"type": "Ready", "status": "True",
                                   "lastTransitionTime": "2026-05-04T08:00:10Z"}],
                   "containerStatuses": statuses}}


def generate_state(pods: int, path: Path, seed: int = 11) -> int:
    """Write the List (nine pods in ten belong to a Deployment, read through its pods);
    returns how many workloads it holds."""
    rng = random.Random(seed)
    deployments = max(pods // 10, 1)
    items: list[dict[str, object]] = []
    for k in range(deployments):
        items.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {
            "name": f"web-{k}", "namespace": f"team-{k % 23}"}, "spec": {
                "replicas": 9, "template": {"spec": {"containers": [
                    {"name": "app", "image": "registry.example.com/app"}]}}}})
    workloads, owned = 0, set()
    for i in range(pods):
        k = i % deployments
        owner = (f"team-{k % 23}", f"web-{k}", f"web-{k}-5d8f7c9b6") if i % 10 != 9 else None
        if owner:
            owned.add(k)
        pod = _state_pod(rng, i, owner)
        workloads += len(pod["spec"]["containers"])  # type: ignore[index]
        items.append(pod)
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items,
                                "metadata": {"resourceVersion": ""}}, indent=4) + "\n",
                    encoding="utf-8")
    return workloads + deployments - len(owned)


# --------------------------------------------------------------------------- measuring


def _measure(cmd: list[str], runs: int, warmup: int = 1,
             timeout: float | None = None) -> tuple[Summary, float, float]:
    result = repeat(cmd, runs, warmup=warmup, timeout=timeout)
    if any(r.timed_out for r in result):
        raise TimeoutError(" ".join(cmd[:3]))
    if any(r.rc not in (0, 1) for r in result):
        sys.exit(f"kubernetes_bench: {' '.join(cmd)} exited {result[0].rc}")
    return (summarize([r.wall for r in result]), statistics.median(r.cpu for r in result),
            statistics.median(r.maxrss_mib for r in result))


def _lint_dir(folder: Path) -> list[str]:
    return [*dindcheck_cmd(), "lint", str(folder), "--json", "--fail-on", "never"]


def _lint_stdin(state: Path) -> list[str]:
    command = " ".join([*dindcheck_cmd(), "lint", "-", "--json", "--fail-on", "never"])
    return ["sh", "-c", f"exec {command} < {state}"]


def _summary(cmd: list[str]) -> dict[str, int]:
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    report = json.loads(out)
    if report["errors"]:
        sys.exit(f"kubernetes_bench: input problems: {report['errors'][:3]}")
    return {"subjects": sum(i["subjects"] for i in report["inputs"]),
            "findings": report["summary"]["total"]}


def install_checkov(prefix: Path) -> Path | str:
    """checkov in a venv of its own under PREFIX (its pinned dependencies stay out of
    dindcheck's); the reason in words when pip cannot install it."""
    venv = prefix / "venv-checkov"
    exe = venv / "bin" / "checkov"
    if not exe.exists():
        log("kubernetes: installing checkov into a venv (pip install checkov)")
        try:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True,
                           capture_output=True)
            subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "checkov"],
                           check=True, capture_output=True, timeout=1200)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            return f"checkov could not be installed with pip ({exc})"
    return exe


def _checkov(exe: Path, flag: str, target: Path) -> list[str]:
    return [str(exe), flag, str(target), "--framework", "kubernetes", "--quiet", "--compact",
            "-o", "json"]


def run(manifests: int, pods: int, runs: int, scratch: Path, metrics: dict[str, float], *,
        checkov: Path | str | None, checkov_list: bool = True) -> str:
    """The tables, as markdown; METRICS gets the numbers run_all's targets read."""
    files = generate_manifests(manifests, scratch / "manifests")
    small = generate_manifests(max(manifests // 4, 1), scratch / "manifests-quarter")
    size = sum(p.stat().st_size for p in files)
    state, small_state = scratch / "cluster.json", scratch / "cluster-quarter.json"
    workloads = generate_state(pods, state)
    generate_state(max(pods // 4, 1), small_state)
    inputs = [
        ("manifests", f"{manifests:,} manifests ({size / 2**20:.1f} MiB)",
         _lint_dir(scratch / "manifests"), _lint_dir(scratch / "manifests-quarter"),
         [PYTHON, "-c", MANIFEST_FLOOR, str(scratch / "manifests")],
         ("-d", scratch / "manifests"), len(small)),
        ("list", f"{pods:,}-pod List ({state.stat().st_size / 2**20:.0f} MiB, "
                 f"{workloads:,} containers) on standard input",
         _lint_stdin(state), _lint_stdin(small_state),
         [PYTHON, "-c", STATE_FLOOR, str(state)], ("-f", state), max(pods // 4, 1)),
    ]
    rows, peer_rows = [], []
    for key, label, lint_cmd, small_cmd, floor_cmd, (flag, target), small_n in inputs:
        log(f"kubernetes: dindcheck lint, {label}")
        checked = _summary(lint_cmd)
        wall, cpu, rss = _measure(lint_cmd, runs)
        floor, _, floor_rss = _measure(floor_cmd, runs)
        _, _, small_rss = _measure(small_cmd, max(runs // 2, 1))
        ratio = wall.median / floor.median
        metrics[f"k8s_{key}_wall"], metrics[f"k8s_{key}_floor_ratio"] = wall.median, ratio
        metrics[f"k8s_{key}_rss"], metrics[f"k8s_{key}_rss_quarter"] = rss, small_rss
        rows.append([label, wall.s(), f"{cpu:.2f} s", f"{rss:.0f} MiB ({small_rss:.0f} MiB "
                     f"at {small_n:,})", f"{floor.s()}, {floor_rss:.0f} MiB", f"{ratio:.2f}×",
                     f"{checked['subjects']:,} subjects, {checked['findings']:,} findings"])
        if checkov is None:
            continue
        if isinstance(checkov, str):
            peer_rows.append([label, "—", "—", checkov])
            continue
        if key == "list" and not checkov_list:
            peer_rows.append([label, "—", "—", "skipped (--checkov-list no)"])
            continue
        log(f"kubernetes: checkov, {label} (one run; minutes on the List)")
        try:
            peer, _, peer_rss = _measure(_checkov(checkov, flag, target), 1, warmup=0,
                                         timeout=CHECKOV_TIMEOUT)
        except TimeoutError:
            peer_rows.append([label, f"> {CHECKOV_TIMEOUT:.0f} s", "—", "timed out"])
            continue
        metrics[f"k8s_{key}_checkov_ratio"] = peer.median / wall.median
        peer_rows.append([label, f"{peer.median:.1f} s, {peer_rss:.0f} MiB",
                          f"{peer.median / wall.median:.1f}× faster", ""])
    text = table(["input", "dindcheck lint (wall)", "CPU", "peak RSS (at a quarter)",
                  "parse floor (wall, RSS)", "lint / floor", "checked"], rows)
    if peer_rows:
        text += "\n\n" + table(["input", "checkov (wall, RSS)", "dindcheck", "note"],
                                 peer_rows)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifests", type=int, default=1000)
    parser.add_argument("--pods", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--checkov", type=Path, default=None, help="an installed checkov")
    parser.add_argument("--no-checkov", action="store_true")
    parser.add_argument("--checkov-list", choices=("yes", "no"), default="yes")
    args = parser.parse_args()
    metrics: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="dindcheck-k8s-bench-") as tmp:
        scratch = Path(tmp)
        checkov: Path | str | None = None
        if not args.no_checkov:
            checkov = args.checkov or install_checkov(scratch)
        text = run(args.manifests, args.pods, args.runs, scratch, metrics, checkov=checkov,
                   checkov_list=args.checkov_list == "yes")
    facts = machine()
    print(text)
    print(f"\n{facts['nproc']} × {facts['cpu']}, {facts['ram']}, Python {facts['python']}, "
          f"load {facts['load']}; median of {args.runs} runs after a warm-up (checkov: one "
          "run), whole processes (start-up and imports included).")


if __name__ == "__main__":
    main()
