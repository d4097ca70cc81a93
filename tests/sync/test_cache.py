"""The local cache on a real migrated SQLite file, with no server: transactions and rebase.

A ``MiniServer`` (the same mutators run authoritatively on a second SQLite file) produces the
server's rows, so every batch here is what a real server would send for those mutations.
The reference for "server rows at the cursor + pending replayed" is a second cache that gets
the same batches and then runs the pending mutations itself.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from acero_desktop.core.actor import load_actor
from acero_desktop.core.errors import AceroError
from acero_desktop.core.ids import uuid7
from acero_desktop.core.mutations import MutationContext, run_mutation
from acero_desktop.core.rowcodec import encode_mapping, encode_row
from acero_desktop.models import (
    Base,
    Channel,
    Role,
    Team,
    TeamMember,
    Ticket,
    TicketCategory,
    TicketComment,
    User,
)
from acero_desktop.store import make_engine, session_factory, upgrade
from acero_desktop.store.engine import sqlite_url
from acero_desktop.sync.cache import (
    Acknowledgement,
    CursorGap,
    LocalCache,
    Rejection,
    ServerBatch,
    ServerFrame,
    ServerRow,
)
from acero_desktop.sync.tables import OutboxEntry, ShadowRow, SyncMeta

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_BLANKS: dict[str, Path] = {}


def _blank(kind: str) -> Path:
    """An empty migrated file (a server store or a client cache), made once and copied: the
    migrations take a second or two, which a property test must not pay per example."""
    if kind not in _BLANKS:
        path = Path(tempfile.mkdtemp(prefix="acero-blank-")) / f"{kind}.db"
        if kind == "server":
            engine = make_engine(sqlite_url(path))
            upgrade(engine)
            engine.dispose()
        else:
            LocalCache.open(path).close()
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        _BLANKS[kind] = path
    return _BLANKS[kind]


def open_cache(path: Path) -> LocalCache:
    """LocalCache.open on a copy of a blank migrated cache (same schema, no migration run)."""
    shutil.copyfile(_blank("client"), path)
    cache = LocalCache(make_engine(sqlite_url(path), foreign_keys=False))
    cache._ensure_meta()
    with cache._write() as s:  # a new installation: its own client id
        s.get(SyncMeta, 1).client_id = uuid7()  # type: ignore[union-attr]
    return cache


class MiniServer:
    """The server's half in miniature: authoritative mutators, numbered row changes."""

    def __init__(self, path: Path) -> None:
        shutil.copyfile(_blank("server"), path)
        self.engine: Engine = make_engine(sqlite_url(path))
        self.sessions = session_factory(self.engine)
        self.seq = 0
        self.log: list[tuple[int, int, list[ServerRow]]] = []
        self.users: dict[str, uuid.UUID] = {}
        self.category: uuid.UUID | None = None
        self.clock = T0

    def close(self) -> None:
        self.engine.dispose()

    def _number(
        self, changes: list[tuple[str, str, str, dict[str, Any] | None]]
    ) -> list[ServerRow]:
        rows = []
        for table, row_id, op, row in changes:
            self.seq += 1
            rows.append(ServerRow(self.seq, table, row_id, op, row))
        return rows

    def seed(self) -> tuple[int | None, int, list[ServerRow]]:
        """Users agent, agent2 (same team), requester; a team; a category routed to it."""
        with self.sessions() as s:
            made: list[Base] = []
            for name, role in (
                ("agent", Role.AGENT),
                ("agent2", Role.AGENT),
                ("requester", Role.REQUESTER),
            ):
                u = User(
                    id=uuid.uuid4(),
                    username=name,
                    name=name.title(),
                    email=f"{name}@example.org",
                    role=role,
                    created_at=T0,
                )
                made.append(u)
                self.users[name] = u.id
            team = Team(id=uuid.uuid4(), name="Network")
            made.append(team)
            s.add_all(made)
            s.flush()
            for name in ("agent", "agent2"):
                made.append(TeamMember(id=uuid.uuid4(), team_id=team.id, user_id=self.users[name]))
            cat = TicketCategory(id=uuid.uuid4(), name="VPN", default_team_id=team.id)
            made.append(cat)
            self.category = cat.id
            s.add_all(made[-3:])
            s.flush()
            changes = [(o.__tablename__, str(o.id), "upsert", encode_row(o)) for o in made]
            s.commit()
        return self._batch(changes)

    def run(
        self, user: str, name: str, args: dict[str, Any], key: str = ""
    ) -> tuple[int | None, int, list[ServerRow]]:
        """Apply a mutation as ``user``; the batch every client would get."""
        self.clock += timedelta(seconds=1)
        with self.sessions() as s:
            actor = load_actor(s, self.users[user])
            ctx = MutationContext(
                s, actor, self.clock, channel=Channel.DESKTOP, authoritative=True, key=key
            )
            changes = run_mutation(ctx, name, args)
            s.commit()
        return self._batch([(c.table, c.id, c.op, c.row) for c in changes])

    def _batch(
        self, changes: list[tuple[str, str, str, dict[str, Any] | None]]
    ) -> tuple[int | None, int, list[ServerRow]]:
        start = self.seq if self.seq else None
        rows = self._number(changes)
        batch = (start, self.seq, rows)
        self.log.append((start or 0, self.seq, rows))
        return batch


