from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from dindcheck.reading import read_text
from dindcheck.sources.compose import files as compose_files
from dindcheck.sources.compose.dockerfile import ImageConfig
from dindcheck.sources.compose.files import (
    ComposeProject,
    as_mapping,
    depends_on_mapping,
    load_project,
    merge_service,
    volume_target,
)
from dindcheck.sources.compose.interpolate import Interpolated
from dindcheck.sources.compose.merge import unique_service
from dindcheck.yamlload import Mark, PosDict, PosList, load_text
from tests.repo import CORPUS as SHARED_CORPUS

DATA = Path(__file__).parent / "data"
CORPUS = SHARED_CORPUS / "compose"

At = tuple[str, int, int]


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Work in tmp_path so that files (and marks) have short relative paths."""
    monkeypatch.chdir(tmp_path)


def write(name: str, text: str) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def load(*files: tuple[str, str], environ: dict[str, str] | None = None) -> ComposeProject:
    return load_project([write(name, text) for name, text in files], environ=environ or {})


def at(mark: Mark | None) -> At | None:
    return None if mark is None else (mark.path, mark.line, mark.column)


def service(body: str) -> str:
    """A file with one service ``s`` whose body starts on line 3, keys at column 5."""
    return "services:\n  s:\n" + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ")


def marks_of(value: Any) -> Any:
    if isinstance(value, PosDict):
        return {k: at(value.key_marks.get(k)) for k in value}
    if isinstance(value, PosList):
        return [at(value.item_mark(i)) for i in range(len(value))]
    return None


# --- one file -------------------------------------------------------------------------


def test_single_file_values_marks_and_name() -> None:
    project = load(("app/compose.yml", service("""
        image: docker:dind
        privileged: true
    """)))
    assert project.name == "app"
    assert project.files == ("app/compose.yml",)
    assert project.problems == ()
    assert project.services == {"s": {"image": "docker:dind", "privileged": True}}
    s = project.services["s"]
    assert at(s.key_marks["privileged"]) == ("app/compose.yml", 4, 5)
    assert at(getattr(project.services, "key_marks", {})["s"]) == ("app/compose.yml", 2, 3)


@pytest.mark.parametrize(
    ("files", "environ", "expected"),
    [
        pytest.param([("d/compose.yml", "name: given\n")], {}, "given", id="name-key"),
        pytest.param([("d/compose.yml", "services: {}\n")], {}, "d", id="folder"),
        pytest.param([("d/a.yml", "name: one\n"), ("e/b.yml", "name: two\n")], {}, "two",
                     id="later-file-wins"),
        pytest.param([("d/a.yml", "name: one\n"), ("e/b.yml", "services: {}\n")], {}, "one",
                     id="kept-when-not-overridden"),
        pytest.param([("d/a.yml", "name: ${N:-dflt}\n")], {"N": "env"}, "env",
                     id="interpolated"),
    ],
)
def test_project_name(files: list[tuple[str, str]], environ: dict[str, str],
                      expected: str) -> None:
    assert load(*files, environ=environ).name == expected


def test_empty_file_is_an_empty_project() -> None:
    project = load(("compose.yml", ""))
    assert (project.services, project.volumes, project.problems) == ({}, {}, ())


def test_no_files() -> None:
    project = load_project([], environ={})
    assert (project.name, project.files, project.services) == ("", (), {})


def test_values_stay_as_written() -> None:
    project = load(("c.yml", service("""
        command: dockerd --tls=false
        entrypoint: [sh, -c]
        environment:
          - A=1
        ports: ["2375:2375"]
        deploy: {replicas: 3}
        network_mode: host
        volumes_from: [other]
    """) + "\n  other: {image: x}\n"))
    s = project.services["s"]
    assert s["command"] == "dockerd --tls=false"
    assert s["entrypoint"] == ["sh", "-c"]
    assert s["environment"] == {"A": "1"}  # a list becomes compose's mapping
    assert at(s["environment"].key_marks["A"]) == ("c.yml", 6, 9)
    assert s["ports"] == [{"target": 2375, "published": "2375", "protocol": "tcp",
                           "mode": "ingress"}]
    assert at(s["ports"].item_mark(0)) == ("c.yml", 7, 13)
    assert s["deploy"] == {"replicas": 3}
    assert (s["network_mode"], s["volumes_from"]) == ("host", ["other"])


STARTED = {"condition": "service_started", "required": True}
OTHERS = "\n  db: {image: db}\n  dind: {image: docker:dind}\n"


@pytest.mark.parametrize(
    ("body", "expected", "marks"),
    [
        pytest.param("depends_on: [db, dind]", {"db": STARTED, "dind": STARTED},
                     {"db": ("c.yml", 3, 18), "dind": ("c.yml", 3, 22)}, id="list"),
        pytest.param("depends_on:\n  db:\n    condition: service_healthy\n  dind: {}\n",
                     {"db": {"condition": "service_healthy", "required": True},
                      "dind": STARTED},
                     {"db": ("c.yml", 4, 7), "dind": ("c.yml", 6, 7)}, id="mapping"),
        pytest.param("depends_on:\n  db:\n    restart: true\n",
                     {"db": {"restart": True, **STARTED}},
                     {"db": ("c.yml", 4, 7)}, id="mapping-without-condition"),
        pytest.param("links: [db:database]\nvolumes_from: [dind:ro]\nnetwork_mode: service:db",
                     {"db": {**STARTED, "restart": True},
                      "dind": {**STARTED, "restart": False}},
                     {"db": ("c.yml", 3, 13), "dind": ("c.yml", 4, 20)}, id="implied"),
    ],
)
def test_depends_on_is_a_mapping(body: str, expected: dict[str, Any],
                                 marks: dict[str, At]) -> None:
    project = load(("c.yml", service(body) + OTHERS))
    assert project.problems == ()
    deps = project.services["s"]["depends_on"]
    assert isinstance(deps, PosDict)
    assert deps == expected
    assert marks_of(deps) == marks
    for name, entry in deps.items():
        assert at(entry.key_marks["condition"]) is not None, name


def test_depends_on_mapping_in_canonical_form_is_unchanged() -> None:
    data = load_text("a:\n  condition: service_healthy\n  required: false\n", "c.yml")
    assert depends_on_mapping(data, None) is data
    assert depends_on_mapping("bad", None) is None


# --- merging several files --------------------------------------------------------------

MERGES = [
    pytest.param("image: a:1", "image: b:2", "image", "b:2", None, ("b.yml", 3, 5),
                 id="scalar-replaced"),
    pytest.param('command: ["x", "y"]', 'command: ["z"]', "command", ["z"],
                 [("b.yml", 3, 15)], ("b.yml", 3, 5), id="command-replaced"),
    pytest.param("entrypoint: [sh, -c]", "entrypoint: dockerd-entrypoint.sh", "entrypoint",
                 "dockerd-entrypoint.sh", None, ("b.yml", 3, 5), id="entrypoint-replaced"),
    pytest.param("healthcheck:\n  test: [CMD, a]\n  interval: 5s",
                 "healthcheck:\n  test: [CMD, b]", "healthcheck",
                 {"test": ["CMD", "b"], "interval": "5s"},
                 {"test": ("b.yml", 4, 7), "interval": ("a.yml", 5, 7)}, ("b.yml", 3, 5),
                 id="healthcheck-test-replaced"),
    pytest.param("environment:\n  - A=1\n  - B=2", "environment:\n  B: three\n  C: '4'",
                 "environment", {"A": "1", "B": "three", "C": "4"},
                 {"A": ("a.yml", 4, 9), "B": ("b.yml", 4, 7), "C": ("b.yml", 5, 7)},
                 ("b.yml", 3, 5), id="environment-list-then-mapping"),
    pytest.param("environment:\n  A: 1", "environment:\n  - A=2\n  - FLAG", "environment",
                 {"A": "2", "FLAG": None}, {"A": ("b.yml", 4, 9), "FLAG": ("b.yml", 5, 9)},
                 ("b.yml", 3, 5), id="environment-mapping-then-list"),
    pytest.param("labels:\n  - com.x=1", "labels:\n  com.y: '2'", "labels",
                 {"com.x": "1", "com.y": "2"},
                 {"com.x": ("a.yml", 4, 9), "com.y": ("b.yml", 4, 7)}, ("b.yml", 3, 5),
                 id="labels"),
    pytest.param("extra_hosts:\n  - host.docker.internal:host-gateway\n  - a=1.1.1.1",
                 "extra_hosts:\n  a: 2.2.2.2", "extra_hosts",
                 {"host.docker.internal": "host-gateway", "a": "2.2.2.2"},
                 {"host.docker.internal": ("a.yml", 4, 9), "a": ("b.yml", 4, 7)},
                 ("b.yml", 3, 5), id="extra-hosts"),
    pytest.param("sysctls:\n  - net.a=1", "sysctls:\n  net.a: 0", "sysctls", {"net.a": 0},
                 {"net.a": ("b.yml", 4, 7)}, ("b.yml", 3, 5), id="sysctls"),
    pytest.param("ulimits:\n  nproc: 65535\n  nofile:\n    soft: 1\n    hard: 2",
                 "ulimits:\n  nofile:\n    soft: 3", "ulimits",
                 {"nproc": 65535, "nofile": {"soft": 3}},
                 {"nproc": ("a.yml", 4, 7), "nofile": ("b.yml", 4, 7)}, ("b.yml", 3, 5),
                 id="ulimits-entry-replaced"),
    pytest.param(
        "volumes:\n  - /var/run/docker.sock:/var/run/docker.sock\n  - data:/data:rw\n"
        "  - /cache",
        "volumes:\n  - type: bind\n    source: ./data\n    target: /data\n    read_only: true\n"
        "  - other:/cache\n  - logs:/logs",
        "volumes",
        ["/var/run/docker.sock:/var/run/docker.sock",
         {"type": "bind", "source": "./data", "target": "/data", "read_only": True},
         "other:/cache", "logs:/logs"],
        [("a.yml", 4, 9), ("b.yml", 4, 9), ("b.yml", 8, 9), ("b.yml", 9, 9)],
        ("b.yml", 3, 5), id="volumes-by-target"),
    pytest.param(
        "secrets:\n  - token\n  - source: cert\n    target: /certs/c",
        "secrets:\n  - source: other\n    target: /run/secrets/token\n"
        "  - source: cert2\n    target: /certs/c",
        "secrets",
        [{"source": "other", "target": "/run/secrets/token"},
         {"source": "cert2", "target": "/certs/c"}],
        [("b.yml", 4, 9), ("b.yml", 6, 9)], ("b.yml", 3, 5), id="secrets-by-target"),
    pytest.param("configs:\n  - conf", "configs:\n  - source: conf\n  - other", "configs",
                 [{"source": "conf"}, "other"], [("b.yml", 4, 9), ("b.yml", 5, 9)],
                 ("b.yml", 3, 5), id="configs-by-target"),
    pytest.param("ports:\n  - '2375:2375'\n  - 8080",
                 "ports:\n  - '2375:2375'\n  - '2376:2376'\n  - 8080", "ports",
                 [{"target": 2375, "published": "2375", "protocol": "tcp", "mode": "ingress"},
                  {"target": 8080, "protocol": "tcp", "mode": "ingress"},
                  {"target": 2376, "published": "2376", "protocol": "tcp", "mode": "ingress"}],
                 [("b.yml", 4, 9), ("b.yml", 6, 9), ("b.yml", 5, 9)], ("b.yml", 3, 5),
                 id="ports-unique"),
    pytest.param("dns: 1.1.1.1", "dns:\n  - 8.8.8.8", "dns", ["1.1.1.1", "8.8.8.8"],
                 [("a.yml", 3, 5), ("b.yml", 4, 9)], ("b.yml", 3, 5), id="dns-scalar-appended"),
    pytest.param("tmpfs: /run", "tmpfs: [/tmp, /run]", "tmpfs", ["/run", "/tmp"],
                 [("b.yml", 3, 19), ("b.yml", 3, 13)], ("b.yml", 3, 5), id="tmpfs"),
    pytest.param("cap_add: [SYS_ADMIN, NET_ADMIN]", "cap_add: [SYS_ADMIN, SYS_PTRACE]",
                 "cap_add", ["SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE"], None, ("b.yml", 3, 5),
                 id="cap-add-unique"),
    pytest.param("security_opt: [seccomp=unconfined]", "security_opt: [apparmor=unconfined]",
                 "security_opt", ["seccomp=unconfined", "apparmor=unconfined"],
                 [("a.yml", 3, 20), ("b.yml", 3, 20)], ("b.yml", 3, 5),
                 id="security-opt-appended"),
    pytest.param("devices:\n  - /dev/fuse:/dev/fuse",
                 "devices:\n  - /dev/fuse2:/dev/fuse\n  - /dev/kvm", "devices",
                 ["/dev/fuse2:/dev/fuse", "/dev/kvm"], None, ("b.yml", 3, 5),
                 id="devices-by-target"),
    pytest.param("depends_on: [db]", "depends_on:\n  dind:\n    condition: service_healthy",
                 "depends_on",
                 {"db": STARTED, "dind": {"condition": "service_healthy", "required": True}},
                 {"db": ("a.yml", 3, 18), "dind": ("b.yml", 4, 7)}, ("b.yml", 3, 5),
                 id="depends-on-list-and-mapping"),
    pytest.param("depends_on:\n  dind:\n    condition: service_started\n    restart: true",
                 "depends_on:\n  dind:\n    condition: service_healthy", "depends_on",
                 {"dind": {"condition": "service_healthy", "restart": True, "required": True}},
                 {"dind": ("b.yml", 4, 7)}, ("b.yml", 3, 5), id="depends-on-condition"),
    pytest.param("depends_on:\n  dind:\n    condition: service_healthy",
                 "depends_on:\n  dind:\n    restart: true", "depends_on",
                 {"dind": {"condition": "service_healthy", "restart": True, "required": True}},
                 {"dind": ("b.yml", 4, 7)}, ("b.yml", 3, 5),
                 id="depends-on-entry-without-condition-keeps-it"),
    pytest.param("depends_on:\n  dind:\n    condition: service_healthy",
                 "depends_on: [dind]", "depends_on", {"dind": STARTED},
                 {"dind": ("b.yml", 3, 18)}, ("b.yml", 3, 5),
                 id="depends-on-list-entry-is-started"),
    pytest.param("networks: [front]", "networks:\n  back:\n    aliases: [b]", "networks",
                 {"front": None, "back": {"aliases": ["b"]}},
                 {"front": ("a.yml", 3, 16), "back": ("b.yml", 4, 7)}, ("b.yml", 3, 5),
                 id="networks"),
    pytest.param("build: ./app", "build:\n  dockerfile: Dockerfile.dev", "build",
                 {"context": "./app", "dockerfile": "Dockerfile.dev"},
                 {"context": ("a.yml", 3, 5), "dockerfile": ("b.yml", 4, 7)}, ("b.yml", 3, 5),
                 id="build-string-then-mapping"),
    pytest.param("build:\n  context: .\n  args:\n    A: 1", "build:\n  args:\n    - B=2",
                 "build", {"context": ".", "args": {"A": 1, "B": "2"}},
                 {"context": ("a.yml", 4, 7), "args": ("b.yml", 4, 7)}, ("b.yml", 3, 5),
                 id="build-args"),
    pytest.param("logging:\n  driver: json-file\n  options:\n    max-size: 1m",
                 "logging:\n  driver: syslog", "logging", {"driver": "syslog"},
                 {"driver": ("b.yml", 4, 7)}, ("b.yml", 3, 5), id="logging-other-driver"),
    pytest.param("logging:\n  driver: json-file\n  options:\n    max-size: 1m",
                 "logging:\n  options:\n    max-file: '3'", "logging",
                 {"driver": "json-file", "options": {"max-size": "1m", "max-file": "3"}},
                 {"driver": ("a.yml", 4, 7), "options": ("b.yml", 4, 7)}, ("b.yml", 3, 5),
                 id="logging-same-driver"),
    pytest.param("deploy:\n  replicas: 2\n  resources:\n    limits:\n      cpus: '1'",
                 "deploy:\n  resources:\n    limits:\n      memory: 1g", "deploy",
                 {"replicas": 2, "resources": {"limits": {"cpus": "1", "memory": "1g"}}},
                 {"replicas": ("a.yml", 4, 7), "resources": ("b.yml", 4, 7)}, ("b.yml", 3, 5),
                 id="deploy-recursive"),
    pytest.param("privileged: true", "privileged:", "privileged", True, None, ("a.yml", 3, 5),
                 id="null-keeps-base"),
    pytest.param("image: x", "privileged: true", "privileged", True, None, ("b.yml", 3, 5),
                 id="new-key"),
    pytest.param("profiles: [a]", "profiles: [a, b]", "profiles", ["a", "b"],
                 [("b.yml", 3, 16), ("b.yml", 3, 19)], ("b.yml", 3, 5), id="profiles"),
]


@pytest.mark.parametrize(("base", "over", "key", "expected", "marks", "key_mark"), MERGES)
def test_merge_rules(base: str, over: str, key: str, expected: Any, marks: Any,
                     key_mark: At) -> None:
    project = load(("a.yml", service(base) + OTHERS), ("b.yml", service(over)))
    assert project.problems == ()
    s = project.services["s"]
    assert s[key] == expected
    assert at(s.key_marks[key]) == key_mark
    if marks is not None:
        assert marks_of(s[key]) == marks


TAGGED = [
    pytest.param("ports: ['2375:2375']", "ports: !reset []", None, id="reset-list"),
    pytest.param("command: dockerd", "command: !reset null", None, id="reset-scalar"),
    pytest.param("image: docker:dind", "image: !reset ''", None, id="reset-image"),
    pytest.param("environment: {A: '1'}", "environment: !reset {}", None, id="reset-mapping"),
    pytest.param("volumes: [data:/var/lib/docker]", "volumes: !override []", [],
                 id="override-empty-list"),
    pytest.param("ports: ['2375:2375']", "ports: !override ['2376:2376']",
                 [{"target": 2376, "published": "2376", "protocol": "tcp", "mode": "ingress"}],
                 id="override-list"),
    pytest.param("environment: {A: '1', B: '2'}", "environment: !override {C: '3'}",
                 {"C": "3"}, id="override-mapping"),
    pytest.param("privileged: true", "privileged: !override false", False,
                 id="override-scalar-is-cast"),
    pytest.param("depends_on:\n  dind:\n    condition: service_healthy",
                 "depends_on: !override [dind]", {"dind": STARTED}, id="override-depends-on"),
]


@pytest.mark.parametrize(("base", "over", "expected"), TAGGED)
def test_reset_and_override_in_an_override_file(base: str, over: str, expected: Any) -> None:
    key = base.partition(":")[0]
    project = load(("a.yml", service(base) + OTHERS), ("b.yml", service(over)))
    assert project.problems == ()
    assert project.services["s"].get(key, "absent") == ("absent" if expected is None
                                                         else expected)


@pytest.mark.parametrize(("base", "over", "expected"), TAGGED)
def test_reset_and_override_in_extends(base: str, over: str, expected: Any) -> None:
    key = base.partition(":")[0]
    text = ("services:\n  base:\n" + textwrap.indent(base, "    ") +
            "\n  s:\n    extends: base\n" + textwrap.indent(over, "    ") + OTHERS)
    project = load(("c.yml", text))
    assert project.problems == ()
    assert project.services["s"].get(key, "absent") == ("absent" if expected is None
                                                         else expected)


def test_reset_removes_a_service_and_unknown_tags_are_problems() -> None:
    project = load(("a.yml", "services:\n  a: {image: a}\n  b: {image: b}\n"),
                   ("b.yml", "services:\n  a: !reset {}\n  b:\n    image: !custom c\n"))
    assert list(project.services) == ["b"]
    assert project.services["b"]["image"] == "c"
    assert [(p.path, p.line, p.column) for p in project.problems] == [("b.yml", 4, 5)]
    assert "unknown tag !custom" in project.problems[0].message


def test_merge_does_not_change_its_inputs() -> None:
    base = load_text("environment: [A=1]\nvolumes: [xx:/x]\n", "a.yml")
    over = load_text("environment: {B: 2}\nvolumes: [yy:/x]\n", "b.yml")
    merged = unique_service(merge_service(base, over))
    assert merged == {"environment": {"A": "1", "B": 2}, "volumes": ["yy:/x"]}
    assert base == {"environment": ["A=1"], "volumes": ["xx:/x"]}
    assert over == {"environment": {"B": 2}, "volumes": ["yy:/x"]}


def test_three_files_in_order_and_partial_services() -> None:
    project = load(
        ("a.yml", service("image: docker:dind\nprivileged: false")),
        ("b.yml", "services:\n  s:\n    privileged: true\n  extra:\n    volumes: [x:/y]\n"),
        ("c.yml", service("image: docker:27-dind")),
    )
    assert project.files == ("a.yml", "b.yml", "c.yml")
    assert project.services == {
        "s": {"image": "docker:27-dind", "privileged": True},
        "extra": {"volumes": ["x:/y"]},  # only in an overlay, no image: still a service
    }
    s = project.services["s"]
    assert at(s.key_marks["image"]) == ("c.yml", 3, 5)
    assert at(s.key_marks["privileged"]) == ("b.yml", 3, 5)
    names = getattr(project.services, "key_marks", {})
    assert at(names["s"]) == ("a.yml", 2, 3)  # where the service was first defined
    assert at(names["extra"]) == ("b.yml", 4, 3)


def test_top_level_volumes_are_merged() -> None:
    project = load(
        ("a.yml", "name: p\nvolumes:\n  data:\n  certs:\n    driver: local\n"),
        ("b.yml", "volumes:\n  data:\n    name: shared\n  certs:\n  more: {}\n"),
    )
    assert project.volumes == {"data": {"name": "shared"},
                               "certs": {"driver": "local", "name": "p_certs"},
                               "more": {"name": "p_more"}}
    data = project.volumes["data"]
    assert at(data.key_marks["name"]) == ("b.yml", 3, 5)


@pytest.mark.parametrize(
    ("item", "target"),
    [
        pytest.param("/var/run/docker.sock:/var/run/docker.sock:ro", "/var/run/docker.sock",
                     id="bind-with-mode"),
        pytest.param("data:/data", "/data", id="named"),
        pytest.param("/anonymous", "/anonymous", id="anonymous"),
        pytest.param("C:\\data:/data", "/data", id="windows-drive"),
        pytest.param({"type": "volume", "target": "/t"}, "/t", id="long"),
        pytest.param({"type": "volume"}, None, id="long-without-target"),
        pytest.param(3, None, id="junk"),
    ],
)
def test_volume_target(item: Any, target: str | None) -> None:
    value = item
    if isinstance(item, dict):
        value = PosDict()
        value.update(item)
    assert volume_target(value) == target


def test_as_mapping_gives_keys_their_item_marks() -> None:
    data = load_text("env:\n  - A=1\n  - B\n  - 3\n", "c.yml")
    mapping = as_mapping(data["env"], data.key_marks["env"])
    assert mapping == {"A": "1", "B": None, "3": None}
    assert marks_of(mapping) == {"A": ("c.yml", 2, 5), "B": ("c.yml", 3, 5),
                                 "3": ("c.yml", 4, 5)}
    assert as_mapping(7, None) is None


# --- extends ----------------------------------------------------------------------------

EXTENDS_SAME_FILE = """
services:
  base:
    image: docker:dind
    privileged: true
    environment:
      A: "1"
  child:
    extends: base
    environment:
      B: "2"
  grandchild:
    extends:
      service: child
    privileged: false
