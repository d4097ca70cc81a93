"""The main window: sidebar, search bar and ticket table, detail pane, status bar, menus.

It wires features together and owns no business rule: the table model runs queries, the pane
issues mutations, the session turns engine callbacks into signals. Every action lives in a
menu with its shortcut shown.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QInputDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from acero_desktop import __version__
from acero_desktop.models import Notification, Priority, Role, TicketStatus
from acero_desktop.sync.cache import ApplyReport
from acero_desktop.sync.status import Phase, SyncStatus

from . import paths
from .detail.files import FileClient
from .detail.prompts import StatusPrompt, needs_prompt
from .directory import TABLES as DIRECTORY_TABLES
from .directory import Directory
from .pickers import PersonPicker
from .resources import app_icon, priority_icon, status_icon
from .search.bar import SearchBar
from .session import ClientSession, new_id
from .settings import settings
from .sidebar.views import ViewItem
from .sidebar.widget import Sidebar
from .statusbar import SyncStatusBar, describe
from .sync_issues import SyncIssuesPanel
from .tasks import alive, spawn
from .theme import ThemeChoice, ThemeManager
from .tickets.model import TicketTableModel
from .tickets.query import SearchFailed, TicketQuery
from .tickets.view import TicketTableView
from .tray import Tray
from .uploads import UploadQueue

if TYPE_CHECKING:
    from .detail.pane import DetailPane
    from .new_ticket.form import NewTicketDialog

log = logging.getLogger("acero.ui.window")
REFRESH_MS = 120
TICK_MS = 60_000


class MainWindow(QMainWindow):
    # The table was painted once; then what start-up deferred is done (``_after_first_paint``).
    first_painted = Signal()
    warmed_up = Signal()

    def __init__(
        self,
        session: ClientSession,
        *,
        theme: ThemeManager | None = None,
        title_note: str = "",
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.session = session
        self.theme = theme
        self.title_note = title_note
        self.closed: asyncio.Future[None] = asyncio.get_event_loop().create_future()
        self.quit_on_close = True
        self.dialogs: list[QWidget] = []
        self.setWindowIcon(app_icon())

        self.model = TicketTableModel(session)
        self.table = TicketTableView(self.model)
        self.sidebar = Sidebar(session)
        self.search = SearchBar(lambda: self.directory.search_values)
        # The detail pane (its modules and widgets, ~0.12 s) is built after the first paint, or
        # on first use of ``pane``; until then a hidden placeholder holds its splitter slot.
        self._pane: DetailPane | None = None
        self._pane_slot = QWidget()
        self._pane_slot.hide()
        self.issues = SyncIssuesPanel(session)
        self.status = SyncStatusBar()
        self.setStatusBar(self.status)
        self.tray = Tray(self)
        self.uploads = UploadQueue(session, FileClient(session.profile.server_url, session.token))
        self.uploads.message.connect(lambda text: self.status.showMessage(text, 8000))

        center = QWidget()
        center_layout = QVBoxLayout(center)
        center_layout.setContentsMargins(4, 4, 4, 0)
        center_layout.addWidget(self.search)
        center_layout.addWidget(self.table, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(center)
        self.splitter.addWidget(self._pane_slot)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([210, 760, 520])
        self.setCentralWidget(self.splitter)
        self.issues_dock = QDockWidget("Sync issues", self)
        self.issues_dock.setObjectName("syncIssuesDock")
        self.issues_dock.setWidget(self.issues)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.issues_dock)
        self.issues_dock.hide()

        self._touched: set[str] = set()
        self._full = False
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self._apply_refresh)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._tick.start()

        self._build_actions()
        self._build_menus()
        self._wire()
        self._update_title()
        self.status.show_status(session.status)
        self.status.show_issue_count(self.issues.model.rowCount())
        self.resize(1500, 860)
        self._restore_geometry()
        if not self.sidebar.select_key(self._last_view()):
            self.sidebar.select_key("view:mine")
        self._first_paint = _FirstPaint(self.table.viewport(), self._after_first_paint)

    # -- the detail pane, built after the first paint ----------------------------------------

    @property
    def pane(self) -> DetailPane:
        """The detail pane; built on first use (start-up builds it right after the first paint)."""
        if self._pane is None:
            self._pane = self._build_pane()
        return self._pane

    @property
    def directory(self) -> Directory:
        """People, teams and categories (read on first use, again after sync changed them)."""
        return self.session.directory()

    def _after_first_paint(self) -> None:
        """What start-up left for later, one step (50–120 ms) per turn of the event loop: the
        mutators (the first change needs them), the pane's modules, then the pane itself (so
        that opening the first ticket is quick)."""
        self.first_painted.emit()
        steps: list[Callable[[], object]] = [_preload_mutations, _preload_pane, lambda: self.pane]

        def step() -> None:
            steps.pop(0)()
            if steps:
                QTimer.singleShot(0, self, step)
            else:
                self.warmed_up.emit()

        QTimer.singleShot(0, self, step)

    def _build_pane(self) -> DetailPane:
        from .detail.pane import DetailPane

        pane = DetailPane(self.session, self)  # a child from the start: never a window
        pane.close_requested.connect(self.close_pane)
        pane.dismiss_issues.connect(self._dismiss_issues)
        if self.theme is not None:
            # A bound method of the pane, not a lambda: the connection ends with the pane (the
            # theme lives as long as the app; the demo replaces its window).
            self.theme.changed.connect(pane.reload)
        pane.set_issues(self.issues.model.rows())
        # The placeholder is hidden until a ticket is chosen: so is the pane that takes its
        # place, with its geometry (splitter sizes restored at start stay).
        self.splitter.replaceWidget(self.splitter.indexOf(self._pane_slot), pane)
        self._pane_slot.deleteLater()
        return pane

    # -- actions and menus -------------------------------------------------------------------

    def _action(
        self,
        text: str,
        slot: Callable[[], Any],
        shortcut: str | QKeySequence.StandardKey | None = None,
        *,
        name: str = "",
        context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if name:
            action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(context)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        A = self._action  # noqa: N806 - a short local alias reads better in this table
        self.act_new = A("&New ticket…", self.new_ticket, "Ctrl+N", name="actNew")
        self.act_save_search = A("&Save search…", self.save_search, "Ctrl+S", name="actSaveSearch")
        self.act_quit = A("&Quit", self.close, "Ctrl+Q", name="actQuit")
        self.act_find = A("&Find…", self.search.focus, "Ctrl+F", name="actFind")
        self.act_open = A(
            "&Open ticket",
            self.open_current,
            "Return",
            name="actOpen",
            context=Qt.ShortcutContext.WidgetShortcut,
        )
        self.table.addAction(self.act_open)
        self.removeAction(self.act_open)
        self.act_next = A("&Next ticket", lambda: self.table.move_by(1), "J", name="actNext")
        self.act_prev = A("&Previous ticket", lambda: self.table.move_by(-1), "K", name="actPrev")
        self.act_close_pane = A("&Close pane", self.close_pane, "Esc", name="actClosePane")
        # Ctrl+Enter is handled by the composer itself; the action shows the keys in the menu
        # without registering a second, ambiguous shortcut.
        self.act_send = QAction("Send &comment", self)
        self.act_send.setObjectName("actSend")
        self.act_send.setShortcut(QKeySequence("Ctrl+Return"))
        self.act_send.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.act_send.triggered.connect(lambda _checked=False: self.pane.composer.submit())
        self.act_assign_me = A(
            "&Assign to me", self.assign_selected_to_me, "Ctrl+Shift+M", name="actAssignMe"
        )
        self.act_bulk_assign = A("Assign selected &to…", self.bulk_assign, name="actBulkAssign")
        self.act_bulk_watch = A("Add &watcher to selected…", self.bulk_watch, name="actBulkWatch")
        self.act_issues = A("S&ync issues", self.toggle_issues, "Ctrl+Shift+Y", name="actIssues")
        self.act_sidebar = A("Side&bar", self.toggle_sidebar, "Ctrl+B", name="actSidebar")
        self.act_my_tasks = A("My &tasks", self.show_my_tasks, "Ctrl+Shift+T", name="actMyTasks")
        self.act_log = A("Show &log folder", self.show_logs, name="actLog")
        self.act_about = A("&About Acero", self.about, name="actAbout")

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        file.addAction(self.act_new)
        file.addAction(self.act_save_search)
        file.addSeparator()
        file.addAction(self.act_quit)
        edit = bar.addMenu("&Edit")
        edit.addAction(self.act_find)
        go = bar.addMenu("&Go")
        for action in (self.act_open, self.act_next, self.act_prev, self.act_close_pane):
            go.addAction(action)
        ticket = bar.addMenu("&Ticket")
        ticket.addAction(self.act_send)
        ticket.addAction(self.act_assign_me)
        ticket.addSeparator()
        ticket.addAction(self.act_bulk_assign)
        self.priority_menu = ticket.addMenu("Set &priority")
        for p in Priority:
            self.priority_menu.addAction(
                priority_icon(p), p.label, lambda pr=p: self.bulk_priority(pr)
            )
        self.status_menu = ticket.addMenu("Set &status")
        for s in (
            TicketStatus.IN_PROGRESS,
            TicketStatus.WAITING,
            TicketStatus.RESOLVED,
            TicketStatus.CANCELLED,
        ):
            self.status_menu.addAction(status_icon(s), s.label, lambda st=s: self.bulk_status(st))
        ticket.addAction(self.act_bulk_watch)
        view = bar.addMenu("&View")
        view.addAction(self.act_sidebar)
        view.addAction(self.act_issues)
        view.addAction(self.act_my_tasks)
        self.columns_menu = view.addMenu("&Columns")
        for action in self.table.column_actions(self.columns_menu):
            self.columns_menu.addAction(action)
        if self.theme is not None:
            theme_menu = view.addMenu("&Theme")
            group = QActionGroup(self)
            for choice, label in (
                (ThemeChoice.SYSTEM, "Follow the system"),
                (ThemeChoice.LIGHT, "Light"),
                (ThemeChoice.DARK, "Dark"),
            ):
                act = QAction(label, theme_menu)
                act.triggered.connect(lambda _c=False, c=choice: self._set_theme(c))
                theme_menu.addAction(act)
                act.setCheckable(True)
                act.setChecked(self.theme.choice is choice)
                group.addAction(act)
        self.view_menu = view
        self.help_menu = bar.addMenu("&Help")
        self.help_menu.addAction(self.act_log)
        self.help_menu.addAction(self.act_about)

    def add_menu(self, menu: QMenu) -> None:
        """Extra menus (the demo's) go before Help."""
        self.menuBar().insertMenu(self.help_menu.menuAction(), menu)

    # -- wiring ------------------------------------------------------------------------------

    def _wire(self) -> None:
        s = self.session
        self.sidebar.view_selected.connect(self.set_view)
        self.search.query_changed.connect(self.apply_search)
        self.model.search_failed.connect(self._search_failed)
        self.model.count_changed.connect(self.status.show_rows)
        self.table.current_ticket_changed.connect(self._current_changed)
        self.table.ticket_activated.connect(self.open_ticket)
        self.issues.count_changed.connect(self.status.show_issue_count)
        self.issues.open_ticket.connect(self.open_ticket)
        self.issues.resolve_requested.connect(self._resolve_issue)
        self.status.issues_clicked.connect(self.toggle_issues)
        s.status_changed.connect(self._status_changed)
        s.data_changed.connect(self._data_changed)
        s.issue_raised.connect(self._issue_raised)
        s.mutation_failed.connect(self._mutation_failed)
        s.actor_changed.connect(self._actor_changed)
        self.tray.show_requested.connect(self.bring_to_front)
        self.tray.new_ticket_requested.connect(self.new_ticket)
        self.tray.quit_requested.connect(self.close)

    # -- views and search ----------------------------------------------------------------------

    def set_view(self, item: ViewItem) -> None:
        settings().setValue("window/view", item.key)
        self.model.set_query(TicketQuery(base=item.query, text=self.search.text()))
        self._header_sort_cleared()

    def apply_search(self, text: str) -> None:
        self.model.set_query(replace(self.model.query, text=text))

    def _header_sort_cleared(self) -> None:
        if self.model.query.sort is None:
            self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)

    def _search_failed(self, error: SearchFailed | None) -> None:
        if error is None:
            self.search.clear_error()
        elif error.in_base:
            self.status.showMessage(f"This view cannot be shown: {error.error.message}", 10000)
        else:
            self.search.show_error(error.error, error.text)

    def save_search(self) -> None:
        """Save the view's query and the search bar's as one named search (synced)."""
        item = self.sidebar.current_item()
        base = item.query if item is not None else ""
        query = " ".join(p.strip() for p in (base, self.search.text()) if p.strip())
        if not query:
            self.status.showMessage("Type a search first, then save it.", 6000)
            return
        dialog = QInputDialog(self)
        dialog.setObjectName("saveSearchDialog")
        dialog.setWindowTitle("Save search")
        dialog.setLabelText(f"Name for “{query}”:")
        dialog.textValueSelected.connect(lambda name: self._create_saved_search(name, query))
        self.dialogs.append(dialog)
        dialog.open()

    def _create_saved_search(self, name: str, query: str) -> None:
        if name.strip():
            sid = new_id()
            task = self.session.mutate(
                "saved_search.create", {"id": sid, "name": name, "query": query}
            )
            task.add_done_callback(
                lambda t: self._saved_search_created(sid) if t.result() and alive(self) else None
            )

    def _saved_search_created(self, sid: str) -> None:
        self.sidebar.reload()
        self.search.set_text("")
        self.sidebar.select_key(f"saved:{uuid.UUID(sid)}")

    # -- the table and the pane ------------------------------------------------------------------

    def _current_changed(self, ticket_id: str | None) -> None:
        if ticket_id is None and self._pane is None:
            return  # nothing shown yet: nothing to clear
        if ticket_id is not None:
            self.pane.show()
        self.pane.show_ticket(ticket_id)

    def open_current(self) -> None:
        self.table.activate_current()

    def open_ticket(self, ticket_id: str) -> None:
        """Show a ticket in the pane (selecting it when the table lists it) and focus the pane."""
        self.table.select_id(ticket_id)
        # Also when it was the current row already (no change of row, no signal) while the
        # pane showed a ticket opened from elsewhere; showing the same ticket again is a no-op.
        self.pane.show_ticket(ticket_id)
        self.pane.show()
        self.pane.tabs.setFocus()

    def close_pane(self) -> None:
        if self._pane is not None and self.pane.isVisible():
            self.pane.save_draft()
            self.pane.hide()
            self.table.setFocus()

    def bring_to_front(self) -> None:
        self.show()
        self.setWindowState(
            (self.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive
        )
        self.raise_()
        self.activateWindow()

    # -- sync events -----------------------------------------------------------------------------

    def _status_changed(self, status: SyncStatus) -> None:
        self.status.show_status(status)
        self.tray.set_tooltip(describe(status))
        if status.phase in (Phase.LOGIN_REQUIRED, Phase.UPDATE_REQUIRED):
            self.tray.notify("Acero", status.message or describe(status), warning=True)

    def _data_changed(self, report: ApplyReport) -> None:
        if report.full_reload:
            self._full = True
        self._touched |= {uuid.UUID(t).hex for t in report.touched.get("ticket", set())}
        if report.full_reload or DIRECTORY_TABLES & report.touched.keys():
            self.reload_directory()
        if self._pane is not None:
            self._pane.on_changed(report)
        if "notification" in report.touched and not report.full_reload:
            self._notify(report.touched["notification"])
        if report.full_reload or self._touched:
            self._refresh_timer.start()

    def _apply_refresh(self) -> None:
        touched, full = self._touched, self._full
        self._touched, self._full = set(), False
        self.model.refresh(touched, full=full)

    def _issue_raised(self, message: str) -> None:
        self.issues.reload()
        if self._pane is not None:
            self._pane.set_issues(self.issues.model.rows())
        self.status.showMessage(message, 15000)
        self.tray.notify("A change was not applied", message, warning=True)

    def _dismiss_issues(self, ids: list[int]) -> None:
        async def run() -> None:
            await self.issues.dismiss_ids(ids)
            if self._pane is not None and alive(self._pane):
                self._pane.set_issues(self.issues.model.rows())

        spawn(run(), name="dismiss issues")

    def _resolve_issue(self, issue: Any) -> None:
        if issue.ticket_id:
            self.open_ticket(issue.ticket_id)
        self.pane.resolve_issue(issue)

    def _mutation_failed(self, _name: str, message: str, _args: object) -> None:
        self.status.showMessage(message, 10000)

    def _actor_changed(self) -> None:
        self._update_title()
        self.reload_directory()
        self.model.refresh(full=True)
        if self._pane is not None:
            self._pane.reload()

    def _notify(self, ids: set[str]) -> None:
        keys = [uuid.UUID(i) for i in ids]
        with self.session.read() as s:
            rows = list(
                s.execute(
                    select(Notification.message).where(
                        Notification.id.in_(keys), Notification.read_at.is_(None)
                    )
                )
            )
        for (message,) in rows[:3]:
            self.tray.notify("Acero", message)

    def _on_tick(self) -> None:
        self.model.tick()
        if self._pane is not None:
            self._pane.reload()

    def reload_directory(self) -> None:
        """After sync changed people, teams or categories (``directory`` reads them anew)."""
        if self._pane is not None:
            self._pane.reload_directory()

    def _update_title(self) -> None:
        actor = self.session.actor
        who = f"{actor.name} ({actor.role.value})" if actor else self.session.profile.username
        note = f" — {self.title_note}" if self.title_note else ""
        self.setWindowTitle(f"Acero — {who}{note}")

    # -- bulk actions ------------------------------------------------------------------------------

    def _selected_uuids(self) -> list[str]:
        return [str(uuid.UUID(t)) for t in self.table.selected_ids()]

    def assign_selected_to_me(self) -> None:
        me = self.session.user_id
        if me is None:
            return
        pane = self._pane
        if len(self.table.selected_ids()) <= 1 and pane is not None and pane.detail is not None:
            pane.assign_to_me()
            return
        for tid in self._selected_uuids():
            self.session.mutate("ticket.assign", {"id": tid, "assignee_id": str(me)})

    def bulk_assign(self) -> None:
        ids = self._selected_uuids()
        if not ids:
            return
        staff = [p for p in self.directory.active_people() if p.role in (Role.AGENT, Role.LEAD)]
        picker = PersonPicker("Assign tickets", f"Assign {len(ids)} ticket(s) to:", staff, self)
        picker.chosen.connect(
            lambda uid: [
                self.session.mutate("ticket.assign", {"id": t, "assignee_id": str(uid)})
                for t in ids
            ]
        )
        self.dialogs.append(picker)
        picker.open()

    def bulk_watch(self) -> None:
        ids = self._selected_uuids()
        if not ids:
            return
        picker = PersonPicker(
            "Add a watcher",
            f"Who should watch {len(ids)} ticket(s)?",
            self.directory.active_people(),
            self,
        )
        picker.chosen.connect(
            lambda uid: [
                self.session.mutate(
                    "watch.add", {"id": new_id(), "ticket_id": t, "user_id": str(uid)}
                )
                for t in ids
            ]
        )
        self.dialogs.append(picker)
        picker.open()

    def bulk_priority(self, priority: Priority) -> None:
        for tid in self._selected_uuids():
            self.session.mutate("ticket.update", {"id": tid, "priority": priority.value})

    def bulk_status(self, to: TicketStatus) -> None:
        ids = self._selected_uuids()
        if not ids:
            return

        def apply(extra: dict[str, Any]) -> None:
            for tid in ids:
                self.session.mutate(
                    "ticket.set_status", {"id": tid, "to_status": to.value, **extra}
                )

        if needs_prompt(to):
            prompt = StatusPrompt(to, f"{len(ids)} ticket(s)", requester=False, parent=self)
            prompt.submitted.connect(apply)
            self.dialogs.append(prompt)
            prompt.open()
        else:
            apply({})

    # -- other actions ---------------------------------------------------------------------------

    def new_ticket(self) -> NewTicketDialog:
        from .new_ticket.form import NewTicketDialog  # on first use: not needed to start

        dialog = NewTicketDialog(self.session, self.directory, self)
        dialog.created.connect(self._ticket_created)
        dialog.open_ticket.connect(self.open_ticket)
        self.dialogs.append(dialog)
        dialog.finished.connect(
            lambda _r: self.dialogs.remove(dialog) if dialog in self.dialogs else None
        )
        dialog.open()
        dialog.title.setFocus()
        return dialog

    def _ticket_created(self, ticket_id: str, files: list[Path]) -> None:
        if files:
            self.uploads.add(uuid.UUID(ticket_id), files)
        self._apply_refresh()
        self.open_ticket(ticket_id)
        self.status.showMessage("Ticket created.", 5000)

    def toggle_issues(self) -> None:
        self.issues_dock.setVisible(not self.issues_dock.isVisible())

    def show_my_tasks(self) -> QWidget:
        """Every task assigned to me, across tickets (ui/kanban)."""
        from .kanban.mine import show_my_tasks

        return show_my_tasks(self, self.session)

    def toggle_sidebar(self) -> None:
        self.sidebar.setVisible(not self.sidebar.isVisible())

    def _set_theme(self, choice: ThemeChoice) -> None:
        if self.theme is not None:
            self.theme.set_choice(choice)

    def show_logs(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.log_dir())))

    def about(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("About Acero")
        box.setIconPixmap(app_icon().pixmap(64, 64))
        box.setText(f"<b>Acero Desktop</b> {__version__}<br>Support requests, issues and tasks.")
        self.dialogs.append(box)
        box.open()

    # -- geometry and closing ----------------------------------------------------------------------

    def _last_view(self) -> str:
        value = settings().value("window/view", "view:mine")
        return value if isinstance(value, str) else "view:mine"

    def _restore_geometry(self) -> None:
        s = settings()
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        split = s.value("window/splitter")
        if isinstance(split, QByteArray):
            self.splitter.restoreState(split)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._pane is not None:
            self._pane.save_draft()
        self.table.save_columns()
        s = settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/splitter", self.splitter.saveState())
        self.tray.hide()
        self.sidebar.counts.stop()
        self._tick.stop()
        self._refresh_timer.stop()
        super().closeEvent(event)
        if not self.closed.done():
            self.closed.set_result(None)


def _preload_mutations() -> None:
    """The mutators' pydantic schemas (~0.1 s; ``sync/cache.py`` imports them on first use)."""
    import acero_desktop.core.mutations  # noqa: F401


def _preload_pane() -> None:
    import acero_desktop.ui.detail.pane  # noqa: F401


class _FirstPaint(QObject):
    """Calls ``then`` on the event loop's next turn after ``widget`` was first painted."""

    def __init__(self, widget: QWidget, then: Callable[[], None]) -> None:
        super().__init__(widget)
        self.then = then
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self, self.then)
        return False
