"""A column's list view and the card delegate that draws a task.

A card: a checkbox (done), the title (two lines at most, elided), then a line with the
assignee's initials and name, the ticket (on "My tasks"), "pending" while unconfirmed and the
due date on the right (amber within a day, red when overdue, none once done). Colours come from
the palette, so the light and the dark theme both work.

Keys on a card: Ctrl+Left/Right move it to the previous/next column, Ctrl+Up/Down reorder it,
Space ticks it done, F2 edits the title, Delete deletes it (after asking), the menu key opens
its context menu.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
    QWidget,
)

from acero_desktop.models import TaskState

from ..resources import AMBER, RED
from ..theme import is_dark
from .data import Due, TaskCard, due_state, due_text
from .model import CARD_ROLE, TaskColumnModel

Index = QModelIndex | QPersistentModelIndex

MARGIN = 4  # around a card, inside the list
PAD = 8  # inside a card
CHECK = 16
GAP = 6
TITLE_LINES = 2
DARK_RED = "#F87171"
DARK_AMBER = "#FBBF24"
PENDING = "#B45309"
DARK_PENDING = "#F59E0B"


def due_color(due: Due, dark: bool) -> str | None:
    if due is Due.OVERDUE:
        return DARK_RED if dark else RED
    if due is Due.SOON:
        return DARK_AMBER if dark else AMBER
    return None


def avatar_color(key: uuid.UUID | None) -> QColor:
    """A stable, muted colour per person."""
    hue = zlib.crc32(key.bytes if key else b"") % 360
    return QColor.fromHsl(hue, 100, 100)


def wrapped(text: str, font: QFont, width: int, lines: int) -> list[str]:
    """``text`` broken into at most ``lines`` lines of ``width``, the last elided when cut."""
    width = max(width, 20)
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    spans: list[tuple[int, int]] = []
    layout.beginLayout()
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        spans.append((line.textStart(), line.textLength()))
    layout.endLayout()
    if not spans:
        return [""]
    out = [text[start : start + n].strip() for start, n in spans[:lines]]
    if len(spans) > lines:
        rest = text[spans[lines - 1][0] :].replace("\n", " ")
        out[-1] = QFontMetrics(font).elidedText(rest, Qt.TextElideMode.ElideRight, width)
    return out


class CardDelegate(QStyledItemDelegate):
    def __init__(self, now: Callable[[], datetime], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.now = now
        self.show_ticket = False  # name each card's ticket ("My tasks")

    # -- geometry --------------------------------------------------------------------------

    @staticmethod
    def _meta_font(font: QFont) -> QFont:
        small = QFont(font)
        small.setPointSizeF(max(font.pointSizeF() - 1, 7.0))
        return small

    def _width(self, option: QStyleOptionViewItem) -> int:
        view = option.widget
        if isinstance(view, QAbstractItemView):
            return max(view.viewport().width(), 120)
        return max(option.rect.width(), 120)

    def _title_width(self, width: int) -> int:
        return width - 2 * MARGIN - 2 * PAD - CHECK - GAP

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        card = index.data(CARD_ROLE)
        width = self._width(option)
        font: QFont = option.font
        if not isinstance(card, TaskCard):
            return QSize(width, 40)
        lines = len(wrapped(card.title, font, self._title_width(width), TITLE_LINES))
        title_h = QFontMetrics(font).lineSpacing() * lines
        meta_h = self._meta_height(font)
        return QSize(width, 2 * MARGIN + 2 * PAD + title_h + GAP + meta_h)

    def _meta_height(self, font: QFont) -> int:
        return QFontMetrics(self._meta_font(font)).height() + 4

    def card_rect(self, rect: QRect) -> QRect:
        return rect.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)

    def check_rect(self, rect: QRect) -> QRect:
        card = self.card_rect(rect)
        return QRect(card.left() + PAD, card.top() + PAD + 1, CHECK, CHECK)

    def title_rect(self, rect: QRect, font: QFont, lines: int = TITLE_LINES) -> QRect:
        card = self.card_rect(rect)
        left = card.left() + PAD + CHECK + GAP
        height = QFontMetrics(font).lineSpacing() * lines
        return QRect(left, card.top() + PAD - 1, card.right() - PAD - left, height + 2)

    # -- painting --------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        card = index.data(CARD_ROLE)
        if not isinstance(card, TaskCard):
            return
        rect: QRect = option.rect
        palette: QPalette = option.palette
        font: QFont = option.font
        state = option.state
        dark = is_dark(palette)
        selected = bool(state & QStyle.StateFlag.State_Selected)
        focused = bool(state & QStyle.StateFlag.State_HasFocus)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        done = card.state is TaskState.DONE
        role = QPalette.ColorRole

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        box = QRectF(self.card_rect(rect)).adjusted(0.5, 0.5, -0.5, -0.5)
        fill = palette.color(role.Button if dark else role.Base)
        if selected:
            tint = QColor(palette.color(role.Highlight))
            tint.setAlpha(60 if dark else 28)
            painter.setBrush(fill)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRoundedRect(box, 6, 6)
            fill = tint
        border = palette.color(role.Light if dark else role.Mid)
        if hovered and not selected:
            border = palette.color(role.Dark if not dark else role.Midlight).lighter(130)
        pen = QPen(palette.color(role.Highlight) if selected else border, 2 if selected else 1)
        painter.setPen(pen)
        painter.setBrush(fill)
        painter.drawRoundedRect(box, 6, 6)
        if focused and selected:
            focus = QColor(palette.color(role.Highlight))
            focus.setAlpha(90)
            painter.setPen(QPen(focus, 1, Qt.PenStyle.DotLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(box.adjusted(3, 3, -3, -3), 4, 4)

        # The checkbox, drawn by the style; greyed when this user may not tick it.
        check = QStyleOptionButton()
        check.rect = self.check_rect(rect)
        check.palette = palette
        flags = QStyle.StateFlag.State_On if done else QStyle.StateFlag.State_Off
        if card.why_not_move is None:
            flags |= QStyle.StateFlag.State_Enabled
        check.state = flags
        widget = option.widget
        style = widget.style() if isinstance(widget, QWidget) else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_IndicatorCheckBox, check, painter, widget)

        # The title.
        text = palette.color(role.Text)
        muted = QColor(text)
        muted.setAlpha(150)
        title_font = QFont(font)
        trect = self.title_rect(rect, font)
        lines = wrapped(card.title, font, trect.width(), TITLE_LINES)
        painter.setFont(title_font)
        painter.setPen(muted if done else text)
        spacing = QFontMetrics(font).lineSpacing()
        for i, line in enumerate(lines):
            line_rect = QRect(trect.left(), trect.top() + i * spacing, trect.width(), spacing)
            painter.drawText(line_rect, Qt.AlignmentFlag.AlignVCenter, line)

        # The meta line: the due date and "pending" on the right, the ticket and the assignee
        # on the left; on a narrow card the name gives way first, then the ticket.
        small = self._meta_font(font)
        fm = QFontMetrics(small)
        card_box = self.card_rect(rect)
        meta_h = self._meta_height(font)
        top = trect.top() + spacing * len(lines) + GAP
        left = card_box.left() + PAD
        right = card_box.right() - PAD
        avatar = meta_h if card.assignee else 0
        due = due_state(card, self.now())
        due_label = due_text(card, self.now())
        if due_label:
            color = due_color(due, dark)
            due_font = QFont(small)
            due_font.setBold(due in (Due.SOON, Due.OVERDUE))
            due_fm = QFontMetrics(due_font)
            room = max(right - left - avatar - GAP, 0)
            due_label = due_fm.elidedText(due_label, Qt.TextElideMode.ElideRight, room)
            width = due_fm.horizontalAdvance(due_label)
            painter.setFont(due_font)
            painter.setPen(QColor(color) if color else muted)
            painter.drawText(
                QRect(right - width, top, width, meta_h), Qt.AlignmentFlag.AlignVCenter, due_label
            )
            right -= width + GAP
        painter.setFont(small)
        pill_w = fm.horizontalAdvance("pending") + 10
        if card.pending and right - left - avatar >= pill_w:
            pill = QRectF(right - pill_w, top + 1, pill_w, meta_h - 2)
            painter.setPen(QPen(QColor(DARK_PENDING if dark else PENDING), 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(pill, (meta_h - 2) / 2, (meta_h - 2) / 2)
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, "pending")
            right -= pill_w + GAP
        elif card.pending:  # no room for the word: an amber dot says it
            dot = QRectF(right - 8, top + meta_h / 2 - 4, 8, 8)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(DARK_PENDING if dark else PENDING))
            painter.drawEllipse(dot)
            right -= 8 + GAP
        if self.show_ticket:
            # "My tasks": every card is mine, so the line names the ticket instead of me.
            label_w = fm.horizontalAdvance(card.ticket_label)
            painter.setPen(palette.color(role.Link))
            painter.drawText(
                QRect(left, top, label_w, meta_h), Qt.AlignmentFlag.AlignVCenter, card.ticket_label
            )
            left += label_w + GAP
            about = fm.elidedText(card.ticket_title, Qt.TextElideMode.ElideRight, right - left)
            painter.setPen(muted)
            painter.drawText(
                QRect(left, top, max(right - left, 0), meta_h), Qt.AlignmentFlag.AlignVCenter, about
            )
            painter.restore()
            return
        if card.assignee:
            circle = QRectF(left, top, meta_h, meta_h)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(avatar_color(card.assignee_id))
            painter.drawEllipse(circle)
            badge = QFont(small)
            badge.setPixelSize(max(int(meta_h * 0.45), 7))
            badge.setBold(True)
            painter.setFont(badge)
            painter.setPen(QColor("#FFFFFF"))
            painter.drawText(circle, Qt.AlignmentFlag.AlignCenter, card.initials)
            painter.setFont(small)
            left += meta_h + 4
            if right - left >= 36:  # else the initials (and the tooltip) must do
                name = fm.elidedText(card.assignee, Qt.TextElideMode.ElideRight, right - left)
                painter.setPen(muted)
                painter.drawText(
                    QRect(left, top, right - left, meta_h), Qt.AlignmentFlag.AlignVCenter, name
                )
        elif right - left >= fm.horizontalAdvance("Unassigned"):
            painter.setPen(muted)
            painter.drawText(
                QRect(left, top, right - left, meta_h), Qt.AlignmentFlag.AlignVCenter, "Unassigned"
            )
        painter.restore()

    # -- the checkbox and the title editor ------------------------------------------------------

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: Index,
    ) -> bool:
        if event.type() not in (QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick):
            return False
        assert isinstance(event, QMouseEvent)
        rect: QRect = option.rect
        if not self.check_rect(rect).adjusted(-3, -3, 3, 3).contains(event.position().toPoint()):
            return False
        if event.type() == QEvent.Type.MouseButtonDblClick:
            return True  # a fast second click on the box is not "edit the title"
        if not index.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            return True
        done = index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
        new = Qt.CheckState.Unchecked if done else Qt.CheckState.Checked
        return bool(model.setData(index, new.value, Qt.ItemDataRole.CheckStateRole))

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        editor = QLineEdit(parent)
        editor.setObjectName("taskTitleEditor")
        editor.setMaxLength(300)
        editor.setFrame(True)
        return editor

    def updateEditorGeometry(
        self, editor: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> None:
        rect: QRect = option.rect
        font: QFont = option.font
        title = self.title_rect(rect, font, 1)
        height = max(editor.sizeHint().height(), title.height())
        editor.setGeometry(QRect(title.left() - 3, title.top() - 2, title.width() + 6, height))


class TaskListView(QListView):
    """One column. Emits what the keys ask for; the board decides what it means."""

    # task id, column step (-1 / +1)
    move_across = Signal(object, int)
    # task id, row step (-1 / +1)
    move_within = Signal(object, int)
    toggle_done = Signal(object)
    delete_requested = Signal(object)

    def __init__(self, model: TaskColumnModel, delegate: CardDelegate) -> None:
        super().__init__()
        self.setObjectName(f"taskList-{model.state.value}")
        self.setAccessibleName(f"{model.label} tasks")
        self.setModel(model)
        self.setItemDelegate(delegate)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setDragDropOverwriteMode(False)
        self.setDropIndicatorShown(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMouseTracking(True)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        triggers = QAbstractItemView.EditTrigger
        self.setEditTriggers(triggers.DoubleClicked | triggers.EditKeyPressed)
        self.empty_text = "No tasks"

    def card_delegate(self) -> CardDelegate:
        delegate = self.itemDelegate()
        assert isinstance(delegate, CardDelegate)
        return delegate

    def column_model(self) -> TaskColumnModel:
        model = self.model()
        assert isinstance(model, TaskColumnModel)
        return model

    def current_card(self) -> TaskCard | None:
        index = self.currentIndex()
        card = index.data(CARD_ROLE) if index.isValid() else None
        return card if isinstance(card, TaskCard) else None

    def select_row(self, row: int) -> None:
        index = self.model().index(row, 0)
        if index.isValid():
            self.setCurrentIndex(index)
            self.scrollTo(index)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        card = self.current_card()
        ctrl = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        key = Qt.Key(event.key())
        if card is not None and ctrl:
            steps = {
                Qt.Key.Key_Left: (self.move_across, -1),
                Qt.Key.Key_Right: (self.move_across, 1),
                Qt.Key.Key_Up: (self.move_within, -1),
                Qt.Key.Key_Down: (self.move_within, 1),
            }
            if key in steps:
                signal, step = steps[key]
                signal.emit(card.id, step)
                event.accept()
                return
        if card is not None and not ctrl and key == Qt.Key.Key_Space:
            self.toggle_done.emit(card.id)
            event.accept()
            return
        if card is not None and key == Qt.Key.Key_Delete:
            self.delete_requested.emit(card.id)
            event.accept()
            return
        if key == Qt.Key.Key_Menu and card is not None:
            rect = self.visualRect(self.currentIndex())
            self.customContextMenuRequested.emit(rect.center())
            event.accept()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self.viewport())
        palette = self.palette()
        dark = is_dark(palette)
        role = QPalette.ColorRole
        lane = palette.color(role.Base if dark else role.Midlight)
        painter.fillRect(self.viewport().rect(), lane)
        if self.model().rowCount() == 0 and self.empty_text:
            muted = QColor(palette.color(role.Text))
            muted.setAlpha(120)
            painter.setPen(muted)
            area = self.viewport().rect().adjusted(8, 16, -8, -8)
            painter.drawText(
                area,
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
                | int(Qt.TextFlag.TextWordWrap),
                self.empty_text,
            )
        painter.end()
        super().paintEvent(event)

    def card_at(self, pos: QPoint) -> TaskCard | None:
        card = self.indexAt(pos).data(CARD_ROLE)
        return card if isinstance(card, TaskCard) else None
