"""The search field, its completer and the error line under it.

Completion replaces only the term under the cursor (``core.search.completion_span``), so the
completer is attached with ``setWidget`` rather than ``QLineEdit.setCompleter`` (which would
replace the whole text). Typing goes through a :class:`Throttle`, so a fast typist causes a
few queries, not one per key.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QFontDatabase, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from acero_desktop.core.search import QueryError, complete, completion_span
from acero_desktop.core.search.complete import ValueSource

from .throttle import Throttle

THROTTLE_MS = 250


class QueryEdit(QLineEdit):
    """A line edit that lets the completer's popup take the navigation keys."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.completer_: QCompleter | None = None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        completer = self.completer_
        popup = completer.popup() if completer is not None else None
        if (
            popup is not None
            and popup.isVisible()
            and event.key()
            in (
                Qt.Key.Key_Enter,
                Qt.Key.Key_Return,
                Qt.Key.Key_Escape,
                Qt.Key.Key_Tab,
                Qt.Key.Key_Backtab,
            )
        ):
            event.ignore()
            return
        super().keyPressEvent(event)


class SearchBar(QWidget):
    query_changed = Signal(str)

    def __init__(
        self,
        values: Callable[[], ValueSource | None] = lambda: None,
        parent: QWidget | None = None,
        *,
        delay_ms: int = THROTTLE_MS,
    ) -> None:
        super().__init__(parent)
        self._values = values
        self.edit = QueryEdit(self)
        self.edit.setObjectName("searchEdit")
        self.edit.setClearButtonEnabled(True)
        self.edit.setPlaceholderText(
            "Search: printer status:open priority:>=high assignee:me sort:-updated   (Ctrl+F)"
        )
        self.error = QLabel(self)
        self.error.setObjectName("searchError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(False)
        self.error.setStyleSheet("color: #DC2626;")
        self.error.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        # A long message must not widen the window; the tooltip has all of it.
        self.error.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.error.hide()

        self.completions = QStringListModel(self)
        self.completer = QCompleter(self.completions, self)
        self.completer.setWidget(self.edit)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.activated.connect(self.insert_completion)
        self.edit.completer_ = self.completer

        self._setting = False
        self.throttle = Throttle(self.query_changed.emit, delay_ms, self)
        self.edit.textEdited.connect(self._edited)
        self.edit.returnPressed.connect(self._submit)
        self.edit.textChanged.connect(self._maybe_cleared)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.error)

    def text(self) -> str:
        return self.edit.text()

    def set_text(self, text: str) -> None:
        """Replace the query (a saved search, a view switch) and run it at once."""
        self.throttle.cancel()
        self._setting = True
        self.edit.setText(text)
        self._setting = False
        self.error.hide()
        self.query_changed.emit(text)

    def focus(self) -> None:
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.edit.selectAll()

    # -- errors --------------------------------------------------------------------------

    def show_error(self, error: QueryError, text: str) -> None:
        self.error.setText(f"{error.message}\n{error.caret_line(text)}")
        expected = f"\nExpected {error.expected}." if error.expected else ""
        self.error.setToolTip(f"{error.message}{expected}")
        self.error.show()

    def clear_error(self) -> None:
        self.error.clear()
        self.error.hide()

    # -- typing and completion -------------------------------------------------------------

    def _edited(self, text: str) -> None:
        self.throttle(text)
        self.update_completions()

    def _submit(self) -> None:
        self.throttle.flush()
        self._popup().hide()

    def _maybe_cleared(self, text: str) -> None:
        # The clear button empties the field without textEdited: run the empty search.
        if not text and not self._setting:
            self.throttle.cancel()
            self.query_changed.emit("")

    def _popup(self) -> QAbstractItemView:
        popup = self.completer.popup()
        assert popup is not None  # QCompleter makes its popup on demand and never drops it
        return popup

    def update_completions(self) -> None:
        text, cursor = self.edit.text(), self.edit.cursorPosition()
        suggestions = complete(text, cursor, self._values())
        start, end = completion_span(text, cursor)
        fragment = text[start:end]
        if not suggestions or suggestions == [fragment] or not fragment:
            self._popup().hide()
            return
        self.completions.setStringList(suggestions[:20])
        popup = self._popup()
        rect = self.edit.cursorRect()
        rect.setWidth(max(240, popup.sizeHintForColumn(0) + 24))
        self.completer.complete(rect)

    def insert_completion(self, completion: str) -> None:
        text, cursor = self.edit.text(), self.edit.cursorPosition()
        start, end = completion_span(text, cursor)
        new_text = text[:start] + completion + text[end:]
        self.edit.setText(new_text)
        self.edit.setCursorPosition(start + len(completion))
        self.throttle(new_text)
