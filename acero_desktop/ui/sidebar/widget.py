"""The sidebar tree: pick a view; rename or delete saved searches (synced mutations)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QInputDialog,
    QMenu,
    QTreeView,
    QWidget,
)

from acero_desktop.sync.cache import ApplyReport

from ..session import ClientSession
from .counts import CountRefresher
from .model import ITEM_ROLE, SidebarModel
from .views import ViewItem, builtin_views, saved_searches

STARTUP_DELAY_MS = 1500
# Changes to these tables can change a count.
_COUNTED = frozenset({"ticket", "ticket_watcher", "saved_search"})


class Sidebar(QTreeView):
    view_selected = Signal(object)  # ViewItem

    def __init__(self, session: ClientSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.setMinimumWidth(170)
        self.session = session
        self.sidebar_model = SidebarModel()
        self.setModel(self.sidebar_model)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setIndentation(12)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.counts = CountRefresher(
            session, self.sidebar_model.items, self.sidebar_model.set_counts
        )
        self.selectionModel().currentChanged.connect(self._current_changed)
        self.dialog: QInputDialog | None = None
        session.data_changed.connect(self._on_changed)
        session.actor_changed.connect(self.reload)
        self.reload(first=True)

    def reload(self, *, first: bool = False) -> None:
        current = self.current_item()
        actor = self.session.actor
        with self.session.read() as s:
            saved = saved_searches(s, actor)
        self.sidebar_model.set_items(builtin_views(actor), saved)
        self.expandAll()
        if current is not None and not self.select_key(current.key):
            self.select_key("view:mine")
        # At start-up the table comes first: counting 100k tickets can wait a second.
        self.counts.request(STARTUP_DELAY_MS if first else None)

    def current_item(self) -> ViewItem | None:
        item = self.currentIndex().data(ITEM_ROLE)
        return item if isinstance(item, ViewItem) else None

    def select_key(self, key: str) -> bool:
        index = self.sidebar_model.index_of(key)
        if not index.isValid():
            return False
        self.setCurrentIndex(index)
        return True

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item = current.data(ITEM_ROLE)
        if isinstance(item, ViewItem):
            self.view_selected.emit(item)

    def _on_changed(self, report: ApplyReport) -> None:
        if report.full_reload or "saved_search" in report.touched:
            self.reload()
        elif _COUNTED & report.touched.keys():
            self.counts.request()

    # -- saved searches ------------------------------------------------------------------

    def _menu(self, pos: QPoint) -> None:
        item = self.indexAt(pos).data(ITEM_ROLE)
        if not isinstance(item, ViewItem) or not item.is_saved:
            return
        menu = QMenu(self)
        menu.addAction("Rename…", lambda: self.ask_rename(item))
        menu.addAction("Delete", lambda: self.delete(item))
        menu.popup(self.viewport().mapToGlobal(pos))

    def ask_rename(self, item: ViewItem) -> QInputDialog:
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Rename saved search")
        dialog.setLabelText("Name:")
        dialog.setTextValue(item.title)
        dialog.textValueSelected.connect(lambda name: self.rename(item, name))
        dialog.open()
        self.dialog = dialog
        return dialog

    def rename(self, item: ViewItem, name: str) -> None:
        if item.saved_id is not None and name.strip() and name.strip() != item.title:
            self.session.mutate("saved_search.rename", {"id": str(item.saved_id), "name": name})

    def delete(self, item: ViewItem) -> None:
        if item.saved_id is not None:
            self.session.mutate("saved_search.delete", {"id": str(item.saved_id)})
