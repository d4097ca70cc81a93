"""The task board: typing, dragging, keys, ticking, permissions, refreshes, sync between clients."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu, QMessageBox, QPushButton
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import exists, insert, select

from acero_desktop.core.fractional import key_between
from acero_desktop.models import TaskState, Ticket, TicketStatus, TicketTask
from acero_desktop.ui.kanban.board import TaskBoard
from acero_desktop.ui.kanban.data import Due, due_state
from acero_desktop.ui.kanban.mine import MyTasksWindow
from acero_desktop.ui.mainwindow import MainWindow
from acero_desktop.ui.session import ClientSession, Profile, new_id
from acero_desktop.ui.tasks import alive, running
from tests.support.live_server import LiveServer
from tests.ui.conftest import FAST
from tests.ui.helpers import find_ticket, run

MakeSession = Callable[[str], ClientSession]
CTRL = Qt.KeyboardModifier.ControlModifier
SYNC_MS = 30_000


# -- givens ---------------------------------------------------------------------------------


def _team_ticket(session: ClientSession) -> Ticket:
    """An open ticket of the user's team without tasks yet."""
    actor = session.actor
    assert actor is not None
    return find_ticket(
        session,
        Ticket.team_id.in_(actor.team_ids),
        Ticket.status.in_([s for s in TicketStatus if s.is_open]),
        ~exists().where(TicketTask.ticket_id == Ticket.id),
    )


def _add(
    qtbot: QtBot,
    session: ClientSession,
    ticket: Ticket,
    title: str,
    state: TaskState = TaskState.TODO,
    **extra: object,
) -> uuid.UUID:
    """Given: a task added through the mutation path (as another screen would)."""
    task_id = new_id()
    args = {"id": task_id, "ticket_id": str(ticket.id), "title": title, "state": state.value}
    result = run(qtbot, session.engine.mutate("task.add", {**args, **extra}))
    assert result is not None
    return uuid.UUID(task_id)


def _column_in_cache(session: ClientSession, ticket: Ticket, state: TaskState) -> list[str]:
    with session.read() as s:
        tasks = s.scalars(
            select(TicketTask).where(TicketTask.ticket_id == ticket.id, TicketTask.state == state)
        ).all()
    return [t.title for t in sorted(tasks, key=lambda t: (t.position, str(t.id)))]


def _titles(board: TaskBoard, state: TaskState) -> list[str]:
    return [c.title for c in board.cards(state)]


@pytest.fixture
def make_board(qtbot: QtBot, make_session: MakeSession) -> Iterator[Callable[..., TaskBoard]]:
    """Shown boards; torn down before the sessions, once the changes they made have landed."""

    def make(session: ClientSession, ticket: Ticket | None = None, mine: bool = False) -> TaskBoard:
        board = TaskBoard(session, mine=mine)
        qtbot.addWidget(board)
        board.resize(960, 520)
        board.show()
        qtbot.waitExposed(board)
        board.activateWindow()
        qtbot.waitUntil(board.isActiveWindow, timeout=3000)
        if ticket is not None:
            board.show_ticket(ticket.id)
        return board

    yield make
    _settle(qtbot)


def _settle(qtbot: QtBot) -> None:
    """Let the mutations in flight finish (the session refuses new work once stopped)."""
    qtbot.waitUntil(
        lambda: not any(t.get_name().startswith("mutate") for t in running()), timeout=10_000
    )


