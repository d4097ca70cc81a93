"""The side panels of the detail pane: SLA, assignment suggestions, watchers, attachments."""

from __future__ import annotations

import html
import uuid
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from acero_desktop.core.assignment import Candidate

from ..directory import Directory
from ..resources import AMBER, RED
from ..slaview import SlaState
from .data import AttachmentView, SlaLine, TicketDetail, WatcherView
from .files import limit_text, size_text


def _minutes(minutes: int | None) -> str:
    if not minutes:
        return "—"
    hours, mins = divmod(minutes, 60)
    return f"{hours}h {mins}m" if hours and mins else (f"{hours}h" if hours else f"{mins}m")


class SlaPanel(QWidget):
    """One line per SLA clock: time left against the target; paused while waiting."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.lines: list[QLabel] = []
        for name in ("first", "resolution"):
            label = QLabel()
            label.setObjectName(f"sla-{name}")
            label.setWordWrap(True)
            column.addWidget(label)
            self.lines.append(label)

    def show_sla(self, lines: tuple[SlaLine, ...]) -> None:
        for label, line in zip(self.lines, lines, strict=False):
            c = line.cell
            target = _minutes(line.target_minutes)
            if c.state is SlaState.NONE:
                text = f"SLA {line.label.lower()}: no target"
            elif c.state is SlaState.PAUSED:
                text = f"SLA {line.label.lower()}: paused while waiting · target {target}"
            else:
                text = f"SLA {line.label.lower()}: {c.text} · target {target}"
            label.setText(text)
            label.setToolTip(c.tooltip)
            color = {SlaState.BREACHED: RED, SlaState.AT_RISK: AMBER}.get(c.state)
            label.setStyleSheet(f"color: {color};" if color else "")


class AssignPanel(QWidget):
    """Smart assignment's ranked agents, each with the sentence behind its score."""

    assign = Signal(object)  # uuid.UUID

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[uuid.UUID, QPushButton] = {}

    def show_candidates(self, candidates: list[Candidate], reason: str | None) -> None:
        while (item := self.layout_.takeAt(0)) is not None:
            if (w := item.widget()) is not None:
                w.deleteLater()
            elif (sub := item.layout()) is not None:
                while (inner := sub.takeAt(0)) is not None:
                    if (iw := inner.widget()) is not None:
                        iw.deleteLater()
        self.buttons = {}
        if not candidates:
            self.layout_.addWidget(QLabel("<i>No suggestions for this ticket.</i>"))
            return
        for cand in candidates[:5]:
            row = QHBoxLayout()
            text = QLabel(
                f"<b>{_escape(cand.name)}</b><br>"
                f"<span style='color:gray'>{_escape(cand.explanation)}</span>"
            )
            text.setObjectName("candidate")
            button = QPushButton("Assign")
            button.setEnabled(reason is None)
            button.setToolTip(reason or f"Give the ticket to {cand.name}")
            button.clicked.connect(lambda _c=False, uid=cand.user_id: self.assign.emit(uid))
            row.addWidget(text, 1)
            row.addWidget(button)
            self.layout_.addLayout(row)
            self.buttons[cand.user_id] = button


class WatchersPanel(QWidget):
    watch = Signal(object, bool)  # user id, add?

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.me: uuid.UUID | None = None
        self.names = QLabel()
        self.names.setWordWrap(True)
        self.toggle = QPushButton("Watch")
        self.toggle.setObjectName("watchToggle")
        self.toggle.clicked.connect(self._toggle)
        self.people = QComboBox()
        self.people.setObjectName("watcherPicker")
        self.people.setEditable(True)
        self.people.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        editor = self.people.lineEdit()
        if editor is not None:
            editor.setPlaceholderText("Add a watcher…")
        self.add = QPushButton("Add")
        self.add.clicked.connect(self._add)
        self.watching = False
        row = QHBoxLayout()
        row.addWidget(self.people, 1)
        row.addWidget(self.add)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.names)
        layout.addWidget(self.toggle)
        layout.addLayout(row)

    def show_watchers(
        self,
        watchers: tuple[WatcherView, ...],
        detail: TicketDetail,
        directory: Directory,
        me: uuid.UUID | None,
    ) -> None:
        self.me = me
        self.watching = detail.watching
        names = [w.name + (" (pending)" if w.pending else "") for w in watchers]
        self.names.setText(", ".join(names) if names else "Nobody watches this ticket.")
        self.toggle.setText("Stop watching" if detail.watching else "Watch")
        closed = detail.controls.comment is not None and not detail.status.is_open
        self.toggle.setEnabled(me is not None and not closed)
        reason = detail.controls.watch_others
        self.people.clear()
        for person in directory.active_people():
            self.people.addItem(person.name, str(person.id))
        self.people.setCurrentIndex(-1)
        self.people.setEditText("")
        for w in (self.people, self.add):
            w.setEnabled(reason is None)
            w.setToolTip(reason or "Let someone else follow this ticket")

    def _toggle(self) -> None:
        if self.me is not None:
            self.watch.emit(self.me, not self.watching)

    def _add(self) -> None:
        value = self.people.currentData()
        if value:
            self.watch.emit(uuid.UUID(value), True)


class AttachmentsPanel(QWidget):
    """The files, "Add file…" and drop to attach; double-click opens with the system."""

    add_files = Signal(list)  # list[Path]
    open_file = Signal(object)  # AttachmentView

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.list = QListWidget()
        self.list.setObjectName("attachments")
        self.list.itemActivated.connect(self._activated)
        self.list.setMaximumHeight(110)
        self.button = QPushButton("Add file…")
        self.button.setObjectName("addFile")
        self.button.clicked.connect(self._choose)
        self.limit = QLabel(f"Drop files here · {limit_text()}")
        self.limit.setStyleSheet("color: gray;")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.hide()
        row = QHBoxLayout()
        row.addWidget(self.limit, 1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self.reason: str | None = None
        self.dialog: QFileDialog | None = None

    def show_files(
        self,
        files: tuple[AttachmentView, ...],
        reason: str | None,
        *,
        sending: list[str] | tuple[str, ...] = (),
    ) -> None:
        """The ticket's files, then those still being sent (pending, in italics)."""
        self.reason = reason
        self.list.clear()
        for f in files:
            item = QListWidgetItem(f"{f.filename} · {size_text(f.size)} · {f.uploader}")
            item.setData(Qt.ItemDataRole.UserRole, f)
            item.setToolTip(
                "Double-click to open" + (" · on an internal note" if f.internal else "")
            )
            self.list.addItem(item)
        for name in sending:
            item = QListWidgetItem(f"{name} · pending")
            font = item.font()
            font.setItalic(True)
            item.setFont(font)
            item.setForeground(QColor("#B45309"))
            item.setToolTip("Being sent to the server; it is everyone's once the server has it.")
            self.list.addItem(item)
        if not files and not sending:
            self.list.addItem(QListWidgetItem("No files yet."))
        self.button.setEnabled(reason is None)
        self.button.setToolTip(reason or f"Attach a file ({limit_text()})")

    def say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #DC2626;" if error else "color: gray;")
        self.status.setVisible(bool(text))

    def _choose(self) -> None:
        dialog = QFileDialog(self, f"Attach files ({limit_text()})")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.filesSelected.connect(lambda names: self.add_files.emit([Path(n) for n in names]))
        dialog.open()
        self.dialog = dialog

    def _activated(self, item: QListWidgetItem) -> None:
        value = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(value, AttachmentView):
            self.open_file.emit(value)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.reason is None and event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.add_files.emit(paths)
            event.acceptProposedAction()


def _escape(text: str) -> str:
    return html.escape(text)
