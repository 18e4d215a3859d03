"""A private Docker engine for tests, and the images the tests run on it.

No registry is reachable from the test machines, so images are made with
``docker import`` from root filesystems assembled here:

* ``busybox``: the host's static busybox and its applet links;
* ``dind``: busybox plus the host's ``dockerd``, ``containerd``,
  ``containerd-shim-runc-v2``, ``runc``, ``docker`` CLI and iptables, with the
  libraries ``ldd`` lists, and an entrypoint (``dind-init``) that mounts the
  cgroup hierarchies itself before ``exec dockerd``: the kernel here refuses
  ``--privileged`` at start, so a running dind container gets
  :data:`DIND_RUN_FLAGS` instead.

The engine gets its own ``--data-root``, ``--exec-root``, ``--pidfile`` and
unix socket under one temporary folder, and a bridge of its own (``dck<pid>``,
MTU :data:`ENGINE_MTU`, ``--iptables=false``: nothing changes in the host's
firewall), or ``--bridge=none`` where no bridge can be made; so it can run beside
another engine on the same machine. Its log file is kept for debugging.

Usable outside pytest: ``python tests/engine_harness.py`` starts an engine,
builds both images and prints the socket.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BUSYBOX_IMAGE = "dindcheck-test/busybox:1"
DIND_IMAGE = "dindcheck-test/dind:20.10"

# What a running dind container needs on a kernel that refuses --privileged.
DIND_RUN_FLAGS = (
    "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE",
    "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
    "--device-cgroup-rule", "a *:* rwm",
)

# The containers' uplink MTU: smaller than the 1500 an inner daemon gives its docker0,
# as on many cloud and pod networks (the MTU mismatch the audit must see).
ENGINE_MTU = 1400

_SEARCH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_ENGINE_PROGRAMS = ("dockerd", "containerd", "containerd-shim-runc-v2", "runc", "docker")
_OPTIONAL_PROGRAMS = ("docker-proxy", "docker-init", "xtables-nft-multi")
_IPTABLES_LINKS = ("iptables", "iptables-save", "iptables-restore",
                   "ip6tables", "ip6tables-save", "ip6tables-restore")
_XTABLES_DIRS = ("/usr/lib/x86_64-linux-gnu/xtables", "/usr/lib/aarch64-linux-gnu/xtables",
                 "/usr/lib/xtables", "/usr/lib64/xtables")
_HARNESS_VERSION = "4"  # bump when the image recipes change

DIND_INIT = """#!/bin/sh
# Entrypoint of the dindcheck test dind image: give the inner daemon writable
# cgroup hierarchies (docker mounts /sys/fs/cgroup read-only in unprivileged
# containers), then run the command (dockerd ...).
set -e
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    # cgroup v2 (moby hack/dind): move every process out of the root cgroup,
    # then enable the controllers for the children.
    mount -o remount,rw /sys/fs/cgroup 2>/dev/null || :
    mkdir -p /sys/fs/cgroup/init
    xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs || :
    sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers \\
        > /sys/fs/cgroup/cgroup.subtree_control || :
else
    mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
    for c in $(awk 'NR > 1 && $4 == 1 { print $1 }' /proc/cgroups); do
        mkdir -p "/sys/fs/cgroup/$c"
        mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c" 2>/dev/null \\
            || rmdir "/sys/fs/cgroup/$c"
    done
