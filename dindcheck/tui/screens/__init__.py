"""Screens: the overview, one finding, help, and the export dialog."""

from __future__ import annotations

from dindcheck.tui.screens.export import DEFAULT_EXPORT_PATH, ExportScreen
from dindcheck.tui.screens.finding import FindingScreen
from dindcheck.tui.screens.help import HelpScreen
from dindcheck.tui.screens.overview import OverviewScreen

__all__ = ["DEFAULT_EXPORT_PATH", "ExportScreen", "FindingScreen", "HelpScreen",
           "OverviewScreen"]
