"""The task board: To do, Doing, Done, for one ticket or for "My tasks" across tickets.

Every change is a mutation through the session (``task.add``, ``task.update``, ``task.move``,
``task.delete``), so it works offline and syncs like any other. The board moves a card at once
(optimistic) and then redraws from the cache whenever sync or a local change touched
``ticket_task`` rows, keeping the selected card selected. A move names the cards it lands
between (``before_id``/``after_id``), so the order this user sees is the order it gets on the
server and on everyone else's screen.

What this user may not do is greyed out with the sentence of ``core.permissions`` saying why.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCalendarWidget,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from acero_desktop.models import TaskState
from acero_desktop.sync.cache import ApplyReport

from ..directory import TABLES as DIRECTORY_TABLES
from ..session import ClientSession, new_id
from .data import (
    STATE_LABELS,
    STATES,
    BoardData,
    TaskCard,
    assignable_people,
    end_of_day,
    landing,
    load_my_tasks,
    load_ticket_board,
)
from .model import CARD_ROLE, TaskColumnModel
from .view import CardDelegate, TaskListView

log = logging.getLogger("acero.ui.kanban")
TICK_MS = 60_000  # due dates turn amber and red as time passes


class DueDateDialog(QDialog):
    """Pick the day a task is due (by the end of that day)."""

    def __init__(self, title: str, current: datetime | None, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("dueDateDialog")
        self.setWindowTitle("Due date")
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(False)
        if current is not None:
            local = current.astimezone()
            self.calendar.setSelectedDate(QDate(local.year, local.month, local.day))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.calendar.activated.connect(lambda _d: self.accept())
        layout = QVBoxLayout(self)
        what = QLabel(f"When is “{title}” due?")
        what.setWordWrap(True)
        layout.addWidget(what)
        layout.addWidget(self.calendar)
        layout.addWidget(buttons)

    def chosen(self) -> datetime:
        day = self.calendar.selectedDate()
        stamp = datetime(day.year(), day.month(), day.day()).astimezone()
        return end_of_day(stamp)


class TaskColumn(QFrame):
    """A header with the count, (on To do) the line to add a task, and the list."""

    def __init__(self, model: TaskColumnModel, view: TaskListView) -> None:
        super().__init__()
        self.setObjectName(f"taskColumn-{model.state.value}")
        self.model = model
        self.view = view
        self.header = QLabel()
        self.header.setObjectName("taskColumnHeader")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setBuddy(view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.header)
        self.body = layout
        layout.addWidget(view, 1)
        self.show_count()

    def show_count(self) -> None:
        n = self.model.rowCount()
        self.header.setText(
            f"<b>{self.model.label}</b>&nbsp;&nbsp;<span style='color: gray'>{n}</span>"
        )
        self.header.setAccessibleName(f"{self.model.label}: {n} task{'s' if n != 1 else ''}")


class TaskBoard(QWidget):
    count_changed = Signal(int)
    open_ticket = Signal(str)  # ticket id (hex), from "My tasks"

    def __init__(
        self, session: ClientSession, *, mine: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("myTasksBoard" if mine else "taskBoard")
        self.session = session
        self.mine = mine
        self.ticket_id: uuid.UUID | None = None
        self.data: BoardData | None = None
        self.menu: QMenu | None = None
        self.confirm: QMessageBox | None = None
        self.dialog: DueDateDialog | None = None
        self._stale = False

        self.models: dict[TaskState, TaskColumnModel] = {}
        self.views: dict[TaskState, TaskListView] = {}
        self.columns: dict[TaskState, TaskColumn] = {}
        columns = QHBoxLayout()
        columns.setSpacing(8)
        for state in STATES:
            model = TaskColumnModel(state, self)
            # One delegate per view: a delegate's commitData goes to every view using it.
            delegate = CardDelegate(session.now, self)
            delegate.show_ticket = mine
            delegate.closeEditor.connect(lambda *_a: self._editor_closed())
            view = TaskListView(model, delegate)
            if mine:
                view.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
            model.title_edited.connect(self.set_title)
            model.done_toggled.connect(self.set_done)
            model.dropped.connect(lambda ids, row, s=state: self._dropped(ids, s, row))
            view.move_across.connect(self.move_across)
            view.move_within.connect(self.move_within)
            view.toggle_done.connect(self.toggle_done)
            view.delete_requested.connect(self.ask_delete)
            view.customContextMenuRequested.connect(lambda pos, v=view: self._context_menu(v, pos))
            view.doubleClicked.connect(self._activated)
            column = TaskColumn(model, view)
            self.models[state], self.views[state], self.columns[state] = model, view, column
            columns.addWidget(column, 1)

        self.add_edit = QLineEdit()
        self.add_edit.setObjectName("addTask")
        self.add_edit.setPlaceholderText("Add a task… (Enter)")
        self.add_edit.setClearButtonEnabled(True)
        self.add_edit.setMaxLength(300)
        self.add_edit.returnPressed.connect(self.add_from_edit)
        self.columns[TaskState.TODO].body.insertWidget(1, self.add_edit)
        # Only once it has a parent: shown while parentless, it would flash as a window of its
        # own and take the focus from the main window (the pane is built after it is shown).
        self.add_edit.setVisible(not mine)
        self.views[TaskState.TODO].empty_text = (
            "Nothing to do." if mine else "No tasks yet. Type one above and press Enter."
        )
        self.views[TaskState.DOING].empty_text = "Drag a card here when work starts."
        self.views[TaskState.DONE].empty_text = "Tick a task or drag it here when it is done."

        self.notice = QLabel()
        self.notice.setObjectName("tasksReadOnly")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: gray;")
        self.notice.hide()
        self.message = QLabel()
        self.message.setObjectName("tasksMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #DC2626;")
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 6, 4, 4)
        layout.setSpacing(6)
        layout.addWidget(self.notice)
        layout.addWidget(self.message)
        layout.addLayout(columns, 1)

        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._repaint)
        self._tick.start()
        session.data_changed.connect(self.on_changed)
        session.mutation_failed.connect(self._refused)
        session.actor_changed.connect(self.reload)
        if mine:
            self.reload()

    # -- loading -------------------------------------------------------------------------

    def show_ticket(self, ticket_id: str | uuid.UUID | None) -> None:
        """Show the tasks of a ticket (hex or UUID); None empties the board."""
        key = uuid.UUID(str(ticket_id)) if ticket_id is not None else None
        if key != self.ticket_id:
            self.message.hide()
        self.ticket_id = key
        self.reload()

    def cards(self, state: TaskState) -> list[TaskCard]:
        """The cards of a column as shown."""
        return list(self.models[state].cards)

    def reload(self) -> None:
        if any(v.state() == QAbstractItemView.State.EditingState for v in self.views.values()):
            self._stale = True  # redraw once the title editor closes, not under the typing
            return
        self._stale = False
        selected, focused = self._selection()
        actor = self.session.actor
        data: BoardData | None = None
        if actor is not None and (self.mine or self.ticket_id is not None):
            directory = self.session.directory()
            with self.session.read() as s:
                pending = self.session.pending_ids(s, "ticket_task")
                if self.mine:
                    data = load_my_tasks(s, actor, directory=directory, pending=pending)
                elif self.ticket_id is not None:
                    data = load_ticket_board(
                        s, actor, self.ticket_id, directory=directory, pending=pending
                    )
        self.data = data
        for state, model in self.models.items():
            model.accepts_drops = data is not None
            scroll = self.views[state].verticalScrollBar().value()
            model.set_cards(data.column(state) if data is not None else [])
            self.views[state].verticalScrollBar().setValue(scroll)
            self.columns[state].show_count()
        self._show_permissions()
        if selected is not None:
            self._select(selected, focus=focused)
        self.count_changed.emit(len(data.cards) if data is not None else 0)

    def _show_permissions(self) -> None:
        data = self.data
        reason = data.why_not_add if data is not None else "No ticket is shown."
        if not self.mine:
            self.add_edit.setEnabled(reason is None)
            self.add_edit.setToolTip(reason or "Type a task and press Enter to add it to To do")
            self.add_edit.setPlaceholderText(
                "Add a task… (Enter)" if reason is None else "Read only"
            )
        read_only = (
            data is not None
            and not self.mine
            and reason is not None
            and all(c.why_not_move is not None for c in data.cards)
        )
        self.notice.setText(f"Read only: {reason}" if read_only else "")
        self.notice.setVisible(read_only)

    def on_changed(self, report: ApplyReport) -> None:
        """Redraw when sync or a local change touched tasks (or the ticket, or people)."""
        touched = report.touched
        if self.mine and not self.isVisible():
            self._stale = True  # "My tasks" was closed: read again when it is shown
            return
        if (
            report.full_reload
            or "ticket_task" in touched
            or DIRECTORY_TABLES & touched.keys()
            or (
                "ticket" in touched
                and (
                    self.mine
                    or (
                        self.ticket_id is not None
                        and self.ticket_id.hex in {uuid.UUID(t).hex for t in touched["ticket"]}
                    )
                )
            )
        ):
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def _editor_closed(self) -> None:
        if self._stale:
            QTimer.singleShot(0, self.reload)

    def _repaint(self) -> None:
        for view in self.views.values():
            view.viewport().update()

    # -- selection -----------------------------------------------------------------------

    def _selection(self) -> tuple[uuid.UUID | None, bool]:
        for view in self.views.values():
            card = view.current_card()
            if card is not None and view.selectionModel().isSelected(view.currentIndex()):
                return card.id, self._has_focus(view)
        return None, False

    def _select(self, task_id: uuid.UUID, *, focus: bool) -> None:
        for state, model in self.models.items():
            row = model.row_of(task_id)
            view = self.views[state]
            if row >= 0:
                view.select_row(row)
                if focus:
                    view.setFocus()
            else:
                view.clearSelection()

    def _has_focus(self, view: TaskListView) -> bool:
        """Whether keys go to ``view`` (also while its window is not the active one)."""
        return view.hasFocus() or self.window().focusWidget() is view

    def selected_card(self) -> TaskCard | None:
        task_id, _ = self._selection()
        return self.card_by_id(task_id) if task_id is not None else None

    def card_by_id(self, task_id: uuid.UUID) -> TaskCard | None:
        for model in self.models.values():
            row = model.row_of(task_id)
            if row >= 0:
                return model.cards[row]
        return None

    # -- changes -------------------------------------------------------------------------

    def _mutate(self, name: str, args: dict[str, Any]) -> None:
        self.message.hide()
        self.session.mutate(name, args)

    def say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def add_from_edit(self) -> None:
        title = self.add_edit.text().strip()
        data = self.data
        if not title or data is None or data.ticket_id is None:
            return
        if data.why_not_add is not None:
            self.say(data.why_not_add)
            return
        task_id = new_id()
        self.add_edit.clear()
        todo = self.models[TaskState.TODO]
        card = TaskCard(
            id=uuid.UUID(task_id),
            ticket_id=data.ticket_id,
            ticket_label=data.ticket_label,
            title=title,
            state=TaskState.TODO,
            position="\uffff",  # last until the cache says where
            assignee_id=None,
            assignee="",
            due_at=None,
            pending=True,
            why_not_edit=None,
            why_not_move=None,
        )
        todo.put(todo.rowCount(), card)
        self.columns[TaskState.TODO].show_count()
        self._mutate("task.add", {"id": task_id, "ticket_id": str(data.ticket_id), "title": title})

    def set_title(self, task_id: uuid.UUID, title: str) -> None:
        self._mutate("task.update", {"id": str(task_id), "title": title})

    def set_done(self, task_id: uuid.UUID, done: bool) -> None:
        """Tick or untick: the state changes, the position does not (no reorder)."""
        card = self.card_by_id(task_id)
        if card is None:
            return
        if card.why_not_move is not None:
            self.say(card.why_not_move)
            return
        state = TaskState.DONE if done else TaskState.TODO
        if card.state is state:
            return
        had_focus = self._has_focus(self.views[card.state])
        self.models[card.state].take(task_id)
        target = self.models[state]
        moved = replace(card, state=state, pending=True)
        row = next(
            (i for i, c in enumerate(target.cards) if c.sort_key > card.sort_key),
            target.rowCount(),
        )
        target.put(row, moved)
        self._counts()
        self._select(task_id, focus=had_focus)
        self._mutate("task.update", {"id": str(task_id), "state": state.value})

    def toggle_done(self, task_id: uuid.UUID) -> None:
        card = self.card_by_id(task_id)
        if card is not None:
            self.set_done(task_id, card.state is not TaskState.DONE)

    def move_card(self, task_id: uuid.UUID, state: TaskState, row: int) -> bool:
        """Move a card to ``row`` of ``state``'s column as shown (``task.move``)."""
        card = self.card_by_id(task_id)
        if card is None:
            return False
        if card.why_not_move is not None:
            self.say(card.why_not_move)
            return False
        source, target = self.models[card.state], self.models[state]
        at = source.row_of(task_id)
        if source is target and row in (at, at + 1):
            return False  # dropped where it already is
        land = landing(target.cards, card, row)
        had_focus = any(self._has_focus(v) for v in self.views.values())
        source.take(task_id)
        if source is target and at < row:
            row -= 1
        target.put(row, replace(card, state=state, pending=True))
        self._counts()
        self._select(task_id, focus=had_focus)
        self._mutate(
            "task.move",
            {
                "id": str(task_id),
                "state": state.value,
                "after_id": str(land.after_id) if land.after_id else None,
                "before_id": str(land.before_id) if land.before_id else None,
            },
        )
        return True

    def _dropped(self, ids: list[uuid.UUID], state: TaskState, row: int) -> None:
        for offset, task_id in enumerate(ids):
            self.move_card(task_id, state, row + offset)

    def move_across(self, task_id: uuid.UUID, step: int) -> None:
        """Ctrl+Left/Right: to the end of the previous/next column."""
        card = self.card_by_id(task_id)
        if card is None:
            return
        at = STATES.index(card.state) + step
        if 0 <= at < len(STATES):
            state = STATES[at]
            self.move_card(task_id, state, self.models[state].rowCount())

    def move_within(self, task_id: uuid.UUID, step: int) -> None:
        """Ctrl+Up/Down: one place up or down its column, among the cards of its ticket (on
        "My tasks" a column mixes tickets, and a position only orders one ticket's tasks)."""
        card = self.card_by_id(task_id)
        if card is None:
            return
        model = self.models[card.state]
        rows = [i for i, c in enumerate(model.cards) if c.ticket_id == card.ticket_id]
        k = rows.index(model.row_of(task_id))
        if step < 0 and k > 0:
            self.move_card(task_id, card.state, rows[k - 1])
        elif step > 0 and k < len(rows) - 1:
            self.move_card(task_id, card.state, rows[k + 1] + 1)

    def set_assignee(self, task_id: uuid.UUID, user_id: uuid.UUID | None) -> None:
        card = self.card_by_id(task_id)
        if card is None or card.why_not_edit is not None:
            return
        name = self.session.directory().name_of(user_id)
        for model in self.models.values():
            model.replace_card(replace(card, assignee_id=user_id, assignee=name, pending=True))
        self._mutate(
            "task.update", {"id": str(task_id), "assignee_id": str(user_id) if user_id else None}
        )

    def set_due(self, task_id: uuid.UUID, due: datetime | None) -> None:
        card = self.card_by_id(task_id)
        if card is None or card.why_not_edit is not None:
            return
        for model in self.models.values():
            model.replace_card(replace(card, due_at=due, pending=True))
        self._mutate(
            "task.update", {"id": str(task_id), "due_at": due.isoformat() if due else None}
        )

    def ask_due(self, task_id: uuid.UUID) -> DueDateDialog | None:
        card = self.card_by_id(task_id)
        if card is None or card.why_not_edit is not None:
            return None
        dialog = DueDateDialog(card.title, card.due_at, self)
        dialog.accepted.connect(lambda: self.set_due(task_id, dialog.chosen()))
        self.dialog = dialog
        dialog.open()
        return dialog

    def ask_delete(self, task_id: uuid.UUID) -> QMessageBox | None:
        card = self.card_by_id(task_id)
        if card is None:
            return None
        if card.why_not_edit is not None:
            self.say(card.why_not_edit)
            return None
        box = QMessageBox(self)
        box.setObjectName("confirmDeleteTask")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Delete task")
        box.setText(f"Delete the task “{card.title}”?")
        box.setInformativeText("It disappears for everyone working on the ticket.")
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        delete.setObjectName("confirmDelete")
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(lambda button: self.delete(task_id) if button is delete else None)
        self.confirm = box
        box.open()
        return box

    def delete(self, task_id: uuid.UUID) -> None:
        card = self.card_by_id(task_id)
        if card is None:
            return
        self.models[card.state].take(task_id)
        self._counts()
        self._mutate("task.delete", {"id": str(task_id)})

    def _counts(self) -> None:
        for column in self.columns.values():
            column.show_count()
        self.count_changed.emit(sum(m.rowCount() for m in self.models.values()))

    def _refused(self, name: str, message: str, args: object) -> None:
        """A task change refused here: say why, and put the cards back where the cache has them."""
        if not name.startswith("task.") or not isinstance(args, dict) or self.data is None:
            return
        ours = {str(c.id) for c in self.data.cards}
        mine = str(args.get("id")) in ours or (
            self.data.ticket_id is not None
            and str(args.get("ticket_id")) == str(self.data.ticket_id)
        )
        if mine:
            self.reload()
            self.say(message)

    # -- menus and activation ----------------------------------------------------------------

    def _activated(self, index: QModelIndex) -> None:
        card = index.data(CARD_ROLE)
        if self.mine and isinstance(card, TaskCard):
            self.open_ticket.emit(card.ticket_id.hex)

    def _context_menu(self, view: TaskListView, pos: QPoint) -> None:
        index = view.indexAt(pos)
        card = index.data(CARD_ROLE) if index.isValid() else None
        menu = self.build_menu(view, card if isinstance(card, TaskCard) else None)
        if menu is not None:
            self.menu = menu
            menu.popup(view.viewport().mapToGlobal(pos))

    def build_menu(self, view: TaskListView, card: TaskCard | None) -> QMenu | None:
        """The context menu of a card (or of a column's empty space)."""
        menu = QMenu(self)
        menu.setObjectName("taskMenu")
        menu.setToolTipsVisible(True)
        if card is None:
            if self.mine or self.data is None:
                return None
            add = menu.addAction("Add a task…", self.add_edit.setFocus)
            self._allow(add, self.data.why_not_add)
            return menu
        view.select_row(view.column_model().row_of(card.id))
        task = card.id
        edit, move = card.why_not_edit, card.why_not_move

        act = menu.addAction("Edit title\tF2", lambda: view.edit(view.currentIndex()))
        act.setObjectName("taskEditTitle")
        self._allow(act, edit)
        done = card.state is TaskState.DONE
        act = menu.addAction(
            "Mark as not done\tSpace" if done else "Mark as done\tSpace",
            lambda: self.toggle_done(task),
        )
        act.setObjectName("taskToggleDone")
        self._allow(act, move)
        move_menu = menu.addMenu("Move to")
        move_menu.setToolTipsVisible(True)
        for state in STATES:
            if state is not card.state:
                act = move_menu.addAction(STATE_LABELS[state], self._to_end(task, state))
                self._allow(act, move)
        menu.addSeparator()

        assign = menu.addMenu("Assign to")
        assign.setObjectName("taskAssignMenu")
        assign.setToolTipsVisible(True)
        self._allow(assign.menuAction(), edit)
        if edit is None:
            with self.session.read() as s:
                people = assignable_people(s, self.session.directory(), card.ticket_id)
            me = self.session.user_id
            if any(p.id == me for p in people) and card.assignee_id != me:
                act = assign.addAction("Me", lambda: self.set_assignee(task, me))
                act.setObjectName("taskAssignMe")
                assign.addSeparator()
            for person in people:
                act = assign.addAction(person.name, _call(self.set_assignee, task, person.id))
                act.setCheckable(True)
                act.setChecked(person.id == card.assignee_id)
            assign.addSeparator()
            act = assign.addAction("Nobody", lambda: self.set_assignee(task, None))
            act.setEnabled(card.assignee_id is not None)

        due = menu.addMenu("Due date")
        due.setObjectName("taskDueMenu")
        self._allow(due.menuAction(), edit)
        now = self.session.now()
        for label, days in (("Today", 0), ("Tomorrow", 1), ("In a week", 7)):
            due.addAction(label, _call(self.set_due, task, end_of_day(now + timedelta(days))))
        due.addAction("Pick a date…", lambda: self.ask_due(task))
        due.addSeparator()
        act = due.addAction("No due date", lambda: self.set_due(task, None))
        act.setEnabled(card.due_at is not None)

        if self.mine:
            menu.addSeparator()
            menu.addAction(
                f"Open {card.ticket_label}", lambda: self.open_ticket.emit(card.ticket_id.hex)
            )
        menu.addSeparator()
        act = menu.addAction("Delete…\tDel", lambda: self.ask_delete(task))
        act.setObjectName("taskDelete")
        self._allow(act, edit)
        reasons = [r for r in dict.fromkeys((move, edit)) if r is not None]
        if reasons:
            menu.addSeparator()
            for reason in reasons:
                why = menu.addAction(reason)
                why.setObjectName("taskWhyNot")
                why.setEnabled(False)
        return menu

    def _to_end(self, task_id: uuid.UUID, state: TaskState) -> Callable[[], object]:
        return lambda: self.move_card(task_id, state, self.models[state].rowCount())

    @staticmethod
    def _allow(action: QAction, reason: str | None) -> None:
        action.setEnabled(reason is None)
        if reason is not None:
            action.setToolTip(reason)
            action.setStatusTip(reason)


def _call(fn: Callable[..., object], *args: object) -> Callable[[], object]:
    """A slot without parameters (Qt passes none to it), calling ``fn(*args)``."""
    return lambda: fn(*args)
