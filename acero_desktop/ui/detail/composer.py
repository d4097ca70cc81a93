"""Writing a comment: Markdown text, internal-note switch, reply target; Ctrl+Enter sends."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .drafts import Draft, DraftStore


class ComposerEdit(QPlainTextEdit):
    """Ctrl+Enter sends. Handled here, not by a QShortcut, so the menu's "Send comment"
    action can show the same keys without an ambiguous-shortcut clash."""

    send_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.send_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class Composer(QWidget):
    # body, internal, parent id (hex) or None
    send = Signal(str, bool, object)

    def __init__(self, drafts: DraftStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drafts = drafts
        self.ticket_id: str | None = None
        self.parent_id: str | None = None
        self.edit = ComposerEdit(self)
        self.edit.setObjectName("composer")
        self.edit.setPlaceholderText("Write a reply… (Markdown; Ctrl+Enter sends)")
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(90)
        self.edit.send_requested.connect(self.submit)
        self.internal = QCheckBox("Internal note")
        self.internal.setObjectName("internalNote")
        self.internal.setToolTip("Only support staff working on the ticket will see it.")
        self.replying = QLabel()
        self.cancel_reply = QToolButton()
        self.cancel_reply.setText("✕")
        self.cancel_reply.setToolTip("Reply to the ticket instead")
        self.cancel_reply.clicked.connect(lambda: self.set_reply(None, ""))
        self.button = QPushButton("Send")
        self.button.setObjectName("sendComment")
        self.button.setToolTip("Send (Ctrl+Enter)")
        self.button.clicked.connect(self.submit)
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet("color: gray;")
        self.reason.hide()

        row = QHBoxLayout()
        row.addWidget(self.internal)
        row.addWidget(self.replying)
        row.addWidget(self.cancel_reply)
        row.addStretch(1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.reason)
        layout.addWidget(self.edit)
        layout.addLayout(row)
        self.set_reply(None, "")

        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(400)
        self._save_timer.timeout.connect(self.save_draft)
        self.edit.textChanged.connect(self._save_timer.start)
        self.internal.toggled.connect(lambda _on: self._save_timer.start())

    def open_ticket(self, ticket_id: str | None) -> None:
        if ticket_id == self.ticket_id:
            return
        self.save_draft()
        self.ticket_id = ticket_id
        draft = self.drafts.load(ticket_id) if ticket_id else None
        self.edit.blockSignals(True)
        self.edit.setPlainText(draft.text if draft else "")
        self.edit.blockSignals(False)
        self.internal.setChecked(bool(draft and draft.internal and self.internal.isEnabled()))
        self.set_reply(
            draft.parent_id if draft else None,
            "an earlier comment" if draft and draft.parent_id else "",
        )

    def set_permissions(self, comment: str | None, internal: str | None) -> None:
        """Grey out what this user may not do, saying why."""
        self.edit.setEnabled(comment is None)
        self.button.setEnabled(comment is None)
        self.reason.setText(comment or "")
        self.reason.setVisible(comment is not None)
        self.internal.setEnabled(internal is None and comment is None)
        self.internal.setToolTip(
            internal or "Only support staff working on the ticket will see it."
        )
        if internal is not None:
            self.internal.setChecked(False)

    def set_reply(self, parent_id: str | None, author: str) -> None:
        self.parent_id = parent_id
        self.replying.setText(f"Replying to {author}" if parent_id else "")
        self.replying.setVisible(parent_id is not None)
        self.cancel_reply.setVisible(parent_id is not None)
        if parent_id:
            self.edit.setFocus()

    def submit(self) -> None:
        body = self.edit.toPlainText()
        if not body.strip() or not self.button.isEnabled():
            return
        self.send.emit(body, self.internal.isChecked(), self.parent_id)

    def sent(self) -> None:
        """The comment is in the cache: clear the field and its draft."""
        self.edit.clear()
        self.set_reply(None, "")
        self._save_timer.stop()
        if self.ticket_id:
            self.drafts.clear(self.ticket_id)

    def save_draft(self) -> None:
        self._save_timer.stop()
        if self.ticket_id:
            self.drafts.save(
                self.ticket_id,
                Draft(self.edit.toPlainText(), self.internal.isChecked(), self.parent_id),
            )
