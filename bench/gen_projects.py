"""Write N realistic, seeded compose projects into a folder (one sub-folder per project).

The shapes follow the public files in shared/corpus/compose and examples/: 1-15 services,
dind daemons with assorted volumes/tmpfs/ports/environment/commands, clients with
DOCKER_HOST, host-socket mounts (short, ``:ro`` and long syntax), ordinary services,
YAML anchors with ``<<`` merges, ``${VAR:-x}`` interpolation, and about one project in
five with a ``compose.override.yaml``. Same seed and N, same bytes.

    python bench/gen_projects.py 1000 /tmp/projects [--seed 5]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

DIND_IMAGES = ("docker:dind", "docker:27.3.1-dind", "docker:26-dind", "docker:27-dind",
               "docker:dind-rootless", "docker:${DOCKER_VERSION:-27}-dind",
               "docker:24.0.7-dind-alpine3.19")
CUSTOM_DIND = ("registry.example.com/ci/ubuntu-dind:24.04", "local/dind:latest")
CLIENT_IMAGES = ("docker:27.3.1-cli", "docker:cli", "gitlab/gitlab-runner:v17.5.0",
                 "jenkins/inbound-agent:3261.v9c670a_4748a_9-1", "python:3.12-slim")
SOCKET_IMAGES = ("portainer/portainer-ce:2.21.4", "traefik:v3.2", "containrrr/watchtower:1.7.1",
                 "woodpeckerci/woodpecker-agent:v2.7.1", "gcr.io/cadvisor/cadvisor:v0.49.1",
                 "localstack/localstack:3.8")
PLAIN_IMAGES = ("postgres:16-alpine", "redis:7.4", "nginx:1.27", "grafana/grafana:11.3.0",
                "prom/prometheus:v2.55.0", "minio/minio:latest", "rabbitmq:3.13-management",
                "registry:2", "alpine:3.20", "node:22-bookworm-slim")
HEALTHCHECKS = ('["CMD", "docker", "info"]', '["CMD-SHELL", "docker", "info"]', "docker info")
SOCKETS = ("/var/run/docker.sock", "/run/docker.sock", "${DOCKER_SOCK:-/var/run/docker.sock}")


class Project:
    """Text of one project's files, built line by line."""

    def __init__(self, rng: random.Random, index: int) -> None:
        self.rng = rng
        self.index = index
        self.lines: list[str] = []
        self.volumes: list[str] = []
        self.daemons: list[tuple[str, bool]] = []  # (service name, TLS on)
        self.services: list[str] = []

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def volume(self, name: str) -> str:
        if name not in self.volumes:
            self.volumes.append(name)
        return name

    def build(self) -> dict[str, str]:
        rng = self.rng
        anchored = rng.random() < 0.4
        self.add(f"# generated project {self.index}")
        if rng.random() < 0.3:
            self.add(f"name: proj-{self.index}")
        if anchored:
            self.add("x-dind: &dind", f"  image: {rng.choice(DIND_IMAGES)}", "  privileged: true",
                     "  environment: &dind-env", "    DOCKER_TLS_CERTDIR: /certs",
                     "  restart: unless-stopped", "")
        if rng.random() < 0.3:
            self.add("x-logging: &logging", "  driver: json-file", "  options:",
                     '    max-size: "10m"', '    max-file: "3"', "")
            logging = True
        else:
            logging = False
        self.add("services:")
        total = rng.randint(1, 15)
        n_daemons = rng.choices((0, 1, 2, 3), weights=(2, 6, 2, 1))[0]
        n_daemons = min(n_daemons, total)
        for i in range(n_daemons):
            self.daemon(f"dind{i or ''}" if rng.random() < 0.5 else f"docker{i or ''}",
                        anchored, logging)
        for i in range(total - n_daemons):
            roll = rng.random()
            if self.daemons and roll < 0.35:
                self.client(f"client{i}")
            elif roll < 0.5:
                self.socket_service(f"agent{i}")
            else:
                self.plain(f"svc{i}", logging)
        if self.volumes:
            self.add("", "volumes:")
            for name in self.volumes:
                self.add(f"  {name}:")
        files = {"compose.yaml" if rng.random() < 0.6 else "docker-compose.yml":
                 "\n".join(self.lines) + "\n"}
        if rng.random() < 0.2 and self.services:
            files["compose.override.yaml"] = self.override()
        return files

    def daemon(self, name: str, anchored: bool, logging: bool) -> None:
        rng = self.rng
        self.services.append(name)
        tls = rng.random() < 0.55
        self.daemons.append((name, tls))
        self.add(f"  {name}:")
        custom = False
        if anchored and rng.random() < 0.8:
            self.add("    <<: *dind")
        else:
            custom = rng.random() < 0.15
            self.add(f"    image: {rng.choice(CUSTOM_DIND if custom else DIND_IMAGES)}")
            self.add(f"    privileged: {rng.choice(('true', 'true', 'yes', '${DIND_PRIV:-true}'))}")
        certdir = "/certs" if tls else '""'
        if rng.random() < 0.5:
            self.add("    environment:", f"      DOCKER_TLS_CERTDIR: {certdir}")
            if rng.random() < 0.3:
                self.add(f"      DOCKER_DRIVER: {rng.choice(('vfs', 'overlay2', 'overlay'))}")
        else:
            self.add("    environment:", f"      - DOCKER_TLS_CERTDIR={certdir.strip(chr(34))}")
        if custom:
            self.add('    command: ["dockerd", "--host=unix:///var/run/docker.sock"]')
        elif rng.random() < 0.3:
            flags = rng.sample(("--storage-driver=vfs", "--storage-driver=overlay2", "--tls=false",
                                "--host=tcp://0.0.0.0:2375", "--mtu=1400",
                                "--insecure-registry=registry:5000"), k=rng.randint(1, 2))
            self.add("    command: [" + ", ".join(f'"{f}"' for f in flags) + "]")
        has_tmpfs = self.daemon_storage(name)
        if tls:
            self.add("      - " + self.volume(f"{name}-certs") + ":/certs/client")
        roll = rng.random()
        if roll < 0.25:
            self.add("    ports:", f'      - "{2376 if tls else 2375}:{2376 if tls else 2375}"')
        elif roll < 0.35:
            self.add("    ports:", '      - "127.0.0.1:${DIND_PORT:-2376}:2376"')
        if rng.random() < 0.3 and not has_tmpfs:
            self.add("    tmpfs:", "      - /tmp", "      - /run")
        if rng.random() < 0.2:
            self.add("    deploy:", f"      replicas: {rng.randint(2, 4)}")
        if rng.random() < 0.4:
            self.add("    healthcheck:", f"      test: {rng.choice(HEALTHCHECKS)}",
                     "      interval: 5s", "      retries: 20")
        if rng.random() < 0.15:
            self.add("    network_mode: host")
        if logging:
            self.add("    logging: *logging")

    def daemon_storage(self, name: str) -> bool:
        """Open the volumes: list (left open for more entries); True if tmpfs: was added."""
        rng = self.rng
        roll = rng.random()
        self.add("    volumes:")
        if roll < 0.35:
            self.add("      - " + self.volume(f"{name}-data") + ":/var/lib/docker")
        elif roll < 0.5:
            self.volume("shared-docker")
            self.add("      - ${DIND_DATA:-shared-docker}:/var/lib/docker")
        elif roll < 0.6:
            self.add("      - ./data:/var/lib/docker")
        elif roll < 0.7:
            vol = self.volume(f"{name}-data")
            self.add("      - type: volume", f"        source: {vol}",
                     "        target: /var/lib/docker")
        elif roll < 0.8:
            self.add("      - /var/run/docker.sock:/var/run/docker.sock")
        else:
            self.add("      - ./config:/etc/docker:ro")
            if roll > 0.9:
                self.lines[-2:-2] = ["    tmpfs:", "      - /var/lib/docker"]
                return True
        return False

    def client(self, name: str) -> None:
        rng = self.rng
        self.services.append(name)
        daemon, tls = rng.choice(self.daemons)
        port = 2376 if (tls if rng.random() < 0.8 else not tls) else 2375
        self.add(f"  {name}:", f"    image: {rng.choice(CLIENT_IMAGES)}", "    environment:",
                 f"      DOCKER_HOST: tcp://{daemon}:{port}")
        if tls and rng.random() < 0.7:
            self.add('      DOCKER_TLS_VERIFY: "1"', "      DOCKER_CERT_PATH: /certs/client",
                     "    volumes:", f"      - {daemon}-certs:/certs/client:ro")
        if rng.random() < 0.5:
            self.add("    depends_on:", f"      {daemon}:", "        condition: service_healthy")
        else:
            self.add("    depends_on:", f"      - {daemon}")
        if rng.random() < 0.3:
            self.add('    command: ["sh", "-c", "docker version && docker build -t app ."]')

    def socket_service(self, name: str) -> None:
        rng = self.rng
        self.services.append(name)
        sock = rng.choice(SOCKETS)
        self.add(f"  {name}:", f"    image: {rng.choice(SOCKET_IMAGES)}", "    volumes:")
        roll = rng.random()
        if roll < 0.5:
            self.add(f"      - {sock}:/var/run/docker.sock{rng.choice(('', ':ro'))}")
        elif roll < 0.8:
            self.add("      - type: bind", f"        source: {sock}",
                     "        target: /var/run/docker.sock", "        read_only: true")
        else:
            self.add("      - /var/run:/host-run", "      - /var/lib/docker:/var/lib/docker:ro")
        if rng.random() < 0.3:
            self.add("    privileged: true")
        if rng.random() < 0.4:
            self.add("    ports:", f'      - "${{AGENT_PORT:-{rng.randint(8000, 9999)}}}:9000"')

    def plain(self, name: str, logging: bool) -> None:
        rng = self.rng
        self.services.append(name)
        self.add(f"  {name}:")
        if rng.random() < 0.2:
            self.add("    build:", "      context: .", "      dockerfile: Dockerfile")
        else:
            self.add(f"    image: {rng.choice(PLAIN_IMAGES)}")
        self.add("    environment:", f"      APP_ENV: ${{APP_ENV:-{rng.choice(('dev', 'prod'))}}}",
                 f"      WORKERS: \"{rng.randint(1, 8)}\"")
        if rng.random() < 0.5:
            vol = self.volume(f"{name}-data")
            self.add("    volumes:", f"      - {vol}:/data", "      - ./conf:/etc/app:ro")
        if rng.random() < 0.5:
            self.add("    ports:", f'      - "{rng.randint(3000, 9000)}:{rng.randint(80, 9000)}"')
        if rng.random() < 0.3:
            self.add("    healthcheck:", '      test: ["CMD", "true"]', "      interval: 10s")
        self.add(f"    restart: {rng.choice(('always', 'unless-stopped', 'on-failure'))}")
        if logging:
            self.add("    logging: *logging")

    def override(self) -> str:
        rng = self.rng
        lines = ["# local override", "services:"]
        for name in rng.sample(self.services, k=min(len(self.services), rng.randint(1, 3))):
            lines.append(f"  {name}:")
            roll = rng.random()
            if roll < 0.4:
                lines += ["    environment:", "      DEBUG: \"1\""]
            elif roll < 0.7:
                lines += ["    ports:", f'      - "127.0.0.1:{rng.randint(10000, 20000)}:80"']
            else:
                lines += ["    volumes:", "      - ./override:/override:ro"]
        return "\n".join(lines) + "\n"


def generate(n: int, out: Path, seed: int = 5) -> list[Path]:
    """Write N projects under OUT; return the paths of all files written."""
    rng = random.Random(seed)
    written: list[Path] = []
    width = len(str(max(n - 1, 1)))
    for index in range(n):
        folder = out / f"p{index:0{width}d}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in Project(rng, index).build().items():
            path = folder / name
            path.write_text(text)
            written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    files = generate(args.n, args.out, args.seed)
    print(f"{args.n} projects, {len(files)} files in {args.out}")


if __name__ == "__main__":
    main()
