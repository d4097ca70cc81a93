"""Counting each view's tickets off the GUI thread, at most one run at a time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, QTimer
from sqlalchemy.orm import Session

from acero_desktop.core.actor import Actor
from acero_desktop.core.search import QueryError

from ..session import ClientSession
from ..tasks import spawn
from ..tickets.query import count
from .views import ViewItem

log = logging.getLogger("acero.ui.sidebar")


def count_views(
    session: Session, actor: Actor, items: list[ViewItem], now: datetime
) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        try:
            out[item.key] = count(session, actor, item.query, now)
        except QueryError:
            out[item.key] = 0  # a saved search naming something deleted: shows as empty
    return out


class CountRefresher(QObject):
    """Coalesces requests: one count run after the last change settles (``delay_ms``)."""

    def __init__(
        self,
        session: ClientSession,
        items: Callable[[], list[ViewItem]],
        done: Callable[[dict[str, int]], None],
        *,
        delay_ms: int = 400,
    ) -> None:
        super().__init__()
        self.session = session
        self._items = items
        self._done = done
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._start)
        self._running = False
        self._again = False

    def request(self, delay_ms: int | None = None) -> None:
        self._timer.start(delay_ms if delay_ms is not None else self._timer.interval())

    def stop(self) -> None:
        self._timer.stop()
        self._again = False

    def _start(self) -> None:
        if self.session.closed:
            return
        if self._running:
            self._again = True
            return
        actor = self.session.actor
        if actor is None:
            return
        self._running = True
        spawn(self._run(actor, self._items()), name="count views")

    async def _run(self, actor: Actor, items: list[ViewItem]) -> None:
        now = self.session.now()
        try:
            counts = await self.session.read_async(lambda s: count_views(s, actor, items, now))
            self._done(counts)
        finally:
            self._running = False
            if self._again:
                self._again = False
                self._timer.start()
