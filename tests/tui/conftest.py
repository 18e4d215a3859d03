"""Fixtures for the TUI tests: real reports (see reports.py) and a record of what the app
notified."""

from __future__ import annotations

from typing import Any

import pytest

from dindcheck.model import Report
from dindcheck.tui import DindcheckApp
from tests.tui.reports import audit_report, lint_report


@pytest.fixture
def notes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every message passed to ``notify`` by any DindcheckApp (screens notify through it)."""
    seen: list[str] = []
    original = DindcheckApp.notify

    def notify(self: DindcheckApp, message: str, **kwargs: Any) -> None:
        seen.append(message)
        original(self, message, **kwargs)

    monkeypatch.setattr(DindcheckApp, "notify", notify)
    return seen


@pytest.fixture
def report() -> Report:
    """The examples as they are, linted."""
    return lint_report()


@pytest.fixture
def fixed_report() -> Report:
    """A corrected copy of the examples, linted: one error fewer, one finding suppressed."""
    return lint_report(fixed=True)


@pytest.fixture
def live_report() -> Report:
    """The recorded live engine, audited."""
    return audit_report()
