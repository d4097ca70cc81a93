"""PostgreSQL LISTEN/NOTIFY: every server process hears of a commit by any other at once.

Sending: a transaction that moved the change-log head (``allocate_seqs``) or the auth epoch
(``bump_auth_epoch``) is flagged on its session (``mark``); just before its top-level commit a
``before_commit`` hook on the store's sessions (``install``) runs ``pg_notify`` in the same
transaction with the values that transaction is about to commit, read in SQL (so a savepoint
rolled back after flagging only makes the notice redundant, never wrong). PostgreSQL delivers
a notification only when, and only if, its transaction commits. The payload is small JSON::

    {"kind": "head", "value": 1234, "origin": "<process token>"}
    {"kind": "auth", "value": 17, "origin": "<process token>"}

This covers the writer's group commit, REST writes, logout and the admin CLI (it writes through
the same ``Store``); SQLite stores install nothing (one serving process, nothing to tell).

Receiving: :class:`Listener` holds one async psycopg connection (autocommit, on the event loop)
that runs ``LISTEN acero_sync`` and hands each notification to the hub. When the connection
drops it reconnects with jittered exponential backoff and, once listening again, calls
``on_connected`` so the hub reads the head and the auth epoch once (notifications sent while
nobody listened are lost). The hub's slower poll stays as the fallback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from .logging import event

CHANNEL = "acero_sync"
# Identifies this process's notifications (its own writes reach its hub directly).
ORIGIN = uuid.uuid4().hex[:16]
_FLAGS = "acero_notify"

_NOTIFY_SQL = {
    "head": "SELECT seq FROM sync_head WHERE id = 1",
    "auth": "SELECT auth_epoch FROM server_info WHERE id = 1",
}


def mark(session: Session, kind: str) -> None:
    """Flag ``session``'s transaction: notify ``kind`` ("head" or "auth") when it commits."""
    flags: set[str] = session.info.setdefault(_FLAGS, set())
    flags.add(kind)


def install(sessions: sessionmaker[Session]) -> None:
    """Send the flagged notifications inside every top-level commit of ``sessions``."""
    sa_event.listen(sessions, "before_commit", _before_commit)
    sa_event.listen(sessions, "after_transaction_end", _clear)


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT's release: not yet
        return
    flags: set[str] | None = session.info.get(_FLAGS)
    if not flags:
        return
    parts = [
        f"pg_notify('{CHANNEL}', json_build_object('kind', '{kind}', 'value', "
        f"({_NOTIFY_SQL[kind]}), 'origin', CAST(:origin AS text))::text)"
        for kind in sorted(flags)
    ]
    session.execute(text(f"SELECT {', '.join(parts)}"), {"origin": ORIGIN})


def _clear(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the transaction itself, not a SAVEPOINT or subtransaction
        session.info.pop(_FLAGS, None)


@dataclass(frozen=True, slots=True)
class Notice:
    kind: str
    value: int
    origin: str | None

    @property
    def own(self) -> bool:
        return self.origin == ORIGIN


def parse(payload: str) -> Notice | None:
    """A notification's payload, or None when it is not one of ours."""
    try:
        data = json.loads(payload)
        return Notice(str(data["kind"]), int(data["value"]), data.get("origin"))
    except (ValueError, TypeError, KeyError):
        return None


def libpq_conninfo(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as a libpq connection URI (for psycopg directly)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """``LISTEN acero_sync`` on a dedicated async connection, reconnecting when it drops."""

    def __init__(
        self,
        url: str,
        on_notice: Callable[[Notice], None],
        on_connected: Callable[[], Awaitable[None]],
        *,
        min_backoff: float = 0.1,
        max_backoff: float = 5.0,
    ) -> None:
        self.conninfo = libpq_conninfo(url)
        self.on_notice = on_notice
        self.on_connected = on_connected
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.connected = False
        self.connects = 0
        self.notices = 0

    async def run(self) -> None:
        """Listen until cancelled."""
        import psycopg

        backoff = self.min_backoff
        while True:
            conn: Any = None
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self.conninfo,
                    autocommit=True,
                    application_name=f"acero-listen:{os.getpid()}",
                    connect_timeout=10,
                    # A peer that vanished without closing is noticed within about a minute.
                    keepalives=1,
                    keepalives_idle=30,
                    keepalives_interval=10,
                    keepalives_count=3,
                )
                await conn.execute(f"LISTEN {CHANNEL}")
                self.connected = True
                self.connects += 1
                event("server.listen.connected", channel=CHANNEL, connects=self.connects)
                backoff = self.min_backoff
                try:
                    await self.on_connected()  # what was committed while nobody listened
                except Exception:  # the poll will catch up; keep listening
                    logging.getLogger("acero.server").exception("read after LISTEN failed")
                async for note in conn.notifies():
                    notice = parse(note.payload)
                    if notice is not None:
                        self.notices += 1
                        self.on_notice(notice)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                was = self.connected
                self.connected = False
                delay = backoff * (0.5 + random.random())
                event(
                    "server.listen.lost" if was else "server.listen.failed",
                    level=logging.WARNING,
                    error=str(exc).strip()[:200] or type(exc).__name__,
                    retry_in=round(delay, 2),
                )
                await asyncio.sleep(delay)
                backoff = min(self.max_backoff, backoff * 2)
            finally:
                self.connected = False
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close()
