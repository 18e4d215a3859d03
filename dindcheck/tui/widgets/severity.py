"""How a severity looks: one icon and one colour, used by the table, the tree and the summary."""

from __future__ import annotations

from rich.text import Text

from dindcheck.model import Severity

ICONS = {Severity.ERROR: "✖", Severity.WARNING: "▲", Severity.INFO: "●"}
STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "cyan"}
OK_ICON, OK_STYLE = "✔", "green"


def icon(severity: Severity | None) -> Text:
    """The marker for a subject whose worst finding has ``severity`` (none: a green tick)."""
    if severity is None:
        return Text(OK_ICON, style=OK_STYLE)
    return Text(ICONS[severity], style=STYLES[severity])


def badge(severity: Severity) -> Text:
    """Icon and name, for a table cell or a heading."""
    return Text(f"{ICONS[severity]} {severity.value}", style=STYLES[severity])
