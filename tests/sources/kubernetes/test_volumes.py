from __future__ import annotations

from pathlib import Path

import pytest

from dindcheck.sources.kubernetes.volumes import CONFIG
from dindcheck.workload import BIND, EMPTYDIR, PVC, TMPFS, UNKNOWN, VOLUME
from tests.sources.kubernetes.kube import at, facts, mount, notes, problems, read, workload

CLAIM = """\
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: cache, namespace: ci}
spec:
  accessModes: [%s]
  storageClassName: fast
  resources: {requests: {storage: 10Gi}}
"""


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def deployment(volume: str, mount_extra: str = "", replicas: int = 2, extra: str = "") -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: d, namespace: ci}}
spec:
  replicas: {replicas}
  template:
    spec:
      containers:
        - name: dind
          image: docker:27.3.1-dind
          volumeMounts:
            - name: data
              mountPath: /var/lib/docker/{mount_extra}
      volumes:
        - name: data
""" + (f"          {volume}\n" if volume else "") + extra


@pytest.mark.parametrize(
    ("volume", "expected"),
    [
        pytest.param("emptyDir: {}", (EMPTYDIR, "data", "emptydir:ci/d/data", False, True, False),
                     id="emptyDir"),
        pytest.param("emptyDir: {medium: Memory}",
                     (TMPFS, "data", "emptydir:ci/d/data", False, True, False), id="memory"),
        pytest.param("", (EMPTYDIR, "data", "emptydir:ci/d/data", False, True, False),
                     id="no-source-is-emptyDir"),
        pytest.param("hostPath: {path: /srv/docker/}",
                     (BIND, "/srv/docker", "bind:/srv/docker", True, False, False), id="hostPath"),
        pytest.param("hostPath: {path: /var/lib/docker}",
                     (BIND, "/var/lib/docker", "bind:/var/lib/docker", True, False, True),
                     id="node-data-root"),
        pytest.param("persistentVolumeClaim: {claimName: cache}",
                     (PVC, "cache", "pvc:ci/cache", True, False, False), id="claim"),
        pytest.param("ephemeral: {volumeClaimTemplate: {spec: {accessModes: [ReadWriteOnce]}}}",
                     (PVC, "data", "ephemeral:ci/d/data", False, True, False), id="ephemeral"),
        pytest.param("nfs: {server: nfs.example.com, path: /exports/docker}",
                     (VOLUME, "data", "nfs:nfs.example.com//exports/docker", True, False, False),
                     id="nfs"),
        pytest.param("csi: {driver: ebs.csi.aws.com, volumeHandle: vol-1}",
                     (VOLUME, "data", "csi:ebs.csi.aws.com:vol-1", True, False, False), id="csi"),
        pytest.param("configMap: {name: daemon-json}",
                     (CONFIG, "data", "configmap:ci/daemon-json", False, False, False),
                     id="configMap"),
        pytest.param("image: {reference: quay.io/x/y:1}",
                     (UNKNOWN, "data", None, False, False, False), id="image-volume"),
    ],
)
def test_each_volume_source_is_one_storage_identity(
        volume: str, expected: tuple[str, str | None, str | None, bool, bool, bool]) -> None:
    setup = read(deployment(volume))
    found = mount(workload(setup, "ci/d/dind"), "/var/lib/docker")
    assert (found.kind, found.source, found.storage, found.persistent, found.per_instance,
            found.into_outer_root) == expected
    assert found.field == "volumeMounts[0]"
    assert at(found.location) == ("m.yaml", 12, 15)
    assert problems(setup) == []


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("ReadWriteMany", "ReadWriteMany: every replica mounts it at once"),
        ("ReadWriteOnce", "ReadWriteOnce: replicas on one node mount it together"),
        ("ReadWriteOncePod", "ReadWriteOncePod: one pod at a time; other replicas stay Pending"),
    ],
)
def test_a_claims_access_modes_say_what_sharing_means(mode: str, expected: str) -> None:
    setup = read(deployment("persistentVolumeClaim: {claimName: cache}", extra=CLAIM % mode))
    found = facts(setup, "ci/d/dind").mounts[0]
    assert found.storage_class == "fast"
    assert mount(workload(setup, "ci/d/dind"), "/var/lib/docker").access_modes == (mode,)
    assert found.assumption is not None
    assert found.assumption.startswith(expected)
    assert mount(workload(setup, "ci/d/dind"), "/var/lib/docker").per_instance is False


def test_a_claim_not_in_the_input_is_read_as_shared() -> None:
    setup = read(deployment("persistentVolumeClaim: {claimName: cache}"))
    found = facts(setup, "ci/d/dind").mounts[0]
    assert mount(workload(setup, "ci/d/dind"), "/var/lib/docker").access_modes is None
    assert found.assumption is not None
    assert found.assumption.startswith(
        "the claim is not in the input; read as shared by every replica")


@pytest.mark.parametrize(
    ("strategy", "overlap"),
    [
        ("", True),
        ("  strategy: {type: Recreate}\n", False),
        ("  strategy: {rollingUpdate: {maxSurge: 0}}\n", False),
        ("  strategy: {rollingUpdate: {maxSurge: '0%'}}\n", False),
        ("  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}\n", True),
    ],
)
def test_a_rolling_update_mounts_a_claim_from_two_pods(strategy: str, overlap: bool) -> None:
    text = deployment("persistentVolumeClaim: {claimName: cache}", replicas=1,
                      extra=CLAIM % "ReadWriteOnce").replace("spec:\n  replicas: 1\n",
                                                             "spec:\n  replicas: 1\n" + strategy)
    setup = read(text)
    found = facts(setup, "ci/d/dind")
    assert workload(setup, "ci/d/dind").rollout_overlap is overlap
    assumption = found.mounts[0].assumption or ""
    assert assumption.endswith("while the old one still runs") is overlap


def test_sub_paths_are_folders_of_their_volume() -> None:
    setup = read("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - name: a
              image: docker:dind
              env:
                - name: POD_NAME
                  valueFrom: {fieldRef: {fieldPath: metadata.name}}
              volumeMounts:
                - {name: cache, mountPath: /var/lib/docker, subPath: a/}
                - {name: cache, mountPath: /b, subPath: b}
                - {name: node, mountPath: /c, subPathExpr: $(POD_NAME)}
          volumes:
            - {name: cache, persistentVolumeClaim: {claimName: c}}
            - {name: node, hostPath: {path: /srv}}
    """)
    item = workload(setup, "default/p/a")
    assert [(m.storage, m.per_instance) for m in item.mounts or ()] == [
        ("pvc:default/c/a", False), ("pvc:default/c/b", False),
        ("bind:/srv/$(POD_NAME)", True)]
    assert [m.sub_path for m in facts(setup, "default/p/a").mounts] == ["a/", "b", "$(POD_NAME)"]


