"""The "Sync issues" list: changes the server refused, in plain words, until dismissed."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import update

from acero_desktop.sync.tables import SyncIssue

from .session import ClientSession
from .tasks import spawn
from .timefmt import stamp

AnyIndex = QModelIndex | QPersistentModelIndex
ISSUE_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True, slots=True)
class IssueRow:
    id: int
    name: str
    message: str
    created_at: datetime
    ticket_id: str | None  # hex


def ticket_of(name: str, args: dict[str, Any]) -> str | None:
    """The ticket a mutation was about, from its arguments (hex), if any."""
    raw = args.get("ticket_id") or (args.get("id") if name.startswith("ticket.") else None)
    try:
        return uuid.UUID(str(raw)).hex if raw else None
    except ValueError:
        return None


def load_issues(session: ClientSession) -> list[IssueRow]:
    return [
        IssueRow(i.id, i.name, i.message, i.created_at, ticket_of(i.name, i.args))
        for i in session.cache.issues()
    ]


class SyncIssuesModel(QAbstractListModel):
    def __init__(self) -> None:
        super().__init__()
        self._rows: list[IssueRow] = []

    def set_rows(self, rows: list[IssueRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[IssueRow]:
        return list(self._rows)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.message
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{stamp(row.created_at)} · {row.name}"
        if role == ISSUE_ROLE:
            return row
        return None


class SyncIssuesPanel(QWidget):
    """The list and a Dismiss button; selecting an issue with a ticket opens that ticket."""

    open_ticket = Signal(str)
    count_changed = Signal(int)

    def __init__(self, session: ClientSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = SyncIssuesModel()
        self.list = QListView(self)
        self.list.setObjectName("syncIssues")
        self.list.setModel(self.model)
        self.list.setWordWrap(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.activated.connect(self._activated)
        self.dismiss = QPushButton("Dismiss")
        self.dismiss.clicked.connect(self.dismiss_selected)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.dismiss)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        self.reload()

    def reload(self) -> None:
        self.model.set_rows(load_issues(self.session))
        self.count_changed.emit(self.model.rowCount())

    def issues_for(self, ticket_id: str) -> list[IssueRow]:
        return [r for r in self.model.rows() if r.ticket_id == ticket_id]

    def dismiss_selected(self) -> None:
        ids = [
            row.id
            for i in self.list.selectionModel().selectedIndexes()
            if (row := i.data(ISSUE_ROLE)) is not None
        ]
        if ids:
            spawn(self._dismiss(ids), name="dismiss sync issues")

    async def dismiss_ids(self, ids: list[int]) -> None:
        await self._dismiss(ids)

    async def _dismiss(self, ids: list[int]) -> None:
        engine = self.session.cache.engine
        now = datetime.now(UTC)

        def write() -> None:
            with engine.begin() as conn:
                conn.execute(
                    update(SyncIssue).where(SyncIssue.id.in_(ids)).values(dismissed_at=now)
                )

        await asyncio.to_thread(write)
        self.reload()

    def _activated(self, index: QModelIndex) -> None:
        row = index.data(ISSUE_ROLE)
        if isinstance(row, IssueRow) and row.ticket_id:
            self.open_ticket.emit(row.ticket_id)
