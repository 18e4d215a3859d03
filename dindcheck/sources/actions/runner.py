"""What the GitHub Actions runner adds to the containers of a job (actions/runner, Linux).

Job container (``ContainerOperationProvider.cs``, ``ContainerInfo.cs``,
``DockerCommandManager.cs``): ``docker create --name … --network github_network_<id>
-p … <options> -e … -v … --entrypoint "tail" IMAGE "-f" "/dev/null"``, where the ``-v``
list is the host's ``/var/run/docker.sock`` at the same path, the runner's work,
externals (read-only), temp, actions and tool folders (``/__w``, ``/__e``, ``/__t``),
``/github/home`` and ``/github/workflow``, then the user's ``volumes``. The entrypoint is
replaced whatever the image says, so a dind image as a job container never starts its
daemon. Service containers get ``--network-alias <service id>``, their ``ports``,
``options``, ``env`` and ``volumes``, and keep their image's entrypoint. Every container
of the job is on one network the runner creates for the job. ``options`` are put into
the command line as written, before the runner's own ``-e``/``-v``/``--entrypoint``.

Container actions (``uses: docker://…``, ``ContainerActionHandler.cs``) get the host's
socket, ``/github/workspace``, ``/github/home``, ``/github/workflow``,
``/github/file_commands`` and ``/github/runner_temp``.
"""

from __future__ import annotations

from dindcheck.model import Location
from dindcheck.workload import BIND, Mount

RUNNER = "the GitHub Actions runner"
JOB_ENTRYPOINT = ("tail",)
STEP_SHELL = ("sh", "-e")  # a step in the job container: `docker exec … sh -e script`
JOB_COMMAND = ("-f", "/dev/null")
SOCKET = "/var/run/docker.sock"
# The runner's folders on the host, by the name the runner gives them.
_WORK = "<runner work folder>"
_EXTERNALS = "<runner externals>"
_TOOLS = "<runner tool cache>"

JOB_CONTAINER_MOUNTS: tuple[tuple[str, str, bool], ...] = (
    (SOCKET, SOCKET, False),
    (_WORK, "/__w", False),
    (_EXTERNALS, "/__e", True),
    (f"{_WORK}/_temp", "/__w/_temp", False),
    (f"{_WORK}/_actions", "/__w/_actions", False),
    (_TOOLS, "/__t", False),
    (f"{_WORK}/_temp/_github_home", "/github/home", False),
    (f"{_WORK}/_temp/_github_workflow", "/github/workflow", False),
)

CONTAINER_ACTION_MOUNTS: tuple[tuple[str, str, bool], ...] = (
    (SOCKET, SOCKET, False),
    (f"{_WORK}/_temp", "/github/runner_temp", False),
    (f"{_WORK}/_temp/_github_home", "/github/home", False),
    (f"{_WORK}/_temp/_github_workflow", "/github/workflow", False),
    (f"{_WORK}/_temp/_runner_file_commands", "/github/file_commands", False),
    (_WORK, "/github/workspace", False),
)

JOB_CONTAINER_NOTE = ("the runner starts a job container with --entrypoint tail -f /dev/null "
                      "and binds the host's /var/run/docker.sock into it: the image's "
                      "entrypoint (a dind daemon included) never runs")


def network_name(project: str) -> str:
    """The job's network, as the runner would name it (``github_network_<guid>``)."""
    return f"github_network_{project}"


def runner_mounts(table: tuple[tuple[str, str, bool], ...],
                  location: Location | None) -> tuple[Mount, ...]:
    return tuple(Mount(kind=BIND, target=target, source=source, storage=f"bind:{source}",
                       read_only=read_only, persistent=True, field=f"runner[{i}]",
                       location=location)
                 for i, (source, target, read_only) in enumerate(table))
