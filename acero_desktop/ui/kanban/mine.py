"""The "My tasks" window: every task assigned to the signed-in user, across tickets."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..session import ClientSession
from .board import TaskBoard


class MyTasksWindow(QWidget):
    """A window of its own, so it can sit beside the main window; double-click opens a ticket."""

    open_ticket = Signal(str)  # ticket id (hex)

    def __init__(self, session: ClientSession, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("myTasksWindow")
        self.setWindowTitle("My tasks — Acero")
        self.board = TaskBoard(session, mine=True)
        self.board.open_ticket.connect(self.open_ticket)
        hint = QLabel(
            "Tasks assigned to you on every ticket. Double-click a card to open its ticket; "
            "drag it, or use Ctrl+arrow keys, to move it."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: gray;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(hint)
        layout.addWidget(self.board, 1)
        QShortcut(QKeySequence("Esc"), self, self.close)
        self.resize(980, 620)


def show_my_tasks(parent: QWidget, session: ClientSession) -> MyTasksWindow:
    """Show the one "My tasks" window of ``parent`` (made on first use), in front."""
    window = parent.findChild(MyTasksWindow)
    if window is None:
        window = MyTasksWindow(session, parent)
        open_ticket = getattr(parent, "open_ticket", None)
        if callable(open_ticket):
            window.open_ticket.connect(open_ticket)
    window.board.reload()
    window.show()
    window.raise_()
    window.activateWindow()
    return window
