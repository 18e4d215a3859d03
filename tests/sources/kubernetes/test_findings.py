"""Kubernetes inputs through the whole lint: the findings each manifest gives (rule,
``namespace/workload/container``, line), the runner setups that pass the default gate,
a recorded cluster dump on standard input, and Helm charts."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from dindcheck.catalogue import Rule, load_catalogue
from dindcheck.engine import render
from dindcheck.lint import StdinInput, lint
from dindcheck.model import Report
from tests.repo import CORPUS, run_dindcheck
from tests.sources.kubernetes.kube import DATA

RULES = load_catalogue()
RUNNERS = DATA / "runners"
Found = set[tuple[str, str, int]]
Absent = set[tuple[str, str]]


def findings(path: Path) -> Found:
    report = lint([path], RULES, jobs=1, environ={})
    assert not report.errors, report.errors
    return {(f.rule_id, f.subject_name, f.location.line or 0) for f in report.findings}


# (file, findings it must give as (rule, subject, line), (rule, subject) it must not give)
CASES: list[tuple[str, Found, Absent]] = [
    ("runners/kubernetes-failures.yaml", {
        ("DIND034", "ci/shared-cache/dind", 50), ("DIND004", "ci/shared-cache/dind", 50),
        ("DIND034", "ci/one-pod/dind", 76),
        ("DIND032", "ci/node-root/dind", 95),
        ("DIND033", "ci/image-cleaner/cleaner", 119),
        ("DIND038", "ci/image-cleaner/exporter", 127),
        ("DIND035", "ci/nightly/dind", 159),
        ("DIND037", "restricted-ci/ram-builder/dind", 189),
        ("DIND036", "restricted-ci/ram-builder/dind", 194),
        ("DIND039", "ci/nfs-builders/dind", 222),
        ("DIND030", "ci/init-daemon/dind", 242),
    }, {
        # A ReadWriteOncePod claim is not shared: the second replica waits instead.
        ("DIND004", "ci/one-pod/dind"),
        # The node's data root as the daemon's own is DIND032, not also DIND033.
        ("DIND033", "ci/node-root/dind"),
        # Read-only, as a monitor needs it.
        ("DIND033", "ci/image-cleaner/exporter"),
        # A native sidecar does not hold up the CronJob's pod.
        ("DIND030", "ci/nightly/dind"), ("DIND031", "ci/nightly/dind"),
        # A bounded tmpfs outside the data root, and a per-pod claim.
        ("DIND036", "ci/nightly/dind"), ("DIND034", "ci/nfs-builders/dind"),
        ("DIND004", "ci/nfs-builders/dind"),
    }),
    ("dind-failures.yaml", {
        ("DIND030", "ci/integration-tests/dind", 81),
        ("DIND039", "ci/build-daemons/dind", 47), ("DIND004", "ci/build-daemons/dind", 47),
        ("DIND001", "ci/nightly-images/dind", 203),
    }, {
        ("DIND033", "ci/node-builder/builder"),  # the node's data root, read-only
        ("DIND030", "ci/nightly-images/dind"),   # a native sidecar
        ("DIND034", "ci/cache-runners/dind"),    # a claim per replica
        ("DIND036", "ci/ram-builder/dind"),      # under sysbox, sizeLimit below limit
    }),
    ("runners/gitlab-executor-pod.yaml", {
        ("DIND001", "gitlab-runner/runner-t3st-project-42-concurrent-0-abcd1234/svc-0", 46),
        # hostAliases name the service `docker`: the build container is its client.
        ("DIND014", "gitlab-runner/runner-t3st-project-42-concurrent-0-abcd1234/build", 22),
    }, {
        # The runner deletes the pod when the job ends: neither completion nor stop order.
        ("DIND030", "gitlab-runner/runner-t3st-project-42-concurrent-0-abcd1234/svc-0"),
        ("DIND031", "gitlab-runner/runner-t3st-project-42-concurrent-0-abcd1234/svc-0"),
        ("DIND011", "gitlab-runner/runner-t3st-project-42-concurrent-0-abcd1234/build"),
    }),
    ("rendered-arc-scale-set.yaml", {
        ("DIND001", "arc-runners/arc-runners/dind", 53),
        ("DIND012", "arc-runners/arc-runners/dind", 53),
    }, {
        ("DIND031", "arc-runners/arc-runners/dind"),
        ("DIND030", "arc-runners/arc-runners/dind"),
    }),
]


@pytest.mark.parametrize(("name", "present", "absent"), CASES, ids=[c[0] for c in CASES])
def test_manifest_findings(name: str, present: Found, absent: Absent) -> None:
    got = findings(DATA / name)
    assert present <= got, sorted(present - got)
    pairs = {(rule, subject) for rule, subject, _ in got}
    assert not (absent & pairs), sorted(absent & pairs)


@pytest.mark.parametrize("name", ["arc-dind-mode.yaml", "sysbox-runner.yaml",
                                  "statefulset-claims.yaml", "job-native-sidecar.yaml"])
def test_correct_runner_setups_pass_the_default_gate(name: str, tmp_path: Path) -> None:
    result = run_dindcheck(["lint", str(RUNNERS / name), "--json"], cwd=tmp_path)
    report = json.loads(result.stdout)
    assert result.returncode == 0, [f["rule_id"] for f in report["findings"]]
    assert report["summary"]["error"] == 0
    assert [i["kind"] for i in report["inputs"]] == ["kubernetes"]
    assert sum(i["subjects"] for i in report["inputs"]) >= 1  # a daemon was checked


def test_the_fixed_job_and_the_broken_one_differ_only_where_expected() -> None:
    """The native sidecar Job passes DIND030; the same daemon as a plain container does not."""
    fixed = (RUNNERS / "job-native-sidecar.yaml").read_text()
    broken = fixed.replace("      initContainers:\n", "      containers:\n", 1).replace(
        "          restartPolicy: Always\n", "").replace(
        "      containers:\n        - name: tests", "        - name: tests")
    report = lint_text(broken, "job.yaml")
    assert {(f.rule_id, f.subject_name) for f in report.findings} >= {
        ("DIND030", "ci/integration/dind")}
    assert "DIND030" not in {f.rule_id for f in lint_text(fixed, "job.yaml").findings}


def lint_text(text: str, name: str | None) -> Report:
    return lint([Path("-")], RULES, jobs=1, environ={},
                stdin=StdinInput(stream=io.BytesIO(text.encode()), name=name))


# --- every finding on a Kubernetes subject gives its fix in Kubernetes YAML -------------

# Rules that no Kubernetes subject can meet: their condition needs what only a running
# engine shows (the filesystem under the data root, the uplink's MTU, the host's cgroup
# version, a container's log), a closed setup (names that reach nothing else: a
# Kubernetes name may be a Service outside the input), or a platform that replaces the
# image's entrypoint.
NOT_ON_KUBERNETES = {"DIND003": "backing_fs", "DIND017": "inner.mtu_uplink",
             "DIND019": "host_cgroup_version", "DIND021": "reaches: nothing (closed)",
             "DIND022": "starts: false", "DIND025": "reaches: nothing (closed)",
             "DIND042": "log", "DIND043": "log"}


def kubernetes_inputs() -> list[Path]:
    corpus = CORPUS / "kubernetes"
    return [*sorted(DATA.glob("*.yaml")), *sorted(DATA.glob("*.json")),
            *sorted(RUNNERS.glob("*.yaml")),
            *(sorted(p for p in corpus.iterdir() if p.is_file()) if corpus.is_dir() else [])]


# Rules written for Kubernetes, whose own fix is Kubernetes YAML.
KUBERNETES_RULES = {"DIND030", "DIND031", "DIND034", "DIND035", "DIND036", "DIND037",
                    "DIND038", "DIND039"}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_that_can_fire_on_kubernetes_has_a_kubernetes_fix(rule: Rule) -> None:
    if rule.id in NOT_ON_KUBERNETES:
        assert "kubernetes" not in rule.fixes
        return
    text = rule.fixes["kubernetes"] if rule.id not in KUBERNETES_RULES else rule.remediation
    assert any(key in text for key in ("spec:", "metadata:", "startupProbe:"))
    assert "services:" not in text  # not the compose fix


def test_findings_on_kubernetes_subjects_carry_the_kubernetes_fix() -> None:
    by_id = {r.id: r for r in RULES}
    # The corpus lies beside the checkout (reached through a symbolic link in some).
    report = lint(kubernetes_inputs(), RULES, jobs=1, environ={}, max_file_size=1 << 24,
                  allow_outside=True)
    subjects = {s["id"]: s for t in report.targets for s in t.subjects}
    fired = {f.rule_id for f in report.findings}
    assert not fired & set(NOT_ON_KUBERNETES)
    assert fired >= KUBERNETES_RULES | {"DIND032", "DIND033"}
    for finding in report.findings:
        subject = subjects[finding.subject_id]
        assert subject["origin"] == "kubernetes"
        assert finding.remediation == render(
            by_id[finding.rule_id].remediation_for("kubernetes"), subject)
        assert "services:" not in finding.remediation


# --- cluster state on standard input ---------------------------------------------------


def test_a_recorded_cluster_dump_on_standard_input(tmp_path: Path) -> None:
    dump = (DATA / "cluster-dump-ci.json").read_text()
    result = run_dindcheck(["lint", "-", "--json"], cwd=tmp_path, input_text=dump)
    assert result.returncode == 1, result.stderr  # errors found, everything read
    report = json.loads(result.stdout)
    assert report["errors"] == []
    assert [(i["kind"], i["paths"]) for i in report["inputs"]] == [("kubernetes", ["-"])]
    got = {(f["rule_id"], f["subject"]["name"]): f for f in report["findings"]}
    # The Job's tests are done; its plain dind container keeps the pod from completing.
    blocked = got[("DIND030", "ci/e2e-29017-qx4lp/dind")]
    assert blocked["location"] == {"path": "-", "field": "items[0].spec.containers[1]"}
    assert blocked["evidence"]["state"]["running"] is True
    # The in-memory data root, and the restarts it causes: OOM-killed, now backing off.
    memory = got[("DIND036", "ci/ram-builder-6c9d7f5b8-m2k4t/dind")]
    state = memory["evidence"]["state"]
    assert (state["restart_count"], state["oom_killed"], state["error"]) == (
        7, True, "CrashLoopBackOff")
    assert memory["evidence"]["memory_limit"] == 2 * 2**30
    # An unprivileged dind that ended with an error: the terminated reason is kept. It runs
    # alone in its pod: nothing waits for it to complete.
    ended = got[("DIND008", "dev/scratch-dind/dind")]["evidence"]["state"]
    assert (ended["status"], ended["exit_code"], ended["error"]) == ("exited", 1, "Error")
    assert ("DIND030", "dev/scratch-dind/dind") not in got
    # The Job's own template is not read again beside its pod.
    assert any("Job ci/e2e-29017: read from its 1 pod(s)" in n for n in report["notes"])


def test_standard_input_named_by_stdin_filename(tmp_path: Path) -> None:
    text = (RUNNERS / "kubernetes-failures.yaml").read_text()
    result = run_dindcheck(["lint", "--stdin-filename", "rendered.yaml", "-", "--json"],
                           cwd=tmp_path, input_text=text)
    report = json.loads(result.stdout)
    shown = {(f["rule_id"], f["location"]["path"], f["location"].get("line"))
             for f in report["findings"]}
    assert ("DIND032", "rendered.yaml", 95) in shown  # YAML lines, under the given name


@pytest.mark.parametrize(
    ("argv", "text", "message"),
    [
        pytest.param(["--stdin-filename", "compose.yaml", "-"], "services:\n  a: {image: x}\n",
                     "compose input cannot be read from standard input", id="compose"),
        pytest.param(["--stdin-filename", "notes.txt", "-"], "hello\n",
                     "standard input named notes.txt is not an input", id="unknown"),
        pytest.param(["--max-file-size", "1K", "-"], "kind: List\nitems: []\n" + "#" * 2048,
                     "standard input holds more than 1024 bytes; not read (raise the cap "
                     "with --max-file-size", id="over-the-cap"),
        pytest.param(["-"], "", "standard input is empty: nothing was checked", id="empty"),
        pytest.param(["-"], " \n\t\n", "standard input is empty", id="blank"),
        pytest.param(["-"], "a: 1\n\x00", "binary file (NUL byte), not text", id="nul"),
    ],
)
def test_standard_input_that_cannot_be_read(argv: list[str], text: str, message: str,
                                            tmp_path: Path) -> None:
    result = run_dindcheck(["lint", *argv, "--json"], cwd=tmp_path, input_text=text)
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert [e["message"][:len(message)] for e in report["errors"]] == [message]
    assert len(result.stderr.strip().splitlines()) == 1


def test_stdin_filename_without_standard_input_is_a_usage_error(tmp_path: Path) -> None:
    result = run_dindcheck(["lint", "--stdin-filename", "x.yaml", str(RUNNERS)], cwd=tmp_path)
    assert result.returncode == 2
    assert "give - as a PATH" in result.stderr


def test_standard_input_has_its_own_default_cap() -> None:
    """A dump over the 10 MiB file cap is read whole from standard input."""
    pods = [{"kind": "Pod", "metadata": {"name": f"p{i}", "namespace": "ci",
                                         "annotations": {"pad": "x" * 4000}},
             "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
            for i in range(3000)]
    data = json.dumps({"kind": "List", "items": pods}).encode()
    assert len(data) > 10 * 2**20
    report = lint([Path("-")], RULES, jobs=1, environ={},
                  stdin=StdinInput(stream=io.BytesIO(data)))
    assert report.errors == ()
    assert report.targets[0].paths == ("-",)


# --- Helm charts ------------------------------------------------------------------------


def chart(root: Path, template: str, values: str = "replicaCount: 1\n") -> Path:
    folder = root / "charts" / "runners"
    (folder / "templates" / "tests").mkdir(parents=True)
    (folder / "Chart.yaml").write_text("apiVersion: v2\nname: runners\nversion: 0.1.0\n")
    (folder / "values.yaml").write_text(values)
    (folder / "templates" / "deployment.yaml").write_text(template)
    (folder / "templates" / "tests" / "connection.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}-test\n")
    return folder


TEMPLATE = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
            "spec:\n  template:\n    spec:\n      containers:\n        - name: {{ .Values.name }}\n"
            "          image: {{ .Values.image }}\n")


@pytest.mark.parametrize("walked", ["root", "chart", "templates"])
def test_a_chart_that_runs_dind_is_an_input_that_could_not_be_checked(
        tmp_path: Path, walked: str) -> None:
    folder = chart(tmp_path, TEMPLATE, values="image: docker:27.5.1-dind\nname: dind\n")
    start = {"root": tmp_path, "chart": folder, "templates": folder / "templates"}[walked]
    report = lint([start], RULES, jobs=1, environ={})
    assert [(e.path, e.line) for e in report.errors] == [(str(folder / "Chart.yaml"), 1)]
    assert "helm template" in report.errors[0].message
    assert "dind" in report.errors[0].message
    assert report.findings == ()


def test_a_chart_without_docker_is_noted_not_failed(tmp_path: Path) -> None:
    folder = chart(tmp_path, TEMPLATE, values="image: nginx:1.27\nname: web\n")
    report = lint([tmp_path], RULES, jobs=1, environ={})
    assert report.errors == ()
    assert [n for n in report.notes if n.startswith(str(folder))] == [
        f"{folder}: a Helm chart (3 file(s) of templates and values) that mentions no Docker "
        "daemon, socket or privileged container; not rendered and not checked (render it and "
        f"lint the output: `helm template {folder} | dindcheck lint -`)"]


def test_rendered_chart_output_on_standard_input() -> None:
    rendered = (DATA / "rendered-arc-scale-set.yaml").read_text()
    report = lint_text(rendered, None)  # read as Kubernetes objects by default
    assert {f.rule_id for f in report.findings} >= {"DIND001", "DIND012"}
    assert all(f.location.path == "-" and f.location.line for f in report.findings)
