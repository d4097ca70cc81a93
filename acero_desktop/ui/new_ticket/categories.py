"""The category tree as an item model, and a picker with a filter box above it."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QTreeView, QVBoxLayout, QWidget

from ..directory import Category, Directory

AnyIndex = QModelIndex | QPersistentModelIndex
CATEGORY_ROLE = Qt.ItemDataRole.UserRole + 1


class _Node:
    __slots__ = ("category", "children", "key", "parent", "row")

    def __init__(self, category: Category | None, parent: _Node | None, row: int, key: int) -> None:
        self.category = category
        self.parent = parent
        self.row = row
        self.key = key  # position in the model's node list: the index's internal id
        self.children: list[_Node] = []


class CategoryTreeModel(QAbstractItemModel):
    """Categories under their parents, by name; a filter keeps matches and their ancestors."""

    def __init__(self) -> None:
        super().__init__()
        self._root = _Node(None, None, 0, -1)
        self._nodes: list[_Node] = []  # keeps every node alive while Qt holds pointers

    def set_directory(self, directory: Directory, text: str = "") -> None:
        self.beginResetModel()
        self._root, self._nodes = _build(directory, text)
        self.endResetModel()

    def _node(self, index: AnyIndex) -> _Node:
        if not index.isValid():
            return self._root
        return self._nodes[index.internalId()]

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        child = self._node(parent).children[row]
        return self.createIndex(row, column, child.key)

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        parent = self._node(index).parent
        if parent is None or parent is self._root:
            return QModelIndex()
        return self.createIndex(parent.row, 0, parent.key)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 1

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        category = self._node(index).category
        if category is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return category.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return category.path
        if role == CATEGORY_ROLE:
            return category
        return None

    def index_of(self, category_id: uuid.UUID) -> QModelIndex:
        for node in self._nodes:
            if node.category is not None and node.category.id == category_id:
                return self.createIndex(node.row, 0, node.key)
        return QModelIndex()


def _build(directory: Directory, text: str) -> tuple[_Node, list[_Node]]:
    cats = directory.categories
    needle = text.strip().casefold()
    keep: set[uuid.UUID] = set()
    for cat in cats.values():
        if not needle or needle in cat.path.casefold():
            node: Category | None = cat
            while node is not None and node.id not in keep:
                keep.add(node.id)
                node = cats.get(node.parent_id) if node.parent_id else None
    children: dict[uuid.UUID | None, list[Category]] = {}
    for cat in cats.values():
        if cat.id in keep:
            parent = cat.parent_id if cat.parent_id in cats else None
            children.setdefault(parent, []).append(cat)
    root = _Node(None, None, 0, -1)
    nodes: list[_Node] = []

    def add(parent_node: _Node, parent_id: uuid.UUID | None) -> None:
        ordered = sorted(children.get(parent_id, []), key=lambda c: c.name.casefold())
        for row, cat in enumerate(ordered):
            node = _Node(cat, parent_node, row, len(nodes))
            nodes.append(node)
            parent_node.children.append(node)
            add(node, cat.id)

    add(root, None)
    return root, nodes


class CategoryPicker(QWidget):
    """A filter line and the tree; ``chosen`` carries the category (or None)."""

    chosen = Signal(object)  # Category | None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.directory = Directory()
        self.filter = QLineEdit()
        self.filter.setObjectName("categoryFilter")
        self.filter.setPlaceholderText("Type to find a category…")
        self.filter.setClearButtonEnabled(True)
        self.model = CategoryTreeModel()
        self.tree = QTreeView()
        self.tree.setObjectName("categoryTree")
        self.tree.setModel(self.model)
        self.tree.setHeaderHidden(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setMinimumHeight(130)
        self.tree.selectionModel().currentChanged.connect(self._current)
        self.filter.textChanged.connect(self._filter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree)
        self.category: Category | None = None

    def set_directory(self, directory: Directory) -> None:
        self.directory = directory
        self._filter(self.filter.text())

    def select(self, category_id: uuid.UUID) -> bool:
        index = self.model.index_of(category_id)
        if not index.isValid():
            return False
        self.tree.setCurrentIndex(index)
        return True

    def _filter(self, text: str) -> None:
        chosen = self.category
        self.model.set_directory(self.directory, text)
        if text:
            self.tree.expandAll()
        if chosen is not None:
            self.select(chosen.id)

    def _current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        category = current.data(CATEGORY_ROLE)
        if isinstance(category, Category):
            self.category = category
            self.chosen.emit(category)