def tables_of(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every domain table's rows, encoded and sorted: what the UI can read."""
    out: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            from acero_desktop.core.rowcodec import model_for_table

            model = model_for_table(table.name)
            rows = [encode_mapping(model, r) for r in conn.execute(select(table)).mappings()]
            out[table.name] = sorted(rows, key=lambda r: str(r.get("id")))
    return out


def reference(
    tmp_path: Path,
    server: MiniServer,
    cache: LocalCache,
    user_id: uuid.UUID,
    mirror: LocalCache | None = None,
) -> LocalCache:
    """A second cache holding the server's rows at ``cache``'s cursor plus its pending
    mutations, run afresh in order (those that fail now are left out, as a replay does).

    ``mirror``: a cache that got the same batches and never had an outbox (the server's rows
    at the cursor); copied instead of applying every batch again.
    """
    path = tmp_path / f"ref-{uuid.uuid4().hex[:6]}.db"
    if mirror is not None:
        src = sqlite3.connect(mirror.engine.url.database or "")
        dst = sqlite3.connect(path)
        src.backup(dst)
        src.close()
        dst.close()
        ref = LocalCache(make_engine(sqlite_url(path), foreign_keys=False))
    else:
        ref = open_cache(path)
        cursor = cache.meta().cursor
        for start, end, rows in server.log:
            if cursor is None or end > cursor:
                break
            ref.apply_server_batch(start or None, end, rows)
    ref.set_identity(user_id=user_id)
    client_id = cache.meta().client_id
    for entry in cache.pending():
        # Same client id and mutation id: the same mutation key, so the same derived row ids.
        with ref._write() as s:
            meta = s.get(SyncMeta, 1)
            assert meta is not None
            meta.client_id, meta.next_mutation_id = client_id, entry.mutation_id
        with contextlib.suppress(AceroError, SQLAlchemyError):
            ref.mutate(entry.name, entry.args, now=entry.ts)
    return ref


@pytest.fixture
def mini(tmp_path: Path) -> Any:
    server = MiniServer(tmp_path / "mini-server.db")
    yield server
    server.close()


@pytest.fixture
def cache(tmp_path: Path, mini: MiniServer) -> Any:
    """The agent's cache, holding the seeded world."""
    c = open_cache(tmp_path / "cache.db")
    c.apply_server_batch(*mini.seed())
    c.set_identity(user_id=mini.users["agent"])
    yield c
    c.close()


def ticket_args(title: str = "VPN drops every hour", **kw: Any) -> dict[str, Any]:
    return {"id": str(uuid7()), "title": title, "description": "since Monday", **kw}


def open_ticket(mini: MiniServer, cache: LocalCache, title: str = "Server ticket") -> str:
    """A ticket made on the server by the requester and delivered to the cache."""
    args = ticket_args(title, category_id=str(mini.category))
    cache.apply_server_batch(*mini.run("requester", "ticket.create", args))
    return str(args["id"])


def ticket(cache: LocalCache, ticket_id: str) -> Ticket | None:
    with cache.session() as s:
        return s.get(Ticket, uuid.UUID(ticket_id))


# --- one transaction for a change and its outbox entry -----------------------------------------


def test_change_and_outbox_entry_are_refused_together(cache: LocalCache) -> None:
    """The outbox insert fails after the change was flushed: neither remains."""
    with cache.engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER boom BEFORE INSERT ON client_outbox BEGIN "
            "SELECT RAISE(ABORT, 'disk says no'); END"
        )
    before = tables_of(cache.engine)
    args = ticket_args()
    with pytest.raises(Exception, match="disk says no"):
        cache.mutate("ticket.create", args)
    assert tables_of(cache.engine) == before
    assert cache.pending() == []
    assert cache.meta().next_mutation_id == 1
    with cache.session() as s:
        assert s.scalars(select(ShadowRow)).all() == []


def test_change_refused_by_the_mutator_writes_nothing(cache: LocalCache) -> None:
    before = tables_of(cache.engine)
    with pytest.raises(AceroError):
        cache.mutate("ticket.update", {"id": str(uuid7()), "title": "no such ticket"})
    with pytest.raises(AceroError):
        cache.mutate("ticket.create", {"id": str(uuid7()), "title": ""})
    assert tables_of(cache.engine) == before
    assert cache.pending() == []
    assert cache.meta().next_mutation_id == 1


_HOLD_OPEN = textwrap.dedent(
    """
    import sys, time
    from sqlalchemy import event, func, select
    from sqlalchemy.orm import Session
    from acero_desktop.sync.cache import LocalCache
    from acero_desktop.sync.tables import OutboxEntry

    cache = LocalCache.open(sys.argv[1])

    @event.listens_for(Session, "before_commit")
    def hold(session):
        session.flush()
        n = session.scalar(select(func.count()).select_from(OutboxEntry))
        print(f"inside the transaction, outbox has {n}", flush=True)
        time.sleep(600)

    cache.mutate("ticket.create", {"id": sys.argv[2], "title": "Made before the crash"})
    """
)