"""


def test_extends_in_the_same_file() -> None:
    project = load(("c.yml", EXTENDS_SAME_FILE))
    assert project.problems == ()
    child, grandchild = project.services["child"], project.services["grandchild"]
    assert child == {"image": "docker:dind", "privileged": True,
                     "environment": {"A": "1", "B": "2"}}
    assert grandchild == {"image": "docker:dind", "privileged": False,
                          "environment": {"A": "1", "B": "2"}}
    assert at(child.key_marks["image"]) == ("c.yml", 3, 5)
    assert marks_of(child["environment"]) == {"A": ("c.yml", 6, 7), "B": ("c.yml", 10, 7)}
    assert at(grandchild.key_marks["privileged"]) == ("c.yml", 14, 5)
    assert project.services["base"] == {"image": "docker:dind", "privileged": True,
                                        "environment": {"A": "1"}}


def test_extends_another_file_relative_to_the_referring_file() -> None:
    write("common/base.yml", """
        services:
          daemon:
            image: docker:dind
            command: [dockerd]
          tls:
            extends: daemon
            environment: [DOCKER_TLS_CERTDIR=/certs]
    """)
    project = load(("app/compose.yml", """
        services:
          dind:
            extends:
              file: ../common/base.yml
              service: tls
            privileged: true
    """))
    assert project.problems == ()
    assert project.files == ("app/compose.yml", "common/base.yml")
    dind = project.services["dind"]
    assert dind == {"image": "docker:dind", "command": ["dockerd"],
                    "environment": {"DOCKER_TLS_CERTDIR": "/certs"}, "privileged": True}
    assert at(dind.key_marks["image"]) == ("common/base.yml", 3, 5)
    assert at(dind["environment"].key_marks["DOCKER_TLS_CERTDIR"]) == ("common/base.yml", 7, 19)
    assert at(dind.key_marks["privileged"]) == ("app/compose.yml", 6, 5)
    assert list(project.services) == ["dind"]  # the other file's services do not join


@pytest.mark.parametrize(
    ("text", "message", "where"),
    [
        pytest.param("services:\n  a:\n    extends: b\n  b:\n    extends: a\n",
                     "extends cycle", ("c.yml", 5, 5), id="cycle"),
        pytest.param("services:\n  a:\n    image: x\n    extends: a\n", "extends cycle",
                     ("c.yml", 4, 5), id="self"),
        pytest.param("services:\n  a:\n    image: x\n    extends: nope\n",
                     '"nope", which is not defined', ("c.yml", 4, 5), id="missing-service"),
        pytest.param("services:\n  a:\n    image: x\n    extends:\n      file: gone.yml\n"
                     "      service: b\n", '"gone.yml", which was not found', ("c.yml", 4, 5),
                     id="missing-file"),
        pytest.param("services:\n  a:\n    image: x\n    extends:\n      file: other.yml\n"
                     "      service: b\n", '"b", which is not defined in "other.yml"',
                     ("c.yml", 4, 5), id="missing-service-in-file"),
        pytest.param("services:\n  a:\n    image: x\n    extends: {file: other.yml}\n",
                     "`extends.service` must be a service name", ("c.yml", 4, 5),
                     id="no-service"),
        pytest.param("services:\n  a:\n    image: x\n    extends: 3\n",
                     "`extends` must be a service name or a mapping", ("c.yml", 4, 5),
                     id="junk"),
    ],
)
def test_extends_problems(text: str, message: str, where: At) -> None:
    write("other.yml", "services:\n  z:\n    image: z\n")
    project = load(("c.yml", text))
    assert len(project.problems) == 1, project.problems
    problem = project.problems[0]
    assert message in problem.message
    assert (problem.path, problem.line, problem.column) == where
    assert problem.kind == "input"
    assert "a" in project.services
    assert "extends" not in project.services["a"]


def test_extends_a_broken_file_reports_that_file() -> None:
    write("other.yml", "services: [\n")
    project = load(("c.yml", "services:\n  a:\n    extends: {file: other.yml, service: b}\n"))
    assert [(p.path, p.line) for p in project.problems] == [("other.yml", 2)]
    assert project.services == {"a": {}}


def test_each_file_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    write("base.yml", "services:\n  b:\n    image: docker:dind\n")
    reads: list[str] = []

    def counting(path: str, max_size: int) -> str:
        reads.append(str(path))
        return read_text(path, max_size)

    monkeypatch.setattr(compose_files, "read_text", counting)
    project = load(("c.yml", """
        services:
          one:
            extends: {file: base.yml, service: b}
          two:
            extends: {file: ./base.yml, service: b}
    """), ("d.yml", "services:\n  three:\n    extends: {file: base.yml, service: b}\n"))
    assert sorted(reads) == ["base.yml", "c.yml", "d.yml"]
    assert project.files == ("c.yml", "base.yml", "d.yml")
    assert {name: s["image"] for name, s in project.services.items()} == {
        "one": "docker:dind", "two": "docker:dind", "three": "docker:dind"}


# --- include ----------------------------------------------------------------------------


def test_include_short_syntax_relative_to_the_including_file() -> None:
    write("lib/db.yml", "services:\n  db:\n    image: postgres\nvolumes:\n  pg: {}\n")
    project = load(("proj/compose.yml", """
        include:
          - ../lib/db.yml
        services:
          app:
            image: app
    """))
    assert project.problems == ()
    assert project.files == ("proj/compose.yml", "lib/db.yml")
    assert set(project.services) == {"app", "db"}
    assert at(project.services["db"].key_marks["image"]) == ("lib/db.yml", 3, 5)
    assert project.volumes == {"pg": {"name": "proj_pg"}}
    assert project.name == "proj"


def test_include_long_syntax_with_merge_and_env_file() -> None:
    write("inc/a.yml", "services:\n  reg:\n    image: registry:${TAG}\n")
    write("inc/b.yml", "services:\n  reg:\n    ports: ['${PORT}:5000']\n")
    write("inc/vars.env", "TAG=2\nPORT=5000\n")
    project = load(("compose.yml", """
        include:
          - path: [inc/a.yml, inc/b.yml]
            env_file: inc/vars.env
    """), environ={"PORT": "6000"})
    assert project.problems == ()
    assert project.services == {"reg": {"image": "registry:2", "ports": [
        {"target": 5000, "published": "6000", "protocol": "tcp", "mode": "ingress"}]}}
    assert project.files == ("compose.yml", "inc/a.yml", "inc/b.yml")


def test_include_uses_the_included_folders_env_under_the_projects_env() -> None:
    write("inc/compose.yml", "services:\n  x:\n    image: ${IMG}:${TAG}\n")
    write("inc/.env", "IMG=inc\nTAG=inc\n")
    write(".env", "TAG=parent\n")
    project = load(("compose.yml", "include: [inc/compose.yml]\n"))
    assert project.services["x"]["image"] == "inc:parent"


def test_local_definition_overrides_an_included_service() -> None:
    write("inc.yml", "services:\n  db:\n    image: postgres\n    environment: [A=1]\n")
    project = load(("compose.yml", """
        include: [inc.yml]
        services:
          db:
            environment:
              B: "2"
    """))
    db = project.services["db"]
    assert db == {"image": "postgres", "environment": {"A": "1", "B": "2"}}
    assert marks_of(db["environment"]) == {"A": ("inc.yml", 4, 19),
                                           "B": ("compose.yml", 5, 7)}


@pytest.mark.parametrize(
    ("text", "message", "where"),
    [
        pytest.param("include:\n  - gone.yml\nservices:\n  a: {image: x}\n",
                     'file "gone.yml" not found', ("c.yml", 2, 5), id="missing"),
        pytest.param("include:\n  - path: [gone.yml]\nservices:\n  a: {image: x}\n",
                     'file "gone.yml" not found', ("c.yml", 2, 5), id="missing-long"),
        pytest.param("include: inc.yml\nservices:\n  a: {image: x}\n",
                     "`include` must be a list", ("c.yml", 1, 1), id="not-a-list"),
        pytest.param("include:\n  - {env_file: x}\nservices:\n  a: {image: x}\n",
                     "must be a path", ("c.yml", 2, 5), id="no-path"),
        pytest.param("include:\n  - loop.yml\nservices:\n  a: {image: x}\n",
                     "include cycle", ("loop.yml", 1, 11), id="cycle"),
    ],
)
def test_include_problems(text: str, message: str, where: At) -> None:
    write("loop.yml", "include: [c.yml]\nservices:\n  l: {image: l}\n")
    project = load(("c.yml", text))
    assert len(project.problems) == 1, project.problems
    problem = project.problems[0]
    assert message in problem.message
    assert (problem.path, problem.line, problem.column) == where
    assert "a" in project.services


# --- anchors, extensions, interpolation --------------------------------------------------


def test_anchors_merge_keys_and_extensions() -> None:
    project = load(("c.yml", """
        x-common: &common
          restart: always
          environment:
            A: $A_VAR
        services:
          s:
            <<: *common
            image: docker:dind
            x-dindcheck:
              ignore: [DIND001]
              note: $NOT_INTERPOLATED
            x-other: 1
    """), environ={"A_VAR": "a"})
    s = project.services["s"]
    assert s == {"image": "docker:dind", "x-dindcheck": {"ignore": ["DIND001"], "note": ""},
                 "restart": "always", "environment": {"A": "a"}}
    assert s["x-dindcheck"]["note"].written == "$NOT_INTERPOLATED"
    assert at(s.key_marks["restart"]) == ("c.yml", 2, 3)
    assert "x-common" not in project.services
    assert project.unresolved == ("NOT_INTERPOLATED",)  # compose interpolates x- too


def test_interpolation_sources_and_unresolved() -> None:
    write("proj/.env", "export FROM_DOTENV=dotenv\nBOTH=dotenv\n")
    write("other/.env", "ELSEWHERE=ignored\n")
    project = load(
        ("proj/compose.yml", service("""
            image: docker:${TAG:-dind}
            environment:
              A: $FROM_DOTENV
              B: ${BOTH}
              C: ${ELSEWHERE}
            volumes:
              - ${OPENCLAW_CONFIG_DIR}:/config
            healthcheck:
              test: ["CMD-SHELL", "echo $${HOME} ${MUST:?set it}"]
        """)),
        ("other/extra.yml", service("labels:\n  ${KEY}: $$literal")),
        environ={"BOTH": "environ"},
    )
    assert project.problems == ()
    s = project.services["s"]
    assert s["image"] == "docker:dind"
    # Values are what compose computes (an unset variable is empty), the written form
    # stays for messages.
    assert s["environment"] == {"A": "dotenv", "B": "environ", "C": ""}
    assert s["environment"]["C"].written == "${ELSEWHERE}"
    assert s["environment"]["C"].unresolved == ("ELSEWHERE",)
    assert s["environment"]["B"].written == "${BOTH}"
    assert s["volumes"] == [":/config"]
    assert s["volumes"][0].written == "${OPENCLAW_CONFIG_DIR}:/config"
    assert s["healthcheck"]["test"][1] == "echo ${HOME} "
    assert s["labels"] == {"${KEY}": "$literal"}  # keys are not interpolated
    assert project.unresolved == ("ELSEWHERE", "MUST", "OPENCLAW_CONFIG_DIR")
    assert at(s["environment"].key_marks["C"]) == ("proj/compose.yml", 7, 7)


def test_plain_values_are_plain_strings() -> None:
    s = load(("c.yml", service("image: docker:dind\ncommand: [a, $$b]"))).services["s"]
    assert not isinstance(s["image"], Interpolated)
    assert isinstance(s["command"][1], Interpolated)
    assert (s["command"][1], s["command"][1].written) == ("$b", "$$b")


def test_top_level_volumes_are_interpolated() -> None:
    project = load(("c.yml", "volumes:\n  data:\n    name: ${VOL:-fallback}\n"))
    assert project.volumes == {"data": {"name": "fallback"}}
    assert project.volumes["data"]["name"].written == "${VOL:-fallback}"


# --- bad input --------------------------------------------------------------------------

GOOD = ("good.yml", "services:\n  ok:\n    image: ok\n")


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        pytest.param("services:\n  a: [\n", "", 3, 1, id="yaml-syntax"),
        pytest.param("- a\n- b\n", "top level must be a mapping, not a list", 1, 1,
                     id="top-list"),
        pytest.param("just text\n", "top level must be a mapping, not a string", 1, 1,
                     id="top-scalar"),
        pytest.param("services:\n  - a\n", "`services` must be a mapping, not a list", 1, 1,
                     id="services-list"),
        pytest.param("volumes: [a]\n", "`volumes` must be a mapping, not a list", 1, 1,
                     id="volumes-list"),
        pytest.param("a: \x00\n", "binary file", 1, 4, id="binary"),
    ],
)
def test_a_bad_file_is_a_problem_and_the_rest_loads(text: str, message: str, line: int,
                                                    column: int | None) -> None:
    project = load(("bad.yml", text), GOOD)
    assert len(project.problems) == 1, project.problems
    problem = project.problems[0]
    assert (problem.path, problem.line, problem.column, problem.kind) == (
        "bad.yml", line, column, "input")
    assert message in problem.message
    assert project.services == {"ok": {"image": "ok"}}
    assert project.files == ("bad.yml", "good.yml")


@pytest.mark.parametrize(
    ("body", "message", "line"),
    [
        pytest.param("  bad: docker:dind\n", 'service "bad" must be a mapping, not a string', 4,
                     id="scalar"),
        pytest.param("  bad:\n", 'service "bad" must be a mapping, not null', 4, id="null"),
        pytest.param("  bad: [x]\n", 'service "bad" must be a mapping, not a list', 4,
                     id="list"),
    ],
)
def test_a_bad_service_is_skipped(body: str, message: str, line: int) -> None:
    project = load(("c.yml", "services:\n  ok:\n    image: ok\n" + body))
    assert [(p.message, p.line, p.column) for p in project.problems] == [(message, line, 3)]
    assert list(project.services) == ["ok"]


def test_missing_and_oversized_files(tmp_path: Path) -> None:
    write("big.yml", "services:\n  a:\n    image: " + "x" * 200 + "\n")
    project = load_project([Path("gone.yml"), Path("big.yml")], environ={},
                           max_file_size=100)
    messages = [(p.path, p.message.split(":")[0]) for p in project.problems]
    assert messages == [("gone.yml", "cannot read"),
                        ("big.yml", "file is 227 bytes, over the 100-byte cap; not read (raise it "
                         "with --max-file-size)")]
    assert project.services == {}


# --- fixtures and corpus ------------------------------------------------------------------


def test_layered_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA / "layered")
    project = load_project([Path("compose.yaml"), Path("compose.override.yaml")],
                           environ={"DIND_VERSION": "28"})
    assert project.problems == ()
    assert project.name == "layered"
    assert project.files == ("compose.yaml", "shared/compose.yaml", "common/base.yml",
                             "compose.override.yaml")
    assert project.unresolved == ()
    dind, app, registry = (project.services[n] for n in ("dind", "app", "registry"))
    assert dind == {
        "image": "docker:28-dind",
        "command": ["dockerd", "--host=tcp://0.0.0.0:2375"],
        "environment": {"DOCKER_TLS_CERTDIR": ""},
        "volumes": [{"type": "volume", "source": "other-data", "target": "/var/lib/docker"}],
        "privileged": True,
    }
    assert at(dind.key_marks["image"]) == ("common/base.yml", 3, 5)
    assert marks_of(dind["environment"]) == {"DOCKER_TLS_CERTDIR": ("compose.yaml", 14, 7)}
    assert marks_of(dind["volumes"]) == [("compose.override.yaml", 5, 9)]
    assert at(dind.key_marks["privileged"]) == ("compose.override.yaml", 3, 5)
    assert app == {
        "image": "app:1.0",
        "logging": {"driver": "json-file"},
        "depends_on": {"dind": {"condition": "service_started", "required": True}},
        "environment": {"DOCKER_HOST": "tcp://dind:2375", "DEBUG": "1"},
    }
    assert marks_of(app["environment"]) == {"DOCKER_HOST": ("compose.yaml", 21, 9),
                                            "DEBUG": ("compose.override.yaml", 10, 7)}
    assert at(app["logging"].key_marks["driver"]) == ("compose.yaml", 5, 3)
    assert registry == {"image": "registry:2"}
    assert project.volumes == {"dind-data": {"name": "layered_dind-data"},
                               "other-data": {"name": "layered_other-data"}}


MISSING_ENV_FILES = {name: ["env file ../common/.env not found"]
                     for name in ("clab-api-dind-compose.yml", "clab-api-dood-compose.yml")}


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.y*ml")) if CORPUS.is_dir() else [],
                         ids=lambda p: p.name)
def test_corpus_loads(path: Path) -> None:
    project = load_project([path], environ={})
    # The corpus holds single files out of their repositories: an env_file they name is
    # not there, which compose refuses (and so does dindcheck, loudly).
    assert [p.message for p in project.problems] == MISSING_ENV_FILES.get(path.name, [])
    assert project.services
    for name, spec in project.services.items():
        assert isinstance(spec, PosDict), name
        for key in spec:
            assert spec.key_mark(key) is not None, (name, key)


# --- hostile input -----------------------------------------------------------------------


def test_an_extends_chain_of_1200_services_is_walked_without_recursion() -> None:
    lines = ["services:", "  s0:", "    image: docker:dind", "    privileged: true"]
    for i in range(1, 1200):
        lines += [f"  s{i}:", f"    extends: s{i - 1}"]
    start = time.monotonic()
    project = load(("c.yml", "\n".join(lines) + "\n"))
    assert time.monotonic() - start < 10
    assert project.problems == ()
    assert project.services["s1199"] == {"image": "docker:dind", "privileged": True}


def test_an_include_chain_of_200_files_stops_at_a_located_problem() -> None:
    for i in range(200):
        write(f"f{i}.yml", f"include: [f{i + 1}.yml]\nservices:\n  s{i}: {{image: x}}\n")
    write("f200.yml", "services:\n  last: {image: x}\n")
    project = load_project([Path("f0.yml")], environ={})
    assert [p.message for p in project.problems] == [
        f"includes nested deeper than {compose_files.MAX_INCLUDE_DEPTH} levels"]
    problem = project.problems[0]
    assert (problem.line, problem.column) == (1, 11)
    assert len(project.services) == compose_files.MAX_INCLUDE_DEPTH + 1


def test_an_include_graph_loads_each_file_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two files per level, each including both files of the next level: without a cache
    the work doubles per level."""
    levels = 18
    for level in range(levels):
        for side in "ab":
            includes = [] if level == levels - 1 else [f"l{level + 1}{s}.yml" for s in "ab"]
            write(f"l{level}{side}.yml", f"include: {includes}\n"
                                         f"services:\n  s{level}{side}: {{image: x}}\n")
    reads: list[str] = []

    def counting(path: str, max_size: int) -> str:
        reads.append(str(path))
        return read_text(path, max_size)

    monkeypatch.setattr(compose_files, "read_text", counting)
    start = time.monotonic()
    project = load_project([Path("l0a.yml")], environ={})
    assert time.monotonic() - start < 5
    assert project.problems == ()
    assert len(project.services) == 2 * levels - 1
    assert len(reads) == len(set(reads)) == 2 * levels - 1


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param(service("image: ${A:-" + "${A:-" * 400 + "x" + "}" * 401), 3,
                     id="defaults-nested-400-times"),
        pytest.param(service("image: ${A:-${"), 3, id="unterminated"),
        pytest.param(service("image: '${A:-' * 400"), 3, id="unterminated-nested"),
        pytest.param(service("environment:\n  A: ${ x}"), 4, id="space-in-name"),
        pytest.param("x-base: 5\nservices:\n  s:\n    <<: 5\n    image: x\n", 4,
                     id="merge-key-over-a-scalar"),
        pytest.param("x-list: &l [1, 2]\nservices:\n  s:\n    <<: *l\n    image: x\n", 4,
                     id="merge-key-over-a-list-of-scalars"),
        pytest.param(service("image: !ref x"), 3, id="unknown-tag"),
        pytest.param(service("volumes: !reference [a, b]"), 3, id="unknown-tag-on-a-list"),
    ],
)
def test_files_compose_refuses_are_located_problems(text: str, line: int) -> None:
    start = time.monotonic()
    project = load(("c.yml", text))
    assert time.monotonic() - start < 2
    assert [(p.path, p.line) for p in project.problems] == [("c.yml", line)]


