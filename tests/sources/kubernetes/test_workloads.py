from __future__ import annotations

from pathlib import Path

import pytest

from dindcheck.sources.kubernetes.pods import INIT, MAIN, SIDECAR
from dindcheck.workload import Healthcheck
from tests.sources.kubernetes.kube import at, facts, names, notes, problems, read, workload


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def pod(containers: str, spec: str = "", meta: str = "") -> str:
    """A pod ``p`` in ``ci``; its first container starts on line 8, its keys at column 7
    (``containers`` is given indented by two)."""
    return ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ci\n" + meta
            + "spec:\n" + spec + "  containers:\n"
            + "".join(f"  {line}\n" for line in containers.strip("\n").splitlines()))


def test_fields_and_their_locations() -> None:
    setup = read(pod("""
  - name: dind
    image: docker:27.3.1-dind
    command: [dockerd-entrypoint.sh]
    args: [--mtu=1400]
    securityContext:
      privileged: true
      capabilities: {add: [SYS_ADMIN]}
    env:
      - {name: DOCKER_TLS_CERTDIR, value: /certs}
"""))
    item = workload(setup, "ci/p/dind")
    assert (item.id, item.project, item.netns) == ("ci/Pod/p/dind", "ci/p", "ci/p")
    assert (item.entrypoint, item.command) == (("dockerd-entrypoint.sh",), ("--mtu=1400",))
    assert (item.privileged, item.cap_add) == (True, ("SYS_ADMIN",))
    assert {k: at(v) for k, v in item.locations.items()} == {
        "subject": ("m.yaml", 8, 7), "image": ("m.yaml", 9, 7), "command": ("m.yaml", 10, 7),
        "entrypoint": ("m.yaml", 10, 7), "args": ("m.yaml", 11, 7),
        "privileged": ("m.yaml", 13, 9), "cap_add": ("m.yaml", 14, 9),
        "security_opt": ("m.yaml", 12, 7), "environment": ("m.yaml", 15, 7),
        "replicas": ("m.yaml", 1, 1)}
    assert item.locations["privileged"].field == "spec.containers[0].securityContext.privileged"
    assert at(item.environment["DOCKER_TLS_CERTDIR"].location) == ("m.yaml", 16, 11)


def test_no_command_means_the_images_own() -> None:
    item = workload(read(pod("- {name: c, image: docker:dind}")), "ci/p/c")
    assert (item.entrypoint, item.command, item.privileged) == (None, None, False)


def test_environment_sources_and_expansion() -> None:
    setup = read(pod("""
  - name: c
    image: busybox
    envFrom:
      - configMapRef: {name: settings}
      - secretRef: {name: tokens}
      - {prefix: X_, configMapRef: {name: settings}}
    env:
      - {name: PORT, value: "2376"}
      - {name: DOCKER_HOST, value: "tcp://localhost:$(PORT)"}
      - {name: LITERAL, value: "$$(PORT) $(NOPE)"}
      - name: TOKEN
        valueFrom: {secretKeyRef: {name: ci, key: token}}
      - name: NODE
        valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
      - name: CERTDIR
        valueFrom: {configMapKeyRef: {name: settings, key: DOCKER_TLS_CERTDIR}}
      - name: MISSING
        valueFrom: {configMapKeyRef: {name: absent, key: k}}
    args: ["--host=$(DOCKER_HOST)", "$(TOKEN)"]
""") + """---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: ci}
data:
  DOCKER_TLS_CERTDIR: ""
  not-a-name!: x
""")
    item = workload(setup, "ci/p/c")
    assert item.env_values() == {
        "DOCKER_TLS_CERTDIR": "", "X_DOCKER_TLS_CERTDIR": "", "PORT": "2376",
        "DOCKER_HOST": "tcp://localhost:2376", "LITERAL": "$(PORT) $(NOPE)", "CERTDIR": ""}
    assert [k for k, v in item.environment.items() if v.value is None] == [
        "TOKEN", "NODE", "MISSING"]
    assert item.command == ("--host=tcp://localhost:2376", "$(TOKEN)")
    assert at(item.environment["DOCKER_TLS_CERTDIR"].location) == ("m.yaml", 32, 3)
    found = facts(setup, "ci/p/c")
    assert found.env_sources == {"TOKEN": "secret ci key token", "NODE": "field spec.nodeName",
                                 "MISSING": "configMap absent key k"}
    assert found.env_from == ("secret ci/tokens",)
    assert setup.setup.unresolved == ("configMap ci/absent", "secret ci/tokens")
    assert "environment also from secret ci/tokens (not read)" in item.notes


