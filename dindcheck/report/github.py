"""GitHub Actions workflow commands: one annotation per finding and per unreadable input."""

from __future__ import annotations

from dindcheck.model import Report, Severity
from dindcheck.report import RenderOptions

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape(text: str, *, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render(report: Report, options: RenderOptions) -> str:
    lines = []
    for e in report.errors:
        where = f"file={_escape(e.path, property_value=True)}"
        if e.line:
            where += f",line={e.line}"
        lines.append(f"::error {where},title=dindcheck::{_escape(e.message)}")
    for f in report.findings:
        loc = f.location
        props: list[str] = []
        if loc.path:
            props.append(f"file={_escape(loc.path, property_value=True)}")
            if loc.line:
                props.append(f"line={loc.line}")
            if loc.column:
                props.append(f"col={loc.column}")
        props.append(f"title={_escape(f'{f.rule_id} {f.title}', property_value=True)}")
        lines.append(f"::{_COMMANDS[f.severity]} {','.join(props)}::{_escape(f.message)}")
    return "\n".join(lines) + ("\n" if lines else "")