BAD_FIELDS = [
    pytest.param("privileged: []", "privileged", id="privileged-list"),
    pytest.param("privileged: maybe", "privileged", id="privileged-word"),
    pytest.param("healthcheck:\n  disable: []", "healthcheck", id="healthcheck-disable"),
    pytest.param("healthcheck: yes", "healthcheck", id="healthcheck-scalar"),
    pytest.param("command: 5", "command", id="command-number"),
    pytest.param("command: [sleep, 5]", "command", id="command-item-number"),
    pytest.param("entrypoint: 5", "entrypoint", id="entrypoint-number"),
    pytest.param("cap_add: 5", "cap_add", id="cap-add-number"),
    pytest.param("security_opt: 5", "security_opt", id="security-opt-number"),
    pytest.param("image: [docker, dind]", "image", id="image-list"),
    pytest.param("network_mode: {}", "network_mode", id="network-mode-mapping"),
    pytest.param("environment: FOO=1", "environment", id="environment-string"),
    pytest.param("environment:\n  A: [1]", "environment", id="environment-value-list"),
    pytest.param("volumes: /data", "volumes", id="volumes-string"),
    pytest.param("volumes: [{target: /x}]", "volumes", id="volume-without-type"),
    pytest.param("volumes: ['/a::/b']", "volumes", id="volume-empty-section"),
    pytest.param("ports: ['99999:80']", "ports", id="port-too-big"),
    pytest.param("ports: ['²:80']", "ports", id="port-unicode-digit"),
    pytest.param("ports: ['" + "9" * 5000 + ":80']", "ports", id="port-5000-digits"),
    pytest.param("ports: [{target: '²'}]", "ports", id="port-target-unicode"),
    pytest.param("deploy:\n  replicas: '²'", "deploy", id="replicas-unicode-digit"),
    pytest.param("deploy:\n  replicas: '" + "9" * 5000 + "'", "deploy",
                 id="replicas-5000-digits"),
    pytest.param("deploy:\n  replicas: -1", "deploy", id="replicas-negative"),
    pytest.param("scale: '²'", "scale", id="scale-unicode-digit"),
    pytest.param("scale: '" + "9" * 5000 + "'", "scale", id="scale-5000-digits"),
    pytest.param("scale: []", "scale", id="scale-list"),
    pytest.param("depends_on: {db: 5}", "depends_on", id="depends-on-entry"),
    pytest.param("depends_on: {db: {condition: started}}", "depends_on",
                 id="depends-on-condition"),
    pytest.param("networks: 5", "networks", id="networks-number"),
    pytest.param("networks: {n: {aliases: a}}", "networks", id="aliases-string"),
    pytest.param("env_file: 5", "env_file", id="env-file-number"),
    pytest.param("build: 5", "build", id="build-number"),
    pytest.param("build: {context: [a]}", "build", id="build-context-list"),
    pytest.param("x-dindcheck: {ignore: DIND001}", "x-dindcheck", id="ignore-string"),
]


