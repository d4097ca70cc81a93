"""Render the main views offscreen into docs/screenshots/*.png (used by the README).

    QT_QPA_PLATFORM=offscreen python bench/screenshots.py [--tickets 300] [--out docs/screenshots]

No server is needed: a client cache is seeded with the demo data directly and the windows are
drawn from it, signed in as the agent and the requester, in the light and the dark theme.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from PySide6.QtCore import QPoint
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import delete, func, insert, select

from acero_desktop.core.fractional import key_between
from acero_desktop.models import TaskState, Ticket, TicketComment, TicketTask, User
from acero_desktop.store.demo import seed_demo
from acero_desktop.sync.cache import LocalCache
from acero_desktop.ui.app import make_app
from acero_desktop.ui.mainwindow import MainWindow
from acero_desktop.ui.session import ClientSession, Profile
from acero_desktop.ui.theme import ThemeChoice, ThemeManager

SIZE = (1480, 880)


def wait(app: QApplication, until: Callable[[], bool] = lambda: False, ms: int = 400) -> None:
    deadline = time.monotonic() + ms / 1000
    while time.monotonic() < deadline and not until():
        app.processEvents()
        QTest.qWait(10)


def build_cache(folder: Path, tickets: int) -> tuple[Path, dict[str, uuid.UUID]]:
    path = folder / "cache.db"
    cache = LocalCache.open(path)
    seed_demo(cache.engine, tickets=tickets, seed=42)
    with cache.session() as s:
        users = {u.username: u.id for u in s.scalars(select(User))}
    cache.close()
    return path, users


def session_for(
    folder: Path, template: Path, users: dict[str, uuid.UUID], who: str
) -> ClientSession:
    copy = folder / f"cache-{who}.db"
    shutil.copyfile(template, copy)
    session = ClientSession(Profile("https://acero.example.org", who, copy), lambda: None)
    session.set_user(users[who])
    return session


def busy_ticket(session: ClientSession, shown: list[str]) -> str:
    """Of the tickets shown, the one with most comments that has an internal note."""
    with session.read() as s:
        noted = select(TicketComment.ticket_id).where(TicketComment.internal.is_(True))
        query = (
            select(TicketComment.ticket_id, func.count())
            .where(TicketComment.ticket_id.in_(noted))
            .group_by(TicketComment.ticket_id)
            .order_by(func.count().desc())
        )
        visible = set(shown)
        for ticket_id, _n in s.execute(query):
            if ticket_id.hex in visible:
                return str(ticket_id.hex)
    return shown[0]


def give_tasks(session: ClientSession, ticket_hex: str) -> None:
    """A ticket's board as on a busy day: overdue, due soon, long titles, done, unassigned.

    Written straight into the cache (as if the server had sent them), so only what the
    screenshot changes afterwards shows as pending.
    """
    key = uuid.UUID(ticket_hex)
    me = session.user_id
    now = session.now()
    with session.read() as s:
        ticket = s.get(Ticket, key)
        assert ticket is not None
        directory = session.directory()
        mates = [p.id for p in directory.members(ticket.team_id) if p.id != me]
    mate = mates[0] if mates else me
    plan = [
        (
            "Collect the VPN client logs from the laptop",
            TaskState.TODO,
            me,
            now - timedelta(hours=20),
        ),
        (
            "Check the user's certificate expiry date",
            TaskState.TODO,
            mate,
            now + timedelta(hours=5),
        ),
        (
            "Ask the network team whether the split-tunnel rule for the new office subnet "
            "was rolled out to every gateway or only to the primary one",
            TaskState.TODO,
            None,
            None,
        ),
        ("Reissue the VPN profile", TaskState.DOING, me, now + timedelta(days=3)),
        ("Reproduce from home Wi-Fi", TaskState.DOING, mate, None),
        ("Reset the MFA token", TaskState.DONE, me, now - timedelta(days=2)),
        ("Confirm the account is not locked", TaskState.DONE, mate, None),
    ]
    positions: dict[TaskState, str | None] = {}
    with session.cache.engine.begin() as conn:
        conn.execute(delete(TicketTask).where(TicketTask.ticket_id == key))
        for title, state, who, due in plan:
            position = key_between(positions.get(state), None)
            positions[state] = position
            conn.execute(
                insert(TicketTask).values(
                    id=uuid.uuid4(),
                    ticket_id=key,
                    title=title,
                    state=state,
                    assignee_id=who,
                    position=position,
                    due_at=due,
                    created_at=now - timedelta(days=3),
                    updated_at=now - timedelta(days=1),
                    done_at=now - timedelta(days=1) if state is TaskState.DONE else None,
                )
            )


def save(widget: QWidget, out: Path, name: str) -> Path:
    path = out / name
    widget.grab().save(str(path))
    print(f"wrote {path}")
    return path


def shoot(out: Path, tickets: int) -> None:
    app = make_app([])
    loop = qasync.QEventLoop(app, already_running=True)
    asyncio.set_event_loop(loop)
    theme = ThemeManager(app)
    theme.set_choice(ThemeChoice.LIGHT)
    folder = Path(tempfile.mkdtemp(prefix="acero-shots-"))
    os.environ["ACERO_HOME"] = str(folder / "home")
    template, users = build_cache(folder, tickets)

    agent = session_for(folder, template, users, "agent")
    window = MainWindow(agent, theme=theme)
    window.resize(*SIZE)
    window.show()
    window.sidebar.select_key("view:team")
    wait(app, ms=1200)
    save(window, out, "main-window.png")

    ticket = busy_ticket(agent, window.model.ids)
    window.table.select_id(ticket)
    wait(app, ms=600)
    window.pane.composer.edit.setPlainText(
        "Thanks — I have reset the VPN profile, please try again."
    )
    save(window, out, "ticket-detail.png")
    window.pane.tabs.setCurrentIndex(1)
    wait(app, ms=300)
    save(window, out, "ticket-timeline.png")
    window.pane.tabs.setCurrentIndex(2)
    wait(app, ms=300)
    save(window, out, "ticket-people.png")
    give_tasks(agent, ticket)
    board = window.pane.task_board
    board.reload()
    window.pane.tabs.setCurrentWidget(board)
    # One change of this user's, not yet confirmed by the server: marked pending.
    doing = board.cards(TaskState.DOING)
    if doing:
        board.move_card(doing[-1].id, TaskState.DONE, 0)
    board.views[TaskState.TODO].select_row(0)
    wait(app, ms=500)
    save(window, out, "ticket-tasks.png")
    window.pane.tabs.setCurrentIndex(0)

    window.search.edit.setFocus()
    window.search.edit.setText("vpn priority:>=high sort:")
    window.search.edit.setCursorPosition(len(window.search.edit.text()))
    window.search.update_completions()
    window.search.throttle.flush()
    wait(app, ms=400)
    shot = window.grab()
    popup = window.search.completer.popup()
    if popup is not None and popup.isVisible():
        from PySide6.QtGui import QPainter

        painter = QPainter(shot)
        pos = window.mapFromGlobal(popup.mapToGlobal(QPoint(0, 0)))
        painter.drawPixmap(pos, popup.grab())
        painter.end()
    shot.save(str(out / "search-completion.png"))
    print(f"wrote {out / 'search-completion.png'}")
    if popup is not None:
        popup.hide()
    window.search.set_text("status:bogus")
    wait(app, ms=300)
    save(window, out, "search-error.png")
    window.search.set_text("")

    dialog = window.new_ticket()
    dialog.title.setText("VPN disconnects every few minutes from home")
    dialog.description.setPlainText(
        "Since Monday the VPN drops every 5–10 minutes when I work from home.\n"
        "Wi-Fi itself stays up."
    )
    dialog.category.filter.setText("vpn")
    wait(app, ms=200)
    dialog.category.tree.setCurrentIndex(
        dialog.category.model.index(0, 0, dialog.category.model.index(0, 0))
    )
    dialog._refresh_suggestions()
    wait(app, until=lambda: bool(dialog.suggestions), ms=4000)
    wait(app, ms=200)
    save(dialog, out, "new-ticket.png")
    dialog.reject()

    theme.set_choice(ThemeChoice.DARK)
    window.pane.reload()
    wait(app, ms=500)
    save(window, out, "main-window-dark.png")
    window.pane.tabs.setCurrentWidget(window.pane.task_board)
    wait(app, ms=300)
    save(window, out, "ticket-tasks-dark.png")
    window.pane.tabs.setCurrentIndex(0)
    theme.set_choice(ThemeChoice.LIGHT)
    mine = window.show_my_tasks()
    wait(app, ms=500)
    save(mine, out, "my-tasks.png")
    mine.close()
    window.close()

    requester = session_for(folder, template, users, "requester")
    rwin = MainWindow(requester, theme=theme)
    rwin.resize(*SIZE)
    rwin.show()
    rwin.sidebar.select_key("view:open")
    wait(app, ms=1000)
    if rwin.model.rowCount():
        rwin.table.select_row(0)
        wait(app, ms=500)
    save(rwin, out, "requester-view.png")
    rwin.close()

    for s in (agent, requester):
        task = asyncio.ensure_future(s.stop())
        wait(app, until=task.done, ms=5000)
    shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "screenshots"
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    shoot(args.out, args.tickets)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
