"""Catch-up and snapshots: what a connecting client needs to reach the server's head.

Both are read in ONE read transaction (a WAL snapshot on SQLite, REPEATABLE READ on
PostgreSQL) at head ``H``, and streamed in pages of bounded size from a thread, so a big
snapshot neither blocks the event loop nor holds more than a page in memory.

Catch-up (the client has a cursor ``c`` with floor <= c <= H, the same server id and the same
access as at its last sync): the *current* state of every entity the log touched in (c, H] that
the user may see now, a ``delete`` for every one they could see at ``c`` and no longer can (or
that was deleted), and the whole subtree of every ticket that became visible. Rows come parents
first, deletes last (children first). Sending current rows rather than replaying the log keeps
a week-offline catch-up proportional to what changed, not to how often.

Snapshot (new client, compacted cursor, other server id, changed access, or a catch-up larger
than ``SNAPSHOT_THRESHOLD``): every row the user may see, table by table in foreign-key order.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Table,
    Uuid,
    case,
    func,
    literal,
    literal_column,
    null,
    select,
    true,
)
from sqlalchemy.orm import Session

from acero_desktop.core import visibility as vis
from acero_desktop.core.rowcodec import encode_row, encode_value, model_for_table
from acero_desktop.models import Base, Feedback, TicketTask, TicketWatcher, UTCDateTime
from acero_desktop.sync import protocol as p

from .audience import (
    TicketFacts,
    Viewer,
    load_internal_comments,
    load_ticket_facts,
    scope_of,
    sees_row,
    sees_ticket,
)
from .db import head_and_floor
from .hub import changes_text, delete_text, load_subtrees
from .tables import ChangeLog

# A catch-up touching more log entries than this is sent as a snapshot instead.
SNAPSHOT_THRESHOLD = 200_000
TABLE_ORDER = [t.name for t in Base.metadata.sorted_tables]
_RANK = {name: i for i, name in enumerate(TABLE_ORDER)}


@dataclass
class SyncPlan:
    kind: str  # "changes" | "snapshot" | "none"
    head: int
    reason: str = ""


def plan_sync(
    session: Session,
    *,
    cursor: int | None,
    client_server_id: str | None,
    server_id: str,
    scope_changed: bool,
) -> SyncPlan:
    head, floor = head_and_floor(session)
    if cursor is None:
        return SyncPlan("snapshot", head, "new client")
    if client_server_id is not None and client_server_id != server_id:
        return SyncPlan("snapshot", head, "another server")
    if cursor > head:
        return SyncPlan("snapshot", head, "cursor ahead of the server")
    if cursor < floor:
        return SyncPlan("snapshot", head, "cursor older than the log")
    if scope_changed:
        return SyncPlan("snapshot", head, "access changed")
    if cursor == head:
        return SyncPlan("none", head)
    count = session.scalar(
        select(func.count()).select_from(ChangeLog).where(ChangeLog.seq > cursor)
    )
    if (count or 0) > SNAPSHOT_THRESHOLD:
        return SyncPlan("snapshot", head, "too far behind")
    return SyncPlan("changes", head)


# --- catch-up ------------------------------------------------------------------------------


@dataclass
class _Entity:
    table: str
    id: str
    first_old: dict[str, Any] | None
    inserted: bool  # did not exist at the cursor
    last_seq: int
    last_op: str
    ticket_id: str | None
    last_row: dict[str, Any] | None


def catch_up_pages(
    session: Session, viewer: Viewer, cursor: int, head: int, page_rows: int
) -> Iterator[str]:
    """``changes`` pages bringing a client from ``cursor`` to ``head``, as wire text."""
    entities: dict[tuple[str, str], _Entity] = {}
    watch_added: dict[str, set[str]] = {}
    watch_removed: dict[str, set[str]] = {}
    stmt = (
        select(
            ChangeLog.seq,
            ChangeLog.table_name,
            ChangeLog.row_id,
            ChangeLog.op,
            ChangeLog.row,
            ChangeLog.old,
            ChangeLog.ticket_id,
        )
        .where(ChangeLog.seq > cursor, ChangeLog.seq <= head)
        .order_by(ChangeLog.seq)
    )
    for seq, table, row_id, op, row, old, tid in session.execute(stmt):
        key = (table, row_id)
        ent = entities.get(key)
        if ent is None:
            ent = _Entity(table, row_id, old, old is None and op == "upsert", seq, op, tid, row)
            entities[key] = ent
            if table == "ticket_watcher":
                uid = (row or old or {}).get("user_id")
                if uid is not None and tid is not None:
                    if ent.inserted:
                        watch_added.setdefault(tid, set()).add(str(uid))
                    elif op == "delete" or old is not None:
                        watch_removed.setdefault(tid, set()).add(
                            str((old or {}).get("user_id", uid))
                        )
        ent.last_seq, ent.last_op, ent.last_row = seq, op, row
        if tid is not None:
            ent.ticket_id = tid
    tickets = {e.ticket_id for e in entities.values() if e.ticket_id}
    facts_now = load_ticket_facts(session, tickets)
    facts_then: dict[str, TicketFacts | None] = {}
    for tid in tickets:
        assert tid is not None
        ent = entities.get(("ticket", tid))
        now = facts_now.get(tid)
        if ent is not None and ent.inserted:
            facts_then[tid] = None
            continue
        then: TicketFacts | None
        if ent is not None and ent.first_old is not None:
            then = (
                now.with_fields(ent.first_old)
                if now is not None
                else TicketFacts.from_row({"id": tid, **ent.first_old})
            )
        else:
            then = now
        if then is not None and (tid in watch_added or tid in watch_removed):
            watchers = (then.watchers - watch_added.get(tid, set())) | watch_removed.get(tid, set())
            then = TicketFacts(
                then.id,
                then.team_id,
                then.requester_id,
                then.assignee_id,
                then.created_by_id,
                frozenset(watchers),
            )
        facts_then[tid] = then

    # Current rows of the touched entities, read in one query per table.
    current: dict[tuple[str, str], dict[str, Any]] = {}
    by_table: dict[str, list[str]] = {}
    for ent in entities.values():
        if ent.last_op == "upsert":
            by_table.setdefault(ent.table, []).append(ent.id)
    for table, ids in by_table.items():
        try:
            model = model_for_table(table)
        except KeyError:
            continue
        for chunk_start in range(0, len(ids), 500):
            chunk = [uuid.UUID(i) for i in ids[chunk_start : chunk_start + 500]]
            pk = model.__table__.c.id
            for obj in session.scalars(select(model).where(pk.in_(chunk))):
                current[(table, str(obj.id))] = encode_row(obj)  # type: ignore[attr-defined]
    comment_ids = {
        str(r.get("comment_id"))
        for (t, _i), r in current.items()
        if t == "attachment" and r.get("comment_id")
    }
    internal = load_internal_comments(session, comment_ids)

    upserts: list[tuple[int, int, str]] = []
    deletes: list[tuple[int, int, str]] = []
    became_visible: list[str] = []
    gone_tickets: set[str] = set()
    for tid in tickets:
        assert tid is not None
        now_v = sees_ticket(viewer, facts_now.get(tid))
        then_v = sees_ticket(viewer, facts_then.get(tid))
        if now_v and not then_v and not entities.get(("ticket", tid), _NEW).inserted:
            became_visible.append(tid)
        if then_v and not now_v:
            gone_tickets.add(tid)
            deletes.append((-_RANK["ticket"], head, delete_text("ticket", tid, head)))
    subtree_ids = set(became_visible)
    for ent in entities.values():
        tid = ent.ticket_id
        if scope_of(ent.table) == "ticket" and tid is not None and tid in subtree_ids:
            continue  # sent whole below
        if ent.table == "ticket" and tid in gone_tickets:
            continue
        row = current.get((ent.table, ent.id))
        ticket_now = facts_now.get(tid) if tid else None
        ticket_then = facts_then.get(tid) if tid else None
        now_v = row is not None and sees_row(viewer, ent.table, row, ticket_now, internal)
        if now_v:
            assert row is not None
            text = json.dumps(
                {"seq": ent.last_seq, "table": ent.table, "id": ent.id, "op": "upsert", "row": row}
            )
            upserts.append((_RANK.get(ent.table, 999), ent.last_seq, text))
            continue
        if ent.inserted:
            continue
        base = row if row is not None else (ent.last_row or {})
        old_row = {**base, **(ent.first_old or {})}
        if sees_row(viewer, ent.table, old_row, ticket_then, internal):
            deletes.append(
                (
                    -_RANK.get(ent.table, 999),
                    ent.last_seq,
                    delete_text(ent.table, ent.id, ent.last_seq),
                )
            )
    if became_visible:
        subtrees = load_subtrees(session, became_visible)
        for tid in became_visible:
            rows = subtrees.get(tid, [])
            notes = frozenset(i for t, i, r in rows if t == "ticket_comment" and r.get("internal"))
            for table, row_id, row in rows:
                if sees_row(viewer, table, row, facts_now.get(tid), notes):
                    text = json.dumps(
                        {"seq": head, "table": table, "id": row_id, "op": "upsert", "row": row}
                    )
                    upserts.append((_RANK.get(table, 999), head, text))
    upserts.sort(key=lambda x: (x[0], x[1]))
    deletes.sort(key=lambda x: (x[0], x[1]))
    texts = [t for _r, _s, t in upserts] + [t for _r, _s, t in deletes]
    total = len(texts)
    if total == 0:
        yield changes_text(cursor, head, [], total=0, final=True)
        return
    for start in range(0, total, page_rows):
        page = texts[start : start + page_rows]
        final = start + page_rows >= total
        yield changes_text(cursor, head, page, total=total, final=final)


_NEW = _Entity("", "", None, False, 0, "", None, None)


# --- snapshot ------------------------------------------------------------------------------


def snapshot_clause(viewer: Viewer, table: Table) -> ColumnElement[bool] | None:
    """Rows of ``table`` the viewer may see, as SQL (``core.visibility`` clauses)."""
    actor = viewer.actor
    name = table.name
    if name == "ticket":
        return vis.visible_tickets_clause(actor)
    if name == "ticket_comment":
        return vis.visible_comments_clause(actor)
    if name == "attachment":
        return vis.visible_attachments_clause(actor)
    if name == "ticket_history":
        return vis.visible_history_clause(actor)
    if name in ("ticket_task", "ticket_watcher", "feedback"):
        models: dict[str, Any] = {
            "ticket_task": TicketTask,
            "ticket_watcher": TicketWatcher,
            "feedback": Feedback,
        }
        model = models[name]
        return vis.visible_ticket_rows_clause(actor, model.ticket_id)
    if name == "knowledge_article":
        return vis.visible_articles_clause(actor)
    if name == "saved_search":
        return vis.visible_saved_searches_clause(actor)
    if name == "notification":
        return vis.visible_notifications_clause(actor)
    return true()


def snapshot_pages(
    session: Session, viewer: Viewer, head: int, page_rows: int, server_id: str
) -> Iterator[str]:
    """``snapshot_page`` messages for every visible row, then ``snapshot_done``.

    On SQLite each row's JSON is built by SQLite itself (``json_object``), converting the
    stored forms (hex UUIDs, naive UTC timestamps, 0/1 booleans) to the wire's spelling, so
    Python only joins strings: a 100,000-ticket snapshot is bound by the socket, not by
    per-value Python code. Elsewhere the rows go through the generic encoder.
    """
    tables = list(Base.metadata.sorted_tables)
    counts: dict[str, int] = {}
    for table in tables:
        clause = snapshot_clause(viewer, table)
        counts[table.name] = int(
            session.scalar(select(func.count()).select_from(table).where(clause)) or 0  # type: ignore[arg-type]
        )
    total = sum(counts.values())
    pages = sum(-(-n // page_rows) for n in counts.values())
    page = 0
    fast = session.get_bind().dialect.name == "sqlite"
    for table in tables:
        if not counts[table.name]:
            continue
        clause = snapshot_clause(viewer, table)
        order = [table.c.id] if "id" in table.c else []
        if fast:
            stmt = select(_sqlite_row_json(table)).select_from(table).where(clause).order_by(*order)  # type: ignore[arg-type]
            result = session.execute(stmt.execution_options(yield_per=page_rows))
            for part in result.partitions(page_rows):
                page += 1
                body = ",".join(r[0] for r in part)
                yield _page_text(head, table.name, body, page, pages, total)
            continue
        encoders = [(c.key, _encoder(c)) for c in table.columns]
        stmt2 = select(*table.columns).where(clause).order_by(*order)  # type: ignore[arg-type]
        result2 = session.execute(stmt2.execution_options(yield_per=page_rows))
        for part in result2.partitions(page_rows):
            page += 1
            rows = [
                {
                    k: (None if v is None else enc(v))
                    for (k, enc), v in zip(encoders, r, strict=True)
                }
                for r in part
            ]
            yield _page_text(head, table.name, json.dumps(rows)[1:-1], page, pages, total)
    yield p.dump(p.SnapshotDone(cursor=head, server_id=server_id))


def _page_text(head: int, table: str, rows_json: str, page: int, pages: int, total: int) -> str:
    return (
        f'{{"type":"snapshot_page","v":{p.PROTOCOL_VERSION},"snapshot_seq":{head},'
        f'"table":{json.dumps(table)},"rows":[{rows_json}],"page":{page},'
        f'"pages":{pages},"total":{total}}}'
    )


def _sqlite_row_json(table: Table) -> Any:
    """``json_object(...)`` of a row in the wire's spelling (what ``rowcodec.encode_row`` gives)."""
    args: list[Any] = []
    for column in table.columns:
        raw: Any = literal_column(f'"{table.name}"."{column.name}"')
        kind = column.type
        if isinstance(kind, Uuid):
            value: Any = case(
                (raw.is_(None), null()),
                else_=func.lower(
                    func.substr(raw, 1, 8)
                    + "-"
                    + func.substr(raw, 9, 4)
                    + "-"
                    + func.substr(raw, 13, 4)
                    + "-"
                    + func.substr(raw, 17, 4)
                    + "-"
                    + func.substr(raw, 21)
                ),
            )
        elif isinstance(kind, UTCDateTime):
            value = case(
                (raw.is_(None), null()),
                else_=func.replace(func.replace(raw, " ", "T"), ".000000", "") + "+00:00",
            )
        elif isinstance(kind, Boolean):
            value = case(
                (raw.is_(None), null()), (raw != 0, func.json("true")), else_=func.json("false")
            )
        elif isinstance(kind, JSON):
            value = func.json(raw)
        else:
            value = raw
        args += [literal(column.key), value]
    return func.json_object(*args)


def _encoder(column: Any) -> Any:
    if isinstance(column.type, Uuid):
        return str
    if isinstance(column.type, UTCDateTime):
        return datetime.isoformat
    return encode_value
