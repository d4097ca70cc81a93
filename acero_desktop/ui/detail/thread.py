"""The conversation: comments threaded by reply, internal notes on an amber card.

One document for the whole thread (text selects across comments, one scroll bar). Each
comment is a frame; its body is a sanitised Markdown fragment; headers are built from escaped
names. The only links of our own use the ``acero:`` scheme ("Reply", "Edit", "Delete").

Editing a comment happens in place: the comment's card keeps its header and, instead of its
body, an empty block as tall as the editor; a real editor widget lies over that block (a child
of the viewport, moved along when the document scrolls or reflows). Ctrl+Enter saves, Esc
cancels.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QEvent, Qt, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QPalette,
    QResizeEvent,
    QTextBlock,
    QTextBlockFormat,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
    QTextFrameFormat,
    QTextLength,
)
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..resources import INTERNAL_NOTE_DARK, INTERNAL_NOTE_LIGHT, internal_icon
from ..theme import is_dark
from ..timefmt import ago, stamp
from .data import CommentView
from .markdown import INTERNAL_SCHEME, SafeTextBrowser, markdown_document

_LOCK = "acero:lock.png"


@dataclass(frozen=True, slots=True)
class Opening:
    """The description, shown as the first card of the conversation."""

    author: str
    description: str
    created_at: datetime
    can_edit: bool


def _card(background: QColor, border: QColor) -> QTextFrameFormat:
    fmt = QTextFrameFormat()
    fmt.setTopMargin(4)
    fmt.setBottomMargin(4)
    fmt.setPadding(8)
    fmt.setBorder(1)
    fmt.setWidth(QTextLength(QTextLength.Type.PercentageLength, 100))
    fmt.setBackground(background)
    fmt.setBorderBrush(border)
    fmt.setBorderStyle(QTextFrameFormat.BorderStyle.BorderStyle_Solid)
    return fmt


MAX_INDENT = 4


def threaded(comments: tuple[CommentView, ...]) -> list[tuple[CommentView, int]]:
    """Comments in reading order with their depth: each reply under what it answers."""
    ids = {c.id for c in comments}
    children: dict[str | None, list[CommentView]] = {}
    for c in comments:
        parent = c.parent_id if c.parent_id in ids else None
        children.setdefault(parent, []).append(c)
    out: list[tuple[CommentView, int]] = []

    def walk(parent: str | None, depth: int) -> None:
        for c in children.get(parent, []):
            out.append((c, depth))
            walk(c.id, depth + 1)

    walk(None, 0)
    return out


def _is_save(event: QKeyEvent) -> bool:
    return event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and bool(
        event.modifiers() & Qt.KeyboardModifier.ControlModifier
    )


class CommentEditorText(QPlainTextEdit):
    """Ctrl+Enter saves, Esc cancels — taken before the window's shortcuts (Esc closes the
    pane, Ctrl+Enter sends the composer's comment) get them."""

    save_requested = Signal()
    cancel_requested = Signal()

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and (event.key() == Qt.Key.Key_Escape or _is_save(event))
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if _is_save(event):
            self.save_requested.emit()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.cancel_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class CommentEditor(QFrame):
    """The in-place editor of one comment."""

    HEIGHT = 156
    save = Signal(str, str)  # comment id (hex), new body
    cancel = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("commentEditor")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.comment_id = ""
        self.original = ""
        self.text = CommentEditorText(self)
        self.text.setObjectName("commentEditorText")
        self.text.setTabChangesFocus(True)
        self.text.save_requested.connect(self.submit)
        self.text.cancel_requested.connect(self.cancel)
        self.hint = QLabel("Ctrl+Enter saves · Esc cancels")
        self.hint.setStyleSheet("color: gray;")
        self.error = QLabel()
        self.error.setObjectName("commentEditorError")
        self.error.setStyleSheet("color: #DC2626;")
        self.error.hide()
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("saveCommentEdit")
        self.save_button.setToolTip("Save (Ctrl+Enter)")
        self.save_button.clicked.connect(self.submit)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelCommentEdit")
        self.cancel_button.setToolTip("Cancel (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        row = QHBoxLayout()
        row.addWidget(self.hint)
        row.addWidget(self.error, 1)
        row.addStretch(0)
        row.addWidget(self.cancel_button)
        row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.text, 1)
        layout.addLayout(row)
        self.setFixedHeight(self.HEIGHT)
        self.hide()

    def begin(self, comment_id: str, body: str) -> None:
        self.comment_id, self.original = comment_id, body
        self.text.setPlainText(body)
        self.text.moveCursor(QTextCursor.MoveOperation.End)
        self.error.hide()
        self.hint.show()

    def submit(self) -> None:
        body = self.text.toPlainText()
        if not body.strip():
            self.say("A comment cannot be empty; delete it instead.")
            return
        if body == self.original:
            self.cancel.emit()
            return
        self.save.emit(self.comment_id, body)

    def say(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self.hint.setVisible(not text)
        self.text.setFocus()


class CommentThread(SafeTextBrowser):
    reply_requested = Signal(str)  # comment id (hex)
    edit_description_requested = Signal()
    edit_comment = Signal(str, str)  # comment id (hex), new body
    delete_requested = Signal(str)  # comment id (hex)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("commentThread")
        self.internal_link.connect(self._internal)
        self.comments: tuple[CommentView, ...] = ()
        self._shown: tuple[datetime, Opening | None] | None = None
        self.editing: str | None = None
        self._placeholder: QTextBlock | None = None
        self.editor = CommentEditor(self.viewport())
        self.editor.save.connect(self.edit_comment)
        self.editor.cancel.connect(self.cancel_edit)
        self.verticalScrollBar().valueChanged.connect(lambda _v: self._place_editor())
        self.document().documentLayout().documentSizeChanged.connect(
            lambda _s: self._place_editor()
        )

    # -- editing in place ------------------------------------------------------------------

    def start_edit(self, comment_id: str) -> None:
        target = next((c for c in self.comments if c.id == comment_id), None)
        if target is None or not target.can_edit:
            return
        self.editing = comment_id
        self.editor.begin(comment_id, target.body)
        self._redraw()
        self.editor.show()
        self._scroll_to_editor()
        self.editor.text.setFocus()

    def _scroll_to_editor(self) -> None:
        """Scroll so the whole editor (or as much as fits) is in view."""
        block = self._placeholder
        if block is None or not block.isValid():
            return
        rect = self.document().documentLayout().blockBoundingRect(block)
        bar = self.verticalScrollBar()
        top = int(rect.y()) - 28  # the comment's header stays in view too
        bottom = int(rect.y()) + CommentEditor.HEIGHT + 8
        height = self.viewport().height()
        if bottom - bar.value() > height:
            bar.setValue(min(top, bottom - height))
        if top < bar.value():
            bar.setValue(top)
        self._place_editor()

    def cancel_edit(self) -> None:
        self.editing = None
        self.editor.hide()
        self._redraw()

    def _redraw(self) -> None:
        if self._shown is not None:
            now, opening = self._shown
            self.show_thread(self.comments, now, opening=opening)

    def _place_editor(self) -> None:
        block = self._placeholder
        if self.editing is None or block is None or not block.isValid():
            return
        rect = self.document().documentLayout().blockBoundingRect(block)
        x = int(rect.x()) - self.horizontalScrollBar().value()
        y = int(rect.y()) - self.verticalScrollBar().value()
        self.editor.setGeometry(x, y, max(120, int(rect.width())), CommentEditor.HEIGHT)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_editor()

    # -- drawing ---------------------------------------------------------------------------

    def show_thread(
        self,
        comments: tuple[CommentView, ...],
        now: datetime,
        *,
        opening: Opening | None = None,
    ) -> None:
        """The ticket's description as the opening card, then the threaded comments."""
        self.comments = comments
        self._shown = (now, opening)
        self._placeholder = None
        if self.editing is not None and not any(
            c.id == self.editing and c.can_edit for c in comments
        ):
            self.editing = None  # deleted meanwhile, or no longer editable
            self.editor.hide()
        bar = self.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4
        doc = self.document()
        doc.clear()
        doc.setDocumentMargin(6)
        icon = internal_icon().pixmap(14, 14).toImage()
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(_LOCK), icon)
        cursor = QTextCursor(doc)
        palette = QApplication.palette()
        dark = is_dark(palette)
        if opening is not None:
            self._insert_opening(cursor, opening, now, palette)
        if not comments:
            cursor.insertHtml("<p style='color:gray'>No comments yet.</p>")
        for comment, depth in threaded(comments):
            self._insert(cursor, comment, min(depth, MAX_INDENT), now, dark, palette)
        if at_end and self.editing is None:
            bar.setValue(bar.maximum())
        self._place_editor()

    def _insert_opening(
        self, cursor: QTextCursor, opening: Opening, now: datetime, palette: QPalette
    ) -> None:
        fmt = _card(
            palette.color(QPalette.ColorRole.AlternateBase), palette.color(QPalette.ColorRole.Mid)
        )
        cursor.insertFrame(fmt)
        parts = [
            f"<b>{html.escape(opening.author)}</b>",
            f"<span style='color:gray'>opened the ticket {ago(opening.created_at, now)}</span>",
        ]
        if opening.can_edit:
            parts.append(f"<a href='{INTERNAL_SCHEME}:edit-description'>Edit</a>")
        cursor.insertHtml(" &nbsp;·&nbsp; ".join(parts))
        cursor.insertBlock()
        text = opening.description.strip() or "*No description.*"
        cursor.insertFragment(QTextDocumentFragment(markdown_document(text)))
        cursor.movePosition(QTextCursor.MoveOperation.End)

    def _insert(
        self,
        cursor: QTextCursor,
        c: CommentView,
        depth: int,
        now: datetime,
        dark: bool,
        palette: QPalette,
    ) -> None:
        fmt = QTextFrameFormat()
        fmt.setLeftMargin(depth * 24)
        fmt.setTopMargin(4)
        fmt.setBottomMargin(4)
        fmt.setPadding(8)
        fmt.setBorder(1)
        fmt.setWidth(QTextLength(QTextLength.Type.PercentageLength, 100))
        border = QColor(palette.color(QPalette.ColorRole.Mid))
        if c.internal:
            fmt.setBackground(QColor(INTERNAL_NOTE_DARK if dark else INTERNAL_NOTE_LIGHT))
            border = QColor("#D97706")
        else:
            fmt.setBackground(palette.color(QPalette.ColorRole.Base))
        fmt.setBorderBrush(border)
        fmt.setBorderStyle(QTextFrameFormat.BorderStyle.BorderStyle_Solid)
        cursor.insertFrame(fmt)
        cursor.insertHtml(self._header(c, now))
        cursor.insertBlock()
        if c.deleted:
            cursor.insertHtml("<i style='color:gray'>This comment was deleted.</i>")
        elif c.id == self.editing:
            # Room for the editor lying over this block.
            room = QTextBlockFormat()
            room.setLineHeight(
                CommentEditor.HEIGHT, QTextBlockFormat.LineHeightTypes.FixedHeight.value
            )
            cursor.insertBlock(room)
            self._placeholder = cursor.block()
        else:
            body = markdown_document(c.body)
            cursor.insertFragment(QTextDocumentFragment(body))
        cursor.movePosition(QTextCursor.MoveOperation.End)

    def _header(self, c: CommentView, now: datetime) -> str:
        parts = [f"<b>{html.escape(c.author)}</b>"]
        if c.internal:
            parts.append(
                f"<img src='{_LOCK}' width='14' height='14'> "
                "<b style='color:#B45309'>Internal note</b>"
            )
        title = html.escape(stamp(c.created_at))
        parts.append(f"<span title='{title}' style='color:gray'>{ago(c.created_at, now)}</span>")
        if c.edited and not c.deleted:
            parts.append("<span style='color:gray'>(edited)</span>")
        if c.pending:
            parts.append("<i style='color:#D97706'>pending</i>")
        if not c.deleted:
            parts.append(f"<a href='{INTERNAL_SCHEME}:reply/{c.id}'>Reply</a>")
        if c.can_edit and c.id != self.editing:
            parts.append(f"<a href='{INTERNAL_SCHEME}:edit/{c.id}'>Edit</a>")
        if c.can_delete:
            parts.append(f"<a href='{INTERNAL_SCHEME}:delete/{c.id}'>Delete</a>")
        return " &nbsp;·&nbsp; ".join(parts)

    def _internal(self, url: QUrl) -> None:
        path = url.path()
        if path == "edit-description":
            self.edit_description_requested.emit()
        elif path.startswith("reply/"):
            self.reply_requested.emit(path.removeprefix("reply/"))
        elif path.startswith("edit/"):
            self.start_edit(path.removeprefix("edit/"))
        elif path.startswith("delete/"):
            self.delete_requested.emit(path.removeprefix("delete/"))
