"""Apply mutations: the one write path of the websocket, REST and the admin CLI.

A ``push`` is applied in ONE database transaction with a SAVEPOINT per mutation (a rejected
mutation rolls back alone). The client's ``sync_client`` row is locked first (``FOR UPDATE``
on PostgreSQL, the single writer on SQLite), so two connections of one client cannot
interleave. For each mutation, in order:

- ``id <= last_mutation_id``: a replay. Answer ``duplicate`` with the first outcome, stored in
  ``mutation_result``; nothing runs.
- ``id > last_mutation_id + 1``: a ``gap``; the rest of the batch is not looked at.
- otherwise run it with the authenticated user as actor (``authoritative=True``). Applied or
  rejected for good (any ``AceroError``, a constraint violation, a bug in a mutator), it is
  recorded as processed so a client is never stuck replaying it; ``last_mutation_id`` moves.
  A passing failure (database locked, connection lost) is NOT recorded: the batch stops there
  with ``retry`` and the client sends it again.

At the end, still in the transaction, the batch's row changes take consecutive sequence numbers
from ``sync_head`` and are appended to ``change_log``; the results are stored; then the caller
commits, and only after the commit answers the client and fans the changes out. Inside the
writer's group commit (``deferred_log``) the numbering and both inserts wait for the end of the
whole group and are done once for all its pushes, in their order.

Timestamps: the mutation runs at the client's ``ts`` (made offline, it keeps its real time),
clamped into [now - MAX_TS_AGE, now]: a client clock in the future never writes future times,
and an absurdly old one is treated as now. Ordering never reads ``ts``: the log order is
commit order.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

import acero_desktop.core.mutations  # noqa: F401  (registers every mutation)
from acero_desktop.core.actor import Actor, load_actor
from acero_desktop.core.errors import AceroError
from acero_desktop.core.ids import uuid7
from acero_desktop.core.mutations.base import MutationContext
from acero_desktop.core.rowcodec import encode_row, model_for_table, table_of
from acero_desktop.models import Channel
from acero_desktop.sync.protocol import Mutation

from .audience import (
    TicketFacts,
    Viewer,
    load_internal_comments,
    load_ticket_facts,
    sees_row,
    ticket_id_of,
)
from .capture import Change, run_captured
from .db import allocate_seqs, utcnow
from .logging import event
from .tables import ChangeLog, MutationResultRow, SyncClient

MAX_TS_AGE = timedelta(days=30)
_CHANGE_LOG = table_of(ChangeLog)
_MUTATION_RESULT = table_of(MutationResultRow)
# Re-runs of a mutation that hit a unique constraint (see run_one).
INTEGRITY_RETRIES = 2


class MutationFailed(Exception):
    """A REST/CLI mutation refused for a reason other than an AceroError (constraint, bug)."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error["message"])
        self.error = error


class ClientConflict(Exception):
    """The client id is registered to another user."""


@dataclass
class Committed:
    """Changes of one transaction, numbered: what the hub fans out after the commit."""

    from_seq: int
    to_seq: int
    changes: list[Change]
    # Facts of the touched tickets as committed (read inside the transaction).
    facts: dict[str, TicketFacts] = field(default_factory=dict)
    internal_comments: frozenset[str] = frozenset()


@dataclass
class PushOutcome:
    results: list[dict[str, Any]]
    committed: Committed | None
    last_mutation_id: int


def clamp_ts(ts: datetime | None, now: datetime) -> datetime:
    if ts is None:
        return now
    if ts.tzinfo is None:
        from datetime import UTC

        ts = ts.replace(tzinfo=UTC)
    if ts > now or ts < now - MAX_TS_AGE:
        return now
    return ts


def lock_client(session: Session, client_id: str, user_id: uuid.UUID) -> SyncClient:
    """Read (and lock) the client's row, creating it on first contact."""
    row = session.scalars(
        select(SyncClient).where(SyncClient.client_id == client_id).with_for_update()
    ).first()
    now = utcnow()
    if row is None:
        row = SyncClient(
            client_id=client_id,
            user_id=user_id,
            last_mutation_id=0,
            created_at=now,
            last_seen_at=now,
        )
        session.add(row)
        session.flush()
    elif row.user_id != user_id:
        raise ClientConflict(client_id)
    return row


