"""Drawing a suggestion: its title in bold, the resolution or the article's gist below."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from .suggestions import Suggestion


class SuggestionDelegate(QStyledItemDelegate):
    """Title in bold, the resolution or the article's first line in grey below it."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        suggestion = index.data(Qt.ItemDataRole.UserRole)
        if not isinstance(suggestion, Suggestion):
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        text, option.text = option.text, ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, widget)
        rect = option.rect.adjusted(26, 2, -4, -2)
        bold = QFont(option.font)
        bold.setBold(True)
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(option.palette.color(role))
        painter.setFont(bold)
        line = QFontMetrics(bold).height()
        top = QRect(rect.left(), rect.top(), rect.width(), line)
        painter.drawText(top, Qt.AlignmentFlag.AlignLeft, _elide(bold, text, rect.width()))
        if suggestion.detail:
            painter.setFont(option.font)
            if not selected:
                painter.setPen(option.palette.color(QPalette.ColorRole.PlaceholderText))
            below = QRect(rect.left(), rect.top() + line + 1, rect.width(), rect.height() - line)
            flags = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap
            painter.drawText(below, int(flags), suggestion.detail)
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        suggestion = index.data(Qt.ItemDataRole.UserRole)
        base = super().sizeHint(option, index)
        if not isinstance(suggestion, Suggestion) or not suggestion.detail:
            return base
        metrics = QFontMetrics(option.font)
        width = max(120, option.rect.width() - 30)
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)
        detail = metrics.boundingRect(QRect(0, 0, width, 10_000), flags, suggestion.detail)
        return QSize(base.width(), metrics.height() + detail.height() + 8)


def _elide(font: QFont, text: str, width: int) -> str:
    return QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, width)
