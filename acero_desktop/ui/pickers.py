"""Choosing a person (bulk assign, add watcher) with type-to-find."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from .directory import Person


class PersonPicker(QDialog):
    chosen = Signal(object)  # uuid.UUID

    def __init__(
        self, title: str, text: str, people: list[Person], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.combo = QComboBox()
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for p in people:
            self.combo.addItem(f"{p.name} ({p.username})", str(p.id))
        completer = self.combo.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(text))
        layout.addWidget(self.combo)
        layout.addWidget(buttons)

    def _ok(self) -> None:
        value = self.combo.currentData()
        if value:
            self.chosen.emit(uuid.UUID(value))
        self.accept()
