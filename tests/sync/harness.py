"""Sync clients for the tests: a LocalCache + SyncEngine per user, and the checks they share.

``SyncClient`` wraps one cache file and its engine with fast test timings (short reconnect
delays, keepalive pings every second) and records what the engine reported. ``server_rows``
reads what a user may see straight from the server's store (the same visibility clauses a
snapshot uses), so a client's cache can be compared with it row for row.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from acero_desktop.core.actor import load_actor
from acero_desktop.core.ids import uuid7
from acero_desktop.core.rowcodec import encode_row, model_for_table
from acero_desktop.models import Base
from acero_desktop.server.audience import Viewer
from acero_desktop.server.changefeed import snapshot_clause
from acero_desktop.server.tables import MutationResultRow
from acero_desktop.server.tables import SyncClient as SyncClientRow
from acero_desktop.store import make_engine
from acero_desktop.store.engine import sqlite_url
from acero_desktop.sync import protocol as p
from acero_desktop.sync.cache import LocalCache, LocalResult
from acero_desktop.sync.engine import SyncCallbacks, SyncEngine, SyncOptions
from acero_desktop.sync.status import Phase, SyncStatus
from acero_desktop.sync.tables import OutboxEntry
from tests.support.live_server import LiveServer

# The tables a convergence check compares (the ticket world: what the UI shows and edits).
COMPARED = ("ticket", "ticket_comment", "ticket_task", "ticket_history", "ticket_watcher")


_BLANK: list[Path] = []


def blank_cache_file() -> Path:
    """An empty migrated cache file without its sync-meta row, made once per test process."""
    if not _BLANK:
        path = Path(tempfile.mkdtemp(prefix="acero-blank-cache-")) / "blank.db"
        cache = LocalCache.open(path)
        with cache.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM client_sync_meta")
        cache.close()
        conn2 = sqlite3.connect(path)
        conn2.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn2.close()
        _BLANK.append(path)
    return _BLANK[0]


def new_cache(path: Path) -> LocalCache:
    """What LocalCache.open makes of a new file (migrated, a new client id), without paying
    for the migrations again: a copy of a blank migrated file."""
    shutil.copyfile(blank_cache_file(), path)
    cache = LocalCache(make_engine(sqlite_url(path), foreign_keys=False))
    cache._ensure_meta()
    return cache


def fast_options(**kw: Any) -> SyncOptions:
    defaults: dict[str, Any] = {
        "retry_delays": (0.05, 0.1, 0.2, 0.4, 0.8),
        "ping_interval": 1.0,
        "ping_timeout": 5.0,
        "open_timeout": 10.0,
        "app_ping_interval": 0.5,
    }
    defaults.update(kw)
    return SyncOptions(**{k: v for k, v in defaults.items() if hasattr(SyncOptions, k)})


async def eventually(
    check: Callable[[], Awaitable[bool] | bool], timeout: float, what: str, step: float = 0.05
) -> None:
    """Poll ``check`` until true; fail with ``what`` after ``timeout`` seconds (liveness)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result) or isinstance(result, Awaitable):
            result = await result  # type: ignore[misc]
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout:.0f} s: {what}")
        await asyncio.sleep(step)