def apply_push(
    session: Session,
    *,
    client_id: str,
    user_id: uuid.UUID,
    mutations: Sequence[Mutation],
    channel: Channel = Channel.DESKTOP,
    actor: Actor | None = None,
) -> PushOutcome:
    """Apply a push; ``actor`` is the connection's (kept current by the auth-epoch checks
    that close a socket whose user was disabled or changed role or teams), else loaded."""
    client = lock_client(session, client_id, user_id)
    if actor is None:
        actor = load_actor(session, user_id)
    now = utcnow()
    last = client.last_mutation_id
    results: list[dict[str, Any]] = []
    pending: list[tuple[dict[str, Any], list[Change]]] = []
    stored: list[dict[str, Any]] = []
    for m in mutations:
        if m.id <= last:
            results.append(_duplicate(session, actor, client_id, m))
            continue
        if m.id != last + 1:
            results.append({"id": m.id, "status": "gap", "expected": last + 1})
            break
        ctx = MutationContext(
            session,
            actor,
            clamp_ts(m.ts, now),
            channel=channel,
            authoritative=True,
            key=f"{client_id}:{m.id}",
        )
        outcome = run_one(session, ctx, m.name, m.args)
        if outcome.transient:
            results.append(
                {"id": m.id, "status": "retry", "code": "unavailable", "message": outcome.message}
            )
            break
        last = m.id
        if outcome.error is None:
            result: dict[str, Any] = {"id": m.id, "status": "applied", "seq": None}
            pending.append((result, outcome.changes))
            stored.append({"mutation_id": m.id, "name": m.name, "status": "applied", "r": result})
        else:
            err = outcome.error
            result = {
                "id": m.id,
                "status": "rejected",
                "seq": None,
                "code": err["code"],
                "message": err["message"],
                "field": err.get("field"),
                "current": current_rows(session, actor, m.name, m.args),
            }
            stored.append({"mutation_id": m.id, "name": m.name, "status": "rejected", "r": result})
        results.append(result)

    def numbered(committed: Committed) -> list[dict[str, Any]]:
        head = committed.to_seq
        # Sequence numbers of applied mutations: the last change of each (or the head if none).
        seq = committed.from_seq
        for result, cs in pending:
            seq += len(cs)
            result["seq"] = seq if cs else head
        for r in results:
            if r["status"] == "rejected":  # this push's own rejections (may run twice)
                r["seq"] = head
        return [
            {
                "client_id": client_id,
                "mutation_id": s["mutation_id"],
                "name": s["name"],
                "status": s["status"],
                "seq": s["r"]["seq"],
                "code": s["r"].get("code"),
                "message": s["r"].get("message"),
                "at": now,
            }
            for s in stored
        ]

    committed = number_and_log(
        session,
        [c for _, cs in pending for c in cs],
        actor_id=str(user_id),
        client_id=client_id,
        origins=[(r["id"], len(cs)) for r, cs in pending],
        now=now,
        then=numbered,
    )
    client.last_mutation_id = last
    client.last_seen_at = now
    return PushOutcome(results, committed if committed.changes else None, last)


@dataclass
class RunOutcome:
    changes: list[Change] = field(default_factory=list)
    error: dict[str, Any] | None = None
    transient: bool = False
    message: str | None = None


def run_one(
    session: Session,
    ctx: MutationContext,
    name: str,
    args: dict[str, Any],
    *,
    reraise: bool = False,
) -> RunOutcome:
    """Run one mutation in a savepoint; classify a failure as permanent or passing.

    ``reraise``: let an AceroError through (REST maps it to an HTTP status).
    """
    for attempt in range(INTEGRITY_RETRIES + 1):
        savepoint = session.begin_nested()
        # A fresh context per attempt: derived ids must be those of a first run.
        run_ctx = dataclasses.replace(ctx, notes=[])
        try:
            changes = run_captured(run_ctx, name, args)
        except AceroError as exc:
            savepoint.rollback()
            if reraise:
                raise
            return RunOutcome(error=exc.to_dict())
        except IntegrityError as exc:
            savepoint.rollback()
            if attempt < INTEGRITY_RETRIES:
                # Another process may have committed the same unique value (the ticket number
                # max + 1) meanwhile; run again, it now sees that row.
                continue
            event(
                "mutation.integrity",
                level=logging.WARNING,
                mutation=name,
                error=str(exc.orig)[:200],
            )
            return RunOutcome(
                error={
                    "code": "conflict",
                    "message": "The change clashes with data already on the server.",
                    "field": None,
                }
            )
        except OperationalError as exc:
            savepoint.rollback()
            event(
                "mutation.transient",
                level=logging.WARNING,
                mutation=name,
                error=str(exc.orig)[:200],
            )
            return RunOutcome(
                transient=True, message="The server is busy; the change will be retried."
            )
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise
            savepoint.rollback()
            return _internal(name, exc)
        except Exception as exc:
            savepoint.rollback()
            return _internal(name, exc)
        savepoint.commit()
        return RunOutcome(changes=changes)
    raise AssertionError("unreachable")


