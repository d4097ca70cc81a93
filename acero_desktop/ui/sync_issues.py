"""The "Sync issues" list: changes the server refused, in plain words, until dismissed."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
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
from .tasks import alive, spawn
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
    code: str = ""
    # The refused mutation's arguments (a refused text edit carries the text and its base).
    args: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_text_conflict(self) -> bool:
        """A title or description edit refused because someone else changed the text."""
        return (
            self.name == "ticket.update"
            and self.code == "conflict"
            and any(f"base_{f}" in self.args and f in self.args for f in ("title", "description"))
        )


def ticket_of(name: str, args: dict[str, Any]) -> str | None:
    """The ticket a mutation was about, from its arguments (hex), if any."""
    raw = args.get("ticket_id") or (args.get("id") if name.startswith("ticket.") else None)
    try:
        return uuid.UUID(str(raw)).hex if raw else None
    except ValueError:
        return None


def load_issues(session: ClientSession) -> list[IssueRow]:
    return [
        IssueRow(
            i.id,
            i.name,
            i.message,
            i.created_at,
            ticket_of(i.name, i.args),
            i.code,
            dict(i.args or {}),
        )
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
            hint = " · Resolve… offers to merge" if row.is_text_conflict else ""
            return f"{stamp(row.created_at)} · {row.name}{hint}"
        if role == ISSUE_ROLE:
            return row
        return None


class SyncIssuesPanel(QWidget):
    """The list and a Dismiss button; selecting an issue with a ticket opens that ticket."""

    open_ticket = Signal(str)
    count_changed = Signal(int)
    resolve_requested = Signal(object)  # IssueRow: a text conflict to merge

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
        self.resolve = QPushButton("Resolve…")
        self.resolve.setObjectName("resolveIssue")
        self.resolve.setToolTip(
            "Compare your refused edit with the current text and choose, or merge them"
        )
        self.resolve.setEnabled(False)
        self.resolve.clicked.connect(self.resolve_selected)
        self.list.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self._selection_changed)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.resolve)
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

    def selected(self) -> list[IssueRow]:
        return [
            row
            for i in self.list.selectionModel().selectedIndexes()
            if isinstance(row := i.data(ISSUE_ROLE), IssueRow)
        ]

    def _selection_changed(self, *_args: object) -> None:
        rows = self.selected()
        self.resolve.setEnabled(len(rows) == 1 and rows[0].is_text_conflict)

    def resolve_selected(self) -> None:
        rows = self.selected()
        if len(rows) == 1 and rows[0].is_text_conflict:
            self.resolve_requested.emit(rows[0])

    def dismiss_selected(self) -> None:
        ids = [row.id for row in self.selected()]
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
        if alive(self):  # the window may have gone while the write ran
            self.reload()

    def _activated(self, index: QModelIndex) -> None:
        row = index.data(ISSUE_ROLE)
        if isinstance(row, IssueRow) and row.ticket_id:
            self.open_ticket.emit(row.ticket_id)
