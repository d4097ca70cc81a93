"""The ticket table view: remembered columns, selection kept by id across resets, J/K moves."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from ..settings import settings
from .columns import Column
from .delegate import TicketDelegate
from .model import ID_ROLE, TicketTableModel

_HEADER_KEY = "tickets/header"


class TicketTableView(QTableView):
    current_ticket_changed = Signal(object)  # hex id or None
    ticket_activated = Signal(str)

    def __init__(self, model: TicketTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ticketTable")
        self.setModel(model)
        self.ticket_model = model
        # Only the status column paints in Python; the rest is Qt's own C++ delegate.
        self.setItemDelegateForColumn(Column.STATUS, TicketDelegate(self))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        vertical = self.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 12)
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        for column in Column:
            header.resizeSection(column, column.default_width)
        self.restore_columns()
        header.sectionMoved.connect(lambda *_: self.save_columns())
        header.sectionResized.connect(lambda *_: self.save_columns())
        # No sort clicked yet: the search decides the order (setSortingEnabled sorts at once).
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.setSortingEnabled(True)

        self._saved: tuple[str | None, list[str], int, object] = (None, [], 0, None)
        model.modelAboutToBeReset.connect(self._remember)
        model.modelReset.connect(self._restore)
        self.doubleClicked.connect(self._activate_index)
        selection = self.selectionModel()
        selection.currentRowChanged.connect(self._current_changed)

    # -- columns -----------------------------------------------------------------------

    def save_columns(self) -> None:
        settings().setValue(_HEADER_KEY, self.horizontalHeader().saveState())

    def restore_columns(self) -> None:
        state = settings().value(_HEADER_KEY)
        if state is not None:
            self.horizontalHeader().restoreState(state)

    def set_column_visible(self, column: Column, visible: bool) -> None:
        self.setColumnHidden(column, not visible)
        self.save_columns()

    def column_actions(self, parent: QWidget) -> list[QAction]:
        """Check-box actions to show or hide each column (the View menu and the header)."""
        actions = []
        for column in Column:
            action = QAction(column.title, parent)
            action.setCheckable(True)
            action.setChecked(not self.isColumnHidden(column))
            action.setEnabled(column is not Column.TITLE)  # the title always stays
            action.toggled.connect(lambda on, c=column: self.set_column_visible(c, on))
            actions.append(action)
        return actions

    def _header_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        for action in self.column_actions(menu):
            menu.addAction(action)
        menu.popup(self.horizontalHeader().mapToGlobal(pos))

    # -- current and selected tickets ------------------------------------------------------

    def current_id(self) -> str | None:
        index = self.currentIndex()
        return index.data(ID_ROLE) if index.isValid() else None

    def selected_ids(self) -> list[str]:
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        return [tid for r in rows if (tid := self.ticket_model.id_at(r)) is not None]

    def select_id(self, ticket_id: str) -> bool:
        row = self.ticket_model.row_of(ticket_id)
        if row is None:
            return False
        self.select_row(row)
        return True

    def select_row(self, row: int) -> None:
        index = self.ticket_model.index(row, 0)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.selectionModel().setCurrentIndex(index, flags)
        self.scrollTo(index)

    def move_by(self, step: int) -> None:
        """J/K: the next or previous ticket (the first one when nothing is current)."""
        count = self.ticket_model.rowCount()
        if count == 0:
            return
        current = self.currentIndex().row()
        row = 0 if current < 0 else max(0, min(count - 1, current + step))
        self.select_row(row)

    def activate_current(self) -> None:
        tid = self.current_id()
        if tid is not None:
            self.ticket_activated.emit(tid)

    def _activate_index(self, index: QModelIndex) -> None:
        tid = index.data(ID_ROLE)
        if tid:
            self.ticket_activated.emit(tid)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.current_ticket_changed.emit(current.data(ID_ROLE) if current.isValid() else None)

    # -- keeping the selection across resets --------------------------------------------

    def _remember(self) -> None:
        self._saved = (
            self.current_id(),
            self.selected_ids(),
            self.verticalScrollBar().value(),
            self.ticket_model.query,
        )

    def _restore(self) -> None:
        current, selected, scroll, query = self._saved
        model = self.ticket_model
        selection = QItemSelection()
        for tid in selected:
            row = model.row_of(tid)
            if row is not None:
                selection.select(model.index(row, 0), model.index(row, model.columnCount() - 1))
        sm = self.selectionModel()
        if not selection.isEmpty():
            sm.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        row = model.row_of(current) if current else None
        if row is not None:
            sm.setCurrentIndex(model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
        if query == model.query:  # a refresh of the same search: stay where the user was
            self.verticalScrollBar().setValue(scroll)
        elif row is not None:
            self.scrollTo(model.index(row, 0))
        else:
            self.scrollToTop()
        if current is not None and row is None:
            self.current_ticket_changed.emit(None)