@pytest.mark.parametrize(("body", "field"), BAD_FIELDS)
def test_a_wrong_typed_field_is_a_located_problem_and_dropped(body: str, field: str) -> None:
    base = "" if field == "image" else "image: docker:dind\n"
    project = load(("c.yml", service(base + body + "\nruntime: sysbox-runc") + OTHERS))
    assert len(project.problems) == 1, project.problems
    problem = project.problems[0]
    first = 3 + base.count("\n")
    assert problem.path == "c.yml"
    assert first <= (problem.line or 0) <= first + body.count("\n")
    assert problem.message.startswith('service "s"')
    s = project.services["s"]
    # The bad value is dropped (a bad entry of a list: the entry).
    assert s.get(field) in (None, []) or field in ("deploy", "healthcheck", "networks", "build")
    assert s["runtime"] == "sysbox-runc"  # the rest of the service is still read


def test_a_wrong_typed_top_level_volume_is_a_located_problem() -> None:
    project = load(("c.yml", service("image: x") + "\nvolumes:\n  data:\n    external: []\n"))
    assert [(p.line, p.message) for p in project.problems] == [
        (6, 'volume "data": `external` must be true or false, not a list')]


def test_kept_values_have_the_types_the_source_reads() -> None:
    project = load(("c.yml", service("""
        image: docker:dind
        privileged: "yes"
        scale: "2"
        ports: [2375, "8080-8081:80-81", {target: "2376", published: 2376}]
        healthcheck: {disable: "false", test: echo}
        volumes: [{type: volume, source: d, target: /d, read_only: "true"}]
    """) + "\nvolumes:\n  d: {external: 'true'}\n"))
    assert project.problems == ()
    s = project.services["s"]
    assert (s["privileged"], s["scale"], s["healthcheck"]["disable"]) == (True, 2, False)
    assert s["volumes"][0]["read_only"] is True
    assert [(p.get("published"), p["target"]) for p in s["ports"]] == [
        (None, 2375), ("8080", 80), ("8081", 81), ("2376", 2376)]
    assert project.volumes["d"] == {"external": True, "name": "d"}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("build:\n  context: .\n  dockerfile: /dev/zero", id="dockerfile-device"),
        pytest.param("build: ctx", id="symlink-to-device"),
        pytest.param("build: fifo", id="symlink-to-fifo"),
    ],
)
def test_a_dockerfile_that_is_not_a_regular_file_is_not_read(body: str) -> None:
    Path("ctx").mkdir()
    os.symlink("/dev/zero", "ctx/Dockerfile")
    Path("fifo").mkdir()
    os.mkfifo("fifo/Dockerfile")
    start = time.monotonic()
    project = load(("c.yml", service(body)))
    assert time.monotonic() - start < 5
    assert project.problems == ()
    assert project.base_images == {}
    assert len(project.notes) == 1
    assert "not a regular file" in project.notes[0]


