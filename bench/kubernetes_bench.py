"""Kubernetes source: 1,000 manifests and one 5,000-pod `kubectl get -o json` List read into
setups, against the parse floor.

Manifests: seeded multi-document files (Deployments with dind sidecars and their claims,
Services and ConfigMaps; Jobs; StatefulSets with claim templates; CronJobs with native
sidecars; DaemonSets with host paths; legacy ARC RunnerDeployments; `helm template`
output of a runner scale set), ten to a folder, found and read as the source does
(discover, then one setup per folder). Their floor: the same files loaded with PyYAML's
C loader (`yaml.load_all`), nothing else.

Cluster state: one List of 5,000 running pods (as the API returns them: defaulted
fields, service-account volumes, status) and the Deployments, StatefulSets and Jobs that
own them, about 30 MiB of JSON. Its floor: `json.loads` of the same text.

Each is timed as a whole process (interpreter start-up and imports included), median of
RUNS after one warm-up; peak RSS is that process's.

    python bench/kubernetes_bench.py [--manifests 1000] [--pods 5000] [--runs 5]
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

from _common import PYTHON, Summary, log, machine, repeat, summarize, table

MANIFEST_FLOOR = """
import sys, yaml
from pathlib import Path
for path in sorted(Path(sys.argv[1]).rglob("*.yaml")):
    list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))
"""
MANIFEST_READ = """
import sys
from pathlib import Path
from dindcheck.sources.kubernetes.discover import discover
from dindcheck.sources.kubernetes.source import load_group
found = discover([Path(sys.argv[1])])
setups = [load_group(g) for g in found.groups]
print(sum(len(s.setup.workloads) for s in setups), sum(len(s.setup.problems) for s in setups))
"""
STATE_FLOOR = """
import json, sys
json.loads(open(sys.argv[1], encoding="utf-8").read())
"""
STATE_READ = """
import sys
from pathlib import Path
from dindcheck.sources.kubernetes.source import load_files
setup = load_files([Path(sys.argv[1])], max_file_size=1 << 30).setup
print(len(setup.workloads), len(setup.problems))
"""


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


def measure(code: str, target: Path, runs: int) -> tuple[Summary, float, float, str]:
    result = repeat([PYTHON, "-c", code, str(target)], runs, warmup=1)
    if any(r.rc for r in result):
        sys.exit(f"kubernetes_bench: {code.splitlines()[-1]} failed")
    out = subprocess.run([PYTHON, "-c", code, str(target)], capture_output=True, text=True,
                         check=True).stdout.strip()
    return (summarize([r.wall for r in result]), statistics.median(r.cpu for r in result),
            statistics.median(r.maxrss_mib for r in result), out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifests", type=int, default=1000)
    parser.add_argument("--pods", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="dindcheck-k8s-bench-") as tmp:
        scratch = Path(tmp)
        log(f"kubernetes: generating {args.manifests} manifests")
        files = generate_manifests(args.manifests, scratch / "manifests")
        size = sum(p.stat().st_size for p in files)
        log("kubernetes: reading manifests")
        wall, cpu, rss, out = measure(MANIFEST_READ, scratch / "manifests", args.runs)
        floor, _, floor_rss, _ = measure(MANIFEST_FLOOR, scratch / "manifests", args.runs)
        workloads, problems = (int(x) for x in out.split())
        if problems:
            sys.exit(f"kubernetes_bench: {problems} problems in generated manifests")
        rows.append([f"{args.manifests:,} manifests ({size / 2**20:.1f} MiB, "
                     f"{workloads:,} containers)", wall.s(), f"{cpu:.2f} s", f"{rss:.0f} MiB",
                     f"{floor.s()}, {floor_rss:.0f} MiB", f"{wall.median / floor.median:.2f}×"])
        state = scratch / "cluster.json"
        log(f"kubernetes: generating a {args.pods}-pod List")
        expected = generate_state(args.pods, state)
        log("kubernetes: reading the List")
        wall, cpu, rss, out = measure(STATE_READ, state, args.runs)
        floor, _, floor_rss, _ = measure(STATE_FLOOR, state, args.runs)
        workloads, problems = (int(x) for x in out.split())
        if (workloads, problems) != (expected, 0):
            sys.exit(f"kubernetes_bench: expected {expected} workloads and no problems, got "
                     f"{workloads} and {problems}")
        rows.append([f"{args.pods:,}-pod List ({state.stat().st_size / 2**20:.0f} MiB, "
                     f"{workloads:,} containers)", wall.s(), f"{cpu:.2f} s", f"{rss:.0f} MiB",
                     f"{floor.s()}, {floor_rss:.0f} MiB", f"{wall.median / floor.median:.2f}×"])
    facts = machine()
    print(table(["input", "read into setups (wall)", "CPU", "peak RSS", "floor wall, RSS",
                 "read / floor"], rows))
    print(f"\n{facts['nproc']} × {facts['cpu']}, {facts['ram']}, Python {facts['python']}, "
          f"load {facts['load']}; median of {args.runs} runs after a warm-up, whole "
          "processes (start-up and imports included).")


if __name__ == "__main__":
    main()
