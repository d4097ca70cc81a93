"""End to end on loopback: real ``acero-server`` processes, real sync, windows driven by hand.

One server for the module (a copy of the seeded demo store); each client has its own cache.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from acero_desktop.models import Attachment, Ticket, TicketComment
from acero_desktop.sync.status import Phase
from acero_desktop.ui import paths
from acero_desktop.ui.detail.conflict import ConflictDialog
from acero_desktop.ui.mainwindow import MainWindow
from acero_desktop.ui.new_ticket.form import NewTicketDialog
from acero_desktop.ui.session import ClientSession, Profile
from acero_desktop.ui.tasks import alive
from acero_desktop.ui.tickets.columns import Column
from tests.support.live_server import LiveServer, seeded_template
from tests.ui.conftest import FAST
from tests.ui.helpers import run

TICKETS = 40
SYNC_S = 30_000  # ms: a snapshot or a reconnect on a busy machine


@pytest.fixture(scope="module")
def module_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer.from_template(tmp_path_factory.mktemp("e2e"), tickets=TICKETS).start()
    try:
        yield live
    finally:
        live.close()


@pytest.fixture
def server(module_server: LiveServer) -> LiveServer:
    """The module's server, running: a test that failed while it was stopped must not take
    the next tests down with it."""
    if not module_server.alive:
        module_server.start()
    return module_server


@pytest.fixture(scope="module")
def tokens(module_server: LiveServer) -> dict[str, str]:
    return {u: module_server.login(u) for u in ("agent", "requester", "admin")}


@pytest.fixture
def client(
    qtbot: QtBot,
    qloop: asyncio.AbstractEventLoop,
    server: LiveServer,
    tokens: dict[str, str],
    tmp_path: Path,
) -> Iterator[Callable[[str], MainWindow]]:
    made: list[tuple[MainWindow, ClientSession]] = []

    def make(username: str) -> MainWindow:
        token = tokens[username]
        profile = Profile(server.base_url, username, tmp_path / f"{username}.db")
        session = ClientSession(profile, lambda: token, options=FAST)
        session.set_user(server.user_id(username))
        window = MainWindow(session)
        qtbot.addWidget(window)
        window.show()
        window.resize(1400, 900)
        session.start()
        qtbot.waitUntil(session.engine.idle.is_set, timeout=SYNC_S)
        qtbot.waitUntil(lambda: session.actor is not None, timeout=SYNC_S)
        made.append((window, session))
        return window

    yield make
    for window, session in made:
        if alive(window):
            window.close()
        run(qtbot, session.stop())


def _row_with_title(window: MainWindow, title: str) -> int | None:
    model = window.model
    for r in range(model.rowCount()):
        row = model.ticket_at(r)
        if row is not None and row.title == title:
            return r
    return None


def _category_of_team(window: MainWindow, team_id: uuid.UUID) -> str:
    """The name of a category routed to ``team_id`` (as the requester's form lists it)."""
    for category in window.directory.categories.values():
        with window.session.read() as s:
            from acero_desktop.models import TicketCategory

            row = s.get(TicketCategory, category.id)
            if row is not None and row.default_team_id == team_id:
                return category.name
    raise AssertionError("no category routes to the agent's team")


def test_ticket_made_in_one_client_appears_in_another_and_notes_stay_internal(
    qtbot: QtBot,
    client: Callable[[str], MainWindow],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    requester = client("requester")
    agent = client("agent")
    agent.sidebar.select_key("view:team")
    team = next(iter(agent.session.actor.team_ids))  # type: ignore[union-attr]

    # The requester files a ticket with the form; it is routed to the agent's team.
    requester.activateWindow()
    qtbot.waitUntil(requester.isActiveWindow, timeout=3000)
    requester.table.setFocus()
    qtbot.keyClick(requester.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = next(d for d in requester.dialogs if isinstance(d, NewTicketDialog))
    title = f"Docking station not detected {uuid.uuid4().hex[:6]}"
    qtbot.keyClicks(form.title, title)
    qtbot.keyClicks(form.category.filter, _category_of_team(requester, team))
    form.category.tree.setCurrentIndex(form.category.model.index(0, 0))
    if form.category.model.rowCount(form.category.model.index(0, 0)):
        form.category.tree.setCurrentIndex(
            form.category.model.index(0, 0, form.category.model.index(0, 0))
        )
    qtbot.keyClicks(form.description, "Since this morning, both screens stay black.")
    qtbot.mouseClick(form.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not form.isVisible(), timeout=5000)

    # It reaches the agent's table, numbered by the server; the requester's copy gets the number.
    qtbot.waitUntil(lambda: _row_with_title(agent, title) is not None, timeout=SYNC_S)
    row = _row_with_title(agent, title)
    assert row is not None
    label = agent.model.data(agent.model.index(row, Column.NUMBER))
    assert str(label).startswith("ACR-")
    mine = lambda: requester.pane.detail  # noqa: E731
    qtbot.waitUntil(lambda: mine() is not None and mine().label == label, timeout=SYNC_S)  # type: ignore[union-attr]

    # The agent answers in public and notes something internal; both are sent by Ctrl+Enter.
    rect = agent.table.visualRect(agent.model.index(row, Column.TITLE))
    qtbot.mouseClick(agent.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    composer = agent.pane.composer
    qtbot.keyClicks(composer.edit, "Please try another USB-C port.")
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: composer.edit.toPlainText() == "", timeout=5000)
    composer.internal.setChecked(True)
    qtbot.keyClicks(composer.edit, "Firmware 1.2 of this dock is known broken.")
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: composer.edit.toPlainText() == "", timeout=5000)

    # And attaches a file, uploaded over REST; the row comes back through sync.
    log = tmp_path / "dock.log"
    log.write_text("usb: device descriptor read/64, error -71\n")
    agent.pane.attach([log])
    qtbot.waitUntil(
        lambda: any(a.filename == "dock.log" for a in agent.pane.detail.attachments),  # type: ignore[union-attr]
        timeout=SYNC_S,
    )

    # The requester gets the public answer and the file, never the internal note.
    qtbot.waitUntil(
        lambda: (
            "Please try another USB-C port." in requester.pane.conversation.document().toPlainText()
        ),
        timeout=SYNC_S,
    )
    qtbot.waitUntil(lambda: agent.session.engine.idle.is_set(), timeout=SYNC_S)
    qtbot.waitUntil(
        lambda: any(a.filename == "dock.log" for a in requester.pane.detail.attachments),  # type: ignore[union-attr]
        timeout=SYNC_S,
    )
    assert "known broken" not in requester.pane.conversation.document().toPlainText()
    assert "Internal note" not in requester.pane.conversation.document().toPlainText()
    ticket_id = requester.pane.detail.uid  # type: ignore[union-attr]
    with requester.session.read() as s:
        bodies = list(
            s.scalars(select(TicketComment.body).where(TicketComment.ticket_id == ticket_id))
        )
        assert (
            s.scalar(select(Attachment.filename).where(Attachment.ticket_id == ticket_id))
            == "dock.log"
        )
    assert "Please try another USB-C port." in bodies
    assert not any("known broken" in b for b in bodies)  # not even in the cache file

    # Opening the file downloads it over REST and hands it to the desktop.
    opened: list[str] = []
    monkeypatch.setattr(
        "acero_desktop.ui.detail.pane.QDesktopServices.openUrl",
        lambda url: opened.append(url.toLocalFile()),
    )
    item = requester.pane.attachments.list.item(0)
    requester.pane.attachments.list.itemActivated.emit(item)
    qtbot.waitUntil(lambda: bool(opened), timeout=SYNC_S)
    assert Path(opened[0]).read_text() == log.read_text()
    # Kept in the attachments cache: opening it again reads the same file, even offline.
    assert Path(opened[0]).is_relative_to(paths.attachments_dir())
    requester.pane.attachments.list.itemActivated.emit(item)
    qtbot.waitUntil(lambda: len(opened) == 2, timeout=SYNC_S)
    assert opened[1] == opened[0]


def test_offline_work_converges_after_reconnecting(
    qtbot: QtBot, client: Callable[[str], MainWindow], server: LiveServer
) -> None:
    agent = client("agent")
    admin = client("admin")
    agent.sidebar.select_key("view:team")  # open tickets of the agent's team
    assert agent.model.rowCount() > 0
    row = 0
    ticket = agent.model.ticket_at(row)
    assert ticket is not None
    rect = agent.table.visualRect(agent.model.index(row, Column.TITLE))
    qtbot.mouseClick(agent.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    server.stop()
    qtbot.waitUntil(lambda: agent.session.status.phase is Phase.OFFLINE, timeout=SYNC_S)
    composer = agent.pane.composer
    qtbot.keyClicks(composer.edit, "Written on the train, offline.")
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: composer.edit.toPlainText() == "", timeout=5000)
    urgent = 3 if ticket.priority.value != "urgent" else 0
    agent.pane.fields.priority.setCurrentIndex(urgent)
    agent.pane.fields.priority.activated.emit(urgent)  # what choosing it in the list does
    wanted = "urgent" if urgent == 3 else "low"
    qtbot.waitUntil(lambda: len(agent.session.cache.pending()) == 2, timeout=5000)
    # "Offline · 2 changes waiting", or "Connecting · 2 pending" while it tries again.
    qtbot.waitUntil(
        lambda: any(w in agent.status.state.text() for w in ("2 changes waiting", "2 pending")),
        timeout=5000,
    )
    assert agent.pane.detail is not None
    assert agent.pane.detail.pending

    server.restart()
    qtbot.waitUntil(lambda: not agent.session.cache.pending(), timeout=60_000)
    qtbot.waitUntil(lambda: agent.status.state.text() == "Up to date", timeout=SYNC_S)
    with server.read() as s:
        stored = s.get(Ticket, uuid.UUID(ticket.id))
        assert stored is not None
        assert stored.priority.value == wanted
        bodies = list(
            s.scalars(select(TicketComment.body).where(TicketComment.ticket_id == stored.id))
        )
    assert "Written on the train, offline." in bodies
    admin.open_ticket(ticket.id)
    qtbot.waitUntil(
        lambda: (
            admin.pane.detail is not None
            and admin.pane.detail.priority.value == wanted
            and any("on the train" in c.body for c in admin.pane.detail.comments)
        ),
        timeout=SYNC_S,
    )
    qtbot.waitUntil(lambda: not agent.pane.pending.isVisible(), timeout=SYNC_S)


def test_acero_demo_starts_switches_role_and_stops_its_server(qtbot: QtBot) -> None:
    from acero_desktop.ui.main import run_demo

    seen: dict[str, object] = {}

    def windows() -> list[MainWindow]:
        return [
            w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
        ]

    async def until(check: Callable[[], object], timeout: float = 60) -> object:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (value := check()):
            if loop.time() > deadline:
                raise AssertionError("the demo did not get there in time")
            await asyncio.sleep(0.1)
        return value

    async def drive() -> None:
        try:

            def synced(user: str) -> MainWindow | None:
                for w in windows():
                    if (
                        w.session.profile.username == user
                        and w.session.status.phase is Phase.UP_TO_DATE
                        and w.model.rowCount()
                    ):
                        return w
                return None

            agent = await until(lambda: synced("agent"))
            assert isinstance(agent, MainWindow)
            seen["agent_rows"] = agent.model.rowCount()
            seen["server"] = agent.session.profile.server_url
            switch = agent.findChild(QAction, "demo-requester")
            assert switch is not None
            switch.trigger()
            requester = await until(lambda: synced("requester"))
            assert isinstance(requester, MainWindow)
            seen["requester_title"] = requester.windowTitle()
            seen["windows"] = len(windows())
            requester.close()
        except BaseException as exc:  # report in the test, and end the demo either way
            seen["error"] = exc
            for w in windows():
                w.close()

    QTimer.singleShot(0, lambda: asyncio.ensure_future(drive()))
    code = run_demo(["--template", str(seeded_template(TICKETS))])
    assert "error" not in seen, seen.get("error")
    assert code == 0
    assert int(seen["agent_rows"]) > 0  # type: ignore[call-overload]
    assert "Lukas Brenner (requester)" in str(seen["requester_title"])
    assert seen["windows"] == 1  # the agent's window made way for the requester's
    import httpx

    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{seen['server']}/api/health", timeout=2)  # the demo server is gone


def _open_team_ticket(qtbot: QtBot, window: MainWindow) -> str:
    """Click the first open ticket of the user's team; returns its id (hex)."""
    window.sidebar.select_key("view:team")
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=SYNC_S)
    ticket = window.model.ticket_at(0)
    assert ticket is not None
    rect = window.table.visualRect(window.model.index(0, Column.TITLE))
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.pane.detail is not None, timeout=5000)
    return ticket.id