def test_kill_inside_the_write_transaction_loses_both(cache: LocalCache, tmp_path: Path) -> None:
    """SIGKILL while the change and its outbox row are written but not committed: on reopening
    the file neither is there (and the file is sound)."""
    path = Path(cache.engine.url.database or "")
    before = tables_of(cache.engine)
    cache.close()
    tid = str(uuid7())
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD_OPEN, str(path), tid],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("inside the transaction, outbox has 1"), line + (
            proc.stderr.read() if proc.stderr else ""
        )
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    reopened = LocalCache.open(path)
    try:
        assert reopened.pending() == []
        assert reopened.meta().next_mutation_id == 1
        assert ticket(reopened, tid) is None
        assert tables_of(reopened.engine) == before
        with reopened.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        # And the cache still works: the same change goes through now.
        reopened.mutate("ticket.create", {"id": tid, "title": "Made after the crash"})
        assert [e.mutation_id for e in reopened.pending()] == [1]
    finally:
        reopened.close()


# --- rebase ------------------------------------------------------------------------------------


def test_server_batch_is_rebased_under_pending_mutations(
    tmp_path: Path, mini: MiniServer, cache: LocalCache
) -> None:
    """Server changes to the same rows arrive while the agent has pending edits: the cache is
    the server's rows with the pending mutations replayed on top, field by field."""
    tid = open_ticket(mini, cache)
    mine = ticket_args("Printer jams", category_id=str(mini.category))
    cache.mutate("ticket.create", mine)
    cache.mutate("ticket.update", {"id": tid, "priority": "high"})
    cache.mutate("comment.add", {"id": str(uuid7()), "ticket_id": tid, "body": "On it."})
    # Meanwhile on the server: the requester retitles the ticket, agent2 comments.
    cache.apply_server_batch(
        *mini.run("requester", "ticket.update", {"id": tid, "title": "VPN down for everyone"})
    )
    cache.apply_server_batch(
        *mini.run(
            "agent2", "comment.add", {"id": str(uuid7()), "ticket_id": tid, "body": "Same here"}
        )
    )
    shown = ticket(cache, tid)
    assert shown is not None
    assert shown.title == "VPN down for everyone"  # the server's field
    assert shown.priority.value == "high"  # my pending field on top
    assert ticket(cache, mine["id"]) is not None  # my pending ticket, not numbered yet
    assert ticket(cache, mine["id"]).number is None  # type: ignore[union-attr]
    with cache.session() as s:
        bodies = sorted(c.body for c in s.scalars(select(TicketComment)))
    assert bodies == ["On it.", "Same here"]
    ref = reference(tmp_path, mini, cache, mini.users["agent"])
    try:
        assert tables_of(cache.engine) == tables_of(ref.engine)
    finally:
        ref.close()


def test_optimistic_derived_rows_have_the_server_ids(mini: MiniServer, cache: LocalCache) -> None:
    """The cache runs a mutation with the key the server uses (client id : mutation id), so the
    rows the mutator derives ids for (history here) are the server's rows, not look-alikes: the
    server's batch replaces them in place, and a replay after it derives the same ids again."""
    tid = open_ticket(mini, cache)
    at = mini.clock + timedelta(seconds=1)  # the time MiniServer.run gives the next mutation
    args = {"id": tid, "priority": "urgent"}
    local = cache.mutate("ticket.update", args, now=at)
    mine = {(c.table, c.id) for c in local.changes if c.table == "ticket_history"}
    assert mine, "ticket.update writes a history row"
    key = f"{cache.meta().client_id}:{local.mutation_id}"
    batch = mini.run("agent", "ticket.update", args, key=key)
    theirs = {(r.table, r.id) for r in batch[2] if r.table == "ticket_history"}
    assert mine == theirs
    # Another pending change keeps the outbox non-empty, so the batch is replayed under it.
    cache.mutate("comment.add", {"id": str(uuid7()), "ticket_id": tid, "body": "later"})
    cache.apply_server_batch(*batch)
    with cache.session() as s:
        rows = (
            s.connection()
            .exec_driver_sql("SELECT id FROM ticket_history WHERE field = 'priority'")
            .all()
        )
    assert {str(uuid.UUID(r[0])) for r in rows} == {i for _, i in theirs}  # one row, not two


def test_pending_change_that_no_longer_applies_shows_nothing(
    mini: MiniServer, cache: LocalCache
) -> None:
    """The server cancelled the ticket meanwhile: my pending status change cannot replay, so
    the cache shows the server's state (the server's answer will make it a sync issue)."""
    tid = open_ticket(mini, cache)
    cache.mutate("ticket.set_status", {"id": tid, "from_status": "new", "to_status": "in_progress"})
    assert ticket(cache, tid).status.value == "in_progress"  # type: ignore[union-attr]
    report = cache.apply_server_batch(
        *mini.run(
            "requester",
            "ticket.set_status",
            {"id": tid, "to_status": "cancelled", "cancel_reason": "withdrawn"},
        )
    )
    assert report.replay_failed == [1]
    assert ticket(cache, tid).status.value == "cancelled"  # type: ignore[union-attr]
    assert [e.mutation_id for e in cache.pending()] == [1]


