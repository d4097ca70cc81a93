"""Connected clients and the fan-out of committed changes, filtered per user.

Writers hand every committed batch to ``Hub.submit`` while they still hold the write lock, so
batches reach the fan-out task in commit order. The task decides, per connected user, which
rows they may see (``audience``), and queues one ``changes`` message per connection; each
connection has one writer task that sends its queue in order, merging queued batches into one
message and numbering ``from`` with the connection's own cursor, so the ranges a client sees
are contiguous even though most changes are filtered out for it.

Changes written by someone else (the admin CLI, another server process) are read back from
the change log, in order, from the last sequence number fanned out. On PostgreSQL the hub hears
of them at once: every commit that moves the head or the auth epoch sends ``NOTIFY acero_sync``
and a ``notify.Listener`` hands the notices here. The head is also polled, every
``poll_interval`` (SQLite, or while the LISTEN connection is down) or every
``listen_poll_interval`` while it is up (a fallback only). When ``auth_epoch`` moves, every
socket's token and scope are checked again and sockets of revoked tokens, disabled users or
users whose teams or role changed are closed (with ``auth`` or ``resync``).

Visibility transitions: a ticket that stops being visible to a user is sent as a ``delete``;
one that becomes visible is sent with its whole subtree (comments, tasks, history, ...).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from acero_desktop.core.actor import load_actor
from acero_desktop.core.errors import AceroError
from acero_desktop.core.rowcodec import encode_row, model_for_table
from acero_desktop.models import Ticket
from acero_desktop.sync import protocol as p

from .audience import (
    TICKET_CHILDREN,
    TicketFacts,
    Viewer,
    load_internal_comments,
    load_ticket_facts,
    scope_fingerprint,
    scope_of,
    sees_row,
    sees_ticket,
)
from .auth import live_token_hashes
from .capture import Change
from .db import Store, auth_epoch, head_seq, utcnow
from .logging import event
from .notify import Listener, Notice
from .push import Committed
from .served import ServedMark
from .tables import ChangeLog

# A connection whose queue grows past this is too slow to follow: it is closed with
# ``resync`` and catches up when it reconnects.
MAX_QUEUE = 5000


@dataclass(slots=True)
class Live:
    to: int
    rows: list[str]


@dataclass(slots=True)
class Close:
    code: int
    reason: str


@dataclass(eq=False)
class Connection:
    """One authenticated websocket and the queue its writer task drains."""

    viewer: Viewer
    user_id: str
    username: str
    client_id: str
    token_hash: str
    expires_at: datetime
    scope: str
    # None while the catch-up runs; then the last seq this client has been sent.
    cursor: int | None = None
    items: deque[str | Live | Close] = field(default_factory=deque)
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    closing: bool = False

    def send(self, text: str) -> None:
        self._put(text)

    def live(self, to: int, rows: list[str]) -> None:
        self._put(Live(to, rows))

    def close(self, code: int, reason: str, *, error_code: str | None = None) -> None:
        """Queue an ``error`` (when ``error_code``) and the close; later sends are dropped."""
        if self.closing:
            return
        if error_code is not None:
            self._put(error_text(error_code, reason))
        self._put(Close(code, reason))
        self.closing = True

    def _put(self, item: str | Live | Close) -> None:
        if self.closing:
            return
        if len(self.items) >= MAX_QUEUE and not isinstance(item, Close):
            self.items.clear()
            self.close(
                p.CLOSE_RESYNC, "Too far behind; reconnect to catch up.", error_code="resync"
            )
            return
        self.items.append(item)
        self.wakeup.set()

    async def next_item(self) -> str | Close:
        """The next frame to send: queued live batches merged into one ``changes``."""
        while not self.items:
            self.wakeup.clear()
            await self.wakeup.wait()
        item = self.items.popleft()
        if not isinstance(item, Live):
            return item
        rows = list(item.rows)
        to = item.to
        while self.items and isinstance(self.items[0], Live):
            nxt = self.items.popleft()
            assert isinstance(nxt, Live)
            rows += nxt.rows
            to = nxt.to
        cursor = self.cursor if self.cursor is not None else 0
        if to <= cursor:
            return ""
        self.cursor = to
        return changes_text(cursor, to, rows)


def _changes_access(ch: Change) -> bool:
    """Could this change alter what someone may see? (teams, membership, role, disabling)"""
    if ch.table in ("team", "team_member"):
        return True
    if ch.table != "user":
        return False
    if ch.old is None or ch.row is None:
        return ch.op == "delete"
    return any(ch.old.get(k) != ch.row.get(k) for k in ("role", "active"))


def error_text(code: str, message: str, ref: str | None = None) -> str:
    return p.dump(p.Error(code=code, message=message, ref=ref))


def changes_text(
    from_seq: int, to: int, rows: list[str], *, total: int | None = None, final: bool = True
) -> str:
    count = len(rows) if total is None else total
    return (
        f'{{"type":"changes","v":{p.PROTOCOL_VERSION},"from":{from_seq},"to":{to},'
        f'"total":{count},"final":{"true" if final else "false"},"rows":[{",".join(rows)}]}}'
    )


def delete_text(table: str, row_id: str, seq: int) -> str:
    return json.dumps({"seq": seq, "table": table, "id": row_id, "op": "delete", "row": None})


@dataclass
class _ReadLog:
    upto: int
    # Queued for a notification: reads up to the highest head notified by then.
    notified: bool = False


class Hub:
    def __init__(
        self,
        store: Store,
        *,
        poll_interval: float = 1.0,
        served: ServedMark | None = None,
        listen: bool = True,
        listen_poll_interval: float = 5.0,
    ) -> None:
        self.store = store
        # Every cursor leaves this server only after ``served`` recorded it (restore check).
        self.served = served
        self._committed = 0  # the highest seq known committed (may run ahead of last_fanned)
        self.poll_interval = poll_interval
        # While LISTEN is up the poll is a fallback: never more often than this.
        self.listen_poll_interval = listen_poll_interval
        self.listener: Listener | None = None
        if listen and not store.is_sqlite:
            self.listener = Listener(store.url, self._on_notice, self.check_now)
        # The highest head a notification announced, and whether a read for it is queued.
        self._notified_head = 0
        self._notified_read_queued = False
        self._auth_task: asyncio.Task[None] | None = None
        self._auth_dirty = False
        self.conns: set[Connection] = set()
        self.last_fanned = 0
        self.auth_epoch = 0
        self._queue: asyncio.Queue[Committed | _ReadLog] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self.fanned_batches = 0
        # Seconds from a batch's arrival in the fan-out task to its frames being queued to
        # every socket (the last 1,000 batches): the server's share of fan-out latency.
        self.deliver_seconds: deque[float] = deque(maxlen=1000)
        self._fanned = asyncio.Event()

    async def start(self) -> None:
        self.last_fanned, self.auth_epoch = await self.store.read(
            lambda s: (head_seq(s), auth_epoch(s))
        )
        await self.mark_served(self.last_fanned)  # pongs hand out last_fanned as a cursor
        self._tasks = [
            asyncio.create_task(self._fan_out_loop(), name="acero-fanout"),
            asyncio.create_task(self._poll_loop(), name="acero-poll"),
        ]
        if self.listener is not None:
            self._tasks.append(asyncio.create_task(self.listener.run(), name="acero-listen"))

    async def stop(self) -> None:
        if self._auth_task is not None:
            self._tasks.append(self._auth_task)
            self._auth_task = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    def register(self, conn: Connection) -> None:
        self.conns.add(conn)

    def unregister(self, conn: Connection) -> None:
        self.conns.discard(conn)

    def submit(self, committed: Committed | None) -> None:
        """Queue a committed batch; call in commit order (under the write lock)."""
        if committed is not None and committed.changes:
            self._committed = max(self._committed, committed.to_seq)
            self._queue.put_nowait(committed)

    def _advance(self, seq: int) -> None:
        if seq > self.last_fanned:
            self.last_fanned = seq
        event_, self._fanned = self._fanned, asyncio.Event()
        event_.set()

    async def wait_fanned(self, seq: int, timeout: float = 10.0) -> None:
        """Wait until every change up to ``seq`` has been queued to the sockets."""
        if self.last_fanned >= seq:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._queue.put_nowait(_ReadLog(seq))  # written elsewhere? read it now, not at the poll
        while self.last_fanned < seq:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._fanned.wait(), remaining)

    async def drain(self) -> None:
        """Wait until everything submitted so far has been fanned out (tests, shutdown)."""
        while not self._queue.empty():
            await asyncio.sleep(0.005)

    # --- fan-out ------------------------------------------------------------------------

    async def _fan_out_loop(self) -> None:
        while True:
            item = await self._queue.get()
            try:
                if isinstance(item, _ReadLog):
                    upto = item.upto
                    self._committed = max(self._committed, upto)
                    if item.notified:
                        self._notified_read_queued = False
                        upto = max(upto, self._notified_head)
                    await self._read_log(upto)
                else:
                    if item.to_seq <= self.last_fanned:
                        continue
                    if item.from_seq > self.last_fanned:
                        await self._read_log(item.from_seq)
                    await self._deliver(item)
            except Exception:
                logging.getLogger("acero.server").exception("fan-out failed")

    async def _read_log(self, upto: int) -> None:
        """Fan out log entries in (last_fanned, upto] that this process did not write."""
        while self.last_fanned < upto:
            start = self.last_fanned
            committed = await self.store.read(
                lambda s, start=start: read_log(s, start, upto, 5000)  # type: ignore[misc]
            )
            if committed is None:
                await self.mark_served(upto)
                self._advance(upto)
                break
            await self._deliver(committed)

    async def mark_served(self, seq: int) -> None:
        """Record ``seq`` as served before it leaves; one write covers all that is committed.

        Any committed seq may be recorded (the store holds it, so a plain restart never finds
        its head below the mark); taking the highest known makes the batches queued behind
        this one free, so under load the file is written once per burst, not per batch.
        """
        if self.served is not None:
            await self.served.ensure(max(seq, self._committed))

    async def _deliver(self, c: Committed) -> None:
        await self.mark_served(c.to_seq)
        started = time.perf_counter()
        conns = [x for x in self.conns if not x.closing]
        if conns:
            plan = FanOutPlan(c)
            by_user: dict[str, list[Connection]] = {}
            for conn in conns:
                by_user.setdefault(conn.user_id, []).append(conn)
            outputs: dict[str, tuple[list[str], list[str]]] = {}
            needs: set[str] = set()
            for uid, group in by_user.items():
                rows, subtree = plan.rows_for(group[0].viewer)
                outputs[uid] = (rows, subtree)
                needs.update(subtree)
            subtrees: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
            if needs:
                subtrees = await self.store.read(lambda s: load_subtrees(s, needs))
            for uid, (rows, subtree) in outputs.items():
                extra: list[str] = []
                viewer = by_user[uid][0].viewer
                for tid in subtree:
                    extra += plan.subtree_rows(viewer, subtrees.get(tid, []))
                out = extra + rows
                if not out:
                    continue
                for conn in by_user[uid]:
                    conn.live(c.to_seq, out)
        self._advance(c.to_seq)
        self.fanned_batches += 1
        self.deliver_seconds.append(time.perf_counter() - started)
        if any(_changes_access(ch) for ch in c.changes):
            await self.check_sessions(scope_only=True)

    # --- notifications (PostgreSQL) ------------------------------------------------------

    def _on_notice(self, notice: Notice) -> None:
        """A commit somewhere moved the head or the auth epoch (called on the event loop)."""
        if notice.kind == "head":
            # This process's own writes reach the fan-out through ``submit`` already.
            if not notice.own:
                self._head_moved(notice.value)
        elif notice.kind == "auth" and notice.value > self.auth_epoch:
            self._auth_changed(notice.value)

    def _head_moved(self, head: int) -> None:
        """Read the log up to ``head`` soon; a burst of notices is caught up by one read."""
        if head <= self.last_fanned:
            return
        # (Not skipped for a head already notified: unless a read is queued, the read for it
        # may have failed, and only this notice or poll would start another.)
        self._notified_head = max(self._notified_head, head)
        if not self._notified_read_queued:
            self._notified_read_queued = True
            self._queue.put_nowait(_ReadLog(self._notified_head, notified=True))

    def _auth_changed(self, epoch: int) -> None:
        """Re-check every socket's token and scope (one check at a time, coalesced)."""
        self.auth_epoch = epoch
        self._auth_dirty = True
        if self._auth_task is None or self._auth_task.done():
            self._auth_task = asyncio.create_task(self._auth_checks(), name="acero-auth-check")

    async def _auth_checks(self) -> None:
        while self._auth_dirty:
            self._auth_dirty = False
            try:
                await self.check_sessions()
            except Exception:
                logging.getLogger("acero.server").exception("session check failed")

    # --- polling: other writers, revocations, expiry -------------------------------------

    @property
    def listening(self) -> bool:
        return self.listener is not None and self.listener.connected

    async def _poll_loop(self) -> None:
        while True:
            interval = self.poll_interval
            if self.listening:
                interval = max(interval, self.listen_poll_interval)
            await asyncio.sleep(interval)
            try:
                await self.check_now()
            except Exception:
                logging.getLogger("acero.server").exception("poll failed")

    async def check_now(self) -> None:
        """Read the head and the auth epoch once (a poll; a LISTEN that just (re)connected)."""
        head, epoch = await self.store.read(lambda s: (head_seq(s), auth_epoch(s)))
        self._head_moved(head)
        if epoch != self.auth_epoch:
            self._auth_changed(epoch)
        now = utcnow()
        for conn in list(self.conns):
            if conn.expires_at <= now:
                conn.close(
                    p.CLOSE_AUTH,
                    "Your session has expired; please log in again.",
                    error_code="auth",
                )

    async def check_sessions(self, *, scope_only: bool = False) -> None:
        """Close sockets whose token died or whose user's access changed."""
        conns = [c for c in self.conns if not c.closing]
        if not conns:
            return
        hashes = {c.token_hash for c in conns}
        user_ids = {c.user_id for c in conns}

        def check(session: Session) -> tuple[set[str], dict[str, str | None]]:
            live = hashes if scope_only else live_token_hashes(session, hashes)
            scopes: dict[str, str | None] = {}
            for uid in user_ids:
                try:
                    scopes[uid] = scope_fingerprint(load_actor(session, uuid.UUID(uid)))
                except AceroError:
                    scopes[uid] = None
            return live, scopes

        live, scopes = await self.store.read(check)
        for conn in conns:
            if conn.token_hash not in live or scopes.get(conn.user_id) is None:
                event("ws.cut_off", user=conn.username, client=conn.client_id)
                conn.close(
                    p.CLOSE_AUTH,
                    "You were logged out or your account was disabled.",
                    error_code="auth",
                )
            elif scopes[conn.user_id] != conn.scope:
                event("ws.resync", user=conn.username, client=conn.client_id)
                conn.close(
                    p.CLOSE_RESYNC,
                    "Your access changed; reconnect to refresh your tickets.",
                    error_code="resync",
                )

    async def close_all(self, code: int, reason: str) -> None:
        for conn in list(self.conns):
            conn.close(code, reason)


