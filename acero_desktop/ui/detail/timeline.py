"""The timeline, drawn from TicketHistory: one sentence per change, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from acero_desktop.models import Priority, TicketStatus

from ..timefmt import ago, stamp
from .data import HistoryView

AnyIndex = QModelIndex | QPersistentModelIndex
HISTORY_ROLE = Qt.ItemDataRole.UserRole + 1


def _label(field: str, value: str | None) -> str:
    if value is None:
        return "nothing"
    try:
        if field == "status":
            return TicketStatus(value).label
        if field == "priority":
            return Priority(value).label
    except ValueError:
        pass
    return value.replace("_", " ") if field in ("waiting_on", "cancel_reason") else value


def sentence(h: HistoryView) -> str:
    """What happened, as a person would say it."""
    who, f = h.actor, h.field
    note = f": “{h.note}”" if h.note else ""
    match f:
        case "created":
            return f"{who} opened the ticket"
        case "status":
            return f"{who} changed the status from {_label(f, h.old)} to {_label(f, h.new)}{note}"
        case "assignee":
            if h.new is None:
                return f"{who} unassigned it{note}"
            return f"{who} assigned it to {h.new}{note}"
        case "description":
            return f"{who} edited the description"
        case "waiting_on":
            if h.new is None:
                return f"{who} stopped waiting on {_label(f, h.old)}"
            return f"{who} set it waiting on the {_label(f, h.new)}{note}"
        case "cancel_reason":
            return f"{who} gave the cancel reason: {_label(f, h.new)}"
        case "resolution":
            return f"{who} wrote the resolution: “{h.new or ''}”"
        case "comment":
            return f"{who} commented{note}"
        case "internal_note":
            return f"{who} added an internal note{note}"
        case "watcher":
            if h.new is None:
                return f"{who} removed {h.old} from the watchers"
            return f"{who} added {h.new} as a watcher"
        case "attachment" | "internal_attachment":
            return f"{who} attached {h.new}"
        case "feedback":
            return f"{who} rated the handling {h.new}{note}"
        case "task":
            if h.old is None:
                return f"{who} added the task “{h.new}”"
            if h.new is None:
                return f"{who} deleted the task “{h.old}”"
            return f"{who} changed a task: {h.old} → {h.new}"
    name = f.replace("_", " ")
    return f"{who} changed the {name} from {_label(f, h.old)} to {_label(f, h.new)}{note}"


class TimelineModel(QAbstractListModel):
    def __init__(self) -> None:
        super().__init__()
        self._rows: tuple[HistoryView, ...] = ()
        self._now: datetime | None = None

    def set_history(self, rows: tuple[HistoryView, ...], now: datetime) -> None:
        self.beginResetModel()
        self._rows = rows
        self._now = now
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        h = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            when = ago(h.at, self._now) if self._now else stamp(h.at)
            pending = " · pending" if h.pending else ""
            return f"{sentence(h)}\n{when} · via {h.channel}{pending}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return stamp(h.at)
        if role == Qt.ItemDataRole.FontRole and h.pending:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and h.field == "internal_note":
            return QColor("#B45309")
        if role == HISTORY_ROLE:
            return h
        return None


class TimelineView(QListView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.timeline = TimelineModel()
        self.setModel(self.timeline)
        self.setWordWrap(True)
        self.setSpacing(3)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