def test_rejected_mutation_becomes_a_sync_issue_and_its_effect_disappears(
    tmp_path: Path, mini: MiniServer, cache: LocalCache
) -> None:
    tid = open_ticket(mini, cache)
    cache.mutate(
        "ticket.update", {"id": tid, "title": "My better title", "base_title": "Server ticket"}
    )
    cache.mutate("comment.add", {"id": str(uuid7()), "ticket_id": tid, "body": "kept"})
    assert ticket(cache, tid).title == "My better title"  # type: ignore[union-attr]
    # Meanwhile the requester retitled it: my edit, based on the old title, is refused.
    cache.apply_server_batch(
        *mini.run("requester", "ticket.update", {"id": tid, "title": "Retitled by requester"})
    )
    report = cache.reject(1, "conflict", "The title of ACR-1 was changed by someone else.")
    assert [e.mutation_id for e in cache.pending()] == [2]
    issues = cache.issues()
    assert [(i.mutation_id, i.code, i.name) for i in issues] == [(1, "conflict", "ticket.update")]
    assert "changed by someone else" in issues[0].message
    assert ticket(cache, tid).title == "Retitled by requester"  # type: ignore[union-attr]
    assert tid in report.touched["ticket"]
    ref = reference(tmp_path, mini, cache, mini.users["agent"])
    try:  # exactly the server's rows with the comment (still pending) on top
        assert tables_of(cache.engine) == tables_of(ref.engine)
    finally:
        ref.close()
    with cache.session() as s:
        assert [c.body for c in s.scalars(select(TicketComment))] == ["kept"]
    # Rejecting it again (a duplicate answer) records nothing more.
    cache.reject(1, "conflict", "again")
    assert len(cache.issues()) == 1


def test_acknowledged_mutation_leaves_when_the_cursor_passes_its_seq(
    mini: MiniServer, cache: LocalCache
) -> None:
    tid = open_ticket(mini, cache)
    cache.mutate("ticket.update", {"id": tid, "priority": "urgent"})
    cache.mutate("ticket.update", {"id": tid, "priority": "low"})
    # The server applies #1; its answer comes before its changes reach us.
    start, end, rows = mini.run("agent", "ticket.update", {"id": tid, "priority": "urgent"})
    report = cache.acknowledge(1, end)
    assert report.confirmed == []
    assert [(e.mutation_id, e.ack_seq) for e in cache.pending()] == [(1, end), (2, None)]
    report = cache.apply_server_batch(start, end, rows)
    assert report.confirmed == [1]
    assert [e.mutation_id for e in cache.pending()] == [2]
    assert ticket(cache, tid).priority.value == "low"  # type: ignore[union-attr]
    # #2's answer comes after its changes: it leaves at once.
    cache.apply_server_batch(*mini.run("agent", "ticket.update", {"id": tid, "priority": "low"}))
    report = cache.acknowledge(2, mini.seq)
    assert report.confirmed == [2]
    assert cache.pending() == []
    with cache.session() as s:
        assert s.scalars(select(ShadowRow)).all() == []


def test_batch_not_starting_at_the_cursor_is_refused_whole(
    mini: MiniServer, cache: LocalCache
) -> None:
    tid = open_ticket(mini, cache)
    cursor = cache.meta().cursor
    first = mini.run("agent2", "ticket.update", {"id": tid, "priority": "high"})
    second = mini.run("agent2", "ticket.update", {"id": tid, "priority": "low"})
    before = tables_of(cache.engine)
    with pytest.raises(CursorGap):
        cache.apply_server_batch(*second)  # the first was missed
    assert tables_of(cache.engine) == before
    assert cache.meta().cursor == cursor
    cache.apply_server_batch(*first)
    with pytest.raises(CursorGap):
        cache.apply_server_batch(*first)  # the same batch twice
    cache.apply_server_batch(*second)
    assert ticket(cache, tid).priority.value == "low"  # type: ignore[union-attr]


def test_catch_up_pages_move_the_cursor_with_the_final_page_only(
    mini: MiniServer, cache: LocalCache
) -> None:
    cursor = cache.meta().cursor
    a = ticket_args("First", category_id=str(mini.category))
    b = ticket_args("Second", category_id=str(mini.category))
    _, _, rows_a = mini.run("requester", "ticket.create", a)
    _, end, rows_b = mini.run("requester", "ticket.create", b)
    cache.apply_server_batch(cursor, end, rows_a, final=False)
    assert cache.meta().cursor == cursor
    assert ticket(cache, a["id"]) is not None
    # A crash here and a new catch-up from the same cursor stores the same rows again.
    cache.apply_server_batch(cursor, end, rows_a, final=False)
    cache.apply_server_batch(cursor, end, rows_b, final=True)
    assert cache.meta().cursor == end
    assert ticket(cache, b["id"]) is not None


