"""The ticket table model: the ordered ids of the current query, rows fetched lazily.

As Anki's browser table: one SQL query gives every matching id in order (cheap even for 100k
tickets); ``data()`` fetches the rows around the one asked for in a batch and caches them as
immutable :class:`TicketRow` values. A sync change re-runs the id query, then removes, adds
and moves rows with the fine-grained signals (so the selection and scroll position stay) and
drops only the touched rows from the cache.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont

from ..resources import AMBER, RED, priority_icon
from ..session import ClientSession
from ..slaview import SlaCalendars, SlaCell, SlaState
from ..timefmt import ago, stamp
from .columns import Column
from .query import ColumnSort, SearchFailed, TicketQuery, ticket_ids
from .rows import TicketRow, load_rows, sla_cell
from .sortkeys import SortKeys

log = logging.getLogger("acero.ui.tickets")

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
STATUS_ROLE = Qt.ItemDataRole.UserRole + 3

AnyIndex = QModelIndex | QPersistentModelIndex

# Fetch this many rows around the one asked for; keep at most CACHE_LIMIT rows.
BATCH_BEFORE = 20
BATCH_AFTER = 80
CACHE_LIMIT = 4000
_DISPLAY = Qt.ItemDataRole.DisplayRole
_DECORATION = Qt.ItemDataRole.DecorationRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_FONT = Qt.ItemDataRole.FontRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
# The only roles answered; the view asks for a dozen per cell, most of them for nothing.
_ROLES = frozenset({_DISPLAY, _DECORATION, _FOREGROUND, _FONT, _TOOLTIP})
_ROW_FLAGS = (
    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
)
_SLA, _UPDATED, _PRIORITY, _NUMBER, _TITLE = (
    int(Column.SLA),
    int(Column.UPDATED),
    int(Column.PRIORITY),
    int(Column.NUMBER),
    int(Column.TITLE),
)
# Beyond this many separate removals a refresh resets instead (the view keeps the selection).
MAX_REMOVAL_BLOCKS = 64


class TicketTableModel(QAbstractTableModel):
    search_failed = Signal(object)  # SearchFailed, or None once a search works again
    count_changed = Signal(int)

    def __init__(self, session: ClientSession) -> None:
        super().__init__()
        self.session = session
        self.query = TicketQuery()
        self._ids: list[str] = []
        self._base: list[str] = []  # the search's own order, before a clicked column
        self._pos_cache: dict[str, int] | None = {}
        self.sort_keys = SortKeys()
        self._rows: dict[str, TicketRow] = {}
        self._sla: dict[str, SlaCell] = {}
        self._pending: set[str] = set()
        self._calendars = SlaCalendars()
        self._now = session.now()
        self._italic = QFont()
        self._italic.setItalic(True)
        self._amber, self._red = QColor(AMBER), QColor(RED)
        self.error: SearchFailed | None = None
        self._reload_support()

    # -- the query ---------------------------------------------------------------------

    @property
    def _pos(self) -> dict[str, int]:
        """Row of each id, built when first needed (100k entries cost real time)."""
        if self._pos_cache is None:
            self._pos_cache = {tid: i for i, tid in enumerate(self._ids)}
        return self._pos_cache

    def set_query(self, query: TicketQuery, *, reorder_only: bool = False) -> bool:
        """Run ``query``; on a search error keep showing the last good result.

        ``reorder_only``: the same tickets in another order (a clicked column), applied as a
        layout change so the selection and the current ticket stay where they are.
        """
        actor = self.session.actor
        same_search = replace(query, sort=None) == replace(self.query, sort=None)
        if actor is None:
            base: list[str] = []
        elif reorder_only and same_search:
            base = self._base  # only the order changes: no query at all
        else:
            try:
                with self.session.read() as s:
                    base = ticket_ids(s, actor, query, self.session.now())
            except SearchFailed as exc:
                self.error = exc
                self.search_failed.emit(exc)
                return False
        self._base = base
        ids = self._ordered(base, query)
        self.query = query
        if reorder_only and len(ids) == len(self._ids):
            self._reorder(ids)
        else:
            self.beginResetModel()
            self._ids = ids
            self._pos_cache = None
            self.endResetModel()
        if self.error is not None:
            self.error = None
            self.search_failed.emit(None)
        self.count_changed.emit(len(self._ids))
        return True

    def refresh(self, touched: Iterable[str] = (), *, full: bool = False) -> None:
        """Sync changed rows: re-run the query, patch the list, re-read touched rows only."""
        touched_hex = set(touched)
        actor = self.session.actor
        if full:
            self.sort_keys.forget()
        elif touched_hex:
            with self.session.read() as s:
                self.sort_keys.patch(s, touched_hex)
        try:
            if actor is None:
                self._base = []
            else:
                with self.session.read() as s:
                    self._base = ticket_ids(s, actor, self.query, self.session.now())
        except SearchFailed:
            pass  # a name in the search was deleted meanwhile; keep what is shown
        ids = self._ordered(self._base, self.query)
        self._reload_support()
        if full:
            self._rows.clear()
            self._sla.clear()
        else:
            for tid in touched_hex:
                self._rows.pop(tid, None)
                self._sla.pop(tid, None)
        self._apply_ids(ids)
        rows = sorted(self._pos[t] for t in touched_hex if t in self._pos)
        for start, end in _blocks(rows):
            self.dataChanged.emit(self.index(start, 0), self.index(end, len(Column) - 1))
        if full and self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(Column) - 1))
        self.count_changed.emit(len(self._ids))

    def _ordered(self, base: list[str], query: TicketQuery) -> list[str]:
        if query.sort is None:
            return base
        descending = query.sort.order == Qt.SortOrder.DescendingOrder
        with self.session.read() as s:
            return self.sort_keys.order(s, base, query.sort.column, descending=descending)

    def tick(self) -> None:
        """Time moved on: SLA clocks and "3m ago" change although no row did."""
        self._sla.clear()
        self._reload_support()
        if self._ids:
            first = self.index(0, Column.SLA)
            self.dataChanged.emit(first, self.index(len(self._ids) - 1, Column.UPDATED))

    def _reload_support(self) -> None:
        self._now = self.session.now()
        with self.session.read() as s:
            self._calendars.load(s)
            self._pending = self.session.pending_ids(s, "ticket")

    # -- applying a new id list ----------------------------------------------------------

    def _apply_ids(self, new: list[str]) -> None:
        if new == self._ids:
            return
        keep = set(new)
        removed = [i for i, tid in enumerate(self._ids) if tid not in keep]
        blocks = _blocks(removed)
        if len(blocks) > MAX_REMOVAL_BLOCKS:
            self.beginResetModel()
            self._ids = list(new)
            self._pos_cache = None
            self.endResetModel()
            return
        for start, end in reversed(blocks):
            self.beginRemoveRows(QModelIndex(), start, end)
            del self._ids[start : end + 1]
            self.endRemoveRows()
        present = set(self._ids)
        added = [tid for tid in new if tid not in present]
        if added:
            first = len(self._ids)
            self.beginInsertRows(QModelIndex(), first, first + len(added) - 1)
            self._ids.extend(added)
            self.endInsertRows()
        self._pos_cache = None
        self._reorder(new)

    def _reorder(self, new: list[str]) -> None:
        """Same ids, new order: a layout change that carries selection and current index."""
        if new == self._ids:
            return
        self.layoutAboutToBeChanged.emit()
        old_ids = self._ids
        self._ids = list(new)
        self._pos_cache = None
        before = self.persistentIndexList()
        wanted = {old_ids[p.row()] for p in before if p.isValid() and p.row() < len(old_ids)}
        # Only the rows the views hold on to need their new place: no 100k-entry dict.
        found = _positions(self._ids, wanted)
        after = [
            self.index(found[old_ids[p.row()]], p.column())
            if p.isValid() and p.row() < len(old_ids) and old_ids[p.row()] in found
            else QModelIndex()
            for p in before
        ]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    # -- lookups -------------------------------------------------------------------------

    @property
    def ids(self) -> list[str]:
        return list(self._ids)

    def row_of(self, ticket_id: str) -> int | None:
        return self._pos.get(ticket_id)

    def id_at(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def ticket_at(self, row: int) -> TicketRow | None:
        if not 0 <= row < len(self._ids):
            return None
        tid = self._ids[row]
        cached = self._rows.get(tid)
        if cached is not None:
            return cached
        self._fetch_around(row)
        return self._rows.get(tid)

    def sla_of(self, row: TicketRow) -> SlaCell:
        cached = self._sla.get(row.id)
        if cached is None:
            cached = self._sla[row.id] = sla_cell(row, self._calendars, self._now)
        return cached

    def _fetch_around(self, row: int) -> None:
        if len(self._rows) > CACHE_LIMIT:  # far-away rows go; the ones around here come back
            self._rows.clear()
            self._sla.clear()
        lo, hi = max(0, row - BATCH_BEFORE), min(len(self._ids), row + BATCH_AFTER)
        wanted = [tid for tid in self._ids[lo:hi] if tid not in self._rows]
        with self.session.read() as s:
            self._rows.update(load_rows(s, wanted, pending=self._pending))

    # -- Qt model API ----------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        return _ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(Column):
            if role == Qt.ItemDataRole.DisplayRole:
                return Column(section).title
            if role == Qt.ItemDataRole.ToolTipRole and section == Column.SLA:
                return "Business time left to resolve (amber: at risk, red: breached)"
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # The hot path of the whole client: keep it to dict lookups and tuple indexing.
        if role not in _ROLES and role not in (ID_ROLE, ROW_ROLE, STATUS_ROLE):
            return None
        r = index.row()
        if not 0 <= r < len(self._ids):
            return None
        tid = self._ids[r]
        if role == ID_ROLE:
            return tid
        row = self._rows.get(tid) or self.ticket_at(r)
        if row is None:
            return None
        col = index.column()
        if role == _DISPLAY:
            if col == _SLA:
                return self.sla_of(row).text
            if col == _UPDATED:
                return ago(row.updated_at, self._now)
            return row.cells[col]
        if role == _FOREGROUND:
            if col == _SLA:
                state = self.sla_of(row).state
                if state is SlaState.BREACHED:
                    return self._red
                if state is SlaState.AT_RISK:
                    return self._amber
            return None
        if role == _DECORATION:
            return priority_icon(row.priority) if col == _PRIORITY else None
        if role == _FONT:
            return self._italic if row.pending else None
        if role == _TOOLTIP:
            return self._tooltip(row, col)
        if role == ROW_ROLE:
            return row
        return row.status.value  # STATUS_ROLE

    def _tooltip(self, row: TicketRow, col: int) -> str | None:
        if row.pending and col == _NUMBER:
            return "Pending: the server has not confirmed this change yet"
        if col == _TITLE:
            return row.title
        if col == _SLA:
            return self.sla_of(row).tooltip
        if col == _UPDATED:
            return stamp(row.updated_at)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(Column):
            return
        self.set_query(
            replace(self.query, sort=ColumnSort(Column(column), order)), reorder_only=True
        )


def _positions(ids: list[str], wanted: set[str]) -> dict[str, int]:
    """Where each of a few ids is in ``ids``."""
    if not wanted:
        return {}
    if len(wanted) > 32:
        return {tid: i for i, tid in enumerate(ids) if tid in wanted}
    out = {}
    for tid in wanted:
        try:
            out[tid] = ids.index(tid)
        except ValueError:
            continue
    return out


def _blocks(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as contiguous (first, last) runs."""
    out: list[tuple[int, int]] = []
    for r in rows:
        if out and r == out[-1][1] + 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out