fi
exec "$@"
"""


class EngineUnavailable(RuntimeError):
    """The private engine cannot run here (missing binaries, no root, start failure)."""


def which(name: str) -> Path | None:
    found = shutil.which(name, path=os.environ.get("PATH", "") + ":" + _SEARCH_PATH)
    return Path(found) if found else None


def unavailable_reason() -> str | None:
    """Why no private engine can start here, or None when it should.

    ``DINDCHECK_TEST_ENGINE=off`` says there is none (the tests then skip, or fail in CI).
    """
    if os.environ.get("DINDCHECK_TEST_ENGINE", "").lower() == "off":
        return "DINDCHECK_TEST_ENGINE=off"
    if os.geteuid() != 0:
        return "the private Docker engine needs root"
    missing = [p for p in (*_ENGINE_PROGRAMS, "busybox") if which(p) is None]
    if missing:
        return "not installed: " + ", ".join(missing)
    return None


# --------------------------------------------------------------------------- engine


@dataclass
class Engine:
    """A dockerd started by the tests, with its own folder."""

    base: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    bridge: str | None = None  # None: --bridge=none, containers on loopback only

    @property
    def socket(self) -> Path:
        return self.base / "docker.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    @property
    def data_root(self) -> Path:
        return self.base / "root"

    def client(self, timeout: int = 30) -> Any:
        """A low-level docker SDK client (``docker.APIClient``) for this engine."""
        import docker

        return docker.APIClient(base_url=self.url, version="auto", timeout=timeout)

    def docker(self, *args: str, check: bool = True,
               timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        """Run the docker CLI against this engine."""
        cmd = [str(which("docker")), "-H", self.url, *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "DOCKER_CONFIG": str(self.base / "cli")},
                              check=False)
        if check and proc.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args)} failed ({proc.returncode}): "
                               f"{proc.stderr.strip()}")
        return proc

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 20.0) -> None:
        """Stop every container, then the daemon, then remove the folder (not the log)."""
        if self.process.poll() is None:
            with contextlib.suppress(Exception):
                ids = self.docker("ps", "-aq", check=False, timeout=30).stdout.split()
                if ids:
                    self.docker("rm", "-f", "-v", *ids, check=False, timeout=60)
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        _unmount_below(self.base)
        shutil.rmtree(self.base, ignore_errors=True)
        if self.bridge:
            subprocess.run(["ip", "link", "delete", self.bridge], capture_output=True,
                           check=False)


def start_engine(parent: Path | None = None, *, timeout: float = 40.0,
                 log_dir: Path | None = None) -> Engine:
    """Start a private dockerd and wait until it answers ``GET /_ping``.

    The unix socket path must stay short (108 bytes), so the folder lives under
    ``/tmp`` unless ``parent`` says otherwise.
    """
    reason = unavailable_reason()
    if reason:
        raise EngineUnavailable(reason)
    base = Path(tempfile.mkdtemp(prefix="dck-", dir=parent or "/tmp"))
    log_dir = log_dir or Path(tempfile.gettempdir())
    log_path = log_dir / f"dindcheck-engine-{base.name}.log"
    bridge = _make_bridge()
    network = (["--bridge", bridge, f"--mtu={ENGINE_MTU}"] if bridge else ["--bridge=none"])
    cmd = [str(which("dockerd")),
           "--data-root", str(base / "root"), "--exec-root", str(base / "exec"),
           "--pidfile", str(base / "docker.pid"), "-H", f"unix://{base / 'docker.sock'}",
           *network, "--iptables=false", "--ip-masq=false"]
    env = {**os.environ, "PATH": os.environ.get("PATH", "") + ":" + _SEARCH_PATH}
    with log_path.open("wb") as log:
        process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
    engine = Engine(base=base, process=process, log_path=log_path, bridge=bridge)
    try:
        _wait_ready(engine, timeout)
    except BaseException:
        engine.stop()
        raise
    return engine


def _make_bridge() -> str | None:
    """A bridge for this engine alone, or None. Its /24 lies in 198.18.0.0/15, the range
    reserved for network benchmarks (RFC 2544), so it shadows no real network."""
    if which("ip") is None:
        return None
    pid = os.getpid()
    name = f"dck{pid}"[:15]
    address = f"198.{18 + pid // 256 % 2}.{pid % 256}.1/24"
    for cmd in (["ip", "link", "add", "name", name, "type", "bridge"],
                ["ip", "addr", "add", address, "dev", name],
                ["ip", "link", "set", name, "up"]):
        if subprocess.run(cmd, capture_output=True, check=False).returncode != 0:
            subprocess.run(["ip", "link", "delete", name], capture_output=True, check=False)
            return None
    return name


def _wait_ready(engine: Engine, timeout: float) -> None:
    import docker

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if engine.process.poll() is not None:
            tail = engine.log()[-2000:]
            raise EngineUnavailable(f"dockerd exited with {engine.process.returncode}: {tail}")
        if engine.socket.exists():
            try:
                docker.APIClient(base_url=engine.url, version="1.41", timeout=5).ping()
                return
            except Exception:  # not ready yet
                pass
        time.sleep(0.1)
    raise EngineUnavailable(f"dockerd did not answer within {timeout:.0f}s; "
                            f"log: {engine.log_path}")


def _unmount_below(base: Path) -> None:
    """Unmount whatever the daemon or the tests left mounted under ``base`` (deepest first)."""
    prefix = str(base) + "/"
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return
    targets = [line.split()[1] for line in mounts if line.split()[1].startswith(prefix)]
    for target in sorted(targets, key=len, reverse=True):
        subprocess.run(["umount", "-l", target], capture_output=True, check=False)


# --------------------------------------------------------------------------- images


def image_cache_dir() -> Path:
    path = Path(os.environ.get("DINDCHECK_TEST_CACHE",
                               Path(tempfile.gettempdir()) / "dindcheck-test-cache"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _cache_key(kind: str, files: Sequence[Path]) -> str:
    """Keyed by the recipe and by path, size and mtime of every binary that goes in."""
    digest = hashlib.sha256(f"{kind}:{_HARNESS_VERSION}:{DIND_INIT}".encode())
    for path in sorted(set(files)):
        st = path.stat()
        digest.update(f"{path}:{st.st_size}:{st.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def _add_dir(tar: tarfile.TarFile, name: str, mode: int = 0o755) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = mode
    tar.addfile(info)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    tar.addfile(info, io.BytesIO(data))


def _add_link(tar: tarfile.TarFile, name: str, target: str) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    tar.addfile(info)


def _add_file(tar: tarfile.TarFile, name: str, source: Path) -> None:
    info = tar.gettarinfo(str(source.resolve()), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    with source.resolve().open("rb") as handle:
        tar.addfile(info, handle)


_BASE_DIRS = ("bin", "etc", "tmp", "proc", "sys", "dev", "root", "run", "var", "var/run",
              "var/lib", "usr", "usr/bin", "usr/sbin", "usr/local", "usr/local/bin", "lib",
              "lib64", "usr/lib")
_ETC = {
    "etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
    "etc/group": "root:x:0:\ndocker:x:999:\nnogroup:x:65534:\n",
    "etc/nsswitch.conf": "hosts: files dns\n",
    "etc/os-release": 'NAME="dindcheck test"\nPRETTY_NAME="dindcheck test image"\n',
}


def _add_busybox(tar: tarfile.TarFile, skip: set[str]) -> None:
    busybox = which("busybox")
    assert busybox is not None
    for name in _BASE_DIRS:
        _add_dir(tar, name, 0o1777 if name == "tmp" else 0o755)
    _add_file(tar, "bin/busybox", busybox)
    applets = subprocess.run([str(busybox), "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    for applet in applets:
        if applet != "busybox" and applet not in skip:
            _add_link(tar, f"bin/{applet}", "busybox")
    for name, text in _ETC.items():
        _add_bytes(tar, name, text.encode())


def _libraries(binaries: Sequence[Path]) -> set[Path]:
    """Shared libraries (and the loader) the dynamic binaries need, per ``ldd``."""
    libs: set[Path] = set()
    for binary in binaries:
        out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True,
                             check=False).stdout
        for line in out.splitlines():
            parts = line.split()
            for part in parts:
                if part.startswith("/") and Path(part).exists():
                    libs.add(Path(part))
    return libs


def _build_busybox_tar(path: Path) -> None:
    with tarfile.open(path, "w") as tar:
        _add_busybox(tar, skip=set())


def _dind_binaries() -> dict[str, Path]:
    found = {name: which(name) for name in (*_ENGINE_PROGRAMS, *_OPTIONAL_PROGRAMS)}
    return {name: path for name, path in found.items() if path is not None}


def _build_dind_tar(path: Path) -> None:
    binaries = _dind_binaries()
    programs = list(binaries.values())
    with tarfile.open(path, "w") as tar:
        _add_busybox(tar, skip=set(_IPTABLES_LINKS))
        for name, source in binaries.items():
            _add_file(tar, f"usr/local/bin/{name}", source)
        if "xtables-nft-multi" in binaries:
            for link in _IPTABLES_LINKS:
                _add_link(tar, f"usr/local/bin/{link}", "xtables-nft-multi")
        added: set[str] = set()
        for lib in sorted(_libraries(programs)):
            _add_parents(tar, str(lib).lstrip("/"), added)
            _add_file(tar, str(lib).lstrip("/"), lib)
        for folder in _XTABLES_DIRS:
            if Path(folder).is_dir():
                _add_parents(tar, folder.lstrip("/") + "/x", added)
                for ext in sorted(Path(folder).iterdir()):
                    _add_file(tar, str(ext).lstrip("/"), ext)
        _add_bytes(tar, "usr/local/bin/dind-init", DIND_INIT.encode(), 0o755)
        _add_dir(tar, "etc/docker")


def _add_parents(tar: tarfile.TarFile, name: str, added: set[str]) -> None:
    parts = name.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        folder = "/".join(parts[:i])
        if folder not in added and folder not in _BASE_DIRS:
            _add_dir(tar, folder)
        added.add(folder)


def cached_tarball(kind: str) -> Path:
    """The root filesystem tarball of ``kind`` (busybox | dind), built once per binary set."""
    busybox = which("busybox")
    assert busybox is not None
    files = [busybox, *(_dind_binaries().values() if kind == "dind" else ())]
    path = image_cache_dir() / f"{kind}-{_cache_key(kind, files)}.tar"
    if not path.exists():
        partial = path.with_suffix(f".{os.getpid()}.partial")
        (_build_dind_tar if kind == "dind" else _build_busybox_tar)(partial)
        partial.replace(path)
        for stale in path.parent.glob(f"{kind}-*.tar"):
            if stale != path:
                stale.unlink(missing_ok=True)
    return path


def dind_command() -> tuple[str, ...]:
    """The inner daemon's command; without iptables in the image it must not need them."""
    iptables = () if which("xtables-nft-multi") else ("--iptables=false",)
    return ("dockerd", "--host=unix:///var/run/docker.sock", *iptables)