def test_the_final_from_of_a_dockerfile_is_read() -> None:
    write("app/Dockerfile", "FROM golang AS build\nFROM docker:27-dind\n")
    project = load(("c.yml", service("build: ./app")))
    assert project.base_images == {"s": "docker:27-dind"}


@pytest.mark.parametrize(("body", "config"), [
    pytest.param("build: ./app", ImageConfig(base="docker:27-dind", entrypoint=("dockerd",),
                                             cmd=("--mtu=1400",), volumes=("/data",)),
                 id="context-folder"),
    pytest.param("build:\n  context: .\n  dockerfile: app/Dockerfile\n  args: [V=29]",
                 ImageConfig(base="docker:29-dind", entrypoint=("dockerd",),
                             cmd=("--mtu=1400",), volumes=("/data",)), id="args-as-a-list"),
    pytest.param("build:\n  context: .\n  dockerfile_inline: |\n    FROM docker:26-dind\n"
                 "    CMD [\"--tls=false\"]", ImageConfig(base="docker:26-dind",
                                                       cmd=("--tls=false",)),
                 id="inline-dockerfile"),
    pytest.param("image: x\nbuild: ./app", None, id="named-image-wins"),
    pytest.param("build: ./missing", None, id="no-dockerfile"),
])
def test_the_final_stage_of_a_dockerfile_is_read(body: str, config: ImageConfig | None) -> None:
    write("app/Dockerfile", "ARG V=27\nFROM docker:${V}-dind\nVOLUME /data\n"
                            "ENTRYPOINT [\"dockerd\"]\nCMD [\"--mtu=1400\"]\n")
    project = load(("c.yml", service(body)))
    assert project.dockerfiles.get("s") == config
    assert project.base_images.get("s") == (config.base if config else None)