class FanOutPlan:
    """The per-user decisions for one committed batch (pure Python, no queries)."""

    def __init__(self, c: Committed) -> None:
        self.c = c
        self.encoded: list[str | None] = [None] * len(c.changes)
        self.after = c.facts
        self.before: dict[str, TicketFacts | None] = {}
        self.new_tickets: set[str] = set()
        watch_add: dict[str, set[str]] = {}
        watch_del: dict[str, set[str]] = {}
        base: dict[str, TicketFacts | None] = {}
        for ch in c.changes:
            tid = ch.ticket_id
            if tid is None:
                continue
            if ch.table == "ticket" and tid not in base:
                if ch.op == "upsert" and ch.old is None:
                    self.new_tickets.add(tid)
                    base[tid] = None
                elif ch.old is not None:
                    after = self.after.get(tid)
                    base[tid] = (
                        after.with_fields(ch.old)
                        if after is not None
                        else TicketFacts.from_row({"id": tid, **ch.old})
                    )
            elif ch.table == "ticket_watcher":
                uid = (ch.row or ch.old or {}).get("user_id")
                if uid is None:
                    continue
                if ch.op == "upsert" and ch.old is None:
                    watch_add.setdefault(tid, set()).add(str(uid))
                elif ch.op == "delete":
                    watch_del.setdefault(tid, set()).add(str(uid))
        self.tickets = {ch.ticket_id for ch in c.changes if ch.ticket_id}
        for tid in self.tickets:
            before = base[tid] if tid in base else self.after.get(tid)
            if before is not None and (tid in watch_add or tid in watch_del):
                watchers = (before.watchers - watch_add.get(tid, set())) | watch_del.get(tid, set())
                before = TicketFacts(
                    before.id,
                    before.team_id,
                    before.requester_id,
                    before.assignee_id,
                    before.created_by_id,
                    frozenset(watchers),
                )
            self.before[tid] = before

    def _encoded(self, i: int) -> str:
        text = self.encoded[i]
        if text is None:
            text = json.dumps(self.c.changes[i].wire(), default=str)
            self.encoded[i] = text
        return text

    def rows_for(self, viewer: Viewer) -> tuple[list[str], list[str]]:
        """(rows to send, tickets whose subtree must be sent because they became visible)."""
        out: list[str] = []
        now_t: dict[str, bool] = {}
        was_t: dict[str, bool] = {}
        for tid in self.tickets:
            now_t[tid] = sees_ticket(viewer, self.after.get(tid))
            was_t[tid] = sees_ticket(viewer, self.before.get(tid))
        internal = self.c.internal_comments
        deleted_tickets: set[str] = set()
        for i, ch in enumerate(self.c.changes):
            decision = self._decide(viewer, ch, now_t, was_t, internal)
            if decision == "upsert":
                out.append(self._encoded(i))
            elif decision == "delete":
                if ch.table == "ticket":
                    deleted_tickets.add(ch.id)
                out.append(delete_text(ch.table, ch.id, ch.seq))
        subtree: list[str] = []
        for tid in self.tickets:
            if now_t[tid] and not was_t[tid] and tid not in self.new_tickets:
                subtree.append(tid)
            elif was_t[tid] and not now_t[tid] and tid not in deleted_tickets:
                out.append(delete_text("ticket", tid, self.c.to_seq))
        return out, subtree

    def _decide(
        self,
        viewer: Viewer,
        ch: Change,
        now_t: dict[str, bool],
        was_t: dict[str, bool],
        internal: frozenset[str],
    ) -> str | None:
        scope = scope_of(ch.table)
        if scope == "ticket":
            tid = ch.ticket_id
            if tid is None:
                return None
            if not now_t.get(tid) and not was_t.get(tid):
                return None
            fa = self.after.get(tid)
            fb = self.before.get(tid)
            now = (
                ch.op == "upsert"
                and fa is not None
                and sees_row(viewer, ch.table, ch.row, fa, internal)
            )
        else:
            fa = fb = None
            now = ch.op == "upsert" and sees_row(viewer, ch.table, ch.row, None, internal)
        if now:
            return "upsert"
        if ch.old is None:
            return None
        old_row = {**(ch.row or {}), **ch.old}
        was = sees_row(viewer, ch.table, old_row, fb, internal)
        return "delete" if was else None

    def subtree_rows(
        self, viewer: Viewer, rows: list[tuple[str, str, dict[str, Any]]]
    ) -> list[str]:
        if not rows:
            return []
        tid = rows[0][1]
        facts = self.after.get(tid)
        internal = frozenset(
            r[1] for r in rows if r[0] == "ticket_comment" and r[2].get("internal")
        )
        out = []
        for table, row_id, row in rows:
            if sees_row(viewer, table, row, facts, internal):
                out.append(
                    json.dumps(
                        {
                            "seq": self.c.to_seq,
                            "table": table,
                            "id": row_id,
                            "op": "upsert",
                            "row": row,
                        }
                    )
                )
        return out


