"""Helpers of the GUI tests: run coroutines on the qasync loop, wait for things to settle, find
seeded tickets."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

from pytestqt.qtbot import QtBot
from sqlalchemy import select

from acero_desktop.core.visibility import visible_tickets_clause
from acero_desktop.models import Ticket
from acero_desktop.ui.session import ClientSession
from acero_desktop.ui.tasks import spawn

T = TypeVar("T")


def run(qtbot: QtBot, coro: Coroutine[Any, Any, T], timeout: float = 20.0) -> T:
    """Run a coroutine on the qasync loop, driving Qt until it is done."""
    task = spawn(coro)
    qtbot.waitUntil(task.done, timeout=int(timeout * 1000))
    return task.result()


def settle(qtbot: QtBot, ms: int = 50) -> None:
    """Let queued callbacks (mutations, refresh timers) run."""
    qtbot.wait(ms)


def find_ticket(session: ClientSession, *where: object) -> Ticket:
    """The lowest-numbered ticket the user sees meeting ``where``, as a plain ORM snapshot."""
    actor = session.actor
    assert actor is not None
    with session.read() as s:
        ticket = s.scalars(
            select(Ticket)
            .where(visible_tickets_clause(actor), *where)  # type: ignore[arg-type]
            .order_by(Ticket.number)
            .limit(1)
        ).first()
    assert ticket is not None, "the seeded cache has no such ticket"
    return ticket
