"""GitLab Runner config.toml: executors, privilege, volumes, services, located problems."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dindcheck.sources.gitlab.runner import allowed, load_runner_config

DOCKER = """
concurrent = 4

[[runners]]
  name = "dind"
  executor = "docker"
  environment = ["DOCKER_DRIVER=overlay2", "FF_NETWORK_PER_BUILD=true"]
  [runners.docker]
    image = "alpine:3.20"
    privileged = true
    services_privileged = false
    allowed_privileged_services = ["docker:*-dind", "**/library/docker:*"]
    volumes = [
      "/certs/client",
      "/var/run/docker.sock:/var/run/docker.sock:ro",
      "cache-volume:/cache",
    ]
    disable_cache = true
    network_mode = "host"
    [runners.docker.services_tmpfs]
      "/var/lib/docker" = "rw"
    [[runners.docker.services]]
      name = "registry.example.com/mirror/docker:27-dind"
      alias = "docker"
      environment = ["DOCKER_TLS_CERTDIR=/certs"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def test_docker_runner(tmp_path: Path) -> None:
    config = load_runner_config(write(tmp_path, DOCKER))
    assert not config.problems
    assert config.concurrent == 4
    (runner,) = config.runners
    assert (runner.name, runner.executor, runner.family) == ("dind", "docker", "docker")
    assert runner.privileged is True
    assert runner.services_privileged is False
    assert runner.locations["docker.privileged"].line == 9
    assert runner.locations["docker.services_privileged"].line == 10
    assert [(v.kind, v.source, v.target, v.read_only, v.location.line)  # type: ignore[union-attr]
            for v in runner.volumes] == [
        ("cache", None, "/certs/client", False, 13),
        ("bind", "/var/run/docker.sock", "/var/run/docker.sock", True, 14),
        ("volume", "cache-volume", "/cache", False, 15),
        ("tmpfs", None, "/var/lib/docker", False, 19),
    ]
    assert runner.volumes[-1].services_only
    assert runner.disable_cache
    assert runner.network_mode == "host"
    assert runner.image == "alpine:3.20"
    assert [(v.name, v.value, v.location.line) for v in runner.environment] == [  # type: ignore[union-attr]
        ("DOCKER_DRIVER", "overlay2", 6), ("FF_NETWORK_PER_BUILD", "true", 6)]
    assert runner.feature_flags == {"FF_NETWORK_PER_BUILD": True}
    (service,) = runner.services
    assert service["name"] == "registry.example.com/mirror/docker:27-dind"
    assert service.mark.line == 21  # type: ignore[union-attr]


def test_kubernetes_runner(tmp_path: Path) -> None:
    config = load_runner_config(write(tmp_path, """
        [[runners]]
          name = "k8s"
          executor = "kubernetes"
          [runners.kubernetes]
            privileged = true
            [runners.kubernetes.build_container_security_context]
              privileged = false
            [[runners.kubernetes.volumes.empty_dir]]
              name = "certs"
              mount_path = "/certs/client"
              medium = "Memory"
            [[runners.kubernetes.volumes.host_path]]
              name = "docker"
              mount_path = "/var/lib/docker"
            [[runners.kubernetes.volumes.pvc]]
              name = "cache"
              mount_path = "/cache"
    """))
    (runner,) = config.runners
    assert runner.family == "kubernetes"
    assert runner.privileged is False
    assert runner.services_privileged is True
    assert [(v.kind, v.source, v.target, v.memory) for v in runner.volumes] == [
        ("host_path", "/var/lib/docker", "/var/lib/docker", False),
        ("pvc", "cache", "/cache", False),
        ("empty_dir", "certs", "/certs/client", True),
    ]
    assert runner.locations["kubernetes.build_container_security_context.privileged"].line == 7


@pytest.mark.parametrize(("executor", "family"), [
    ("docker+machine", "docker"), ("docker-autoscaler", "docker"), ("shell", "none"),
    ("custom", "none"), ("mystery", None),
])
def test_executor_families(tmp_path: Path, executor: str, family: str | None) -> None:
    config = load_runner_config(write(tmp_path, f'[[runners]]\nexecutor = "{executor}"\n'))
    assert config.runners[0].family == family


@pytest.mark.parametrize(("text", "message", "line"), [
    ("[[runners]\n", "not a valid TOML file", 1),
    ("concurrent = 1\n", "no [[runners]]", None),
    ("runners = 3\n", "runners must be an array", 1),
    ('[[runners]]\nexecutor = "docker"\n[runners.docker]\nprivileged = "yes"\n',
     "privileged must be true or false", 4),
    ('[[runners]]\nexecutor = "docker"\n[runners.docker]\nvolumes = ["a:b:c:d"]\n',
     "is not HOST:CONTAINER", 4),
    ('[[runners]]\nexecutor = "docker"\n[runners.docker]\nvolumes = "x"\n',
     "volumes must be a list of strings", 4),
    ('[[runners]]\nexecutor = "docker"\ndocker = 3\n', "must be a table", 3),
    ('[[runners]]\n[[runners.docker.services]]\nalias = "x"\n', "needs a name", 2),
    ('[[runners]]\nexecutor = "kubernetes"\n[[runners.kubernetes.volumes.empty_dir]]\n'
     'name = "x"\n', "needs a mount_path", 3),
])
def test_config_problems_are_located(tmp_path: Path, text: str, message: str,
                                     line: int | None) -> None:
    config = load_runner_config(write(tmp_path, text))
    assert config.problems, "expected a problem"
    assert message in config.problems[0].message
    assert config.problems[0].line == line


def test_unreadable_configs(tmp_path: Path) -> None:
    assert "cannot read" in load_runner_config(tmp_path / "absent.toml").problems[0].message
    (tmp_path / "bin.toml").write_bytes(b"\x00\x01")
    assert "binary" in load_runner_config(tmp_path / "bin.toml").problems[0].message


@pytest.mark.parametrize(("image", "allowlist", "expected"), [
    ("docker:27-dind", (), True),
    ("docker:27-dind", ("docker:*-dind",), True),
    ("docker:27", ("docker:*-dind",), False),
    ("registry.example.com/library/docker:27-dind", ("**/library/docker:*",), True),
    ("registry.example.com/library/docker:27-dind", ("*/docker:*",), False),
    ("docker:27-dind", ("docker:{26,27}-dind",), True),
    ("docker:$V-dind", ("docker:*-dind",), None),
])
def test_privileged_allowlists(image: str, allowlist: tuple[str, ...],
                               expected: bool | None) -> None:
    assert allowed(image, allowlist) is expected