def load_subtrees(
    session: Session, ticket_ids: Iterable[str]
) -> dict[str, list[tuple[str, str, dict[str, Any]]]]:
    """Each ticket's row and everything hanging off it, current, ticket first."""
    out: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for tid in ticket_ids:
        ticket = session.get(Ticket, uuid.UUID(tid))
        if ticket is None:
            continue
        rows = [("ticket", tid, encode_row(ticket))]
        for table in TICKET_CHILDREN:
            model = model_for_table(table)
            column = model.__table__.c.ticket_id
            for obj in session.scalars(select(model).where(column == uuid.UUID(tid))):
                rows.append((table, str(obj.id), encode_row(obj)))  # type: ignore[attr-defined]
        out[tid] = rows
    return out


def read_log(session: Session, after: int, upto: int, limit: int) -> Committed | None:
    """Log entries in (after, upto], at most ``limit``, as a batch with facts read now."""
    entries = session.scalars(
        select(ChangeLog)
        .where(ChangeLog.seq > after, ChangeLog.seq <= upto)
        .order_by(ChangeLog.seq)
        .limit(limit)
    ).all()
    if not entries:
        return None
    changes = [
        Change(e.table_name, e.row_id, e.op, e.row, e.old, e.ticket_id, e.seq) for e in entries
    ]
    to = entries[-1].seq if len(entries) == limit else upto
    facts = load_ticket_facts(session, {c.ticket_id for c in changes if c.ticket_id})
    comment_ids = {
        str(c.row["comment_id"])
        for c in changes
        if c.table == "attachment" and c.row and c.row.get("comment_id")
    }
    return Committed(after, to, changes, facts, load_internal_comments(session, comment_ids))