def test_snapshot_swap_keeps_the_outbox_and_replays_it(mini: MiniServer, cache: LocalCache) -> None:
    tid = open_ticket(mini, cache)
    gone = open_ticket(mini, cache, "Not in the snapshot")
    mine = ticket_args("Made offline", category_id=str(mini.category))
    cache.mutate("ticket.create", mine)
    cache.mutate("ticket.update", {"id": tid, "priority": "urgent"})
    cache.acknowledge(2, 10_000)  # an answer of the old server: forgotten by the swap
    # The snapshot: every row of the mini server except the second ticket (and its children).
    with mini.sessions() as s:
        pages: dict[str, list[dict[str, Any]]] = {}
        for table in Base.metadata.sorted_tables:
            from acero_desktop.core.rowcodec import model_for_table

            model = model_for_table(table.name)
            rows = [encode_row(o) for o in s.scalars(select(model))]  # type: ignore[arg-type]
            rows = [r for r in rows if gone not in (r.get("id"), r.get("ticket_id"))]
            if rows:
                pages[table.name] = rows
    cache.begin_snapshot()
    for name, rows in pages.items():
        cache.stage_snapshot_page(name, rows[: len(rows) // 2 + 1])
        cache.stage_snapshot_page(name, rows[len(rows) // 2 + 1 :])
    # A local change while the snapshot streams in is kept too.
    cache.mutate("comment.add", {"id": str(uuid7()), "ticket_id": tid, "body": "during"})
    report = cache.finish_snapshot(77, "server-two")
    assert report.full_reload
    meta = cache.meta()
    assert (meta.cursor, meta.server_id) == (77, "server-two")
    assert [(e.mutation_id, e.ack_seq) for e in cache.pending()] == [
        (1, None),
        (2, None),
        (3, None),
    ]
    assert ticket(cache, gone) is None
    assert ticket(cache, mine["id"]) is not None
    assert ticket(cache, tid).priority.value == "urgent"  # type: ignore[union-attr]
    with cache.session() as s:
        assert [c.body for c in s.scalars(select(TicketComment))] == ["during"]
        # No staging table is left behind.
        names = {
            r[0]
            for r in s.connection().exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type='table'"
            )
        }
    assert not [n for n in names if n.startswith("stage_")]
    # Nor the staging file beside the cache (it is written without a journal: never reused).
    assert not Path(f"{cache.engine.url.database}-stage").exists()


def test_snapshot_started_again_begins_with_an_empty_staging_file(
    mini: MiniServer, cache: LocalCache
) -> None:
    """A session that drops mid-snapshot leaves staged pages; the next snapshot starts over."""
    tid = open_ticket(mini, cache)
    with mini.sessions() as s:
        rows = {t: [encode_row(o) for o in s.scalars(select(m))] for t, m in _SNAPSHOT_MODELS}
    cache.begin_snapshot()
    cache.stage_snapshot_page("ticket", rows["ticket"])  # then the connection drops
    cache.begin_snapshot()
    for table, page in rows.items():
        if table != "ticket":
            cache.stage_snapshot_page(table, page)
    cache.finish_snapshot(5, "server-one")
    assert ticket(cache, tid) is None  # only what the second snapshot staged


_SNAPSHOT_MODELS = [("user", User), ("team", Team), ("team_member", TeamMember), ("ticket", Ticket)]


# --- renumbering for a server that lost (or never had) our record --------------------------------


def _queue(cache: LocalCache, mini: MiniServer, n: int) -> str:
    tid = open_ticket(mini, cache)
    for i in range(n):
        cache.mutate("comment.add", {"id": str(uuid7()), "ticket_id": tid, "body": f"c{i}"})
    return tid


def _set_next(cache: LocalCache, first: int) -> None:
    """Pretend ids below ``first`` were used and confirmed earlier."""
    with cache._write() as s:
        entries = list(s.scalars(select(OutboxEntry).order_by(OutboxEntry.mutation_id)))
        rows = [(e.name, e.args, e.ts) for e in entries]
        for e in entries:
            s.delete(e)
        s.flush()
        for i, (name, args, ts) in enumerate(rows):
            s.add(OutboxEntry(mutation_id=first + i, name=name, args=args, ts=ts))
        s.get(SyncMeta, 1).next_mutation_id = first + len(rows)  # type: ignore[union-attr]


def test_renumber_for_a_server_without_our_record(mini: MiniServer, cache: LocalCache) -> None:
    _queue(cache, mini, 3)
    _set_next(cache, 7)
    bodies = [e.args["body"] for e in cache.pending()]
    cache.renumber_outbox(0)
    assert [e.mutation_id for e in cache.pending()] == [1, 2, 3]
    assert [e.args["body"] for e in cache.pending()] == bodies
    assert cache.meta().next_mutation_id == 4


def test_renumber_leaves_ids_the_server_already_processed(
    mini: MiniServer, cache: LocalCache
) -> None:
    """The server applied #3..#5 but its answers were lost (it crashed, the link was cut).
    Those ids must be sent again as they are, to be answered ``duplicate``: renumbering them
    past the server's last id would apply the same changes a second time."""
    _queue(cache, mini, 3)
    _set_next(cache, 3)
    cache.renumber_outbox(5)
    assert [e.mutation_id for e in cache.pending()] == [3, 4, 5]
    assert cache.meta().next_mutation_id == 6
    cache.renumber_outbox(4)  # processed up to #4: #5 is next anyway
    assert [e.mutation_id for e in cache.pending()] == [3, 4, 5]


def test_renumber_closes_holes_left_by_rejections(mini: MiniServer, cache: LocalCache) -> None:
    """#2 was rejected by the old server; a new server expects 1, 2, 3...: no gap may stay."""
    _queue(cache, mini, 3)
    cache.reject(2, "conflict", "refused")
    assert [e.mutation_id for e in cache.pending()] == [1, 3]
    cache.renumber_outbox(0)
    assert [e.mutation_id for e in cache.pending()] == [1, 2]
    assert cache.meta().next_mutation_id == 3


def test_renumber_with_an_empty_outbox_resets_the_next_id(cache: LocalCache) -> None:
    """Everything was confirmed by the old server; the new one has no record: the next change
    must be #1 there, not #6 (a gap the new server would refuse for ever)."""
    with cache._write() as s:
        s.get(SyncMeta, 1).next_mutation_id = 6  # type: ignore[union-attr]
    cache.renumber_outbox(0)
    assert cache.meta().next_mutation_id == 1
    assert cache.mutate("ticket.create", ticket_args()).mutation_id == 1


# --- a property: any interleaving of local changes and server batches -----------------------------

_OPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("local"),
            st.sampled_from(["create", "title", "priority", "status", "comment", "task"]),
            st.integers(0, 3),
        ),
        st.tuples(
            st.just("remote"),
            st.sampled_from(["create", "title", "priority", "status", "comment"]),
            st.integers(0, 3),
        ),
        st.tuples(st.just("answer"), st.sampled_from(["ack", "reject"]), st.integers(0, 3)),
    ),
    min_size=1,
    max_size=12,
)


