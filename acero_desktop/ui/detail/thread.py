"""The conversation: comments threaded by reply, internal notes on an amber card.

One document for the whole thread (text selects across comments, one scroll bar). Each
comment is a frame; its body is a sanitised Markdown fragment; headers are built from escaped
names. The only links of our own use the ``acero:`` scheme ("Reply").
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QPalette,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
    QTextFrameFormat,
    QTextLength,
)
from PySide6.QtWidgets import QApplication, QWidget

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


class CommentThread(SafeTextBrowser):
    reply_requested = Signal(str)  # comment id (hex)
    edit_description_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("commentThread")
        self.internal_link.connect(self._internal)
        self.comments: tuple[CommentView, ...] = ()

    def show_thread(
        self,
        comments: tuple[CommentView, ...],
        now: datetime,
        *,
        opening: Opening | None = None,
    ) -> None:
        """The ticket's description as the opening card, then the threaded comments."""
        self.comments = comments
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
        if at_end:
            bar.setValue(bar.maximum())

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
        return " &nbsp;·&nbsp; ".join(parts)

    def _internal(self, url: QUrl) -> None:
        path = url.path()
        if path == "edit-description":
            self.edit_description_requested.emit()
        elif path.startswith("reply/"):
            self.reply_requested.emit(path.removeprefix("reply/"))
