"""What a status change needs to ask first: resolution text, reopen reason, whom it waits on,
why it is cancelled — and the feedback asked after the requester accepts a resolution.

Dialogs are opened with ``open()`` and answer through ``submitted``: ``exec()`` inside a
coroutine would re-enter the event loop (qasync #59).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from acero_desktop.models import CancelReason, TicketStatus, WaitingOn


class StatusPrompt(QDialog):
    submitted = Signal(dict)  # extra arguments of ticket.set_status

    def __init__(
        self, to: TicketStatus, ref: str, *, requester: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.to = to
        self.setObjectName(f"prompt-{to.value}")
        layout = QVBoxLayout(self)
        self.text = QPlainTextEdit()
        self.text.setObjectName("promptText")
        self.text.setFixedHeight(110)
        self.choice: QComboBox | None = None
        self.waiting: QButtonGroup | None = None
        self.error = QLabel()
        self.error.setStyleSheet("color: #DC2626;")
        self.error.hide()
        if to is TicketStatus.RESOLVED:
            self.setWindowTitle(f"Resolve {ref}")
            layout.addWidget(QLabel("How was it resolved? The requester will read this."))
            self.text.setPlaceholderText("e.g. Replaced the toner cartridge; printing works again.")
        elif to is TicketStatus.REOPENED:
            self.setWindowTitle(f"Reopen {ref}" if not requester else "Reject the resolution")
            layout.addWidget(QLabel("What is still wrong? Say why it needs more work."))
        elif to is TicketStatus.WAITING:
            self.setWindowTitle(f"Put {ref} on hold")
            layout.addWidget(QLabel("Whom is it waiting on? The SLA clock pauses meanwhile."))
            self.waiting = QButtonGroup(self)
            row = QHBoxLayout()
            for i, (value, label) in enumerate(
                ((WaitingOn.REQUESTER, "The requester"), (WaitingOn.THIRD_PARTY, "A third party"))
            ):
                button = QRadioButton(label)
                button.setProperty("value", value.value)
                button.setChecked(i == 0)
                self.waiting.addButton(button, i)
                row.addWidget(button)
            layout.addLayout(row)
            layout.addWidget(QLabel("Note (optional):"))
        elif to is TicketStatus.CANCELLED:
            self.setWindowTitle(f"Cancel {ref}")
            layout.addWidget(QLabel("Why is it cancelled?"))
            self.choice = QComboBox()
            for reason, label in (
                (CancelReason.WITHDRAWN, "Withdrawn: no longer needed"),
                (CancelReason.DUPLICATE, "Duplicate of another ticket"),
                (CancelReason.OTHER, "Other"),
            ):
                self.choice.addItem(label, reason.value)
            layout.addWidget(self.choice)
            layout.addWidget(QLabel("Note (optional):"))
        layout.addWidget(self.text)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.buttons = buttons
        self.setMinimumWidth(440)

    @property
    def required(self) -> bool:
        return self.to in (TicketStatus.RESOLVED, TicketStatus.REOPENED)

    def values(self) -> dict[str, Any]:
        text = self.text.toPlainText().strip()
        out: dict[str, Any] = {}
        if self.to is TicketStatus.RESOLVED:
            out["resolution"] = text
        elif text:
            out["reason"] = text
        if self.waiting is not None:
            checked = self.waiting.checkedButton()
            out["waiting_on"] = checked.property("value") if checked else WaitingOn.REQUESTER.value
        if self.choice is not None:
            out["cancel_reason"] = self.choice.currentData()
        return out

    def _ok(self) -> None:
        if self.required and not self.text.toPlainText().strip():
            what = "resolution" if self.to is TicketStatus.RESOLVED else "reason"
            self.error.setText(f"Please write the {what}; it is required.")
            self.error.show()
            self.text.setFocus()
            return
        self.submitted.emit(self.values())
        self.accept()


def needs_prompt(to: TicketStatus) -> bool:
    return to in (
        TicketStatus.RESOLVED,
        TicketStatus.REOPENED,
        TicketStatus.WAITING,
        TicketStatus.CANCELLED,
    )


class FeedbackPrompt(QDialog):
    """1 to 5 and a comment, asked once the requester accepts a resolution."""

    submitted = Signal(int, str)

    def __init__(self, ref: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("feedbackPrompt")
        self.setWindowTitle(f"How was {ref} handled?")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Rate how your ticket was handled (1 = poor, 5 = excellent):"))
        self.rating = QButtonGroup(self)
        row = QHBoxLayout()
        for n in range(1, 6):
            button = QRadioButton(str(n))
            button.setObjectName(f"rating{n}")
            self.rating.addButton(button, n)
            row.addWidget(button)
        self.rating.button(5).setChecked(True)
        layout.addLayout(row)
        layout.addWidget(QLabel("Comment (optional):"))
        self.comment = QPlainTextEdit()
        self.comment.setFixedHeight(80)
        layout.addWidget(self.comment)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Send feedback")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Skip")
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.buttons = buttons

    def _ok(self) -> None:
        self.submitted.emit(self.rating.checkedId(), self.comment.toPlainText().strip())
        self.accept()


class DescriptionEditor(QDialog):
    """Edit the description; the text it started from goes along (a conflict check)."""

    submitted = Signal(str, str)  # new text, the text the edit started from

    def __init__(self, ref: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("descriptionEditor")
        self.setWindowTitle(f"Edit the description of {ref}")
        self.base = text
        self.text = QPlainTextEdit(text)
        self.text.setMinimumSize(560, 280)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Markdown: **bold**, *italic*, `code`, lists, links."))
        layout.addWidget(self.text)
        layout.addWidget(buttons)

    def _ok(self) -> None:
        if self.text.toPlainText() != self.base:
            self.submitted.emit(self.text.toPlainText(), self.base)
        self.accept()
