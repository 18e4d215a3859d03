"""The subject tree: targets, then projects (jobs, pods), then daemons, sockets and clients."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from dindcheck.model import Report, Severity, Subject, Target
from dindcheck.tui.view import (
    severity_by_subject,
    subject_label,
    target_groups,
    target_label,
    target_severity,
    worst,
)
from dindcheck.tui.widgets.severity import icon


@dataclass(frozen=True, eq=False)
class NodeRef:
    """What a tree node stands for: a target, a project within it, or one subject."""

    target: Target
    subject: Subject | None = None
    project: str | None = None


def _label(severity: Severity | None, text: str, note: str = "") -> Text:
    label = Text.assemble(icon(severity), " ", text)
    if note:
        label.append(f" {note}", style="dim")
    return label


class SubjectTree(Tree[NodeRef]):
    """Each node is marked with the worst severity among the findings on it."""

    @dataclass
    class Highlighted(Message):
        ref: NodeRef

    @dataclass
    class Selected(Message):
        ref: NodeRef

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__("targets", id=id)
        self.show_root = False
        self.guide_depth = 3

    def show(self, report: Report) -> None:
        current = self.cursor_node.data if self.cursor_node is not None else None
        keep = current.subject.get("id") if current and current.subject else None
        by_subject = severity_by_subject(report)
        self.clear()
        for target in report.targets:
            total = len(target.subjects)
            node = self.root.add(
                _label(target_severity(target, by_subject), target_label(target),
                       f"{total} subject{'' if total == 1 else 's'}"),
                data=NodeRef(target), expand=True)
            for project, subjects in target_groups(target):
                parent: TreeNode[NodeRef] = node
                if project is not None:
                    parent = node.add(
                        _label(worst(by_subject[s["id"]] for s in subjects
                                     if s.get("id") in by_subject), f"project: {project}"),
                        data=NodeRef(target, project=project), expand=True)
                for subject in subjects:
                    leaf = parent.add_leaf(
                        _label(by_subject.get(str(subject.get("id"))), subject_label(subject)),
                        data=NodeRef(target, subject))
                    if keep is not None and subject.get("id") == keep:
                        self.call_after_refresh(self.move_cursor, leaf)
        if keep is None:
            self.cursor_line = 0

    def on_focus(self) -> None:
        if self.cursor_node is not None and self.cursor_node.data is not None:
            self.post_message(self.Highlighted(self.cursor_node.data))

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted[NodeRef]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.Highlighted(event.node.data))

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected[NodeRef]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.Selected(event.node.data))
