"""The server store: engine, sessions, the write lock and the sequence counter.

SQLite has one writer. Every write runs under ``Store.write_lock`` (an asyncio lock) in a worker
thread (``asyncio.to_thread``), so the event loop never blocks on the database and writers never
queue inside SQLite's busy handler. Reads run in threads without the lock (WAL readers do not
block the writer). On PostgreSQL the lock only serialises this process's writers; across
processes the ``sync_head`` row lock does it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from acero_desktop.core.rowcodec import table_of
from acero_desktop.store import make_engine, session_factory

from . import notify
from .migrate import upgrade_server_store
from .tables import ServerInfo, SyncHead

T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Store:
    """One database: migrated at open, with the server's single rows in place."""

    def __init__(self, url: str, *, migrate: bool = True, **engine_kwargs: Any) -> None:
        self.url = url
        if url.startswith("sqlite"):
            engine_kwargs.setdefault("pool_size", 8)
        else:
            engine_kwargs.setdefault("pool_size", 10)
        self.engine: Engine = make_engine(url, **engine_kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        if migrate:
            upgrade_server_store(self.engine)
        self.sessions: sessionmaker[Session] = session_factory(self.engine)
        if self.engine.dialect.name == "postgresql":
            notify.install(self.sessions)  # NOTIFY acero_sync in commits that move the head
        self._write_lock: asyncio.Lock | None = None
        self.server_id = self._bootstrap()

    @property
    def write_lock(self) -> asyncio.Lock:
        # Created lazily so it binds to the running event loop.
        if self._write_lock is None:
            self._write_lock = asyncio.Lock()
        return self._write_lock

    def _bootstrap(self) -> str:
        with self.write_session() as session:
            info = session.get(ServerInfo, 1)
            if info is None:
                info = ServerInfo(id=1, server_id=str(uuid.uuid4()), created_at=utcnow())
                session.add(info)
            if session.get(SyncHead, 1) is None:
                session.add(SyncHead(id=1, seq=0, floor=0))
            return info.server_id

    def new_server_id(self) -> str:
        """Take a new identity: every client rebuilds its cache from a snapshot (a restore)."""
        server_id = str(uuid.uuid4())
        with self.write_session() as session:
            stmt = update(ServerInfo).where(ServerInfo.id == 1).values(server_id=server_id)
            session.execute(stmt)
        self.server_id = server_id
        return server_id

    def head(self) -> int:
        with self.read_session() as session:
            return head_seq(session)

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """A transaction that takes the write lock at BEGIN (``BEGIN IMMEDIATE`` on SQLite)."""
        with self.sessions() as session:
            if self.is_sqlite:
                session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            else:
                # The same on PostgreSQL: writers of every process queue here, before they read
                # what they decide on (max ticket number + 1, the rows a mutation checks), as
                # they do at BEGIN IMMEDIATE on SQLite. Taking the lock only when numbering the
                # log, at the end, let two processes hand out one ticket number twice.
                session.execute(text("SELECT seq FROM sync_head WHERE id = 1 FOR UPDATE"))
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A read transaction: one consistent snapshot (WAL / REPEATABLE READ)."""
        with self.sessions() as session:
            if not self.is_sqlite:
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            try:
                yield session
            finally:
                session.rollback()

    async def write(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in one write transaction, in a thread, under the write lock."""
        async with self.write_lock:
            return await asyncio.to_thread(self._run_write, fn)

    def _run_write(self, fn: Callable[[Session], T]) -> T:
        with self.write_session() as session:
            return fn(session)

    async def read(self, fn: Callable[[Session], T]) -> T:
        return await asyncio.to_thread(self._run_read, fn)

    def _run_read(self, fn: Callable[[Session], T]) -> T:
        with self.read_session() as session:
            return fn(session)

    def dispose(self) -> None:
        self.engine.dispose()


def allocate_seqs(session: Session, count: int) -> int:
    """Take ``count`` sequence numbers inside the caller's transaction; return the last one.

    The UPDATE locks the counter row until commit, so a later committer always gets higher
    numbers than an earlier one: the log's order is commit order (never an autoincrement read
    by ``seq > cursor``, which skips a change that commits late).
    """
    head = table_of(SyncHead)  # Core, not the ORM-enabled UPDATE: no session synchronising
    stmt = update(head).where(head.c.id == 1).values(seq=head.c.seq + count)
    result = session.execute(stmt.returning(head.c.seq))
    if count:
        notify.mark(session, "head")  # other processes hear of it at commit (PostgreSQL)
    return int(result.scalar_one())


def head_seq(session: Session) -> int:
    return int(session.execute(select(SyncHead.seq).where(SyncHead.id == 1)).scalar_one())


def head_and_floor(session: Session) -> tuple[int, int]:
    row = session.execute(select(SyncHead.seq, SyncHead.floor).where(SyncHead.id == 1)).one()
    return int(row[0]), int(row[1])


def auth_epoch(session: Session) -> int:
    return int(
        session.execute(select(ServerInfo.auth_epoch).where(ServerInfo.id == 1)).scalar_one()
    )


def bump_auth_epoch(session: Session) -> None:
    """Tell every serving process to re-check the sessions it holds.

    On PostgreSQL they hear of it at commit (NOTIFY); otherwise at their next poll.
    """
    session.execute(
        update(ServerInfo).where(ServerInfo.id == 1).values(auth_epoch=ServerInfo.auth_epoch + 1)
    )
    notify.mark(session, "auth")


def mark_out_of_band(session: Session) -> int:
    """Writes that bypassed the change log (seeding, repairs): make every client re-snapshot.

    Advances the head by one and raises the floor to it, so every existing cursor is below the
    floor and its next catch-up is a snapshot.
    """
    seq = allocate_seqs(session, 1)
    session.execute(update(SyncHead).where(SyncHead.id == 1).values(floor=seq))
    return seq


def sqlite_checks(session: Session) -> list[str]:
    problems: list[str] = []
    ok = session.execute(text("PRAGMA integrity_check")).scalar()
    if ok != "ok":
        problems.append(f"integrity_check: {ok}")
    for row in session.execute(text("PRAGMA foreign_key_check")):
        problems.append(f"foreign key broken in {row[0]} rowid {row[1]} -> {row[2]}")
    return problems
