"""Real configurations from public repositories (../shared/corpus), through the installed
command: no crash, true findings, and nothing passed off as checked that was not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.repo import CORPUS, corpus_files, require, run_dindcheck

FILES = corpus_files()

# Corpus folders of the input kinds dindcheck reads (as the source it should pick); the
# files of any other folder must say that nothing was linted.
UNDERSTOOD = {"compose": "compose", "gitlab-ci": "gitlab-ci",
              "github-actions": "github-actions", "kubernetes": "kubernetes",
              "scripts": "shell"}

# Corpus files that are not an input of their folder's kind: they must say nothing was read.
NOT_INPUTS = {
    "arc-gha-runner-scale-set-helpers.tpl": "an unrendered Helm template",
    "drone-runner-docker-deployment.tpl.yaml": "an unrendered Helm template",
    "drone-runner-docker-values.yaml": "Helm chart values, not manifests",
}

# (rule, service) pairs each compose file must produce, and pairs it must not.
EXPECTED = {
    "awesome-compose-portainer.yaml": ({("DIND009", "portainer")}, set()),
    "concourse-docker-compose.yml": (set(), {("DIND007", "worker")}),
    "dockprom-cadvisor-privileged.yml": ({("DIND009", "cadvisor")}, {("DIND007", "cadvisor")}),
    "gitlab-runner-dind-sergei-zachesov.yml": (
        {("DIND010", "dind"), ("DIND014", "runner")}, {("DIND011", "runner")}),
    "jasongrace-dind-basic-tls.compose.yaml": (
        {("DIND016", "docker"), ("DIND005", "docker")},
        {("DIND011", "client"), ("DIND010", "docker")}),
    "jenkins-dockerdind-commented-dind.yml": (set(), {("DIND001", "jenkins"),
                                                      ("DIND008", "jenkins")}),
    "kestra-dind-rootless.yml": ({("DIND012", "dind"), ("DIND007", "dind")},
                                 {("DIND009", "kestra")}),
    "openclaw-dind-overlay.yml": ({("DIND012", "dind"), ("DIND010", "dind")},
                                  {("DIND011", "openclaw-gateway"),
                                   ("DIND014", "openclaw-gateway")}),
    "patharanordev-dind-privileged-yes.yml": ({("DIND007", "dind"), ("DIND012", "dind")},
                                              {("DIND010", "dind")}),
    "swe-fac-plus-dind-plus-host-sock.yml": ({("DIND009", "swe-factory-dind"),
                                              ("DIND007", "swe-factory-dind")}, set()),
}

# (rule, namespace/workload/container) pairs each Kubernetes file must produce, and pairs it
# must not; every file of the folder has an entry (test_every_kubernetes_file_has_expectations).
ARGO_DIND = "default/sidecar-dind-.dind-sidecar-example/dind"
BUILD_IMAGE = "default/jenkins-shared-lib-buildImage"
TIFLASH = "default/pingcap-tiflash-pod-dind-ephemeral-pvc"
KUBERNETES_EXPECTED: dict[str, tuple[set[tuple[str, str]], set[tuple[str, str]]]] = {
    "arc-gha-runner-scale-set-helpers.tpl": (set(), set()),  # not an input (NOT_INPUTS)
    # dockerdWithinRunnerContainer is a placeholder: whether dockerd runs is not known.
    "arc-runnerdeploy-rootless.envsubst.yaml": (set(), {("DIND001", "default/${NAME}/runner")}),
    # One claim per replica (volumeClaimTemplates): no shared data root, no Multi-Attach.
    "arc-runnerset-var-lib-docker-pvc.envsubst.yaml": (
        set(), {("DIND004", "default/${NAME}/runner"), ("DIND034", "default/${NAME}/runner")}),
    # The image's VOLUME is left to the runtime; the entrypoint written out still serves
    # plain TCP; Argo kills its sidecars when main exits.
    "argo-workflows-sidecar-dind.yaml": (
        {("DIND001", ARGO_DIND), ("DIND007", ARGO_DIND), ("DIND010", ARGO_DIND)},
        {("DIND030", ARGO_DIND), ("DIND031", ARGO_DIND)}),
    # A monitor: the host's socket folder, but the node's data root only read-only.
    "cadvisor-daemonset.yaml": ({("DIND009", "cadvisor/cadvisor/cadvisor")},
                                {("DIND033", "cadvisor/cadvisor/cadvisor"),
                                 ("DIND007", "cadvisor/cadvisor/cadvisor")}),
    # A command that is not the image's flags: no daemon is seen.
    "cruizba-ubuntu-dind-pod.yaml": (set(), {("DIND030", "default/docker-dind/ubuntu-dind")}),
    # One daemon on the RWO claim, Recreate: not shared, no Multi-Attach; stopped with its
    # proxy.
    "dind-nurse-deployment-pvc.yaml": (
        {("DIND010", "default/dind/dind"), ("DIND031", "default/dind/dind")},
        {("DIND004", "default/dind/dind"), ("DIND034", "default/dind/dind"),
         ("DIND012", "default/dind/dind")}),
    "drone-runner-docker-deployment.tpl.yaml": (set(), set()),  # not an input (NOT_INPUTS)
    "drone-runner-docker-values.yaml": (set(), set()),  # not an input (NOT_INPUTS)
    "gitea-act-runner-dind-docker.yaml": (
        {("DIND001", "default/act-runner/daemon"), ("DIND031", "default/act-runner/daemon")},
        {("DIND011", "default/act-runner/runner"), ("DIND014", "default/act-runner/runner")}),
    "gitea-act-runner-rootless-docker.yaml": (
        {("DIND001", "default/act-runner/runner"), ("DIND007", "default/act-runner/runner")},
        set()),
    # Jenkins deletes the agent pod when the build ends: no stop-order warning.
    "jenkins-k8s-plugin-dind.groovy": (
        {("DIND001", "default/jenkins-k8s-plugin-dind/docker-daemon")},
        {("DIND031", "default/jenkins-k8s-plugin-dind/docker-daemon"),
         ("DIND030", "default/jenkins-k8s-plugin-dind/docker-daemon")}),
    "jenkins-k8s-plugin-dood.groovy": (
        {("DIND009", "default/jenkins-k8s-plugin-dood/docker"),
         ("DIND038", "default/jenkins-k8s-plugin-dood/docker")}, set()),
    # `docker` untagged is docker:latest, the dind variant: an unprivileged daemon.
    "jenkins-shared-lib-buildImage.groovy": (
        {("DIND008", f"{BUILD_IMAGE}/docker"), ("DIND012", f"{BUILD_IMAGE}/docker"),
         ("DIND010", f"{BUILD_IMAGE}/dind"), ("DIND035", f"{BUILD_IMAGE}/dind"),
         ("DIND014", f"{BUILD_IMAGE}/docker")},
        {("DIND001", f"{BUILD_IMAGE}/dind")}),
    # A native sidecar on a per-pod claim: nothing about completion, storage or stop order.
    "pingcap-prow-tidb-operator-presubmits-anchors.yaml": (
        {("DIND007", "default/pull-e2e/dind-daemon")},
        {("DIND030", "default/pull-e2e/dind-daemon"), ("DIND031", "default/pull-e2e/dind-daemon"),
         ("DIND001", "default/pull-e2e/dind-daemon"), ("DIND004", "default/pull-e2e/dind-daemon")}),
    "pingcap-tiflash-pod-dind-ephemeral-pvc.yaml": (
        {("DIND010", f"{TIFLASH}/dockerd"), ("DIND014", f"{TIFLASH}/docker"),
         ("DIND031", f"{TIFLASH}/dockerd")},
        {("DIND001", f"{TIFLASH}/dockerd"), ("DIND004", f"{TIFLASH}/dockerd")}),
    "pingcap-tiflow-docker-registry-mirror.groovy": (
        {("DIND001", "jenkins-cd/dinp/docker"), ("DIND010", "jenkins-cd/dinp/docker"),
         ("DIND012", "jenkins-cd/dinp/docker")}, set()),
    # The daemon the runner runs itself, as dockerdWithinRunnerContainer declares.
    "spring-stream-arc-runnerdeployment-dockerd-within.yaml": (
        {("DIND001", "default/runners-stream-ci-large/runner"),
         ("DIND007", "default/runners-stream-ci-large/runner")}, set()),
    # An installer, not dind: the host's /run, and the node's /var/lib writable.
    "sysbox-install-daemonset.yaml": (
        {("DIND009", "kube-system/sysbox-deploy-k8s/sysbox-deploy-k8s"),
         ("DIND033", "kube-system/sysbox-deploy-k8s/sysbox-deploy-k8s")},
        {("DIND007", "kube-system/sysbox-deploy-k8s/sysbox-deploy-k8s"),
         ("DIND008", "kube-system/sysbox-deploy-k8s/sysbox-deploy-k8s")}),
    # The step waits for the sidecar's readiness, but the probe only looks for a file.
    "tekton-dind-sidecar-taskrun.yaml": (
        {("DIND002", "default/dind-sidecar-/server"), ("DIND014", "default/dind-sidecar-/client"),
         ("DIND001", "default/dind-sidecar-/server")},
        {("DIND011", "default/dind-sidecar-/client"), ("DIND030", "default/dind-sidecar-/server")}),
}


def lint_one(path: Path, cwd: Path) -> tuple[int, dict[str, Any], str]:
    result = run_dindcheck(["lint", str(path), "--json"], cwd=cwd)
    return result.returncode, json.loads(result.stdout), result.stderr


def test_corpus_is_present() -> None:
    require(bool(FILES), f"no corpus under {CORPUS}")


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_corpus_file_is_processed(path: Path, tmp_path: Path) -> None:
    code, report, err = lint_one(path, tmp_path)
    assert code in (0, 1, 2), err
    assert report["summary"]["exit_code"] == code
    assert len(err.strip().splitlines()) <= 1, err  # one reason line, never a traceback
    if code == 2:
        assert report["errors"], "exit 2 must come with an error entry"
        assert all(e["path"] == str(path) for e in report["errors"])
    kind = UNDERSTOOD.get(path.parent.name)
    if kind is not None and path.name not in NOT_INPUTS:
        assert kind in {i["kind"] for i in report["inputs"]}, "read by its source"
    else:
        subjects = sum(t["subjects"] for t in report["inputs"])
        assert subjects == 0
        said = report["errors"] or [n for n in report["notes"] if "nothing was linted" in n]
        assert said, "a file nothing was understood of must say so"


@pytest.mark.parametrize("name", EXPECTED)
def test_compose_corpus_findings(name: str, tmp_path: Path) -> None:
    path = CORPUS / "compose" / name
    require(path.is_file(), f"{path} is not present")
    code, report, _ = lint_one(path, tmp_path)
    assert code in (0, 1)
    got = {(f["rule_id"], f["subject"]["name"]) for f in report["findings"]}
    present, absent = EXPECTED[name]
    assert present <= got
    assert not (absent & got)


def test_every_kubernetes_file_has_expectations() -> None:
    files = corpus_files("kubernetes")
    require(bool(files), f"no Kubernetes corpus under {CORPUS}")
    assert sorted(p.name for p in files) == sorted(KUBERNETES_EXPECTED)


@pytest.mark.parametrize("name", KUBERNETES_EXPECTED)
def test_kubernetes_corpus_findings(name: str, tmp_path: Path) -> None:
    path = CORPUS / "kubernetes" / name
    require(path.is_file(), f"{path} is not present")
    code, report, _ = lint_one(path, tmp_path)
    got = {(f["rule_id"], f["subject"]["name"]) for f in report["findings"]}
    present, absent = KUBERNETES_EXPECTED[name]
    assert present <= got, sorted(present - got)
    assert not (absent & got), sorted(absent & got)
    if name in NOT_INPUTS:
        assert got == set()  # what is said instead: test_every_corpus_file_is_processed
    elif not report["errors"]:
        assert code == (1 if any(f["severity"] == "error" for f in report["findings"]) else 0)


# (rule, subject) pairs each GitLab CI, Actions and script file must produce, and pairs
# it must not (linted without a runner config: privilege is unknown).
EXPECTED_SOURCES = {
    "gitlab-ci/gitlab-ci-multi-runner-2016.gitlab-ci.yml": (
        {("DIND011", "Development"), ("DIND013", "Development/docker"),
         ("DIND012", "Development/docker")},
        # each job reaches its own service, never another job's
        {("DIND011", "Development/docker"), ("DIND007", "Development/docker"),
         ("DIND008", "Development/docker"), ("DIND021", "Development")}),
    "gitlab-ci/gitlab-global-anchors-use-docker-in-docker.gitlab-ci.yml": (
        {("DIND010", ".use-docker-in-docker/docker")},
        {("DIND011", ".use-docker-in-docker"), ("DIND012", ".use-docker-in-docker/docker"),
         ("DIND009", ".use-buildx/gitlab-global-anchors-use-docker-in-docker.gitlab-ci.yml:574")}),
    "gitlab-ci/gitlab-runner-common.gitlab-ci.yml": (
        {("DIND005", ".docker/docker")}, {("DIND025", ".docker"), ("DIND012", ".docker/docker")}),
    "gitlab-ci/gitlab-template-Auto-Build-tls-false.gitlab-ci.yml": (
        {("DIND010", "build/docker")}, {("DIND011", "build")}),
    "gitlab-ci/gitlab-template-Code-Quality-stable-dind.gitlab-ci.yml": (
        {("DIND010", "code_quality/docker"), ("DIND012", "code_quality/docker")},
        {("DIND009", "code_quality/gitlab-template-Code-Quality-stable-dind.gitlab-ci.yml:19"),
         ("DIND011", "code_quality")}),
    "gitlab-ci/gitlab-template-Docker-latest-dind.gitlab-ci.yml": (
        {("DIND012", "build/docker"), ("DIND012", "build-master/docker")},
        {("DIND011", "build"), ("DIND021", "build")}),
    "gitlab-ci/gitlab-template-Load-Performance-Testing.gitlab-ci.yml": (
        {("DIND010", "load_performance/docker")}, {("DIND011", "load_performance")}),
    "gitlab-ci/mender-integration-default-pipeline.gitlab-ci.yml": (
        set(), {("DIND001", "test:integration-tests:requirements"),
                ("DIND012", "test:integration-tests:requirements")}),
    "gitlab-ci/mender-integration-full-integration-template.gitlab-ci.yml": (
        {("DIND005", "test:integration:$CI_NODE_INDEX")},
        {("DIND001", "test:integration:$CI_NODE_INDEX"),
         ("DIND012", "test:integration:$CI_NODE_INDEX")}),
    "gitlab-ci/omnibus-gitlab-dind-config-registry-mirror.yml": (
        {("DIND014", ".dind")},
        # the image and its TLS default come from another file
        {("DIND001", ".dind/docker"), ("DIND011", ".dind"), ("DIND012", ".dind/docker")}),
    "gitlab-ci/sshoc-marketplace-backend.gitlab-ci.yml": (
        {("DIND010", "build/docker"), ("DIND012", "build/docker")},
        # DOCKER_DRIVER: overlay2 names a graph driver: the legacy store on every version
        {("DIND011", "build"), ("DIND021", "build"), ("DIND020", "build/docker")}),
    "github-actions/a-magdy-dind-container-jobs.yml": (
        {("DIND022", "dind-run-image-fails"), ("DIND009", "dind-run-image-fails")},
        {("DIND001", "dind-run-image-fails"), ("DIND005", "dind-run-image-fails")}),
    "github-actions/eoap-how-to-dind-named-no-dind.yaml": (set(), {("DIND022", "build")}),
    "github-actions/joschi-dind-job-container.yml": (
        {("DIND022", "dind"), ("DIND009", "dind")}, {("DIND001", "dind"), ("DIND010", "dind")}),
    "github-actions/opencopilot-ci-docker-cli-as-service.yml": (
        set(), {("DIND007", "build/docker"), ("DIND005", "build/docker")}),
    "github-actions/testcontainers-java-docker-wormhole.yml": (
        {("DIND009", "in-docker_test/testcontainers-java-docker-wormhole.yml:50")}, set()),
    "github-actions/trendminer-example-services-dind-service.yml": (
        {("DIND008", "container-job/docker"), ("DIND023", "container-job/steps[2]")},
        {("DIND008", "container-job/steps[2]"), ("DIND010", "container-job/steps[2]"),
         ("DIND009", "container-job/steps[2]")}),
    "scripts/cruizba-ubuntu-dind-test.sh": (
        set(), {("DIND009", "cruizba-ubuntu-dind-test.sh:153")}),
    "scripts/docker-py-Makefile": (
        {("DIND010", "dpy-dind"), ("DIND007", "dpy-dind"), ("DIND009", "docker-py-Makefile:73")},
        {("DIND010", "dpy-dind-ssl")}),
    "scripts/gitlab-runner-test-installation-privileged-init.sh": (
        set(), {("DIND007", "test"), ("DIND008", "test")}),
    "scripts/k3d-local-test-remote-docker-tls.sh": (
        {("DIND007", "k3dlocaltestdindsec")}, {("DIND010", "k3dlocaltestdindsec")}),
    "scripts/lattebreak-run-dind.sh": (
        {("DIND010", "docker"), ("DIND012", "docker"), ("DIND007", "docker")}, set()),
    "scripts/weave-in-docker-run-vfs-nethost.sh": (
        {("DIND002", "inner-docker"), ("DIND010", "inner-docker"), ("DIND015", "inner-docker")},
        set()),
}


@pytest.mark.parametrize("name", EXPECTED_SOURCES)
def test_source_corpus_findings(name: str, tmp_path: Path) -> None:
    path = CORPUS / name
    require(path.is_file(), f"{path} is not present")
    code, report, _ = lint_one(path, tmp_path)
    assert code in (0, 1)
    got = {(f["rule_id"], f["subject"]["name"]) for f in report["findings"]}
    present, absent = EXPECTED_SOURCES[name]
    assert present <= got, got
    assert not (absent & got), got


def test_every_source_corpus_file_is_expected() -> None:
    listed = {f"{p.parent.name}/{p.name}" for p in FILES
              if p.parent.name in ("gitlab-ci", "github-actions", "scripts")}
    require(bool(listed), f"no corpus under {CORPUS}")
    assert listed <= set(EXPECTED_SOURCES) | {"scripts/sysbox-kindbox.sh",
                                               "scripts/k3d-tests-dind.sh"}