def test_containers_of_one_pod_share_its_volumes() -> None:
    setup = read("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: ci}
        spec:
          containers:
            - name: client
              image: docker:cli
              volumeMounts: [{name: sock, mountPath: /var/run}]
            - name: dind
              image: docker:dind
              volumeMounts: [{name: sock, mountPath: /var/run, readOnly: true}]
          volumes: [{name: sock, emptyDir: {}}]
    """)
    client, dind = workload(setup, "ci/p/client"), workload(setup, "ci/p/dind")
    assert mount(client, "/var/run").storage == mount(dind, "/var/run").storage
    assert (mount(client, "/var/run").read_only, mount(dind, "/var/run").read_only) == (
        False, True)


@pytest.mark.parametrize(
    ("host_path", "sub_path", "source", "storage", "outer", "assumption"),
    [
        ("/var/lib", "docker", "/var/lib/docker", "bind:/var/lib/docker@n1", True,
         "the node's own Docker data root"),
        ("/var/lib", "", "/var/lib", "bind:/var/lib@n1", True,
         "a folder of the node that holds its Docker"),
        ("/", "", "/", "bind:/@n1", True, "a folder of the node that holds its Docker"),
        ("/srv", "cache", "/srv/cache", "bind:/srv/cache@n1", False,
         "a folder of the node: shared"),
    ],
)
def test_host_paths_and_the_nodes_data_root(host_path: str, sub_path: str, source: str,
                                             storage: str, outer: bool,
                                             assumption: str) -> None:
    sub = f", subPath: {sub_path}" if sub_path else ""
    setup = read(f"""
        apiVersion: v1
        kind: Pod
        metadata: {{name: p}}
        spec:
          nodeName: n1
          containers:
            - {{name: c, image: i, volumeMounts: [{{name: h, mountPath: /x{sub}}}]}}
          volumes: [{{name: h, hostPath: {{path: {host_path}}}}}]
    """)
    found = mount(workload(setup, "default/p/c"), "/x")
    assert (found.source, found.storage, found.into_outer_root) == (source, storage, outer)
    assert (facts(setup, "default/p/c").mounts[0].assumption or "").startswith(assumption)


def test_cluster_state_host_paths_are_each_nodes_own() -> None:
    setup = read("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          nodeName: node-7
          containers: [{name: c, image: busybox, volumeMounts: [{name: r, mountPath: /r}]}]
          volumes: [{name: r, hostPath: {path: /run}}]
    """)
    assert mount(workload(setup, "default/p/c"), "/r").storage == "bind:/run@node-7"