def _args(
    kind: str, tickets: list[str], pick: int, category: uuid.UUID | None, tag: str
) -> tuple[str, dict[str, Any]] | None:
    if kind == "create":
        return "ticket.create", ticket_args(f"Ticket {tag}", category_id=str(category))
    if not tickets:
        return None
    tid = tickets[pick % len(tickets)]
    if kind == "title":
        return "ticket.update", {"id": tid, "title": f"Title {tag}"}
    if kind == "priority":
        return "ticket.update", {"id": tid, "priority": ["low", "normal", "high", "urgent"][pick]}
    if kind == "status":
        to = ["assigned", "in_progress", "cancelled", "in_progress"][pick]
        extra = {"cancel_reason": "duplicate"} if to == "cancelled" else {}
        return "ticket.set_status", {"id": tid, "to_status": to, **extra}
    if kind == "comment":
        return "comment.add", {"id": str(uuid7()), "ticket_id": tid, "body": f"Comment {tag}"}
    return "task.add", {"id": str(uuid7()), "ticket_id": tid, "title": f"Task {tag}"}


class _Mirrored:
    """The cache under test, and a twin that only ever gets the server's batches."""

    def __init__(self, cache: LocalCache, mirror: LocalCache) -> None:
        self.cache = cache
        self.mirror = mirror

    def batch(self, start: int | None, end: int, rows: list[ServerRow]) -> None:
        self.cache.apply_server_batch(start, end, rows)
        self.mirror.apply_server_batch(start, end, rows)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=_OPS)
def test_cache_is_always_server_rows_plus_pending_replayed(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, str, int]]
) -> None:
    """After every step, whatever the order of local edits, server batches and answers, the
    cache equals a fresh copy of the server's rows at its cursor with the pending mutations run
    on top; and a cache whose outbox drained equals the server."""
    tmp = tmp_path_factory.mktemp("prop")
    mini = MiniServer(tmp / "mini.db")
    cache = open_cache(tmp / "cache.db")
    mirror = open_cache(tmp / "mirror.db")
    both = _Mirrored(cache, mirror)
    try:
        both.batch(*mini.seed())
        cache.set_identity(user_id=mini.users["agent"])
        tickets: list[str] = []
        sent: list[tuple[int, str, dict[str, Any]]] = []  # queued here, not yet at the server
        client_key = "test-client"
        for step, (who, kind, pick) in enumerate(ops):
            tag = str(step)
            if who == "local":
                made = _args(kind, tickets, pick, mini.category, tag)
                if made is None:
                    continue
                try:
                    res = cache.mutate(*made)
                except AceroError:
                    continue
                sent.append((res.mutation_id, *made))
                if made[0] == "ticket.create":
                    tickets.append(made[1]["id"])
            elif who == "remote":
                made = _args(kind, tickets, pick, mini.category, tag)
                if made is None:
                    continue
                try:
                    batch = mini.run("agent2", *made)
                except AceroError:
                    continue
                if made[0] == "ticket.create":
                    tickets.append(made[1]["id"])
                both.batch(*batch)
            elif sent:
                mid, name, args = sent.pop(0)
                try:
                    batch = mini.run("agent", name, args, key=f"{client_key}:{mid}")
                except AceroError as exc:
                    cache.reject(mid, exc.code, exc.message)
                    continue
                if kind == "ack":  # the answer first, then the changes
                    cache.acknowledge(mid, batch[1])
                    both.batch(*batch)
                else:  # the changes first, then the answer
                    both.batch(*batch)
                    cache.acknowledge(mid, batch[1])
            ref = reference(tmp, mini, cache, mini.users["agent"], mirror)
            try:
                assert tables_of(cache.engine) == tables_of(ref.engine), f"after step {step}"
            finally:
                ref.close()
        # Drain: the server takes everything still queued.
        while sent:
            mid, name, args = sent.pop(0)
            try:
                batch = mini.run("agent", name, args, key=f"{client_key}:{mid}")
            except AceroError as exc:
                cache.reject(mid, exc.code, exc.message)
                continue
            both.batch(*batch)
            cache.acknowledge(mid, batch[1])
        assert cache.pending() == []
        assert tables_of(cache.engine) == tables_of(mini.engine)
    finally:
        cache.close()
        mirror.close()
        mini.close()


def test_renumber_forgets_answers_the_server_never_gave(
    mini: MiniServer, cache: LocalCache
) -> None:
    """#1 and #2 were acknowledged by the old server (not yet confirmed by the cursor); the new
    one has no record of them: they must be sent again, not wait for a seq that never comes."""
    _queue(cache, mini, 2)
    cache.acknowledge(1, 10_000)
    cache.acknowledge(2, 10_001)
    cache.renumber_outbox(0)
    assert [(e.mutation_id, e.ack_seq) for e in cache.pending()] == [(1, None), (2, None)]