def _drop(qtbot: QtBot, board: TaskBoard, task: uuid.UUID, state: TaskState, above: int) -> None:
    """Drag ``task`` onto ``state``'s column, above its card at row ``above`` (-1: the end).

    The payload is the source model's own mimeData, and the events go through the target
    view's drag-enter, drag-move and drop handlers, as a real QDrag would deliver them.
    """
    card = board.card_by_id(task)
    assert card is not None
    source = board.models[card.state]
    mime = source.mimeData([source.index(source.row_of(task), 0)])
    view = board.views[state]
    if above >= 0:
        rect = view.visualRect(view.model().index(above, 0))
        at = QPoint(rect.center().x(), rect.top() + 3)  # the upper edge: "above this card"
    else:
        last = view.model().rowCount() - 1
        below = view.visualRect(view.model().index(last, 0)).bottom() if last >= 0 else 0
        at = QPoint(view.viewport().width() // 2, below + 20)
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    move = Qt.DropAction.MoveAction
    enter = QDragEnterEvent(at, move, mime, buttons, mods)
    QApplication.sendEvent(view.viewport(), enter)
    assert enter.isAccepted()
    hover = QDragMoveEvent(at, move, mime, buttons, mods)
    QApplication.sendEvent(view.viewport(), hover)
    assert hover.isAccepted()
    drop = QDropEvent(QPointF(at), move, mime, buttons, mods)
    QApplication.sendEvent(view.viewport(), drop)
    assert drop.isAccepted()


# -- the models -----------------------------------------------------------------------------


def test_column_models_pass_the_model_tester(
    qtbot: QtBot,
    qtmodeltester: ModelTester,
    make_session: MakeSession,
    make_board: Callable[..., TaskBoard],
) -> None:
    session = make_session("agent")
    ticket = _team_ticket(session)
    for title in ("Replace the toner", "Check the fuser", "Call the vendor"):
        _add(qtbot, session, ticket, title)
    _add(qtbot, session, ticket, "Order a spare tray", TaskState.DONE)
    board = make_board(session, ticket)
    for model in board.models.values():
        qtmodeltester.check(model, force_py=True)
    assert _titles(board, TaskState.TODO) == [
        "Replace the toner",
        "Check the fuser",
        "Call the vendor",
    ]
    assert board.models[TaskState.TODO].index(0, 0).flags() & Qt.ItemFlag.ItemIsDragEnabled
    assert not board.models[TaskState.TODO].flags(QModelIndex()) & Qt.ItemFlag.ItemIsDragEnabled


# -- adding and editing ---------------------------------------------------------------------


def test_typing_a_task_and_pressing_enter_adds_it_offline(
    qtbot: QtBot, make_session: MakeSession, make_board: Callable[..., TaskBoard]
) -> None:
    session = make_session("agent")  # never connected: the change waits in the outbox
    ticket = _team_ticket(session)
    board = make_board(session, ticket)
    assert board.add_edit.isEnabled()
    qtbot.keyClicks(board.add_edit, "Swap the docking station")
    qtbot.keyClick(board.add_edit, Qt.Key.Key_Return)
    # At once, before the cache answered: the card is there, marked pending; the line is empty.
    assert _titles(board, TaskState.TODO) == ["Swap the docking station"]
    assert board.add_edit.text() == ""
    qtbot.waitUntil(
        lambda: _column_in_cache(session, ticket, TaskState.TODO) == ["Swap the docking station"],
        timeout=5000,
    )
    qtbot.waitUntil(lambda: len(session.cache.pending()) == 1, timeout=5000)
    card = board.cards(TaskState.TODO)[0]
    assert card.pending
    assert "1" in board.columns[TaskState.TODO].header.text()


def test_double_click_edits_the_title(
    qtbot: QtBot, make_session: MakeSession, make_board: Callable[..., TaskBoard]
) -> None:
    session = make_session("agent")
    ticket = _team_ticket(session)
    _add(qtbot, session, ticket, "Reset the pasword")
    board = make_board(session, ticket)
    view = board.views[TaskState.TODO]
    rect = view.visualRect(view.model().index(0, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    editor = view.findChild(QLineEdit, "taskTitleEditor")
    assert isinstance(editor, QLineEdit) and editor.isVisible()
    editor.selectAll()
    qtbot.keyClicks(editor, "Reset the password")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: _column_in_cache(session, ticket, TaskState.TODO) == ["Reset the password"],
        timeout=5000,
    )
    assert _titles(board, TaskState.TODO) == ["Reset the password"]


# -- moving ---------------------------------------------------------------------------------


def test_dragging_a_card_to_done_lands_where_it_was_dropped(
    qtbot: QtBot, make_session: MakeSession, make_board: Callable[..., TaskBoard]
) -> None:
    session = make_session("agent")
    ticket = _team_ticket(session)
    _add(qtbot, session, ticket, "Back up the mailbox")
    restore = _add(qtbot, session, ticket, "Restore the archive")
    _add(qtbot, session, ticket, "Tell the user")
    _add(qtbot, session, ticket, "Open a vendor case", TaskState.DONE)
    _add(qtbot, session, ticket, "Close the vendor case", TaskState.DONE)
    board = make_board(session, ticket)

    _drop(qtbot, board, restore, TaskState.DONE, above=1)

    # Shown at once where it was dropped, then kept there by the cache.
    expected = ["Open a vendor case", "Restore the archive", "Close the vendor case"]
    assert _titles(board, TaskState.DONE) == expected
    assert _titles(board, TaskState.TODO) == ["Back up the mailbox", "Tell the user"]
    qtbot.waitUntil(
        lambda: _column_in_cache(session, ticket, TaskState.DONE) == expected, timeout=5000
    )
    assert _column_in_cache(session, ticket, TaskState.TODO) == [
        "Back up the mailbox",
        "Tell the user",
    ]
    assert _titles(board, TaskState.DONE) == expected
    assert "3" in board.columns[TaskState.DONE].header.text()


def test_dragging_a_card_down_its_own_column_reorders_it(
    qtbot: QtBot, make_session: MakeSession, make_board: Callable[..., TaskBoard]
) -> None:
    session = make_session("agent")
    ticket = _team_ticket(session)
    first = _add(qtbot, session, ticket, "First")
    _add(qtbot, session, ticket, "Second")
    _add(qtbot, session, ticket, "Third")
    board = make_board(session, ticket)
    _drop(qtbot, board, first, TaskState.TODO, above=-1)  # below the last card
    assert _titles(board, TaskState.TODO) == ["Second", "Third", "First"]
    qtbot.waitUntil(
        lambda: _column_in_cache(session, ticket, TaskState.TODO) == ["Second", "Third", "First"],
        timeout=5000,
    )


def test_ctrl_arrows_move_a_card_across_and_within_columns(
    qtbot: QtBot, make_session: MakeSession, make_board: Callable[..., TaskBoard]
) -> None:
    session = make_session("agent")
    ticket = _team_ticket(session)
    _add(qtbot, session, ticket, "Image the laptop")
    patch = _add(qtbot, session, ticket, "Install the patch")
    _add(qtbot, session, ticket, "Verify the VPN", TaskState.DOING)
    board = make_board(session, ticket)
    todo = board.views[TaskState.TODO]
    todo.setFocus()
    todo.select_row(1)

    qtbot.keyClick(todo, Qt.Key.Key_Right, CTRL)  # to Doing, at its end; focus follows
    doing = board.views[TaskState.DOING]
    assert _titles(board, TaskState.DOING) == ["Verify the VPN", "Install the patch"]
    assert board.selected_card() is not None and board.selected_card().id == patch  # type: ignore[union-attr]
    assert doing.hasFocus()
    qtbot.keyClick(doing, Qt.Key.Key_Up, CTRL)  # above "Verify the VPN"
    assert _titles(board, TaskState.DOING) == ["Install the patch", "Verify the VPN"]
    qtbot.waitUntil(
        lambda: (
            _column_in_cache(session, ticket, TaskState.DOING)
            == ["Install the patch", "Verify the VPN"]
        ),
        timeout=5000,
    )
    assert _column_in_cache(session, ticket, TaskState.TODO) == ["Image the laptop"]
    qtbot.keyClick(board.views[TaskState.DOING], Qt.Key.Key_Left, CTRL)
    qtbot.waitUntil(
        lambda: (
            _column_in_cache(session, ticket, TaskState.TODO)
            == ["Image the laptop", "Install the patch"]
        ),
        timeout=5000,
    )
    assert board.selected_card().id == patch  # type: ignore[union-attr]


def test_ticking_the_checkbox_marks_it_done_without_reordering(
    qtbot: QtBot, make_session: MakeSession, make_board: Callable[..., TaskBoard]
) -> None:
    session = make_session("agent")
    ticket = _team_ticket(session)
    _add(qtbot, session, ticket, "Early")
    late = _add(qtbot, session, ticket, "Late")
    _add(qtbot, session, ticket, "Already done", TaskState.DONE)
    with session.read() as s:
        position = s.get(TicketTask, late).position  # type: ignore[union-attr]
    board = make_board(session, ticket)
    view = board.views[TaskState.TODO]
    box = view.card_delegate().check_rect(view.visualRect(view.model().index(1, 0)))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=box.center())

    def done() -> TicketTask | None:
        with session.read() as s:
            return s.get(TicketTask, late)

    qtbot.waitUntil(lambda: done().state is TaskState.DONE, timeout=5000)  # type: ignore[union-attr]
    assert done().position == position  # type: ignore[union-attr]
    assert _titles(board, TaskState.DONE) == ["Already done", "Late"]
    assert _titles(board, TaskState.TODO) == ["Early"]


def test_delete_asks_before_deleting(
    qtbot: QtBot, make_session: MakeSession, make_board: Callable[..., TaskBoard]
) -> None:
    session = make_session("agent")
    ticket = _team_ticket(session)
    task = _add(qtbot, session, ticket, "Remove the old printer")
    board = make_board(session, ticket)
    view = board.views[TaskState.TODO]
    view.setFocus()
    view.select_row(0)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    box = board.confirm
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "Remove the old printer" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert _titles(board, TaskState.TODO) == ["Remove the old printer"]
    board.ask_delete(task)
    confirm = board.confirm
    assert confirm is not None
    confirm.findChild(QPushButton, "confirmDelete").click()
    assert _titles(board, TaskState.TODO) == []
    qtbot.waitUntil(lambda: _column_in_cache(session, ticket, TaskState.TODO) == [], timeout=5000)


def test_assignee_and_due_date_come_from_the_context_menu(
    qtbot: QtBot, make_session: MakeSession, make_board: Callable[..., TaskBoard]
) -> None:
    session = make_session("agent")
    ticket = _team_ticket(session)
    task = _add(qtbot, session, ticket, "Renew the certificate")
    board = make_board(session, ticket)
    view = board.views[TaskState.TODO]
    view.customContextMenuRequested.emit(view.visualRect(view.model().index(0, 0)).center())
    menu = board.menu
    assert menu is not None and menu.isVisible()
    assign = menu.findChild(QMenu, "taskAssignMenu")
    assert assign is not None and assign.menuAction().isEnabled()
    next(a for a in assign.actions() if a.objectName() == "taskAssignMe").trigger()
    due = menu.findChild(QMenu, "taskDueMenu")
    assert due is not None
    next(a for a in due.actions() if a.text() == "Tomorrow").trigger()
    menu.close()

    def stored() -> TicketTask | None:
        with session.read() as s:
            return s.get(TicketTask, task)

    def shown() -> bool:
        card = board.card_by_id(task)
        return card is not None and card.assignee_id == session.user_id and card.due_at is not None

    qtbot.waitUntil(shown, timeout=5000)
    _settle(qtbot)
    saved = stored()
    assert saved is not None and saved.assignee_id == session.user_id
    card = board.card_by_id(task)
    assert card is not None and card.due_at == saved.due_at
    assert card.initials and card.assignee
    assert due_state(card, session.now()) in (Due.SOON, Due.LATER)
    assert due_state(card, session.now() + timedelta(days=3)) is Due.OVERDUE


# -- permissions ----------------------------------------------------------------------------


def test_a_requester_sees_the_board_read_only_with_the_reason(
    qtbot: QtBot, make_session: MakeSession, make_board: Callable[..., TaskBoard]
) -> None:
    session = make_session("requester")
    ticket = find_ticket(
        session,
        Ticket.requester_id == session.user_id,
        Ticket.status.in_([TicketStatus.IN_PROGRESS, TicketStatus.ASSIGNED, TicketStatus.NEW]),
    )
    now = session.now()
    with session.cache.engine.begin() as conn:  # given: a task the support team added
        conn.execute(
            insert(TicketTask).values(
                id=uuid.uuid4(),
                ticket_id=ticket.id,
                title="Ship a replacement charger",
                state=TaskState.TODO,
                position=key_between(None, None),
                created_at=now,
                updated_at=now,
            )
        )
    board = make_board(session, ticket)
    reason = f"Only its support team can manage the tasks of {ticket.label}."
    assert _titles(board, TaskState.TODO) == ["Ship a replacement charger"]
    assert board.notice.isVisible()
    assert reason in board.notice.text()
    assert not board.add_edit.isEnabled()
    assert board.add_edit.toolTip() == reason
    flags = board.models[TaskState.TODO].index(0, 0).flags()
    assert not flags & Qt.ItemFlag.ItemIsDragEnabled
    assert not flags & Qt.ItemFlag.ItemIsEditable
    assert not flags & Qt.ItemFlag.ItemIsUserCheckable
    card = board.cards(TaskState.TODO)[0]
    menu = board.build_menu(board.views[TaskState.TODO], card)
    assert menu is not None
    delete = next(a for a in menu.actions() if a.objectName() == "taskDelete")
    assert not delete.isEnabled() and delete.toolTip() == reason
    assert any(a.text() == reason for a in menu.actions())
    # The keys say why too, and change nothing.
    view = board.views[TaskState.TODO]
    view.setFocus()
    view.select_row(0)
    qtbot.keyClick(view, Qt.Key.Key_Right, CTRL)
    assert board.message.text() == reason
    assert _titles(board, TaskState.TODO) == ["Ship a replacement charger"]
    assert not session.cache.pending()


# -- refreshing -----------------------------------------------------------------------------


def test_the_board_follows_changes_from_sync_and_keeps_the_selection(
    qtbot: QtBot, make_session: MakeSession, make_board: Callable[..., TaskBoard]
) -> None:
    session = make_session("agent")
    ticket = _team_ticket(session)
    _add(qtbot, session, ticket, "Upgrade the switch")
    keep = _add(qtbot, session, ticket, "Label the cables")
    board = make_board(session, ticket)
    view = board.views[TaskState.TODO]
    view.select_row(1)
    # Another screen (here: the same cache through the mutation path) adds and moves tasks.
    other = _add(qtbot, session, ticket, "Order patch cords")
    run(
        qtbot,
        session.engine.mutate(
            "task.move", {"id": str(other), "state": "todo", "before_id": None, "after_id": None}
        ),
    )
    qtbot.waitUntil(lambda: len(board.cards(TaskState.TODO)) == 3, timeout=5000)
    assert board.selected_card() is not None and board.selected_card().id == keep  # type: ignore[union-attr]
    assert "3" in board.columns[TaskState.TODO].header.text()


# -- in the window --------------------------------------------------------------------------


def test_the_ticket_pane_has_a_tasks_tab_with_the_count(
    qtbot: QtBot, make_window: Callable[[str], MainWindow]
) -> None:
    window = make_window("agent")
    ticket = _team_ticket(window.session)
    _add(qtbot, window.session, ticket, "Collect the old laptop")
    _add(qtbot, window.session, ticket, "Wipe the disk")
    window.open_ticket(ticket.id.hex)
    tabs = window.pane.tabs
    index = tabs.indexOf(window.pane.task_board)
    qtbot.waitUntil(lambda: tabs.tabText(index) == "Tasks (2)", timeout=5000)
    tabs.setCurrentIndex(index)
    qtbot.keyClicks(window.pane.task_board.add_edit, "Return the loaner")
    qtbot.keyClick(window.pane.task_board.add_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tabs.tabText(index) == "Tasks (3)", timeout=5000)
    _settle(qtbot)


def test_my_tasks_lists_my_tasks_across_tickets_and_opens_a_ticket(
    qtbot: QtBot, make_window: Callable[[str], MainWindow]
) -> None:
    window = make_window("agent")
    session = window.session
    me = str(session.user_id)
    first = _team_ticket(session)
    actor = session.actor
    assert actor is not None
    second = find_ticket(
        session,
        Ticket.team_id.in_(actor.team_ids),
        Ticket.status.in_([s for s in TicketStatus if s.is_open]),
        Ticket.id != first.id,
    )
    _add(qtbot, session, first, "Mine on the first", assignee_id=me)
    _add(qtbot, session, second, "Mine on the second", TaskState.DOING, assignee_id=me)
    _add(qtbot, session, second, "Not mine")
    action = window.findChild(QAction, "actMyTasks")
    assert action is not None
    action.trigger()
    tasks = window.findChild(MyTasksWindow)
    assert tasks is not None and tasks.isVisible()
    board = tasks.board
    # Only tasks assigned to me (the demo data gave the agent a few more), naming their ticket.
    shown = [c for state in TaskState for c in board.cards(state)]
    assert all(c.assignee_id == session.user_id for c in shown)
    assert "Not mine" not in [c.title for c in shown]
    assert "Mine on the first" in _titles(board, TaskState.TODO)
    doing = next(c for c in board.cards(TaskState.DOING) if c.title == "Mine on the second")
    assert doing.ticket_label == second.label
    assert not board.add_edit.isVisible()
    view = board.views[TaskState.DOING]
    index = view.model().index(board.models[TaskState.DOING].row_of(doing.id), 0)
    view.scrollTo(index)
    rect = view.visualRect(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(
        lambda: window.pane.detail is not None and window.pane.detail.uid == second.id,
        timeout=5000,
    )
    _settle(qtbot)


# -- two clients and a server -----------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer.from_template(tmp_path_factory.mktemp("kanban-e2e"), tickets=40).start()
    try:
        yield live
    finally:
        live.close()


@pytest.fixture
def client(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, server: LiveServer, tmp_path: Path
) -> Iterator[Callable[[str], ClientSession]]:
    made: list[ClientSession] = []

    def make(username: str) -> ClientSession:
        token = server.login(username)
        profile = Profile(server.base_url, username, tmp_path / f"{username}.db")
        session = ClientSession(profile, lambda: token, options=FAST)
        session.set_user(server.user_id(username))
        session.start()
        qtbot.waitUntil(session.engine.idle.is_set, timeout=SYNC_MS)
        qtbot.waitUntil(lambda: session.actor is not None, timeout=SYNC_MS)
        made.append(session)
        return session

    yield make
    for session in made:
        run(qtbot, session.stop())


def test_a_card_moved_on_one_client_shows_in_its_new_column_on_another(
    qtbot: QtBot, client: Callable[[str], ClientSession], make_board: Callable[..., TaskBoard]
) -> None:
    agent = client("agent")
    admin = client("admin")
    ticket = _team_ticket(agent)
    mine = make_board(agent, ticket)
    theirs = make_board(admin, ticket)
    for title in ("Diagnose", "Replace the disk", "Restore data"):
        qtbot.keyClicks(mine.add_edit, title)
        qtbot.keyClick(mine.add_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: _titles(theirs, TaskState.TODO) == ["Diagnose", "Replace the disk", "Restore data"],
        timeout=SYNC_MS,
    )
    qtbot.waitUntil(lambda: not any(c.pending for c in mine.cards(TaskState.TODO)), timeout=SYNC_MS)

    disk = mine.cards(TaskState.TODO)[1].id
    _drop(qtbot, mine, disk, TaskState.DOING, above=-1)
    mine.views[TaskState.TODO].setFocus()
    mine.views[TaskState.TODO].select_row(1)  # "Restore data"
    qtbot.keyClick(mine.views[TaskState.TODO], Qt.Key.Key_Up, CTRL)

    qtbot.waitUntil(
        lambda: (
            _titles(theirs, TaskState.DOING) == ["Replace the disk"]
            and _titles(theirs, TaskState.TODO) == ["Restore data", "Diagnose"]
        ),
        timeout=SYNC_MS,
    )
    assert "1" in theirs.columns[TaskState.DOING].header.text()
    qtbot.waitUntil(lambda: not agent.cache.pending(), timeout=SYNC_MS)
    assert _titles(mine, TaskState.TODO) == ["Restore data", "Diagnose"]
    assert alive(theirs)


def test_ctrl_up_on_my_tasks_moves_among_the_cards_of_the_same_ticket(
    qtbot: QtBot, make_session: MakeSession, make_board: Callable[..., TaskBoard]
) -> None:
    """On "My tasks" a column is grouped by ticket; a card's order only exists among its ticket's
    cards, so Ctrl+Up/Down step over the cards of other tickets instead of bouncing back."""
    session = make_session("agent")
    me = str(session.user_id)
    first = _team_ticket(session)
    actor = session.actor
    assert actor is not None
    second = find_ticket(
        session,
        Ticket.team_id.in_(actor.team_ids),
        Ticket.status.in_([s for s in TicketStatus if s.is_open]),
        Ticket.id != first.id,
        ~exists().where(TicketTask.ticket_id == Ticket.id),
    )
    (a, b) = sorted((first, second), key=lambda t: t.number or 0)
    _add(qtbot, session, a, "A one", assignee_id=me)
    _add(qtbot, session, a, "A two", assignee_id=me)
    b_one = _add(qtbot, session, b, "B one", assignee_id=me)
    board = make_board(session, mine=True)
    mine = [t for t in _titles(board, TaskState.TODO) if t in ("A one", "A two", "B one")]
    assert mine == ["A one", "A two", "B one"]
    todo = board.views[TaskState.TODO]
    todo.setFocus()
    todo.select_row(board.models[TaskState.TODO].row_of(b_one))
    pending = len(session.cache.pending())
    qtbot.keyClick(todo, Qt.Key.Key_Up, CTRL)  # above "A two": no place among B's cards
    _settle(qtbot)
    assert len(session.cache.pending()) == pending  # no move was sent
    assert _column_in_cache(session, b, TaskState.TODO) == ["B one"]
    board.reload()
    mine = [t for t in _titles(board, TaskState.TODO) if t in ("A one", "A two", "B one")]
    assert mine == ["A one", "A two", "B one"]
    a_two = next(c for c in board.cards(TaskState.TODO) if c.title == "A two")
    todo.select_row(board.models[TaskState.TODO].row_of(a_two.id))
    qtbot.keyClick(todo, Qt.Key.Key_Up, CTRL)  # above "A one", its ticket's neighbour
    qtbot.waitUntil(
        lambda: _column_in_cache(session, a, TaskState.TODO) == ["A two", "A one"], timeout=5000
    )