def _internal(name: str, exc: Exception) -> RunOutcome:
    # A bug in a mutator: recorded as rejected so the client is never stuck replaying it.
    logging.getLogger("acero.server").error("mutation %s failed", name, exc_info=exc)
    return RunOutcome(
        error={
            "code": "internal_error",
            "message": "The server could not apply this change (an internal error was logged).",
            "field": None,
        }
    )


def number_and_log(
    session: Session,
    changes: list[Change],
    *,
    actor_id: str | None,
    client_id: str | None,
    origins: list[tuple[int | None, int]],
    now: datetime,
    then: Callable[[Committed], list[dict[str, Any]]] | None = None,
) -> Committed:
    """Give ``changes`` their sequence numbers and append them to the change log.

    The facts of the touched tickets are read now (as this mutation left them). Numbering
    and logging happen now, or, inside :func:`deferred_log` (the writer's group commit), when
    the block ends, for every job of the batch at once and in their order. ``then`` runs once
    the numbers are known, with the numbered ``Committed``; it returns rows for
    ``mutation_result``, inserted together.
    """
    ticket_ids = {c.ticket_id for c in changes if c.ticket_id}
    facts = load_ticket_facts(session, ticket_ids, use_identity_map=True) if changes else {}
    comment_ids = {
        str(c.row.get("comment_id"))
        for c in changes
        if c.table == "attachment" and c.row and c.row.get("comment_id")
    }
    internal = load_internal_comments(session, comment_ids) if changes else frozenset()
    entry = _LogEntry(
        Committed(0, 0, changes, facts, internal), actor_id, client_id, origins, now, then
    )
    log: DeferredLog | None = session.info.get(_DEFERRED)
    if log is None:
        _write_log(session, [entry])
    else:
        log.entries.append(entry)
    return entry.committed


@dataclass
class _LogEntry:
    committed: Committed
    actor_id: str | None
    client_id: str | None
    origins: list[tuple[int | None, int]]
    now: datetime
    then: Callable[[Committed], list[dict[str, Any]]] | None


_DEFERRED = "acero_deferred_log"


@dataclass
class DeferredLog:
    """Log entries of a group commit's jobs, numbered and written together at its end."""

    entries: list[_LogEntry] = field(default_factory=list)
    _at_job_start: list[_LogEntry] = field(default_factory=list)

    def begin_job(self) -> None:
        self._at_job_start = list(self.entries)

    def rollback_job(self) -> None:
        """The job's savepoint was rolled back: drop its entries, and queue again the earlier
        jobs' entries a flush during the job wrote (the rollback took those rows back too;
        they are numbered afresh, from the same head, at the next flush)."""
        self.entries = self._at_job_start

    def flush(self, session: Session) -> None:
        entries, self.entries = self.entries, []
        if entries:
            _write_log(session, entries)


@contextmanager
def deferred_log(session: Session) -> Iterator[DeferredLog]:
    """Number and log the changes of every job in the block with one counter update and one
    insert per table, in the jobs' order, when the block ends without an exception."""
    log = DeferredLog()
    session.info[_DEFERRED] = log
    try:
        yield log
        log.flush(session)
    finally:
        session.info.pop(_DEFERRED, None)


def _flush_deferred(session: Session) -> None:
    """Write pending log entries before reading what they write (``mutation_result``)."""
    log: DeferredLog | None = session.info.get(_DEFERRED)
    if log is not None:
        log.flush(session)


def _write_log(session: Session, entries: list[_LogEntry]) -> None:
    total = sum(len(e.committed.changes) for e in entries)
    last = allocate_seqs(session, total)
    seq = last - total  # the head before these entries
    rows: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for entry in entries:
        committed = entry.committed
        committed.from_seq = seq
        mutation_ids: list[int | None] = []
        for mid, count in entry.origins:
            mutation_ids += [mid] * count
        for i, ch in enumerate(committed.changes):
            seq += 1
            ch.seq = seq
            rows.append(
                {
                    "seq": ch.seq,
                    "table_name": ch.table,
                    "row_id": ch.id,
                    "op": ch.op,
                    "row": ch.row,
                    "old": ch.old,
                    "ticket_id": ch.ticket_id,
                    "actor_id": entry.actor_id,
                    "client_id": entry.client_id,
                    "mutation_id": mutation_ids[i] if i < len(mutation_ids) else None,
                    "at": entry.now,
                }
            )
        committed.to_seq = seq
        if entry.then is not None:
            results += entry.then(committed)
    # Core inserts (the table, not the mapped class): the ORM's bulk-insert path costs more
    # than the statement itself, and nothing here needs the ORM.
    if rows:
        session.execute(insert(_CHANGE_LOG), rows)
    if results:
        session.execute(insert(_MUTATION_RESULT), results)