@dataclass
class SyncClient:
    """One user's installation: a cache file and the engine syncing it."""

    name: str
    path: Path
    url: str
    token: str | None
    options: SyncOptions = field(default_factory=fast_options)
    statuses: list[SyncStatus] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)
    results: list[tuple[int, str]] = field(default_factory=list)
    issued: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cache = new_cache(self.path) if not self.path.exists() else LocalCache.open(self.path)
        self.engine = self._make_engine()

    def _make_engine(self) -> SyncEngine:
        engine = SyncEngine(
            self.cache,
            self.url,
            lambda: self.token,
            SyncCallbacks(status=self.statuses.append, issue=self.issues.append),
            self.options,
        )
        # Record every push result the engine takes (statuses as the server sent them).
        take = engine._take_results

        async def recording(message: p.PushResult) -> None:
            self.results.extend((r.id, r.status) for r in message.results)
            await take(message)

        engine._take_results = recording  # type: ignore[method-assign]
        # Answers the engine stores together with other frames (one transaction, one rebase).
        take_answers = engine._take_answers

        async def recording_answers(ws: Any, answers: list[Any], done: int) -> int:
            for message in answers:
                if isinstance(message, p.PushResult):
                    self.results.extend((r.id, r.status) for r in message.results)
            return await take_answers(ws, answers, done)

        engine._take_answers = recording_answers  # type: ignore[method-assign]
        return engine

    # -- life cycle ---------------------------------------------------------------------

    @property
    def online(self) -> bool:
        return self.engine._task is not None and not self.engine._task.done()

    def start(self) -> None:
        """Start the engine (call with the event loop running)."""
        if not self.online:
            self.engine.start()

    async def astart(self) -> None:
        self.start()

    async def stop(self) -> None:
        await self.engine.stop()

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.engine.stop(), 60)
        except TimeoutError:
            task = self.engine._task
            stack = "".join(
                __import__("traceback").format_stack(f) for f in (task.get_stack() if task else [])
            )
            raise AssertionError(
                f"{self.name}: the engine did not stop within 60 s:\n{stack}"
            ) from None
        finally:
            self.engine.close()
            self.cache.close()

    async def reopen(self) -> None:
        """Drop everything in memory and open the file again (what a restart of the app does)."""
        await self.close()
        self.cache = LocalCache.open(self.path)
        self.engine = self._make_engine()

    def set_url(self, url: str) -> None:
        self.url = url
        self.engine.url = url

    async def wait_idle(self, timeout: float = 60.0) -> None:
        await eventually(
            lambda: self.engine.idle.is_set(), timeout, f"{self.name} idle ({self.engine.status})"
        )

    async def wait_phase(self, phase: Phase, timeout: float = 60.0) -> None:
        await eventually(
            lambda: self.engine.status.phase is phase,
            timeout,
            f"{self.name} in {phase} (is {self.engine.status.phase})",
        )

    # -- changes ------------------------------------------------------------------------

    async def mutate(self, name: str, args: dict[str, Any]) -> LocalResult:
        result = await self.engine.mutate(name, args)
        self.issued.append(result.mutation_id)
        return result

    # -- what the cache holds ---------------------------------------------------------------

    @property
    def user_id(self) -> uuid.UUID | None:
        return self.cache.meta().user_id

    @property
    def client_id(self) -> str:
        return str(self.cache.meta().client_id)

    def outbox(self) -> list[OutboxEntry]:
        return self.cache.pending()

    def outbox_ids(self) -> list[int]:
        return [e.mutation_id for e in self.cache.pending()]

    def rows(self, table: str) -> dict[str, dict[str, Any]]:
        model = model_for_table(table)
        with self.cache.session() as s:
            return {str(o.id): encode_row(o) for o in s.scalars(select(model))}  # type: ignore[attr-defined]

    def snapshot(self, tables: Iterable[str] = COMPARED) -> dict[str, dict[str, dict[str, Any]]]:
        return {t: self.rows(t) for t in tables}

    def count(self, table: str) -> int:
        model = model_for_table(table)
        with self.cache.session() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)


# --- the server's side -----------------------------------------------------------------------


