"""Painting the status chip; everything else is the standard item painting with model roles."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from acero_desktop.models import TicketStatus

from ..resources import STATUS_COLORS
from .columns import Column
from .model import STATUS_ROLE


class TicketDelegate(QStyledItemDelegate):
    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        if index.column() != Column.STATUS:
            super().paint(painter, option, index)
            return
        value = index.data(STATUS_ROLE)
        # Background and selection as usual, then the chip instead of the text.
        self.initStyleOption(option, index)
        option.text = ""
        style = option.widget.style() if option.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        if value is None:
            return
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        paint_chip(painter, QRectF(option.rect), TicketStatus(value), option.font, selected)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width(), max(hint.height(), QFontMetrics(option.font).height() + 10))


_PENS: dict[tuple[TicketStatus, bool], tuple[QColor, QColor, QColor]] = {}


def _colors(status: TicketStatus, selected: bool) -> tuple[QColor, QColor, QColor]:
    """Outline, fill and text colour of a chip (made once: the table paints dozens a frame)."""
    found = _PENS.get((status, selected))
    if found is None:
        color = QColor("#FFFFFF") if selected else QColor(STATUS_COLORS[status])
        fill = QColor(color)
        fill.setAlpha(60 if selected else 40)
        text = color.darker(115) if color.lightness() > 140 and not selected else color
        found = _PENS[(status, selected)] = (color, fill, text)
    return found


def paint_chip(
    painter: QPainter, rect: QRectF, status: TicketStatus, font: QFont, selected: bool = False
) -> None:
    """A rounded, tinted label: the status's colour at low opacity behind its name."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setFont(font)
    metrics = painter.fontMetrics()
    text = status.label
    width = min(rect.width() - 8, metrics.horizontalAdvance(text) + 16)
    height = min(rect.height() - 6, metrics.height() + 4)
    chip = QRectF(rect.left() + 4, rect.center().y() - height / 2, width, height)
    color, fill, text_color = _colors(status, selected)
    painter.setPen(color)
    painter.setBrush(fill)
    painter.drawRoundedRect(chip, height / 2, height / 2)
    painter.setPen(text_color)
    elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(chip.width()) - 8)
    painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, elided)
    painter.restore()
