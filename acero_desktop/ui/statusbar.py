"""The status bar: connection state in words with a coloured dot, pending changes, sync issues."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QStatusBar, QWidget

from acero_desktop.sync.status import Phase, SyncStatus

_DOT = {
    Phase.UP_TO_DATE: "#16A34A",
    Phase.PUSHING: "#2F80ED",
    Phase.CATCHING_UP: "#2F80ED",
    Phase.CONNECTING: "#D97706",
    Phase.OFFLINE: "#9CA3AF",
    Phase.LOGIN_REQUIRED: "#DC2626",
    Phase.UPDATE_REQUIRED: "#DC2626",
    Phase.STOPPED: "#DC2626",
}


def describe(status: SyncStatus) -> str:
    """The engine's words, plus the pending count where they do not say it already."""
    text = status.describe()
    if status.pending and status.phase not in (Phase.PUSHING, Phase.OFFLINE):
        text += f" · {status.pending} pending"
    return text


class SyncStatusBar(QStatusBar):
    issues_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dot = QLabel("●")
        self.state = QLabel("Offline")
        self.state.setObjectName("syncState")
        self.rows = QLabel("")
        self.rows.setObjectName("rowCount")
        self.issues = QPushButton("")
        self.issues.setObjectName("syncIssuesButton")
        self.issues.setFlat(True)
        self.issues.setCursor(Qt.CursorShape.PointingHandCursor)
        self.issues.clicked.connect(self.issues_clicked)
        self.issues.hide()
        self.addWidget(self.rows)
        self.addPermanentWidget(self.issues)
        self.addPermanentWidget(self.dot)
        self.addPermanentWidget(self.state)
        self.show_status(SyncStatus(Phase.OFFLINE))

    def show_status(self, status: SyncStatus) -> None:
        self.state.setText(describe(status))
        self.state.setToolTip(status.message or "")
        self.dot.setStyleSheet(f"color: {_DOT.get(status.phase, '#9CA3AF')};")

    def show_rows(self, count: int) -> None:
        self.rows.setText(f"{count:,} ticket{'s' if count != 1 else ''}")

    def show_issue_count(self, count: int) -> None:
        self.issues.setVisible(count > 0)
        self.issues.setText(f"⚠ {count} sync issue{'s' if count != 1 else ''}")