# --- several server frames stored in one transaction with one rebase (issue 4) ------------------


def _server_takes(
    mini: MiniServer, cache: LocalCache, entries: list[OutboxEntry], *, answer_first: bool = False
) -> list[ServerFrame]:
    """The frames a server sends while it applies ``entries`` in order (with the cache's keys):
    each mutation's ``changes`` batch and its push result (or its refusal)."""
    client_id = cache.meta().client_id
    frames: list[ServerFrame] = []
    for entry in entries:
        try:
            start, end, rows = mini.run(
                "agent", entry.name, entry.args, key=f"{client_id}:{entry.mutation_id}"
            )
        except AceroError as exc:
            frames.append(Rejection(entry.mutation_id, exc.code, exc.message))
            continue
        batch = ServerBatch(start, end, rows)
        ack = Acknowledgement(entry.mutation_id, end)
        frames.extend([ack, batch] if answer_first else [batch, ack])
    return frames


def test_a_burst_of_frames_is_one_rebase(
    tmp_path: Path, mini: MiniServer, cache: LocalCache
) -> None:
    """The server's answers to 40 of 60 pending changes, plus another user's change, arrive
    together: one transaction replays the 20 still pending once (one by one, every frame would
    replay them all), and the cache is the server's rows plus those 20, as frame by frame."""
    tid = open_ticket(mini, cache)
    for i in range(60):
        if i % 3 == 2:
            cache.mutate("ticket.update", {"id": tid, "priority": ("low", "high")[i % 2]})
        else:
            cache.mutate("comment.add", {"id": str(uuid7()), "ticket_id": tid, "body": f"c{i}"})
    pending = cache.pending()
    frames = _server_takes(mini, cache, pending[:25])
    other = mini.run("agent2", "ticket.update", {"id": tid, "title": "Seen by two"})
    frames.append(ServerBatch(*other))
    frames += _server_takes(mini, cache, pending[25:40], answer_first=True)
    assert len(frames) == 81
    # The same frames one by one, on a copy, for comparison.
    one_by_one = tmp_path / "one-by-one.db"
    src, dst = sqlite3.connect(cache.engine.url.database or ""), sqlite3.connect(one_by_one)
    src.backup(dst)
    src.close()
    dst.close()
    twin = LocalCache(make_engine(sqlite_url(one_by_one), foreign_keys=False))
    rebases = replayed = 0
    for frame in frames:
        report = twin.apply_frames([frame])
        rebases, replayed = rebases + report.rebases, replayed + report.replayed
    # Batch then answer: two rebases each; answer then batch: one; everything pending replayed.
    assert rebases == 2 * 25 + 1 + 15 and replayed > 20 * rebases

    report = cache.apply_frames(frames)
    assert (report.rebases, report.replayed) == (1, 20)
    assert sorted(report.confirmed) == [e.mutation_id for e in pending[:40]]
    assert [e.mutation_id for e in cache.pending()] == [e.mutation_id for e in pending[40:]]
    assert cache.meta().cursor == mini.seq
    ref = reference(tmp_path, mini, cache, mini.users["agent"])
    try:
        assert tables_of(cache.engine) == tables_of(ref.engine) == tables_of(twin.engine)
    finally:
        ref.close()
        twin.close()
    # The rest: the outbox drains and the cache is the server's rows.
    report = cache.apply_frames(_server_takes(mini, cache, pending[40:]))
    assert (report.rebases, report.replayed) == (1, 0)
    assert cache.pending() == []
    assert tables_of(cache.engine) == tables_of(mini.engine)


def test_frames_stop_at_a_batch_not_starting_at_the_cursor(
    mini: MiniServer, cache: LocalCache
) -> None:
    """The frames before it are stored; the gap is reported, not raised (the engine pulls
    from the cursor again); a gap at the first batch is refused whole, as before."""
    tid = _queue(cache, mini, 2)
    first, second = _server_takes(mini, cache, cache.pending())[::2]
    assert isinstance(first, ServerBatch) and isinstance(second, ServerBatch)
    missed = ServerBatch(second.to_seq + 5, second.to_seq + 6, [])
    report = cache.apply_frames([first, Acknowledgement(1, first.to_seq), missed, second])
    assert report.cursor_gap is not None
    assert cache.meta().cursor == first.to_seq
    assert [e.mutation_id for e in cache.pending()] == [2]
    with pytest.raises(CursorGap):
        cache.apply_frames([missed])
    assert ticket(cache, tid) is not None


