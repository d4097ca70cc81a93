"""One column of a task board: a list model over the cards of one state, in position order.

The model never writes the cache. An edit, a tick or a drop becomes a signal the board turns
into a mutation; the board may move a card between column models at once (optimistic), and
the next read of the cache puts every card where the mutators put it.

Drag and drop carries task ids (``MIME``). Drops go between cards only (items do not accept
drops), so ``dropMimeData`` always gets the row the card should land at. ``removeRows`` is
left unimplemented on purpose: after a move-drop Qt asks the source to remove the dragged
rows, and refusing leaves that to the reload.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from acero_desktop.models import TaskState

from .data import STATE_LABELS, TaskCard

MIME = "application/x-acero-task-ids"
CARD_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


def encode_ids(ids: list[uuid.UUID]) -> QMimeData:
    mime = QMimeData()
    mime.setData(MIME, QByteArray(json.dumps([str(i) for i in ids]).encode()))
    return mime


def decode_ids(mime: QMimeData) -> list[uuid.UUID]:
    if not mime.hasFormat(MIME):
        return []
    try:
        raw = json.loads(bytes(mime.data(MIME).data()).decode())
        return [uuid.UUID(str(v)) for v in raw]
    except (ValueError, TypeError):
        return []


class TaskColumnModel(QAbstractListModel):
    # task id, new title
    title_edited = Signal(object, str)
    # task id, done?
    done_toggled = Signal(object, bool)
    # task ids, row they land at (of this column as shown)
    dropped = Signal(list, int)

    def __init__(self, state: TaskState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.cards: list[TaskCard] = []
        self.accepts_drops = False

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    # -- contents ------------------------------------------------------------------------

    def set_cards(self, cards: list[TaskCard]) -> None:
        self.beginResetModel()
        self.cards = list(cards)
        self.endResetModel()

    def card_at(self, row: int) -> TaskCard | None:
        return self.cards[row] if 0 <= row < len(self.cards) else None

    def row_of(self, task_id: uuid.UUID) -> int:
        return next((i for i, c in enumerate(self.cards) if c.id == task_id), -1)

    def take(self, task_id: uuid.UUID) -> TaskCard | None:
        row = self.row_of(task_id)
        if row < 0:
            return None
        self.beginRemoveRows(QModelIndex(), row, row)
        card = self.cards.pop(row)
        self.endRemoveRows()
        return card

    def put(self, row: int, card: TaskCard) -> None:
        row = max(0, min(row, len(self.cards)))
        self.beginInsertRows(QModelIndex(), row, row)
        self.cards.insert(row, card)
        self.endInsertRows()

    def replace_card(self, card: TaskCard) -> None:
        row = self.row_of(card.id)
        if row >= 0:
            self.cards[row] = card
            index = self.index(row, 0)
            self.dataChanged.emit(index, index)

    # -- the model interface -----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.cards)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        card = self.card_at(index.row()) if index.isValid() else None
        if card is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return card.title
        if role == Qt.ItemDataRole.CheckStateRole:
            done = card.state is TaskState.DONE
            return Qt.CheckState.Checked if done else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(card)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return _spoken(card)
        if role == CARD_ROLE:
            return card
        if role == ID_ROLE:
            return str(card.id)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            # Between cards: where drops land.
            return Qt.ItemFlag.ItemIsDropEnabled if self.accepts_drops else Qt.ItemFlag.NoItemFlags
        card = self.card_at(index.row())
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if card is None:
            return flags
        if card.why_not_edit is None:
            flags |= Qt.ItemFlag.ItemIsEditable
        if card.why_not_move is None:
            flags |= Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        card = self.card_at(index.row()) if index.isValid() else None
        if card is None:
            return False
        if role == Qt.ItemDataRole.EditRole:
            title = str(value).strip()
            if card.why_not_edit is not None or not title or title == card.title:
                return False
            self.cards[index.row()] = replace(card, title=title, pending=True)
            self.dataChanged.emit(index, index)
            self.title_edited.emit(card.id, title)
            return True
        if role == Qt.ItemDataRole.CheckStateRole:
            if card.why_not_move is not None:
                return False
            checked = Qt.CheckState(value) == Qt.CheckState.Checked
            if checked == (card.state is TaskState.DONE):
                return False
            self.done_toggled.emit(card.id, checked)
            return True
        return False

    # -- drag and drop -----------------------------------------------------------------------

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        ids: list[uuid.UUID] = []
        for index in indexes:
            card = self.card_at(index.row()) if index.isValid() else None
            if card is not None and card.id not in ids:
                ids.append(card.id)
        return encode_ids(ids)

    def canDropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: Index,
    ) -> bool:
        return (
            self.accepts_drops
            and action in (Qt.DropAction.MoveAction, Qt.DropAction.CopyAction)
            and bool(decode_ids(data))
        )

    def dropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: Index,
    ) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        if row < 0:
            row = parent.row() if parent.isValid() else len(self.cards)
        self.dropped.emit(decode_ids(data), row)
        return True


def _tooltip(card: TaskCard) -> str:
    lines = [card.title]
    if card.ticket_label:
        lines.append(f"On {card.ticket_label}")
    lines.append(f"Assigned to {card.assignee}" if card.assignee else "Not assigned")
    if card.due_at is not None:
        lines.append(f"Due {card.due_at.astimezone():%a %d %b %Y, %H:%M}")
    if card.pending:
        lines.append("Saved on this computer; waiting for the server to confirm it.")
    if card.why_not_move is not None:
        lines.append(card.why_not_move)
    elif card.why_not_edit is not None:
        lines.append(card.why_not_edit)
    return "\n".join(lines)


def _spoken(card: TaskCard) -> str:
    parts = [card.title, STATE_LABELS[card.state]]
    if card.assignee:
        parts.append(f"assigned to {card.assignee}")
    if card.due_at is not None and card.state is not TaskState.DONE:
        parts.append(f"due {card.due_at.astimezone():%d %b}")
    if card.pending:
        parts.append("not yet confirmed")
    return ", ".join(parts)