def test_files_dropped_on_the_ticket_pane_show_pending_and_upload(
    qtbot: QtBot, client: Callable[[str], MainWindow], server: LiveServer, tmp_path: Path
) -> None:
    agent = client("agent")
    ticket_id = _open_team_ticket(qtbot, agent)
    pane = agent.pane
    notes = tmp_path / "printer-notes.txt"
    notes.write_text("Tray 2 jams after 40 pages.\n")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(notes))])
    at = QPoint(pane.width() // 2, pane.height() // 2)
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(at, Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(pane, enter)
    assert enter.isAccepted()  # the pane takes files while the ticket accepts them
    drop = QDropEvent(QPointF(at), Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(pane, drop)
    assert drop.isAccepted()

    files = pane.attachments.list
    shown = lambda: [files.item(i).text() for i in range(files.count())]  # noqa: E731
    assert "printer-notes.txt · pending" in shown()  # at once, before the server answers
    assert pane.attachments.status.text() == "Sending printer-notes.txt…"
    # Stored on the server; the row comes back through sync and replaces the pending line.
    qtbot.waitUntil(
        lambda: any(a.filename == "printer-notes.txt" for a in pane.detail.attachments),  # type: ignore[union-attr]
        timeout=SYNC_S,
    )
    qtbot.waitUntil(lambda: "printer-notes.txt · pending" not in shown(), timeout=5000)
    assert any(t.startswith("printer-notes.txt · ") for t in shown())
    assert pane.attachments.status.text() == "printer-notes.txt attached."
    with server.read() as s:
        stored = s.scalar(
            select(Attachment.filename).where(
                Attachment.ticket_id == uuid.UUID(ticket_id),
                Attachment.filename == "printer-notes.txt",
            )
        )
    assert stored == "printer-notes.txt"


def test_revoked_token_asks_to_sign_in_again_and_keeps_the_outbox(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, server: LiveServer, tmp_path: Path
) -> None:
    from acero_desktop.ui.app import Relogin
    from acero_desktop.ui.login.dialog import LoginDialog
    from acero_desktop.ui.login.tokens import TokenStore

    url = server.base_url
    tokens = TokenStore()
    old = server.login("agent")  # this client's own sign-in, revoked below
    tokens.put(url, "agent", old, remember=True)
    profile = Profile(url, "agent", tmp_path / "agent-relogin.db")
    session = ClientSession(profile, lambda: tokens.get(url, "agent"), options=FAST)
    session.set_user(server.user_id("agent"))
    relogin = Relogin(session, tokens, url, "agent")
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    window.resize(1400, 900)
    session.start()
    try:
        qtbot.waitUntil(session.engine.idle.is_set, timeout=SYNC_S)
        qtbot.waitUntil(lambda: session.actor is not None, timeout=SYNC_S)
        ticket_id = _open_team_ticket(qtbot, window)

        # Offline a while (the laptop lid closed); meanwhile the session is ended elsewhere.
        run(qtbot, session.engine.stop())
        server.logout(old)
        composer = window.pane.composer
        qtbot.keyClicks(composer.edit, "Written while my sign-in had ended.")
        qtbot.keyClick(composer.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: len(session.cache.pending()) == 1, timeout=5000)

        # Back online: the server refuses the old token and the client asks to sign in.
        session.restart()

        def dialog() -> LoginDialog | None:
            found = [w for w in QApplication.topLevelWidgets() if isinstance(w, LoginDialog)]
            return next((d for d in found if d.isVisible()), None)

        qtbot.waitUntil(lambda: dialog() is not None, timeout=SYNC_S)
        login = dialog()
        assert login is not None
        assert session.status.phase is Phase.LOGIN_REQUIRED
        assert login.error.isVisible() and "log in again" in login.error.text()
        assert login.user.text() == "agent"
        assert len(session.cache.pending()) == 1  # the change waits, it is not lost
        assert window.pane.detail is not None
        assert any(c.pending and "sign-in had ended" in c.body for c in window.pane.detail.comments)
        assert "pending" in window.pane.conversation.document().toPlainText()

        qtbot.keyClicks(login.password, "demo-password")
        ok = login.buttons.button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not login.isVisible(), timeout=SYNC_S)
        assert tokens.get(url, "agent") not in (None, old)

        # Signed in again: the waiting comment goes through.
        qtbot.waitUntil(lambda: not session.cache.pending(), timeout=60_000)
        with server.read() as s:
            bodies = list(
                s.scalars(
                    select(TicketComment.body).where(
                        TicketComment.ticket_id == uuid.UUID(ticket_id)
                    )
                )
            )
        assert "Written while my sign-in had ended." in bodies
        qtbot.waitUntil(lambda: session.status.phase is Phase.UP_TO_DATE, timeout=SYNC_S)
    finally:
        relogin.asking = True
        window.close()
        run(qtbot, session.stop())


def test_description_conflict_is_merged_against_the_real_server(
    qtbot: QtBot, client: Callable[[str], MainWindow], server: LiveServer
) -> None:
    from tests.ui.test_detail import _edit_description

    agent = client("agent")
    admin = client("admin")
    ticket_id = _open_team_ticket(qtbot, agent)
    admin.open_ticket(ticket_id)
    assert admin.pane.detail is not None
    base = "Printer on floor 3 jams.\nError E13 on the panel.\nIt happens every morning."
    admin.session.mutate(
        "ticket.update",
        {"id": ticket_id, "description": base, "base_description": admin.pane.detail.description},
    )
    qtbot.waitUntil(
        lambda: agent.pane.detail is not None and agent.pane.detail.description == base,
        timeout=SYNC_S,
    )

    # The agent works offline; the admin changes the first line meanwhile.
    run(qtbot, agent.session.engine.stop())
    admin.activateWindow()
    _edit_description(qtbot, admin, base.replace("jams.", "jams daily."))
    qtbot.waitUntil(lambda: not admin.session.cache.pending(), timeout=SYNC_S)
    agent.activateWindow()
    _edit_description(qtbot, agent, base.replace("morning.", "morning since Monday."))

    # Back online, the server refuses the agent's edit as a conflict; the pane offers a merge.
    agent.session.restart()
    notice = agent.pane.notice
    qtbot.waitUntil(notice.resolve_button.isVisible, timeout=SYNC_S)
    assert "was changed by someone else" in notice.text.text()
    assert agent.pane.detail is not None
    assert agent.pane.detail.description == base.replace("jams.", "jams daily.")
    qtbot.mouseClick(notice.resolve_button, Qt.MouseButton.LeftButton)
    dialog = agent.pane.prompt
    assert isinstance(dialog, ConflictDialog)
    assert dialog.merged is not None and dialog.save_merged is not None
    merged = (
        "Printer on floor 3 jams daily.\nError E13 on the panel.\n"
        "It happens every morning since Monday."
    )
    assert dialog.merged.toPlainText() == merged  # different lines: no markers to edit out
    qtbot.mouseClick(dialog.save_merged, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: agent.pane.detail.description == merged, timeout=5000)  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: not agent.session.cache.pending(), timeout=SYNC_S)
    with server.read() as s:
        stored = s.get(Ticket, uuid.UUID(ticket_id))
        assert stored is not None
        assert stored.description == merged
    qtbot.waitUntil(lambda: not notice.isVisible(), timeout=SYNC_S)
    qtbot.waitUntil(
        lambda: admin.pane.detail is not None and admin.pane.detail.description == merged,
        timeout=SYNC_S,
    )