def test_answers_behind_a_cursor_gap_are_still_stored(mini: MiniServer, cache: LocalCache) -> None:
    """Acknowledgements and refusals do not depend on the cursor: one by one, a batch refused
    for a gap leaves the answers around it stored, so frames stored together must too (else a
    refusal shows only after a reconnect, and an acknowledgement is asked for again)."""
    _queue(cache, mini, 3)
    one, two, three = cache.pending()
    cursor = cache.meta().cursor
    assert cursor is not None
    missed = ServerBatch(cursor + 5, cursor + 6, [])
    # A gap at the first frame, answers after it.
    report = cache.apply_frames(
        [missed, Rejection(one.mutation_id, "conflict", "No."), Acknowledgement(2, cursor + 9)]
    )
    assert report.cursor_gap is not None
    assert report.rejected == [one.mutation_id]
    assert [i.mutation_id for i in cache.issues()] == [one.mutation_id]
    assert [(e.mutation_id, e.ack_seq) for e in cache.pending()] == [(2, cursor + 9), (3, None)]
    # A gap in the middle, a refusal after it.
    ok = ServerBatch(cursor, cursor + 1, [])
    report = cache.apply_frames([ok, missed, Rejection(three.mutation_id, "conflict", "No.")])
    assert report.cursor_gap is not None and report.rejected == [three.mutation_id]
    assert cache.meta().cursor == cursor + 1
    assert [e.mutation_id for e in cache.pending()] == [two.mutation_id]


_FRAME_OPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("local"),
            st.sampled_from(["create", "title", "priority", "status", "comment", "task"]),
            st.integers(0, 3),
        ),
        st.tuples(
            st.just("remote"),
            st.sampled_from(["create", "title", "priority", "status", "comment"]),
            st.integers(0, 3),
        ),
        st.tuples(st.just("answer"), st.sampled_from(["ack", "ack first"]), st.integers(1, 3)),
        st.tuples(st.just("deliver"), st.just(""), st.integers(1, 6)),
    ),
    min_size=1,
    max_size=16,
)


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=_FRAME_OPS)
def test_frames_stored_together_equal_server_rows_plus_pending_replayed(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, str, int]]
) -> None:
    """Server frames (other users' batches, our mutations' batches and answers in either order,
    refusals) wait in a queue; ``deliver`` stores the first few in one apply_frames call. After
    each, the cache is the server's rows at its cursor plus the pending mutations replayed."""
    tmp = tmp_path_factory.mktemp("frames")
    mini = MiniServer(tmp / "mini.db")
    cache = open_cache(tmp / "cache.db")
    mirror = open_cache(tmp / "mirror.db")
    try:
        seed = mini.seed()
        cache.apply_server_batch(*seed)
        mirror.apply_server_batch(*seed)
        cache.set_identity(user_id=mini.users["agent"])
        tickets: list[str] = []
        queued: list[ServerFrame] = []
        taken = 0  # outbox entries the server has run
        for step, (who, kind, pick) in enumerate([*ops, ("deliver", "", 10_000)]):
            tag = str(step)
            if who in ("local", "remote"):
                made = _args(kind, tickets, pick, mini.category, tag)
                if made is None:
                    continue
                try:
                    if who == "local":
                        cache.mutate(*made)
                    else:
                        queued.append(ServerBatch(*mini.run("agent2", *made)))
                except AceroError:
                    continue
                if made[0] == "ticket.create":
                    tickets.append(made[1]["id"])
            elif who == "answer":
                entries = [e for e in cache.pending() if e.mutation_id > taken][:pick]
                queued += _server_takes(mini, cache, entries, answer_first=kind == "ack first")
                taken = max([taken, *(e.mutation_id for e in entries)])
            else:
                now, queued = queued[:pick], queued[pick:]
                if not now:
                    continue
                report = cache.apply_frames(now)
                assert report.rebases <= 1 and report.cursor_gap is None
                for frame in now:
                    if isinstance(frame, ServerBatch):
                        mirror.apply_server_batch(frame.from_seq, frame.to_seq, frame.rows)
                ref = reference(tmp, mini, cache, mini.users["agent"], mirror)
                try:
                    assert tables_of(cache.engine) == tables_of(ref.engine), f"after step {step}"
                finally:
                    ref.close()
    finally:
        cache.close()
        mirror.close()
        mini.close()


def test_a_refusal_among_frames_stored_together(
    tmp_path: Path, mini: MiniServer, cache: LocalCache
) -> None:
    """#1 and #3 applied, #2 refused by the server, #4 still pending, all answered at once: one
    rebase, #2 becomes a sync issue and its effect disappears, #4 stays on top."""
    tid = open_ticket(mini, cache)
    cache.mutate("comment.add", {"id": str(uuid7()), "ticket_id": tid, "body": "first"})
    cache.mutate("ticket.update", {"id": tid, "title": "Refused title"})
    cache.mutate("task.add", {"id": str(uuid7()), "ticket_id": tid, "title": "third"})
    cache.mutate("ticket.update", {"id": tid, "priority": "urgent"})
    one, two, three, _four = cache.pending()
    frames = [
        *_server_takes(mini, cache, [one]),
        Rejection(two.mutation_id, "conflict", "The title was changed by someone else."),
        *_server_takes(mini, cache, [three], answer_first=True),
    ]
    report = cache.apply_frames(frames)
    assert (report.rebases, report.replayed) == (1, 1)
    assert report.rejected == [two.mutation_id]
    assert sorted(report.confirmed) == [one.mutation_id, three.mutation_id]
    assert [i.mutation_id for i in cache.issues()] == [two.mutation_id]
    shown = ticket(cache, tid)
    assert shown is not None and shown.title == "Server ticket"
    assert shown.priority.value == "urgent"
    ref = reference(tmp_path, mini, cache, mini.users["agent"])
    try:
        assert tables_of(cache.engine) == tables_of(ref.engine)
    finally:
        ref.close()