@pytest.mark.parametrize(
    ("files", "text"),
    [
        pytest.param({".env": "/dev/zero"}, service("image: x"), id="dotenv-to-device"),
        pytest.param({".env": "fifo"}, service("image: x"), id="dotenv-to-fifo"),
        pytest.param({}, service("image: x\nenv_file: [/dev/zero]"), id="env-file-device"),
        pytest.param({}, service("image: x\nenv_file: [fifo]"), id="env-file-fifo"),
        pytest.param({}, "include:\n  - path: inc.yml\n    env_file: /dev/zero\n"
                         "services:\n  s: {image: x}\n", id="include-env-file-device"),
        pytest.param({}, "include: [fifo]\nservices:\n  s: {image: x}\n",
                     id="include-of-a-fifo"),
    ],
)
def test_special_files_are_refused_not_read(files: dict[str, str], text: str) -> None:
    os.mkfifo("fifo")
    write("inc.yml", "services:\n  i: {image: i}\n")
    for name, target in files.items():
        os.symlink(target, name)
    start = time.monotonic()
    project = load(("c.yml", text))
    assert time.monotonic() - start < 5
    assert len(project.problems) == 1, project.problems
    assert "not a regular file" in project.problems[0].message or \
        "not found" in project.problems[0].message


def test_a_folder_named_dotenv_is_passed_over_as_compose_does() -> None:
    Path(".env").mkdir()
    project = load(("c.yml", service("image: x")))
    assert (project.problems, project.notes) == ((), ())


