"""The compose conformance suite: compose-go's own test cases, run through dindcheck's reader.

Each ``*.yaml`` file beside this one holds the cases of one area, transcribed from
compose-go's tests (inputs and expected values; each case names the compose-go file and
test, at the commit below). A case gives a template, a ``.env`` text, a short volume or
port spec, or compose files; and what compose computes (``expect``) or that compose refuses
it (``error``). A case where dindcheck deliberately computes something else says why
(``differs``) and what dindcheck gives instead (``dindcheck``), and that is asserted.

Compared values are in compose's canonical form (``docker compose config``): an
environment is a mapping (``null``: declared without a value), ports and volumes are
lists of mappings, commands are lists of words, paths are absolute (``<dir>`` is the case's
folder). dindcheck's own parsers turn its project into that form here, so a case checks
what the rules read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from dindcheck.dockerd import words
from dindcheck.sources.compose.dotenv import DotenvError, parse_dotenv
from dindcheck.sources.compose.files import ComposeProject, load_project
from dindcheck.sources.compose.interpolate import TemplateError, Unresolved, substitute
from dindcheck.sources.compose.volumes import (
    SpecError,
    parse_port_spec,
    parse_ports,
    parse_short_volume,
    service_mounts,
)
from tests.repo import DOCS

HERE = Path(__file__).parent
REPOSITORY = "https://github.com/compose-spec/compose-go"
COMMIT = "e70e961c3a3acebf0800b882f1afb3dbf1fb74a2"
AREAS = ("interpolation", "dotenv", "merge", "extends", "include", "loader", "syntax")


@dataclass(frozen=True)
class Case:
    area: str
    id: str
    data: dict[str, Any]

    @property
    def differs(self) -> str | None:
        """Why dindcheck deliberately computes something else."""
        return self.data.get("differs")

    @property
    def partial(self) -> str | None:
        """Why compose-go's test (run on part of the loader) expects something else."""
        return self.data.get("partial")


