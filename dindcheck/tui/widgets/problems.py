"""The inputs that could not be read and the engines that could not be audited."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from dindcheck.model import InputProblem


def problems_text(errors: Sequence[InputProblem], refresh_error: str | None = None) -> Text:
    text = Text()
    for problem in errors:
        label = "engine" if problem.kind == "engine" else "input"
        text.append(f"{label} problem ", style="bold red")
        text.append(f"{problem}\n")
    if refresh_error is not None:
        text.append("re-run failed ", style="bold red")
        text.append(f"{refresh_error}\n")
    text.rstrip()
    return text


class ProblemsPanel(Static):
    """Hidden while there is nothing to say."""

    DEFAULT_CSS = """
    ProblemsPanel {
        height: auto;
        max-height: 6;
        padding: 0 1;
        border-left: thick $error;
        background: $error 10%;
    }
    """

    def show(self, errors: Sequence[InputProblem], refresh_error: str | None = None) -> None:
        self.display = bool(errors) or refresh_error is not None
        self.update(problems_text(errors, refresh_error))