def _import_changes(kind: str) -> tuple[str, ...]:
    if kind == "busybox":
        return ("ENV PATH=" + _SEARCH_PATH, 'CMD ["/bin/sh"]')
    return ("ENV PATH=" + _SEARCH_PATH, 'ENTRYPOINT ["/usr/local/bin/dind-init"]',
            "CMD " + json.dumps(list(dind_command())))


def import_image(engine: Engine, kind: str, ref: str) -> str:
    """``docker import`` the cached tarball of ``kind`` as ``ref``."""
    tarball = cached_tarball(kind)
    args = ["import"]
    for change in _import_changes(kind):
        args += ["-c", change]
    engine.docker(*args, str(tarball), ref, timeout=300)
    return ref


def build_images(engine: Engine) -> dict[str, str]:
    """Both test images, imported into ``engine``."""
    return {"busybox": import_image(engine, "busybox", BUSYBOX_IMAGE),
            "dind": import_image(engine, "dind", DIND_IMAGE)}


# --------------------------------------------------------------------------- helpers


def wait_for(predicate: Any, timeout: float = 60.0, interval: float = 0.2,
             what: str = "condition") -> Any:
    """Poll ``predicate`` until it returns something truthy; raise TimeoutError otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def inner_info(engine: Engine, container: str) -> dict[str, Any] | None:
    """``docker info`` of the daemon inside ``container``, None while it does not answer."""
    proc = engine.docker("exec", container, "docker", "info", "--format", "{{json .}}",
                         check=False, timeout=30)
    if proc.returncode != 0:
        return None
    try:
        info = json.loads(proc.stdout)
    except ValueError:
        return None
    return info if isinstance(info, dict) and info.get("ServerVersion") else None


def container_state(engine: Engine, container: str) -> dict[str, Any]:
    state: dict[str, Any] = engine.client().inspect_container(container)["State"]
    return state


@contextlib.contextmanager
def loop_ext4(folder: Path, size_mib: int = 2048) -> Iterator[Path]:
    """A sparse file formatted ext4 and loop-mounted at ``folder/mnt``: the recipe
    dindcheck recommends for a data root when no volume can be given."""
    image = folder / "docker.img"
    mnt = folder / "mnt"
    mnt.mkdir(parents=True, exist_ok=True)
    subprocess.run(["dd", "if=/dev/zero", f"of={image}", "bs=1M", "count=0",
                    f"seek={size_mib}"], check=True, capture_output=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], check=True, capture_output=True)
    subprocess.run(["mount", "-o", "loop", str(image), str(mnt)], check=True,
                   capture_output=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True, check=False)
        image.unlink(missing_ok=True)


if __name__ == "__main__":  # pragma: no cover - manual use
    started = time.monotonic()
    eng = start_engine()
    print("engine", eng.url, "log", eng.log_path, f"{time.monotonic() - started:.1f}s")
    print(build_images(eng), f"{time.monotonic() - started:.1f}s")
    print("stop with: kill", eng.process.pid)
