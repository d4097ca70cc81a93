"""The ticket's editable fields, each greyed out with the reason when this user may not edit it.

Edits are emitted as the arguments of ``ticket.update`` / ``ticket.assign``; title and
description carry the value the edit started from (``base_*``), so an edit made against text
that someone else changed meanwhile is refused as a conflict instead of overwriting it.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from acero_desktop.models import Priority

from ..directory import Directory
from ..resources import STATUS_COLORS, priority_icon
from .data import TicketDetail


def _grey(widget: QWidget, reason: str | None, allowed_tip: str = "") -> None:
    widget.setEnabled(reason is None)
    widget.setToolTip(reason or allowed_tip)


class TitleEdit(QLineEdit):
    """The title; Enter or leaving the field commits, Esc goes back to the stored title."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("titleEdit")
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.setFont(font)
        self.setFrame(False)


class TicketFields(QWidget):
    update_requested = Signal(dict)  # ticket.update arguments without "id"
    assign_requested = Signal(object)  # uuid.UUID | None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail: TicketDetail | None = None
        self.title = TitleEdit()
        self.title.editingFinished.connect(self._title_done)

        self.status = QLabel()
        self.status.setObjectName("statusLabel")
        self.priority = QComboBox()
        self.priority.setObjectName("priorityCombo")
        for p in Priority:
            self.priority.addItem(priority_icon(p), p.label, p.value)
        self.priority.activated.connect(self._priority_chosen)
        self.category = QComboBox()
        self.category.setObjectName("categoryCombo")
        self.category.activated.connect(self._category_chosen)
        self.team = QComboBox()
        self.team.setObjectName("teamCombo")
        self.team.activated.connect(self._team_chosen)
        self.assignee = QComboBox()
        self.assignee.setObjectName("assigneeCombo")
        self.assignee.activated.connect(self._assignee_chosen)
        self.assign_me = QPushButton("Assign to me")
        self.assign_me.setObjectName("assignToMe")
        self.assign_me.clicked.connect(self._assign_me)
        self.me: uuid.UUID | None = None
        self.requester = QLabel()
        self.requester.setObjectName("requesterLabel")
        self.dates = QLabel()
        self.dates.setStyleSheet("color: gray;")

        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        cells: list[tuple[str, QWidget]] = [
            ("Status", self.status),
            ("Priority", self.priority),
            ("Category", self.category),
            ("Team", self.team),
            ("Assignee", self.assignee),
            ("Requester", self.requester),
        ]
        for i, (name, widget) in enumerate(cells):
            row, col = divmod(i, 2)
            label = QLabel(name)
            label.setStyleSheet("color: gray;")
            grid.addWidget(label, row, col * 2, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(widget, row, col * 2 + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.dates)
        layout.addLayout(grid)

    # -- showing ---------------------------------------------------------------------------

    def show_detail(
        self, detail: TicketDetail, directory: Directory, me: uuid.UUID | None, dates: str
    ) -> None:
        same_ticket = self.detail is not None and self.detail.id == detail.id
        self.detail = detail
        self.me = me
        c = detail.controls
        if not (same_ticket and self.title.hasFocus() and self.title.isModified()):
            self.title.setText(detail.title)
            self.title.setModified(False)
            self.title.setCursorPosition(0)
        # Read-only rather than disabled: the title stays legible, the tooltip says why.
        self.title.setReadOnly(c.title is not None)
        self.title.setToolTip(c.title or "Click to edit the title; Enter saves it")
        self.dates.setText(dates)
        color = STATUS_COLORS[detail.status]
        self.status.setText(
            f"<span style='color:{color}'>●</span> <b>{detail.status.label}</b>{_waiting(detail)}"
        )
        self.status.setToolTip(f"Resolution: {detail.resolution}" if detail.resolution else "")
        self.priority.setCurrentIndex(list(Priority).index(detail.priority))
        _grey(self.priority, c.priority)
        self._fill_categories(directory, detail)
        _grey(self.category, c.category)
        self._fill_teams(directory, detail)
        _grey(self.team, c.team)
        self._fill_assignees(directory, detail)
        _grey(self.assignee, c.assign)
        _grey(self.assign_me, c.assign_me, "Take this ticket")
        self.requester.setText(detail.requester)
        for combo, field in (
            (self.priority, "priority"),
            (self.category, "category_id"),
            (self.team, "team_id"),
            (self.assignee, "assignee_id"),
        ):
            font = combo.font()
            font.setItalic(field in detail.pending_fields)
            combo.setFont(font)

    def _fill_categories(self, directory: Directory, detail: TicketDetail) -> None:
        self.category.clear()
        self.category.addItem("(none)", "")
        for cat in sorted(directory.categories.values(), key=lambda c: c.path.casefold()):
            self.category.addItem(cat.path, str(cat.id))
        self.category.setCurrentIndex(max(0, self.category.findData(str(detail.category_id or ""))))

    def _fill_teams(self, directory: Directory, detail: TicketDetail) -> None:
        self.team.clear()
        if detail.team_id is None:
            self.team.addItem("(no team)", "")
        for team in sorted(directory.teams.values(), key=lambda t: t.name.casefold()):
            self.team.addItem(team.name, str(team.id))
        self.team.setCurrentIndex(max(0, self.team.findData(str(detail.team_id or ""))))

    def _fill_assignees(self, directory: Directory, detail: TicketDetail) -> None:
        self.assignee.clear()
        self.assignee.addItem("Unassigned", "")
        people = directory.members(detail.team_id)
        if detail.assignee_id and all(p.id != detail.assignee_id for p in people):
            self.assignee.addItem(detail.assignee or "Someone", str(detail.assignee_id))
        for person in people:
            self.assignee.addItem(person.name, str(person.id))
        self.assignee.setCurrentIndex(max(0, self.assignee.findData(str(detail.assignee_id or ""))))

    # -- editing ---------------------------------------------------------------------------

    def _title_done(self) -> None:
        d = self.detail
        if d is None or not self.title.isModified():
            return
        self.title.setModified(False)
        text = self.title.text().strip()
        if text and text != d.title:
            self.update_requested.emit({"title": text, "base_title": d.title})
        elif not text:
            self.title.setText(d.title)

    def _priority_chosen(self, index: int) -> None:
        d = self.detail
        value = self.priority.itemData(index)
        if d is not None and value != d.priority.value:
            self.update_requested.emit({"priority": value})

    def _category_chosen(self, index: int) -> None:
        d = self.detail
        value = self.category.itemData(index) or None
        if d is not None and value != (str(d.category_id) if d.category_id else None):
            self.update_requested.emit({"category_id": value})

    def _team_chosen(self, index: int) -> None:
        d = self.detail
        value = self.team.itemData(index) or None
        if d is not None and value and value != str(d.team_id):
            self.update_requested.emit({"team_id": value})

    def _assignee_chosen(self, index: int) -> None:
        d = self.detail
        value = self.assignee.itemData(index) or None
        if d is not None and value != (str(d.assignee_id) if d.assignee_id else None):
            self.assign_requested.emit(uuid.UUID(value) if value else None)

    def _assign_me(self) -> None:
        if self.me is not None:
            self.assign_requested.emit(self.me)


def _waiting(detail: TicketDetail) -> str:
    if detail.waiting_on is None:
        return ""
    who = "the requester" if detail.waiting_on.value == "requester" else "a third party"
    return f" (waiting on {who})"