def test_a_non_string_value_is_a_located_problem() -> None:
    setup = read(pod("- {name: c, image: i, env: [{name: N, value: 1}]}"))
    assert problems(setup) == ["m.yaml:8:31: the value of 'N' must be a string, not 1 "
                               "(quote it)"]


def test_secrets_are_kept_out_of_the_shown_command() -> None:
    item = workload(read(pod('- {name: c, image: i, args: ["--password", "hunter2"]}')),
                    "ci/p/c")
    assert item.shown_command == ("--password", "<redacted>")


@pytest.mark.parametrize(
    ("context", "expected", "problem"),
    [
        pytest.param("{privileged: false}", False, None, id="false"),
        pytest.param('{privileged: "yes"}', None,
                     "m.yaml:8:43: privileged must be true or false, not the string 'yes'",
                     id="string"),
        pytest.param("{privileged: '${PRIV}'}", None, None, id="placeholder"),
    ],
)
def test_privileged_is_none_only_when_unknowable(context: str, expected: bool | None,
                                                 problem: str | None) -> None:
    setup = read(pod(f"- {{name: c, image: i, securityContext: {context}}}"))
    assert workload(setup, "ci/p/c").privileged is expected
    assert problems(setup) == ([problem] if problem else [])


def test_security_options_host_namespaces_and_runtime() -> None:
    setup = read(pod("""
  - name: a
    image: docker:dind
    securityContext:
      appArmorProfile: {type: Unconfined}
      seLinuxOptions: {type: spc_t}
      runAsUser: 1000
  - name: b
    image: docker:dind
    securityContext:
      seccompProfile: {type: RuntimeDefault}
""", spec="  runtimeClassName: sysbox\n  hostNetwork: true\n  hostPID: true\n"
          "  securityContext:\n    seccompProfile: {type: Unconfined}\n    runAsNonRoot: true\n",
        meta="  annotations:\n    container.apparmor.security.beta.kubernetes.io/b: unconfined\n")
                 + "---\napiVersion: node.k8s.io/v1\nkind: RuntimeClass\n"
                   "metadata: {name: sysbox}\nhandler: sysbox-runc\n")
    a, b = workload(setup, "ci/p/a"), workload(setup, "ci/p/b")
    assert a.security_opt == ("seccomp=unconfined", "apparmor=unconfined", "label=type:spc_t")
    assert b.security_opt == ("apparmor=unconfined",)
    assert (a.runtime, a.host_network, a.network_mode) == ("sysbox-runc", True, "host")
    assert "runtimeClassName sysbox runs the handler sysbox-runc" in a.notes
    assert at(a.locations["runtime"]) == ("m.yaml", 9, 3)
    found = facts(setup, "ci/p/a")
    assert (found.host_pid, found.run_as_user, found.run_as_non_root) == (True, 1000, True)