@pytest.mark.parametrize(
    ("text", "expected_problem", "expected_note"),
    [
        pytest.param("containers: [{name: c, image: i, volumeMounts: [{name: x, mountPath: /x}]}]",
                     None, "m.yaml:4: volume 'x' is not a volume of the pod", id="missing"),
        pytest.param("containers: [{name: c, image: i, volumeMounts: [{name: x, mountPath: x}]}]\n"
                     "  volumes: [{name: x, emptyDir: {}}]",
                     "m.yaml:4:61: mountPath must be an absolute path, not 'x'", None,
                     id="relative-target"),
        pytest.param("containers: [{name: c, image: i, volumeMounts: [{name: x, mountPath: /x}]}]\n"
                     "  volumes: [{name: x, hostPath: {path: rel}}]",
                     "m.yaml:5:23: hostPath.path must be an absolute path, not 'rel'", None,
                     id="relative-host-path"),
        pytest.param("containers: [{name: c, image: i, volumeMounts: [{name: x, mountPath: /x}]}]\n"
                     "  volumes: [{name: x, emptyDir: {}}, {name: x, hostPath: {path: /}}]",
                     None, "m.yaml:5: volume 'x' is defined twice in the pod", id="twice"),
        pytest.param("containers: [{name: c, image: i, volumeMounts: "
                     "[{name: x, mountPath: /x, readOnly: 'yes'}]}]\n"
                     "  volumes: [{name: x, emptyDir: {}}]",
                     "m.yaml:4:76: readOnly must be true or false, not the string 'yes'", None,
                     id="read-only-string"),
    ],
)
def test_broken_mounts_are_said_where_they_are(text: str, expected_problem: str | None,
                                               expected_note: str | None) -> None:
    setup = read(f"apiVersion: v1\nkind: Pod\nspec:\n  {text}\n")
    assert problems(setup) == ([expected_problem] if expected_problem else [])
    if expected_note:
        assert expected_note in notes(setup)


@pytest.mark.parametrize(("host_path_type", "missing"), [
    ("", "create-directory"),
    (", type: ''", "create-directory"),
    (", type: DirectoryOrCreate", "create-directory"),
    (", type: FileOrCreate", "create-file"),
    (", type: Socket", "fail"),
    (", type: Directory", "fail"),
])
def test_what_a_missing_host_path_becomes(host_path_type: str, missing: str) -> None:
    setup = read(deployment(f"hostPath: {{path: /var/run/docker.sock{host_path_type}}}"))
    found = mount(workload(setup, "ci/d/dind"), "/var/lib/docker")
    assert (found.kind, found.source, found.missing_source) == (
        BIND, "/var/run/docker.sock", missing)


@pytest.mark.parametrize(("volume", "size", "modes"), [
    ("emptyDir: {sizeLimit: 30Gi}", 30 * 2**30, None),
    ("emptyDir: {medium: Memory, sizeLimit: 512Mi}", 512 * 2**20, None),
    ("emptyDir: {}", None, None),
    ("ephemeral: {volumeClaimTemplate: {spec: {accessModes: [ReadWriteOncePod]}}}", None,
     ("ReadWriteOncePod",)),
    ("nfs: {server: nfs.example.com, path: /x}", None, None),
])
def test_size_limits_and_access_modes(volume: str, size: int | None,
                                      modes: tuple[str, ...] | None) -> None:
    found = mount(workload(read(deployment(volume)), "ci/d/dind"), "/var/lib/docker")
    assert (found.size_limit, found.access_modes, found.missing_source) == (size, modes, None)