def test_env_files_have_the_size_cap() -> None:
    write("big.env", "A=" + "x" * 300 + "\n")
    project = load_project([write("c.yml", service("image: x\nenv_file: big.env"))],
                           environ={}, max_file_size=200)
    assert [(p.path, p.message) for p in project.problems] == [
        ("big.env", "file is 303 bytes, over the 200-byte cap; not read (raise it with "
                    "--max-file-size)")]


OUTSIDE = [
    pytest.param("include: [{outside}/inc.yml]\n" + "services:\n  s: {{image: x}}\n",
                 "included file", id="absolute-include"),
    pytest.param("include:\n  - path: token.yml\n    env_file: {outside}/vars.env\n"
                 "services:\n  s: {{image: x}}\n", "env file", id="include-env-file"),
    pytest.param("services:\n  s:\n    image: x\n    env_file: {outside}/vars.env\n",
                 "env file", id="env-file"),
    pytest.param("services:\n  s:\n    extends: {{file: {outside}/base.yml, service: b}}\n",
                 "extended file", id="extends-file"),
    pytest.param("services:\n  s:\n    build: {{context: /, dockerfile: {outside}/Dockerfile}}\n",
                 "Dockerfile", id="dockerfile"),
    pytest.param("services:\n  s: {{image: x}}\ninclude: [link.yml]\n", "included file",
                 id="symlinked-include"),
]


