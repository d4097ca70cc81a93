"""Buttons for exactly the status changes this user may make now (``core.workflow``)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from acero_desktop.models import TicketStatus

from ..resources import status_icon


def action_label(to: TicketStatus, *, requester: bool, current: TicketStatus) -> str:
    if to is TicketStatus.ASSIGNED:
        return "Mark assigned"
    if to is TicketStatus.IN_PROGRESS:
        return "Resume work" if current is TicketStatus.WAITING else "Start work"
    if to is TicketStatus.WAITING:
        return "Put on hold…"
    if to is TicketStatus.RESOLVED:
        return "Resolve…"
    if to is TicketStatus.REOPENED:
        return "Reject resolution…" if requester else "Reopen…"
    if to is TicketStatus.CLOSED:
        return "Accept resolution" if requester else "Close"
    if to is TicketStatus.CANCELLED:
        return "Cancel ticket…"
    return to.label


class WorkflowBar(QWidget):
    transition = Signal(object)  # TicketStatus

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[TicketStatus, QPushButton] = {}

    def set_transitions(
        self,
        targets: tuple[TicketStatus, ...],
        *,
        requester: bool,
        current: TicketStatus,
        busy: bool = False,
    ) -> None:
        while (item := self.layout_.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()
        self.buttons = {}
        for to in targets:
            text = action_label(to, requester=requester, current=current)
            button = QPushButton(status_icon(to), text)
            button.setObjectName(f"status-{to.value}")
            button.setEnabled(not busy)
            button.clicked.connect(lambda _c=False, t=to: self.transition.emit(t))
            self.layout_.addWidget(button)
            self.buttons[to] = button
        self.layout_.addStretch(1)