@pytest.mark.parametrize(
    ("probe", "expected"),
    [
        pytest.param("startupProbe: {exec: {command: [docker, info]}}",
                     Healthcheck(test="CMD docker info"), id="exec"),
        pytest.param("readinessProbe: {exec: {command: [sh, -c, docker, info]}}",
                     Healthcheck(test="CMD sh -c docker info", split=True), id="split-shell"),
        pytest.param("readinessProbe: {exec: {command: [sh, -c, docker info]}}",
                     Healthcheck(test="CMD sh -c docker info"), id="shell"),
        pytest.param("readinessProbe: {httpGet: {path: /_ping, port: 2375}}",
                     Healthcheck(test="HTTP GET :2375/_ping"), id="http"),
        pytest.param("readinessProbe: {tcpSocket: {port: 2376}}",
                     Healthcheck(test="TCP :2376"), id="tcp"),
        pytest.param("livenessProbe: {tcpSocket: {port: 2376}}", None, id="liveness-only"),
    ],
)
def test_startup_and_readiness_probes_are_the_healthcheck(
        probe: str, expected: Healthcheck | None) -> None:
    item = workload(read(pod(f"- {{name: c, image: i, {probe}}}")), "ci/p/c")
    assert item.healthcheck == expected


def test_start_order_becomes_depends_on() -> None:
    setup = read(pod("""
  - name: build
    image: docker:cli
""", spec="""  initContainers:
    - {name: fetch, image: alpine/git}
    - name: dind
      image: docker:dind
      restartPolicy: Always
      startupProbe: {exec: {command: [docker, info]}}
    - {name: cache, image: busybox, restartPolicy: Always}
"""))
    assert names(setup) == ["ci/p/fetch", "ci/p/dind", "ci/p/cache", "ci/p/build"]
    assert [workload(setup, n).role for n in names(setup)] == [INIT, SIDECAR, SIDECAR, MAIN]
    build = workload(setup, "ci/p/build")
    assert build.depends_on == {"ci/p/fetch": "service_completed_successfully",
                                "ci/p/dind": "service_healthy", "ci/p/cache": "service_started"}
    assert at(build.locations["depends_on"]) == ("m.yaml", 11, 7)
    assert workload(setup, "ci/p/fetch").depends_on == {}
    assert build.polls_daemon is None  # the kubelet holds it until the probe passes


@pytest.mark.parametrize(
    ("command", "waits"),
    [
        ('[sh, -c, "until docker info; do sleep 1; done; make"]', True),
        ('[sh, -c, "while ! nc -z localhost 2376; do sleep 1; done"]', True),
        ("[make, test]", False),
    ],
)
def test_a_client_that_polls_the_daemon_waits_for_it(command: str, waits: bool) -> None:
    setup = read(pod(f"- {{name: c, image: docker:cli, command: {command}}}"))
    item = workload(setup, "ci/p/c")
    assert (item.polls_daemon is not None) is waits
    if waits:
        assert at(item.polls_daemon) == at(item.locations["command"])


def test_services_name_the_containers_that_serve_their_ports() -> None:
    setup = read("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: shared, namespace: ci}
        spec:
          template:
            metadata: {labels: {app: dind, tier: build}}
            spec:
              containers:
                - name: proxy
                  image: nginx
                  ports: [{name: api, containerPort: 8080}]
                - name: dind
                  image: docker:dind
                  ports: [{containerPort: 2375, hostPort: 2375, hostIP: 0.0.0.0}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: docker, namespace: ci}
        spec:
          selector: {app: dind}
          ports:
            - {port: 2375}
            - {port: 80, targetPort: api}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: elsewhere, namespace: other}
        spec:
          selector: {app: dind}
          ports: [{port: 2375}]
    """)
    proxy, dind = workload(setup, "ci/shared/proxy"), workload(setup, "ci/shared/dind")
    assert dind.aliases == proxy.aliases == {"docker", "docker.ci", "docker.ci.svc",
                                             "docker.ci.svc.cluster.local"}
    assert [p.to_json() for p in dind.ports] == [
        {"host_ip": "0.0.0.0", "host_port": "2375", "container_port": 2375, "protocol": "tcp"},
        {"host_ip": None, "host_port": "2375", "container_port": 2375, "protocol": "tcp"}]
    assert [p.to_json() for p in proxy.ports] == [
        {"host_ip": None, "host_port": "80", "container_port": 8080, "protocol": "tcp"}]


def test_suppressions_pod_security_and_limits() -> None:
    setup = read(pod("""
  - name: dind
    image: docker:dind
    securityContext: {privileged: true, readOnlyRootFilesystem: false}
    resources:
      limits: {memory: 2Gi, ephemeral-storage: 20Gi}
      requests: {memory: 512Mi}