def _duplicate(session: Session, actor: Actor, client_id: str, m: Mutation) -> dict[str, Any]:
    _flush_deferred(session)  # its outcome may be an earlier job's of this group commit
    stored = session.get(MutationResultRow, (client_id, m.id))
    result: dict[str, Any] = {"id": m.id, "status": "duplicate"}
    if stored is None:
        result.update(seq=None, original=None)
        return result
    result.update(seq=stored.seq, original=stored.status)
    if stored.status == "rejected":
        result.update(
            code=stored.code,
            message=stored.message,
            current=current_rows(session, actor, m.name, m.args),
        )
    return result


# --- current rows of a rejected mutation -------------------------------------------------

_ARG_TABLES = {
    "ticket_id": "ticket",
    "comment_id": "ticket_comment",
    "task_id": "ticket_task",
    "article_id": "knowledge_article",
    "attachment_id": "attachment",
    "saved_search_id": "saved_search",
    "search_id": "saved_search",
    "watcher_id": "ticket_watcher",
    "feedback_id": "feedback",
}
_PREFIX_TABLES = {
    "ticket": "ticket",
    "comment": "ticket_comment",
    "task": "ticket_task",
    "article": "knowledge_article",
    "attachment": "attachment",
    "saved_search": "saved_search",
    "watch": "ticket_watcher",
    "feedback": "feedback",
    "user": "user",
    "notification": "notification",
}


def touched_entities(name: str, args: dict[str, Any]) -> list[tuple[str, str]]:
    """The rows a mutation names in its arguments (``id`` and ``*_id``), best effort."""
    out: list[tuple[str, str]] = []
    prefix = name.split(".", 1)[0]
    for key, value in args.items():
        table = _PREFIX_TABLES.get(prefix) if key == "id" else _ARG_TABLES.get(key)
        if table is None or not isinstance(value, str):
            continue
        try:
            out.append((table, str(uuid.UUID(value))))
        except ValueError:
            continue
    return out


def current_rows(
    session: Session, actor: Actor, name: str, args: dict[str, Any]
) -> list[dict[str, Any]]:
    """The server's rows the client must take back after a rejection, as the user may see them.

    A row that does not exist or that the user may not see comes back as a ``delete`` (the
    client drops its optimistic copy; nothing about the hidden row is revealed).
    """
    viewer = Viewer.of(actor)
    entities = touched_entities(name, args)
    rows: list[tuple[str, str, dict[str, Any] | None]] = []
    for table, row_id in entities:
        try:
            model = model_for_table(table)
        except KeyError:
            continue
        obj = session.get(model, uuid.UUID(row_id))
        rows.append((table, row_id, encode_row(obj) if obj is not None else None))
    # A child's ticket comes back too (it is what usually explains the rejection).
    for table, _row_id, row in list(rows):
        tid = ticket_id_of(table, row, _row_id) if row else None
        if tid and table != "ticket" and ("ticket", tid) not in {(t, i) for t, i, _ in rows}:
            obj = session.get(model_for_table("ticket"), uuid.UUID(tid))
            rows.insert(0, ("ticket", tid, encode_row(obj) if obj is not None else None))
    tids = {ticket_id_of(t, r, i) for t, i, r in rows if r is not None}
    facts = load_ticket_facts(session, {t for t in tids if t})
    comment_ids = {
        str(r["comment_id"]) for t, _i, r in rows if t == "attachment" and r and r.get("comment_id")
    }
    internal = load_internal_comments(session, comment_ids)
    out: list[dict[str, Any]] = []
    for table, row_id, row in rows:
        tid = ticket_id_of(table, row, row_id) if row else None
        visible = row is not None and sees_row(
            viewer, table, row, facts.get(tid) if tid else None, internal
        )
        if visible:
            out.append({"table": table, "id": row_id, "op": "upsert", "row": row})
        else:
            out.append({"table": table, "id": row_id, "op": "delete", "row": None})
    return out


def apply_single(
    session: Session,
    *,
    actor: Actor,
    name: str,
    args: dict[str, Any],
    channel: Channel,
    at: datetime | None = None,
) -> tuple[list[Change], Committed]:
    """One mutation outside the push protocol (REST, CLI); raises AceroError when refused."""
    now = utcnow()
    ctx = MutationContext(
        session,
        actor,
        at or now,
        channel=channel,
        authoritative=True,
        key=f"{channel.value}:{uuid7()}",
    )
    outcome = run_one(session, ctx, name, args, reraise=True)
    if outcome.transient:
        raise OperationalError("mutation", {}, Exception(outcome.message or "busy"))
    if outcome.error is not None:
        raise MutationFailed(outcome.error)
    committed = number_and_log(
        session,
        outcome.changes,
        actor_id=str(actor.user_id) if actor.user_id else None,
        client_id=None,
        origins=[(None, len(outcome.changes))],
        now=now,
    )
    return outcome.changes, committed