def _cases() -> list[Case]:
    cases = []
    for area in AREAS:
        document = yaml.safe_load((HERE / f"{area}.yaml").read_text(encoding="utf-8"))
        assert document["repository"] == REPOSITORY
        assert document["commit"] == COMMIT
        shared = document.get("env", {})
        for data in document["cases"]:
            if isinstance(data.get("env"), str):
                data = {**data, "env": shared[data["env"]]}
            if "files" in data:  # shared fixture files are merged in with YAML's <<
                data = {**data, "files": dict(data["files"])}
            cases.append(Case(area, data["id"], data))
    return cases


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.area}-{c.id}" for c in CASES])
def test_case(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = case.data
    assert data.get("source"), "every case names the compose-go test it comes from"
    if case.differs or case.partial:
        assert "dindcheck" in data, "a difference says what dindcheck gives"
    wanted = data["dindcheck"] if case.differs or case.partial else data.get("expect")
    if "template" in data:
        _template(data, wanted)
    elif "dotenv" in data:
        _dotenv(data, wanted)
    elif "volume" in data:
        _volume(data, wanted)
    elif "port" in data:
        _port(data, wanted)
    else:
        monkeypatch.chdir(tmp_path)
        _project(data, wanted, tmp_path)


def _refused(data: dict[str, Any], wanted: Any) -> bool:
    """Whether dindcheck is expected to refuse the input (compose's error, unless the case
    says dindcheck differs there)."""
    if data.get("differs") or data.get("partial"):
        return wanted == "error"
    return bool(data.get("error"))


def _template(data: dict[str, Any], wanted: Any) -> None:
    env = data.get("env") or {}
    if _refused(data, wanted):
        with pytest.raises(TemplateError):
            substitute(data["template"], env.get)
        return
    found = Unresolved()
    value = substitute(data["template"], env.get, found)
    if isinstance(wanted, dict):
        assert value == wanted["value"]
        assert sorted(found.required) == wanted.get("required", [])
    else:
        assert value == wanted


def _dotenv(data: dict[str, Any], wanted: Any) -> None:
    env = data.get("env") or {}
    if _refused(data, wanted):
        with pytest.raises(DotenvError) as caught:
            parse_dotenv(data["dotenv"], env.get)
        if "error_line" in data:
            assert caught.value.line == data["error_line"]
        return
    values = parse_dotenv(data["dotenv"], env.get).values
    if data.get("skip_digit_keys"):  # compose-go's Read() drops keys starting with a digit
        values = {k: v for k, v in values.items() if not k.strip()[:1].isdigit()}
    if data.get("subset"):  # the test checks these keys only
        values = {k: values.get(k) for k in wanted}
    assert values == wanted


def _volume(data: dict[str, Any], wanted: Any) -> None:
    if _refused(data, wanted):
        with pytest.raises(SpecError):
            parse_short_volume(data["volume"])
        return
    if "has_source" in data:
        try:
            found = parse_short_volume(data["volume"]).source is not None
        except SpecError:
            found = False
        assert found == data["has_source"]
        return
    volume = parse_short_volume(data["volume"])
    got: dict[str, Any] = {"type": "volume" if volume.type == "anonymous_volume"
                           else volume.type, "target": volume.target}
    if volume.source is not None:
        got["source"] = volume.source
    if volume.read_only:
        got["read_only"] = True
    assert got == wanted


def _port(data: dict[str, Any], wanted: Any) -> None:
    if _refused(data, wanted):
        with pytest.raises(SpecError):
            parse_port_spec(data["port"])
        return
    got = [_port_json(m.target, m.published, m.host_ip, m.protocol)
           for m in parse_port_spec(data["port"])]
    assert got == wanted


def _port_json(target: int | None, published: str | None, host_ip: str | None,
               protocol: str) -> dict[str, Any]:
    out: dict[str, Any] = {"target": target, "protocol": protocol}
    if published:
        out["published"] = published
    if host_ip:
        out["host_ip"] = host_ip
    return out


def _project(data: dict[str, Any], wanted: Any, folder: Path) -> None:
    for name, text in (data.get("files") or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    compose = [Path(f) for f in data.get("compose", ["compose.yaml"])]
    project = load_project(compose, environ=data.get("env") or {},
                           profiles=data.get("profiles"))
    if _refused(data, wanted):
        assert project.problems, "compose refuses this input: dindcheck must report it"
        line = data.get("error_line")
        if line is not None:
            assert line in [p.line for p in project.problems], project.problems
        return
    assert project.problems == (), project.problems
    _compare(project, wanted, str(folder.resolve()))


def _compare(project: ComposeProject, wanted: dict[str, Any], folder: str) -> None:
    wanted = _placed(wanted, folder)
    if "name" in wanted:
        assert project.name == wanted["name"]
    for name in wanted.get("absent", []):
        assert name not in project.services
    if "service_names" in wanted:
        assert sorted(project.services) == sorted(wanted["service_names"])
    for name, fields in (wanted.get("services") or {}).items():
        assert name in project.services, f"service {name} missing"
        service = project.services[name]
        for field, value in fields.items():
            if field == "written":  # fields as written (compose-go's merge tests compare them)
                for key, written in value.items():
                    assert _plain(service.get(key)) == written, f"{name}.{key}"
                continue
            got = _field(project, service, field)
            assert got == value, f"{name}.{field}"
    for name in wanted.get("absent_volumes", []):
        assert name not in project.volumes
    for name, fields in (wanted.get("volumes") or {}).items():
        volume = project.volumes[name]
        for field, value in fields.items():
            assert volume.get(field) == value, f"volumes.{name}.{field}"


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _placed(value: Any, folder: str) -> Any:
    if isinstance(value, str):
        return value.replace("<dir>", folder)
    if isinstance(value, list):
        return [_placed(v, folder) for v in value]
    if isinstance(value, dict):
        return {k: _placed(v, folder) for k, v in value.items()}
    return value


def _absolute(project: ComposeProject, path: str) -> str:
    if path.startswith(("/", "~")) or "://" in path:
        return path
    return os.path.normpath(os.path.join(os.path.abspath(project.project_dir), path))


def _field(project: ComposeProject, service: Any, field: str) -> Any:
    """A service field in compose's canonical form, from what dindcheck holds."""
    value = service.get(field)
    if field in ("command", "entrypoint"):
        return None if value is None else words(value)
    if field == "environment":
        return None if value is None else dict(value)
    if field == "volumes":
        return [_mount(project, m) for m in service_mounts(service)
                if not m.field.startswith("tmpfs")]
    if field == "tmpfs":
        return [value] if isinstance(value, str) else value
    if field == "ports":
        return [_port_json(p.container_port, p.host_port, p.host_ip, p.protocol)
                for p in parse_ports(service)]
    if field == "networks":
        if isinstance(value, list):
            return dict.fromkeys(value)
        return None if value is None else {k: (dict(v) if isinstance(v, dict) else v)
                                           for k, v in value.items()}
    if field == "depends_on":
        return None if value is None else {k: dict(v) for k, v in value.items()}
    if field == "healthcheck":
        if value is None:
            return None
        out = dict(value)
        if isinstance(out.get("test"), str):
            out["test"] = ["CMD-SHELL", out["test"]]
        return out
    if field == "replicas":
        deploy = service.get("deploy") or {}
        return deploy.get("replicas", service.get("scale"))
    if field == "build":
        if value is None:
            return None
        build = {"context": value} if isinstance(value, str) else dict(value)
        build.setdefault("context", ".")
        build["context"] = _absolute(project, build["context"])
        if "dockerfile_inline" not in build:
            build.setdefault("dockerfile", "Dockerfile")
        return build
    if field == "env_file":
        entries = [value] if isinstance(value, str) else value or []
        return [_absolute(project, e if isinstance(e, str) else e["path"]) for e in entries]
    return value


def _mount(project: ComposeProject, mount: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "volume" if mount.type == "anonymous_volume"
                           else mount.type, "target": mount.target}
    if mount.source is not None:
        out["source"] = _absolute(project, mount.source) if mount.type == "bind" \
            else mount.source
    if mount.read_only:
        out["read_only"] = True
    return out


# --- the summary ------------------------------------------------------------------------


def summary_table() -> str:
    """The suite's summary as it appears in docs/usage.md."""
    rows = ["| area | cases | as compose computes | compose-go's test runs part of the loader "
            "| deliberately different |", "|---|---|---|---|---|"]
    totals = [0, 0, 0, 0]
    for area in AREAS:
        cases = [c for c in CASES if c.area == area]
        partial = sum(1 for c in cases if c.partial)
        different = sum(1 for c in cases if c.differs)
        counts = [len(cases), len(cases) - partial - different, partial, different]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        rows.append("| " + " | ".join([area, *map(str, counts)]) + " |")
    rows.append("| **all** | " + " | ".join(f"**{n}**" for n in totals) + " |")
    return "\n".join(rows)


def test_every_case_id_is_unique() -> None:
    ids = [(c.area, c.id) for c in CASES]
    assert len(ids) == len(set(ids))


def test_docs_show_the_summary_and_every_difference() -> None:
    usage = (DOCS / "usage.md").read_text(encoding="utf-8")
    assert summary_table() in usage, "update docs/usage.md with:\n" + summary_table()
    for case in CASES:
        if case.differs or case.partial:
            assert f"`{case.area}/{case.id}`" in usage, f"docs/usage.md: explain {case.id}"