""", meta="  annotations:\n    dindcheck.io/ignore: DIND012, DIND005\n")
                 + "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ci\n  labels:\n"
                   "    pod-security.kubernetes.io/enforce: baseline\n")
    item = workload(setup, "ci/p/dind")
    assert item.suppress == ("DIND012", "DIND005")
    assert "namespace ci enforces PodSecurity baseline: a privileged container is rejected " \
           "at admission" in item.notes
    found = facts(setup, "ci/p/dind")
    assert (item.memory_limit, found.memory_request, item.ephemeral_storage_limit) == (
        2 * 2**30, 512 * 2**20, 20 * 2**30)
    assert (found.read_only_root, item.pod_security) == (False, "baseline")


def test_duplicate_ids_stay_apart() -> None:
    text = pod("- {name: c, image: i}")
    setup = read(text + "---\n" + text)
    assert [w.id for w in setup.setup.workloads] == ["ci/Pod/p/c", "ci/Pod/p/c#2"]
    assert notes(setup) == ""


JOB = """apiVersion: batch/v1
kind: Job
metadata: {name: j, namespace: ci}
spec:
  template:
    spec:
      restartPolicy: Never
      initContainers:
        - {name: fetch, image: alpine}
        - {name: dind, image: docker:27-dind, restartPolicy: Always}
      containers:
        - {name: tests, image: docker:27-cli}
"""
TEKTON = """apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: t, namespace: ci}
spec:
  taskSpec:
    sidecars: [{name: dind, image: docker:27-dind}]
    steps: [{name: build, image: docker:27-cli}]
"""
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: ci}
spec:
  template:
    spec:
      containers:
        - {name: runner, image: acme/runner}
        - {name: dind, image: docker:27-dind}
"""


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(JOB, {"ci/j/fetch": ("init", True, None), "ci/j/dind": ("sidecar", False, None),
                       "ci/j/tests": ("main", True, None)}, id="job"),
    pytest.param(TEKTON, {"ci/t/dind": ("sidecar", False, "Tekton"),
                          "ci/t/build": ("main", True, "Tekton")}, id="tekton-step"),
    pytest.param(DEPLOYMENT, {"ci/d/runner": ("main", False, None),
                              "ci/d/dind": ("main", False, None)}, id="deployment"),
    pytest.param(pod("- {name: agent, image: alpine}",
                     meta="  annotations: {job.runner.gitlab.com/id: '7'}\n",
                     spec="  restartPolicy: Never\n"),
                 {"ci/p/agent": ("main", False, "GitLab Runner")}, id="gitlab-executor"),
    pytest.param(pod("- {name: agent, image: alpine}", spec="  restartPolicy: Never\n"),
                 {"ci/p/agent": ("main", True, None)}, id="bare-pod-never"),
])
def test_roles_what_must_complete_and_who_ends_the_pod(
        text: str, expected: dict[str, tuple[str, bool, str | None]]) -> None:
    setup = read(text)
    assert {n: (workload(setup, n).role, workload(setup, n).must_complete,
                workload(setup, n).ended_by) for n in names(setup)} == expected


def test_a_pre_stop_hook_and_loopback_host_aliases() -> None:
    setup = read(pod("""
  - name: dind
    image: docker:27-dind
    lifecycle: {preStop: {exec: {command: [sh, -c, "sleep 30"]}}}
  - {name: build, image: docker:27-cli, env: [{name: DOCKER_HOST, value: "tcp://docker:2375"}]}
""", spec="  hostAliases:\n  - {ip: 127.0.0.1, hostnames: [docker]}\n"
          "  - {ip: 10.0.0.9, hostnames: [registry]}\n"))
    dind, build = workload(setup, "ci/p/dind"), workload(setup, "ci/p/build")
    assert (dind.pre_stop, build.pre_stop) == (True, False)
    assert dind.aliases == build.aliases == {"docker"}  # not the name of another address