def server_rows(
    server: LiveServer, user_id: uuid.UUID, tables: Iterable[str] = COMPARED
) -> dict[str, dict[str, dict[str, Any]]]:
    """What ``user_id`` may see now, per table, read from the server's store."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    with server.read() as s:
        viewer = Viewer.of(load_actor(s, user_id))
        for name in tables:
            model = model_for_table(name)
            table = Base.metadata.tables[name]
            clause = snapshot_clause(viewer, table)  # type: ignore[arg-type]
            query = select(model).where(clause)  # type: ignore[arg-type]
            out[name] = {str(o.id): encode_row(o) for o in s.scalars(query)}  # type: ignore[attr-defined]
    return out


def diff(
    mine: dict[str, dict[str, dict[str, Any]]], theirs: dict[str, dict[str, dict[str, Any]]]
) -> list[str]:
    """Human-readable differences between two table snapshots (empty when equal)."""
    problems: list[str] = []
    for table in sorted(set(mine) | set(theirs)):
        a, b = mine.get(table, {}), theirs.get(table, {})
        for row_id in sorted(set(a) - set(b)):
            problems.append(f"{table} {row_id}: only in the cache")
        for row_id in sorted(set(b) - set(a)):
            problems.append(f"{table} {row_id}: only on the server")
        for row_id in sorted(set(a) & set(b)):
            if a[row_id] != b[row_id]:
                fields = sorted(k for k in a[row_id] if a[row_id].get(k) != b[row_id].get(k))
                detail = ", ".join(
                    f"{k}: {a[row_id].get(k)!r} != {b[row_id].get(k)!r}" for k in fields[:4]
                )
                problems.append(f"{table} {row_id}: {detail}")
    return problems


def converged(client: SyncClient, server: LiveServer) -> list[str]:
    uid = client.user_id
    if uid is None:
        return ["never connected (no user yet)"]
    return diff(client.snapshot(), server_rows(server, uid))


@dataclass
class ServerRecord:
    last_mutation_id: int
    results: dict[int, str]  # mutation id -> applied | rejected


def server_record(server: LiveServer, client_id: str) -> ServerRecord:
    with server.read() as s:
        row = s.get(SyncClientRow, client_id)
        results = {
            r.mutation_id: r.status
            for r in s.scalars(
                select(MutationResultRow).where(MutationResultRow.client_id == client_id)
            )
        }
    return ServerRecord(row.last_mutation_id if row is not None else 0, results)


def result_counts(server: LiveServer, client_id: str) -> int:
    with server.read() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(MutationResultRow)
                .where(MutationResultRow.client_id == client_id)
            )
            or 0
        )


async def quiesce(clients: Iterable[SyncClient], server: LiveServer, timeout: float = 90.0) -> None:
    """All online: wait until every outbox is empty and every cache equals the server's rows.

    Bounded: failing to get there in ``timeout`` seconds is a liveness failure (a stalled queue).
    """
    clients = list(clients)
    for c in clients:
        c.start()
    last: dict[str, list[str]] = {}

    def done() -> bool:
        ok = True
        for c in clients:
            if c.outbox_ids():
                last[c.name] = [f"outbox {c.outbox_ids()} ({c.engine.status.describe()})"]
                ok = False
                continue
            problems = converged(c, server)
            last[c.name] = problems
            if problems:
                ok = False
        return ok

    try:
        await eventually(done, timeout, "quiescence", step=0.25)
    except AssertionError:
        details = "\n".join(f"  {k}: {v[:8]}" for k, v in last.items() if v)
        raise AssertionError(f"no quiescence within {timeout:.0f} s:\n{details}") from None


def assert_exactly_once(client: SyncClient, server: LiveServer) -> None:
    """Every mutation the client ever queued was processed once: applied, or rejected with a
    sync issue; none was applied under two ids."""
    meta = client.cache.meta()
    issued = meta.next_mutation_id - 1
    record = server_record(server, client.client_id)
    assert sorted(record.results) == list(range(1, issued + 1)), (
        f"{client.name}: server processed ids {sorted(record.results)}, client queued 1..{issued}"
    )
    assert record.last_mutation_id == issued
    issue_ids = {i.mutation_id for i in client.cache.issues(include_dismissed=True)}
    rejected = {mid for mid, status in record.results.items() if status == "rejected"}
    assert issue_ids == rejected, f"{client.name}: issues {issue_ids} != rejected {rejected}"


def new_id() -> str:
    return str(uuid7())


def now() -> datetime:
    return datetime.now(UTC)


def user_ids(session: Session, *usernames: str) -> dict[str, uuid.UUID]:
    from acero_desktop.models import User

    rows = session.scalars(select(User).where(User.username.in_(usernames)))
    return {u.username: u.id for u in rows}