@pytest.mark.parametrize(("text", "what"), OUTSIDE)
def test_files_outside_the_root_are_named_not_read(tmp_path: Path, text: str,
                                                  what: str) -> None:
    outside = tmp_path / "outside"
    write("outside/inc.yml", "services:\n  secret: {image: 's3cr3t'}\n")
    write("outside/vars.env", "TOKEN=s3cr3t\n")
    write("outside/base.yml", "services:\n  b: {image: 's3cr3t'}\n")
    write("outside/Dockerfile", "FROM s3cr3t\n")
    write("repo/inc.yml", "services:\n  i: {image: i}\n")
    write("repo/token.yml", "services:\n  i: {image: '${TOKEN:-i}'}\n")
    os.symlink(outside / "inc.yml", "repo/link.yml")
    path = write("repo/compose.yml", text.format(outside=outside))
    project = load_project([path], environ={}, root=tmp_path / "repo")
    shown = repr((project.services, project.notes, project.problems, project.base_images))
    assert "s3cr3t" not in shown
    (problem,) = project.problems
    assert what in problem.message
    assert str(outside) in problem.message
    assert problem.line is not None  # located where the compose file names it
    allowed = load_project([path], environ={}, root=tmp_path / "repo", allow_outside=True)
    assert allowed.problems == ()
    assert "s3cr3t" in repr((allowed.services, allowed.base_images))


def test_a_compose_file_symlinked_outside_the_root_is_not_read(tmp_path: Path) -> None:
    write("outside/compose.yml", "services:\n  s: {image: 's3cr3t'}\n")
    Path("repo").mkdir()
    os.symlink(tmp_path / "outside/compose.yml", "repo/compose.yml")
    project = load_project([Path("repo/compose.yml")], environ={}, root=tmp_path / "repo")
    assert project.services == {}
    assert "s3cr3t" not in repr(project)
    assert any("outside" in problem.message for problem in project.problems)


# --- project name, profiles ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "environ", "name", "image"),
    [
        pytest.param("name: My_App\n", {}, "my_app", "my_app-dind", id="name-normalised"),
        pytest.param("", {}, "proj", "proj-dind", id="folder"),
        pytest.param("name: app\n", {"COMPOSE_PROJECT_NAME": "ci"}, "ci", "ci-dind",
                     id="environment-wins"),
    ],
)
def test_compose_project_name_is_a_variable(text: str, environ: dict[str, str], name: str,
                                            image: str) -> None:
    project = load(("Proj/compose.yml", text + "services:\n  s:\n"
                    "    image: ${COMPOSE_PROJECT_NAME}-dind\n"), environ=environ)
    assert (project.name, project.services["s"]["image"]) == (name, image)


def test_a_profile_selection_keeps_what_compose_starts() -> None:
    text = """
        services:
          dind:
            image: docker:dind
            profiles: [ci]
          app:
            image: app
            depends_on: [dind]
          tool:
            image: tool
            profiles: [tools]
    """
    everything = load(("c.yml", text))
    assert list(everything.services) == ["dind", "app", "tool"]
    assert everything.services["dind"]["profiles"] == ["ci"]
    assert everything.disabled == ()
    ci = load_project([Path("c.yml")], environ={}, profiles=["ci"])
    assert (list(ci.services), ci.disabled, ci.problems) == (["dind", "app"], ("tool",), ())
    none = load_project([Path("c.yml")], environ={}, profiles=[])
    assert list(none.services) == ["app"]
    assert [(p.line, p.message) for p in none.problems] == [
        (7, 'service "app": `depends_on` refers to "dind", which the selected profiles '
            "do not start")]
