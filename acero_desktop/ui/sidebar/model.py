"""A two-level tree: "Views" and "Saved searches", each item with its count in column 1."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from .views import ViewItem

AnyIndex = QModelIndex | QPersistentModelIndex
ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
GROUPS = ("Views", "Saved searches")
_NO_PARENT = 0xFFFF  # internalId of a group; items carry their group's number


class SidebarModel(QAbstractItemModel):
    def __init__(self) -> None:
        super().__init__()
        self._groups: list[list[ViewItem]] = [[], []]
        self._counts: dict[str, int] = {}

    def set_items(self, views: list[ViewItem], saved: list[ViewItem]) -> None:
        new = [views, saved]
        if [[i.key for i in g] for g in new] == [[i.key for i in g] for g in self._groups]:
            self._groups = new  # same items: titles or queries may have changed
            for g, items in enumerate(new):
                if items:
                    parent = self.index(g, 0)
                    self.dataChanged.emit(
                        self.index(0, 0, parent), self.index(len(items) - 1, 1, parent)
                    )
            return
        self.beginResetModel()
        self._groups = new
        self.endResetModel()

    def set_counts(self, counts: dict[str, int]) -> None:
        changed = {k for k, v in counts.items() if self._counts.get(k) != v}
        self._counts.update(counts)
        for g, items in enumerate(self._groups):
            for r, item in enumerate(items):
                if item.key in changed:
                    index = self.index(r, 1, self.index(g, 0))
                    self.dataChanged.emit(index, index)

    def items(self) -> list[ViewItem]:
        return [i for g in self._groups for i in g]

    def item(self, index: AnyIndex) -> ViewItem | None:
        if not index.isValid() or index.internalId() == _NO_PARENT:
            return None
        return self._groups[index.internalId()][index.row()]

    def index_of(self, key: str) -> QModelIndex:
        for g, items in enumerate(self._groups):
            for r, item in enumerate(items):
                if item.key == key:
                    return self.index(r, 0, self.index(g, 0))
        return QModelIndex()

    def count(self, key: str) -> int | None:
        return self._counts.get(key)

    # -- Qt model API --------------------------------------------------------------------

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, _NO_PARENT)
        return self.createIndex(row, column, parent.row())

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == _NO_PARENT:
            return QModelIndex()
        return self.createIndex(int(index.internalId()), 0, _NO_PARENT)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() == _NO_PARENT and parent.column() == 0:
            return len(self._groups[parent.row()])
        return 0

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 2

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.internalId() == _NO_PARENT:
            return Qt.ItemFlag.ItemIsEnabled
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == _NO_PARENT:
            if role == Qt.ItemDataRole.DisplayRole and index.column() == 0:
                return GROUPS[index.row()]
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
            return None
        item = self._groups[index.internalId()][index.row()]
        if role == ITEM_ROLE:
            return item
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 0:
                return item.title
            count = self._counts.get(item.key)
            return f"{count:,}" if count is not None else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.query
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
