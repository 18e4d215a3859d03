"""Widgets of the main screen; each takes data through a ``show`` method and posts messages."""

from __future__ import annotations

from dindcheck.tui.widgets.facts_panel import FactsPanel
from dindcheck.tui.widgets.findings_table import FindingsTable
from dindcheck.tui.widgets.problems import ProblemsPanel
from dindcheck.tui.widgets.subject_tree import NodeRef, SubjectTree
from dindcheck.tui.widgets.summary import SummaryBar

__all__ = ["FactsPanel", "FindingsTable", "NodeRef", "ProblemsPanel", "SubjectTree",
           "SummaryBar"]
