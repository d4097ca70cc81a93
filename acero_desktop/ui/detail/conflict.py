"""Resolving a refused title or description edit: theirs and yours side by side, and a merge.

A ``ticket.update`` carrying ``base_title``/``base_description`` is refused as a conflict when
someone else changed the text meanwhile. The sync issue keeps the refused arguments, so the
dialog can show the current text ("theirs"), the refused one ("yours") and, for descriptions,
a three-way merge of the two against the text the edit started from. Opened with ``open()``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Literal

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .merge import MIDDLE_MARK, MINE_MARK, THEIRS_MARK, has_markers, three_way_merge

Field = Literal["title", "description"]
Choice = Literal["theirs", "mine", "merged"]


@dataclass(frozen=True, slots=True)
class TextConflict:
    """One refused edit of a text field: what it started from, what it said, what is there now."""

    issue_id: int
    ticket_id: str  # the ticket's uuid, as the mutation had it
    field: Field
    base: str
    mine: str
    theirs: str


def conflict_of(
    issue_id: int, name: str, code: str, args: dict[str, Any], current: dict[str, str]
) -> TextConflict | None:
    """The text conflict a sync issue is about, or None when it is no such conflict.

    ``current`` holds the ticket's title and description as the cache has them now. A field
    counts when the refused edit carried it and its text differs from the current text: also
    when the current text is the edit's base again (changed and changed back meanwhile), as
    the refused edit was never applied and dropping it would lose the person's words.
    """
    if name != "ticket.update" or code != "conflict":
        return None
    for field in ("title", "description"):
        mine, base = args.get(field), args.get(f"base_{field}")
        if not isinstance(mine, str) or not isinstance(base, str):
            continue
        theirs = current.get(field)
        if theirs is None or theirs == mine:
            continue
        kind: Field = "title" if field == "title" else "description"
        return TextConflict(issue_id, str(args.get("id")), kind, base, mine, theirs)
    return None


def _mono() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def _side(text: str, *, title: bool) -> QPlainTextEdit:
    edit = QPlainTextEdit(text)
    edit.setReadOnly(True)
    if title:
        edit.setFixedHeight(64)
    else:
        edit.setMinimumHeight(110)
        edit.setFont(_mono())
    return edit


class ConflictDialog(QDialog):
    """Keep theirs, use mine (based on theirs), or save an edited merge (descriptions)."""

    chosen = Signal(str, str)  # "theirs" | "mine" | "merged", the text to store ("" for theirs)

    def __init__(self, ref: str, conflict: TextConflict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conflict = conflict
        is_title = conflict.field == "title"
        self.setObjectName("conflictDialog")
        self.setWindowTitle(f"The {conflict.field} of {ref} was changed meanwhile")
        intro = QLabel(
            f"Someone else changed the {conflict.field} of {ref} while you were editing it, so "
            "your edit was not applied. Choose which text to keep"
            + ("." if is_title else ", or edit the merge below and save it.")
        )
        intro.setWordWrap(True)
        self.theirs = _side(conflict.theirs, title=is_title)
        self.theirs.setObjectName("theirsText")
        self.mine = _side(conflict.mine, title=is_title)
        self.mine.setObjectName("mineText")
        sides = QGridLayout()
        sides.addWidget(QLabel("<b>Theirs</b> — the text now"), 0, 0)
        sides.addWidget(QLabel("<b>Yours</b> — your edit that was not applied"), 0, 1)
        sides.addWidget(self.theirs, 1, 0)
        sides.addWidget(self.mine, 1, 1)
        sides.setColumnStretch(0, 1)
        sides.setColumnStretch(1, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(sides)

        self.merged: QPlainTextEdit | None = None
        self.conflicts = 0
        if not is_title:
            result = three_way_merge(conflict.base, conflict.theirs, conflict.mine)
            self.conflicts = result.conflicts
            where = (
                "One place where you both changed the same lines is"
                if result.conflicts == 1
                else f"{result.conflicts} places where you both changed the same lines are"
            )
            hint = "<b>Merged</b> — both changes combined. " + (
                f"{where} marked <code>{html.escape(THEIRS_MARK.split()[0])}</code> … "
                f"<code>{MIDDLE_MARK}</code> … "
                f"<code>{html.escape(MINE_MARK.split()[0])}</code>: "
                "keep the words you want and delete the markers."
                if result.conflicts
                else "The changes did not overlap; check the result and save it."
            )
            note = QLabel(hint)
            note.setWordWrap(True)
            self.merged = QPlainTextEdit(result.text)
            self.merged.setObjectName("mergedText")
            self.merged.setFont(_mono())
            self.merged.setMinimumHeight(180)
            layout.addWidget(note)
            layout.addWidget(self.merged, 1)

        self.error = QLabel()
        self.error.setObjectName("conflictError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #DC2626;")
        self.error.hide()
        layout.addWidget(self.error)

        self.buttons = QDialogButtonBox()
        self.keep_theirs = QPushButton("Keep theirs")
        self.keep_theirs.setObjectName("keepTheirs")
        self.keep_theirs.setToolTip("Drop your edit; the text stays as it is now.")
        self.use_mine = QPushButton("Use mine")
        self.use_mine.setObjectName("useMine")
        self.use_mine.setToolTip("Replace their text with yours.")
        self.buttons.addButton(self.keep_theirs, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.use_mine, QDialogButtonBox.ButtonRole.ActionRole)
        self.save_merged: QPushButton | None = None
        if self.merged is not None:
            self.save_merged = QPushButton("Save merged")
            self.save_merged.setObjectName("saveMerged")
            self.save_merged.setDefault(True)
            self.buttons.addButton(self.save_merged, QDialogButtonBox.ButtonRole.AcceptRole)
            self.save_merged.clicked.connect(self._merged)
        later = self.buttons.addButton("Decide later", QDialogButtonBox.ButtonRole.RejectRole)
        later.setObjectName("decideLater")
        later.clicked.connect(self.reject)
        for button in (self.keep_theirs, self.use_mine, later):
            button.setAutoDefault(False)  # Enter saves the merge (or does nothing)
        self.keep_theirs.clicked.connect(lambda: self._choose("theirs", ""))
        self.use_mine.clicked.connect(lambda: self._choose("mine", self.conflict.mine))
        layout.addWidget(self.buttons)
        self.setMinimumWidth(720 if not is_title else 560)
        if self.merged is not None:
            self.merged.setFocus()

    def _choose(self, choice: Choice, text: str) -> None:
        self.chosen.emit(choice, text)
        self.accept()

    def _merged(self) -> None:
        assert self.merged is not None
        text = self.merged.toPlainText()
        if has_markers(text):
            self._show_error(
                "The merge still has conflict markers (lines starting with <<<<<<<, ======= "
                "or >>>>>>>). Keep the words you want, delete the marker lines, then save."
            )
            return
        if text == self.conflict.theirs:
            self._choose("theirs", "")
            return
        self._choose("merged", text)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        if self.merged is not None:
            self.merged.setFocus()
