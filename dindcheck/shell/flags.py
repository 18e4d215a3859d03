"""The docker CLI's options: which take a value, their short forms, their aliases.

Knowing which flags take a value is what finds the image in ``docker run [OPTIONS]
IMAGE [COMMAND] [ARG...]``: the first word that is neither a flag nor a flag's value.
Taken from the docker CLI's ``run``/``create`` reference and its flag definitions
(https://docs.docker.com/reference/cli/docker/container/run/,
https://github.com/docker/cli/blob/master/cli/command/container/opts.go); flags added
since (``--use-api-socket``, ``--health-start-interval``, ``--annotation``) included.
"""

from __future__ import annotations

# `docker run` / `docker create` flags that take no value (a `--flag=false` form is
# still one word).
RUN_BOOLEAN = frozenset({
    "--detach", "--disable-content-trust", "--help", "--init", "--interactive",
    "--no-healthcheck", "--oom-kill-disable", "--privileged", "--publish-all", "--quiet",
    "--read-only", "--rm", "--sig-proxy", "--tty", "--use-api-socket",
})

RUN_WITH_VALUE = frozenset({
    "--add-host", "--annotation", "--attach", "--blkio-weight", "--blkio-weight-device",
    "--cap-add", "--cap-drop", "--cgroup-parent", "--cgroupns", "--cidfile", "--cpu-count",
    "--cpu-percent", "--cpu-period", "--cpu-quota", "--cpu-rt-period", "--cpu-rt-runtime",
    "--cpu-shares", "--cpus", "--cpuset-cpus", "--cpuset-mems", "--detach-keys", "--device",
    "--device-cgroup-rule", "--device-read-bps", "--device-read-iops", "--device-write-bps",
    "--device-write-iops", "--dns", "--dns-option", "--dns-search", "--domainname",
    "--entrypoint", "--env", "--env-file", "--expose", "--gpus", "--group-add",
    "--health-cmd", "--health-interval", "--health-retries", "--health-start-interval",
    "--health-start-period", "--health-timeout", "--hostname", "--io-maxbandwidth",
    "--io-maxiops", "--ip", "--ip6", "--ipc", "--isolation", "--kernel-memory", "--label",
    "--label-file", "--link", "--link-local-ip", "--log-driver", "--log-opt",
    "--mac-address", "--memory", "--memory-reservation", "--memory-swap",
    "--memory-swappiness", "--mount", "--name", "--network", "--network-alias",
    "--oom-score-adj", "--pid", "--pids-limit", "--platform", "--publish", "--pull",
    "--restart", "--runtime", "--security-opt", "--shm-size", "--stop-signal",
    "--stop-timeout", "--storage-opt", "--sysctl", "--tmpfs", "--ulimit", "--user",
    "--userns", "--uts", "--volume", "--volume-driver", "--volumes-from", "--workdir",
})

# Hidden or older spellings, and the name they stand for.
RUN_ALIASES = {"--net": "--network", "--net-alias": "--network-alias",
               "--dns-opt": "--dns-option"}

RUN_SHORT = {
    "a": "--attach", "c": "--cpu-shares", "d": "--detach", "e": "--env", "h": "--hostname",
    "i": "--interactive", "l": "--label", "m": "--memory", "p": "--publish",
    "P": "--publish-all", "q": "--quiet", "t": "--tty", "u": "--user", "v": "--volume",
    "w": "--workdir",
}

# `docker exec` options.
EXEC_BOOLEAN = frozenset({"--detach", "--interactive", "--tty", "--privileged", "--help"})
EXEC_WITH_VALUE = frozenset({"--detach-keys", "--env", "--env-file", "--user", "--workdir"})
EXEC_SHORT = {"d": "--detach", "i": "--interactive", "t": "--tty", "e": "--env",
              "u": "--user", "w": "--workdir"}

# Options of the `docker` command itself, written before the subcommand.
GLOBAL_BOOLEAN = frozenset({"--debug", "--tls", "--tlsverify", "--help", "--version"})
GLOBAL_WITH_VALUE = frozenset({"--config", "--context", "--host", "--log-level",
                               "--tlscacert", "--tlscert", "--tlskey"})
GLOBAL_SHORT = {"D": "--debug", "H": "--host", "c": "--context", "l": "--log-level",
                "v": "--version", "h": "--help"}
