"""The client's local cache: domain tables the UI reads, plus the outbox and the rebase shadow.

Invariant: the domain tables always equal the server's rows at ``cursor`` with the pending
mutations of the outbox replayed on top, in order. Three transactions keep it:

- a local change: run the mutator on the cache, remember the confirmed state of every row it
  touches (the shadow) and append the outbox entry — one ``BEGIN IMMEDIATE`` transaction;
- a server batch: put shadowed rows back to their confirmed state, apply the server's rows,
  advance the cursor, drop the mutations the server confirmed, replay the rest — one transaction
  (for all the batches and push answers already waiting together: ``apply_frames``);
- a rejection: drop the mutation and record a sync issue, then rebase — one transaction.
"""

from __future__ import annotations

import functools
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, Table, delete, event, func, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from acero_desktop.core.actor import Actor, load_actor
from acero_desktop.core.errors import AceroError
from acero_desktop.core.ids import uuid7
from acero_desktop.core.rowcodec import (
    JsonRow,
    decode_row,
    encode_mapping,
    model_for_table,
    table_of,
)
from acero_desktop.models import Base, Channel
from acero_desktop.store import make_engine, session_factory, upgrade
from acero_desktop.store.engine import sqlite_url

from . import staging
from .migrations_set import CLIENT
from .tables import OutboxEntry, ShadowRow, SyncIssue, SyncMeta

if TYPE_CHECKING:
    from acero_desktop.core.mutations import RowChange


class CursorGap(RuntimeError):
    """A server batch does not start where the cache stands; pull from the cursor instead."""


@dataclass(frozen=True, slots=True)
class LocalResult:
    mutation_id: int
    changes: list[RowChange]


@dataclass(frozen=True, slots=True)
class ServerRow:
    """One row change from the server's change log."""

    seq: int
    table: str
    id: str
    op: str  # "upsert" | "delete"
    row: JsonRow | None = None
    # The change's origin, when it came from one of our own mutations.
    origin_client_id: str | None = None
    origin_mutation_id: int | None = None


@dataclass(frozen=True, slots=True)
class ServerBatch:
    """A ``changes`` frame: the server's rows in (from_seq, to_seq] (see apply_server_batch)."""

    from_seq: int | None
    to_seq: int
    rows: Sequence[ServerRow]
    final: bool = True


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """The server applied (or had applied) a mutation with effects at ``seq``."""

    mutation_id: int
    seq: int


@dataclass(frozen=True, slots=True)
class Rejection:
    """The server refused a mutation."""

    mutation_id: int
    code: str
    message: str


ServerFrame = ServerBatch | Acknowledgement | Rejection


@dataclass
class ApplyReport:
    """What a batch did, so the UI refreshes only those rows."""

    touched: dict[str, set[str]] = field(default_factory=dict)
    confirmed: list[int] = field(default_factory=list)
    replay_failed: list[int] = field(default_factory=list)
    # Mutations this call dropped as refused by the server (each now has a SyncIssue).
    rejected: list[int] = field(default_factory=list)
    # A snapshot replaced everything: views should reload rather than patch rows.
    full_reload: bool = False
    # apply_frames stopped at a batch that does not start at the cursor (the frames before it
    # are stored): pull from the cursor again. Holds the reason.
    cursor_gap: str | None = None
    # How many rebases ran and how many outbox entries they replayed in all.
    rebases: int = 0
    replayed: int = 0

    def touch(self, table: str, row_id: str) -> None:
        self.touched.setdefault(table, set()).add(row_id)


class LocalCache:
    """One user's cache file. All methods are synchronous; the sync engine runs them in a worker."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)
        # The cache owner as the rules see them, kept between local changes (loading it is
        # three queries); dropped whenever rows that shape it (user, team, membership) move.
        self._actor: Actor | None = None
        # The snapshot being staged, between begin_snapshot and finish_snapshot.
        self._stage: staging.Stage | None = None

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path) -> LocalCache:
        # A partial replica: rows may point at rows this user cannot see (see make_engine).
        engine = make_engine(sqlite_url(path), foreign_keys=False)
        upgrade(engine)
        upgrade(engine, CLIENT)
        cache = cls(engine)
        cache._ensure_meta()
        return cache

    def close(self) -> None:
        if self._stage is not None:
            self._stage.discard()
            self._stage = None
        self.engine.dispose()

    def _ensure_meta(self) -> None:
        with self._write() as session:
            if session.get(SyncMeta, 1) is None:
                session.add(SyncMeta(id=1, client_id=uuid7(), next_mutation_id=1))

    @contextmanager
    def _write(self, attach: Path | None = None) -> Iterator[Session]:
        """A write transaction taken at once (BEGIN IMMEDIATE), so two writers never deadlock.

        ``attach``: a database file attached as ``acero_stage`` for the transaction (SQLite
        attaches outside transactions only, so on the connection before it begins).
        """
        if attach is None:
            with self._sessions() as session:
                session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
                yield from self._committed(session)
            return
        with self.engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.execute(f"ATTACH DATABASE ? AS {staging.STAGE_SCHEMA}", (str(attach),))
            try:
                bound = conn.execution_options(sqlite_begin="IMMEDIATE")
                with self._sessions(bind=bound) as session:
                    yield from self._committed(session)
            finally:
                try:
                    raw.execute(f"DETACH DATABASE {staging.STAGE_SCHEMA}")
                except sqlite3.Error:
                    conn.invalidate()  # never hand out a connection with the stage attached

    def _committed(self, session: Session) -> Iterator[Session]:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            self._actor = None  # it may have been read from rows now rolled back
            raise

    def session(self) -> Session:
        """A read session for queries (the UI's models use their own read connections)."""
        return self._sessions()

    # -- state -----------------------------------------------------------------------------

    def meta(self) -> SyncMeta:
        with self._sessions() as session:
            meta = session.get(SyncMeta, 1)
            assert meta is not None
            return meta

    def set_identity(
        self, *, user_id: uuid.UUID, server_id: str | None = None, server_url: str | None = None
    ) -> None:
        with self._write() as session:
            values: dict[str, Any] = {"user_id": user_id}
            if server_id is not None:
                values["server_id"] = server_id
            if server_url is not None:
                values["server_url"] = server_url
            session.execute(update(SyncMeta).where(SyncMeta.id == 1).values(**values))

    def pending(self) -> list[OutboxEntry]:
        with self._sessions() as session:
            query = select(OutboxEntry).order_by(OutboxEntry.mutation_id)
            return list(session.scalars(query).all())

    def pending_count(self) -> int:
        """How many changes wait in the outbox (without loading them)."""
        with self._sessions() as session:
            return int(session.scalar(select(func.count()).select_from(OutboxEntry)) or 0)

    def status_counts(self) -> tuple[int, datetime | None]:
        """(changes waiting in the outbox, last sync time): what the status line shows, read
        in one session (``pending_count`` and ``meta`` each open their own)."""
        with self._sessions() as session:
            pending = int(session.scalar(select(func.count()).select_from(OutboxEntry)) or 0)
            last = session.scalar(select(SyncMeta.last_synced_at).where(SyncMeta.id == 1))
            return pending, last

    def issues(self, *, include_dismissed: bool = False) -> list[SyncIssue]:
        with self._sessions() as session:
            query = select(SyncIssue).order_by(SyncIssue.id)
            if not include_dismissed:
                query = query.where(SyncIssue.dismissed_at.is_(None))
            return list(session.scalars(query).all())

    # -- local changes ---------------------------------------------------------------------

    def mutate(
        self, name: str, args: dict[str, Any], *, now: datetime | None = None
    ) -> LocalResult:
        """Apply a change optimistically and queue it, in one transaction.

        Raises the mutator's AceroError when the change is refused locally; then nothing is
        written (neither the change nor the outbox entry).
        """
        ts = now or datetime.now(UTC)
        with self._write() as session:
            meta = session.get(SyncMeta, 1)
            assert meta is not None
            assert meta.user_id is not None, "log in before making changes"
            mutation_id = meta.next_mutation_id
            key = mutation_key(meta.client_id, mutation_id)
            changes = self._run(session, meta.user_id, name, args, ts, key=key)
            # Core statements: two one-row writes need no unit of work (nor its flush events).
            session.execute(
                update(SyncMeta).where(SyncMeta.id == 1).values(next_mutation_id=mutation_id + 1)
            )
            session.execute(
                insert(OutboxEntry).values(mutation_id=mutation_id, name=name, args=args, ts=ts)
            )
        return LocalResult(mutation_id, changes)

    def _run(
        self,
        session: Session,
        user_id: uuid.UUID,
        name: str,
        args: dict[str, Any],
        ts: datetime,
        actor: Actor | None = None,
        *,
        key: str,
    ) -> list[RowChange]:
        if actor is None:
            actor = self._actor_of(session, user_id)
        # The mutators (pydantic schemas, ~0.15 s to import) load with the first local change,
        # not at start-up.
        from acero_desktop.core.mutations import MutationContext, run_mutation

        ctx = MutationContext(session=session, actor=actor, at=ts, channel=Channel.DESKTOP, key=key)
        with _shadowing(session):
            return run_mutation(ctx, name, args)

    def _actor_of(self, session: Session, user_id: uuid.UUID) -> Actor:
        actor = self._actor
        if actor is None or actor.user_id != user_id:
            actor = self._actor = load_actor(session, user_id)
        return actor

    # -- server answers --------------------------------------------------------------------

    def acknowledge(self, mutation_id: int, seq: int) -> ApplyReport:
        """The server applied (or had applied) a mutation with effects at ``seq``."""
        return self.apply_frames([Acknowledgement(mutation_id, seq)])

    def reject(self, mutation_id: int, code: str, message: str) -> ApplyReport:
        """The server refused a mutation: drop it, tell the user, and rebase the rest."""
        return self.apply_frames([Rejection(mutation_id, code, message)])

    def apply_server_batch(
        self,
        from_seq: int | None,
        to_seq: int,
        rows: Sequence[ServerRow],
        *,
        final: bool = True,
    ) -> ApplyReport:
        """Store the server's changes in (from_seq, to_seq] and replay what is still pending.

        A catch-up comes as several pages of the same range: every page is stored as it comes,
        the cursor moves to ``to_seq`` with the final one only. Pages are upserts of whole rows,
        so re-reading a range after a crash stores the same rows again and nothing more.
        """
        return self.apply_frames([ServerBatch(from_seq, to_seq, rows, final)])

    def apply_frames(self, frames: Sequence[ServerFrame]) -> ApplyReport:
        """Store several server answers in order, in ONE transaction with ONE rebase.

        The same end state as applying them one by one (each a transaction and a rebase): the
        confirmed rows are the server's rows at the last cursor whichever way they came (the
        shadows are put back once, then every batch's rows are written in order), the outbox
        loses what was confirmed or refused by then, and what is still pending is replayed
        once on top instead of once per frame — the engine hands over every frame already
        waiting, so draining a big outbox costs a few replays of it, not one per answer.

        Raises CursorGap when the frames are batches only and the first does not start at the
        cursor. Otherwise a batch that does not start at the cursor is not stored, nor any batch
        after it, and ``cursor_gap`` says why; acknowledgements and refusals around it are
        stored all the same (they do not depend on the cursor, and one by one they would be).
        """
        now = datetime.now(UTC)
        with self._write() as session:
            meta = session.get(SyncMeta, 1)
            assert meta is not None
            report = ApplyReport()
            rows: list[ServerRow] = []
            for index, frame in enumerate(frames):
                if isinstance(frame, ServerBatch):
                    if report.cursor_gap is not None:
                        continue  # batches after a gap wait for the pull from the cursor
                    if meta.cursor != frame.from_seq:
                        gap = f"cache is at {meta.cursor}, batch starts at {frame.from_seq}"
                        if index == 0 and all(isinstance(f, ServerBatch) for f in frames):
                            raise CursorGap(gap)
                        report.cursor_gap = gap
                        continue
                    rows.extend(frame.rows)
                    if frame.final:
                        meta.cursor = frame.to_seq
                        meta.last_synced_at = now
                elif isinstance(frame, Acknowledgement):
                    session.execute(
                        update(OutboxEntry)
                        .where(OutboxEntry.mutation_id == frame.mutation_id)
                        .values(ack_seq=frame.seq)
                    )
                else:
                    self._record_rejection(session, frame, now, report)
            if meta.cursor is not None:
                # Mutations whose effects the batches carry leave before the replay, not after
                # (also one acknowledged at or below the cursor: its effects came earlier).
                session.flush()
                report.confirmed = self._drop_confirmed(session, meta.cursor)
            if rows or report.confirmed or report.rejected:
                # (Frames that change nothing, e.g. an empty batch moving an idle cursor or an
                # answer for a mutation whose effects are still to come, need no replay.)
                self._rebase(session, rows, report)
            return report

    def _record_rejection(
        self, session: Session, frame: Rejection, now: datetime, report: ApplyReport
    ) -> None:
        entry = session.get(OutboxEntry, frame.mutation_id)
        if entry is None:  # a second answer for it
            return
        session.add(
            SyncIssue(
                mutation_id=frame.mutation_id,
                name=entry.name,
                args=entry.args,
                code=frame.code,
                message=frame.message,
                created_at=now,
            )
        )
        session.delete(entry)
        session.flush()
        report.rejected.append(frame.mutation_id)

    def renumber_outbox(self, last_processed: int) -> None:
        """Give the mutations the server has not processed the ids it expects (last + 1, ...).

        ``last_processed`` is the server's record of this client (``welcome.last_mutation_id``,
        or ``expected - 1`` of a ``gap``). Entries at or below it were processed by the server
        (their answers may have been lost): they keep their ids, so sending them again is
        answered ``duplicate`` instead of applying them twice. Entries above it get
        ``last + 1, last + 2, ...`` with no hole: after a restore of the server, or on a new
        server, its record is older than ours (or missing), and rejected entries may have left
        holes; an id beyond last + 1 would be refused as a gap for ever. ``next_mutation_id``
        follows, also when the outbox is empty.
        """
        with self._write() as session:
            entries = session.scalars(
                select(OutboxEntry)
                .where(OutboxEntry.mutation_id > last_processed)
                .order_by(OutboxEntry.mutation_id)
            ).all()
            meta = session.get(SyncMeta, 1)
            assert meta is not None
            wanted_next = last_processed + len(entries) + 1
            ids = [e.mutation_id for e in entries]
            if ids == list(range(last_processed + 1, wanted_next)):
                if meta.next_mutation_id != wanted_next:
                    meta.next_mutation_id = wanted_next
                if any(e.ack_seq is not None for e in entries):
                    # Acknowledged by a server that is not this one: send them again.
                    session.execute(
                        update(OutboxEntry)
                        .where(OutboxEntry.mutation_id > last_processed)
                        .values(ack_seq=None)
                    )
                return
            rows = [(e.name, e.args, e.ts) for e in entries]
            session.execute(delete(OutboxEntry).where(OutboxEntry.mutation_id > last_processed))
            session.execute(
                insert(OutboxEntry),
                [
                    {"mutation_id": last_processed + i, "name": n, "args": a, "ts": t}
                    for i, (n, a, t) in enumerate(rows, start=1)
                ],
            )
            meta.next_mutation_id = wanted_next

    def processed_through(self) -> int:
        """Every mutation id up to this one has been processed by the server we synced with
        (it left the outbox confirmed or rejected, which only a server answer does)."""
        with self._sessions() as session:
            first = session.scalar(select(func.min(OutboxEntry.mutation_id)))
            if first is not None:
                return int(first) - 1
            meta = session.get(SyncMeta, 1)
            assert meta is not None
            return meta.next_mutation_id - 1

    def forget_cursor(self) -> None:
        """Distrust the cursor (the server lost history we had): the next sync is a snapshot.

        The rows and the outbox stay as they are until the snapshot replaces the rows.
        """
        with self._write() as session:
            session.execute(
                update(SyncMeta).where(SyncMeta.id == 1).values(cursor=None, server_id=None)
            )

    # -- snapshot ----------------------------------------------------------------------------

    def begin_snapshot(self) -> None:
        """Start staging a snapshot in a new staging file (what an earlier one left is dropped)."""
        self._discard_stage()
        with self._write() as session:
            staging.drop_leftovers(session.connection())
        self._stage = staging.Stage(self._stage_path(), self.engine.dialect)

    def stage_snapshot_page(self, table: str, rows: Sequence[JsonRow]) -> None:
        if self._stage is None:
            raise RuntimeError("stage_snapshot_page before begin_snapshot")
        self._stage.add(table, rows)

    def finish_snapshot(self, cursor: int, server_id: str) -> ApplyReport:
        """Swap the staged snapshot in, keep the outbox, and replay it on top."""
        if self._stage is None:
            raise RuntimeError("finish_snapshot before begin_snapshot")
        self._stage.close()
        self._actor = None
        with self._write(attach=self._stage.path) as session:
            session.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            session.execute(delete(ShadowRow))
            staging.swap_in(session)
            session.execute(
                update(SyncMeta)
                .where(SyncMeta.id == 1)
                .values(cursor=cursor, server_id=server_id, last_synced_at=datetime.now(UTC))
            )
            session.execute(update(OutboxEntry).values(ack_seq=None))
            report = ApplyReport(full_reload=True)
            self._rebase(session, [], report)
        self._discard_stage()
        return report

    def _stage_path(self) -> Path:
        database = self.engine.url.database
        assert database, "a cache lives in a file"
        assert database != ":memory:", "a cache lives in a file"
        return staging.stage_path(database)

    def _discard_stage(self) -> None:
        if self._stage is not None:
            self._stage.discard()
            self._stage = None
        else:
            staging.remove_stage_file(self._stage_path())

    def _drop_confirmed(self, session: Session, cursor: int) -> list[int]:
        ids = list(
            session.scalars(
                select(OutboxEntry.mutation_id).where(
                    OutboxEntry.ack_seq.is_not(None), OutboxEntry.ack_seq <= cursor
                )
            )
        )
        if ids:
            session.execute(delete(OutboxEntry).where(OutboxEntry.mutation_id.in_(ids)))
        return ids

    def _drop_originated(
        self, session: Session, client_id: uuid.UUID, rows: Sequence[ServerRow]
    ) -> list[int]:
        mine = {
            r.origin_mutation_id
            for r in rows
            if r.origin_client_id == str(client_id) and r.origin_mutation_id is not None
        }
        if not mine:
            return []
        ids = list(
            session.scalars(
                select(OutboxEntry.mutation_id).where(OutboxEntry.mutation_id.in_(mine))
            )
        )
        session.execute(delete(OutboxEntry).where(OutboxEntry.mutation_id.in_(ids)))
        return ids

    # -- rebase ----------------------------------------------------------------------------

    def _rebase(self, session: Session, rows: Sequence[ServerRow], report: ApplyReport) -> None:
        session.flush()
        conn = session.connection()
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        if any(r.table in _ACTOR_TABLES for r in rows):
            self._actor = None
        shadows = list(session.scalars(select(ShadowRow)))
        incoming = {(r.table, r.id) for r in rows}
        restore: list[tuple[str, str, JsonRow | None]] = []
        for shadow in shadows:
            report.touch(shadow.table_name, shadow.row_id)
            if (shadow.table_name, shadow.row_id) not in incoming:
                restore.append((shadow.table_name, shadow.row_id, shadow.row))
        _restore_rows(session, restore)
        writes: list[tuple[str, str, JsonRow | None]] = []
        for row in rows:
            report.touch(row.table, row.id)
            writes.append((row.table, row.id, row.row if row.op == "upsert" else None))
        _write_rows(session, writes)
        if shadows:
            session.execute(delete(ShadowRow))
        # Core statements changed rows behind the identity map: reload before replaying.
        session.expire_all()
        meta = session.get(SyncMeta, 1)
        assert meta is not None
        entries = session.scalars(select(OutboxEntry).order_by(OutboxEntry.mutation_id)).all()
        report.rebases += 1
        report.replayed += len(entries)
        if not entries:
            return
        assert meta.user_id is not None
        # One actor for the whole replay: the batch's rows are written, and no mutation
        # changes its own author's role or teams.
        try:
            actor: Actor | None = self._actor_of(session, meta.user_id)
        except AceroError:
            actor = None
        for entry in entries:
            savepoint = session.begin_nested()
            try:
                if actor is None:
                    actor = load_actor(session, meta.user_id)
                key = mutation_key(meta.client_id, entry.mutation_id)
                changes = self._run(
                    session, meta.user_id, entry.name, entry.args, entry.ts, actor, key=key
                )
                for change in changes:
                    report.touch(change.table, change.id)
                savepoint.commit()
            except (AceroError, SQLAlchemyError):
                # The server will most likely refuse it too; until it answers, it shows nothing.
                savepoint.rollback()
                report.replay_failed.append(entry.mutation_id)


def mutation_key(client_id: uuid.UUID, mutation_id: int) -> str:
    """The key the server runs our mutation with (``push.py``): ids the mutator derives (history
    rows, watchers of a new ticket) are then the server's, and its rows replace ours in place."""
    return f"{client_id}:{mutation_id}"


# Tables whose rows decide who the cache owner is to the rules (role, teams, led teams).
_ACTOR_TABLES = frozenset({"user", "team", "team_member"})


def _restore_rows(session: Session, rows: Sequence[tuple[str, str, JsonRow | None]]) -> None:
    """Put shadowed rows back: one cascading delete and one upsert executemany per table.

    Shadows are distinct rows and need no order among themselves, except that deletes go
    first: a new row's cascade must not remove a confirmed row restored in the same pass.
    """
    deletes: dict[str, list[str]] = {}
    upserts: dict[str, list[tuple[str, JsonRow]]] = {}
    for table, row_id, row in rows:
        if row is None:
            deletes.setdefault(table, []).append(row_id)
        else:
            upserts.setdefault(table, []).append((row_id, row))
    for table, ids in deletes.items():
        model = model_for_table(table)
        keys = [decode_row(model, {"id": i})["id"] for i in ids]
        for start in range(0, len(keys), _IN_CHUNK):
            _delete_cascading(session, table_of(model), keys[start : start + _IN_CHUNK])
    for table, pairs in upserts.items():
        _write_rows(session, [(table, row_id, row) for row_id, row in pairs])


_IN_CHUNK = 500


def _write_rows(session: Session, writes: Sequence[tuple[str, str, JsonRow | None]]) -> None:
    """Write rows in order; runs of whole-row upserts into one table go in one executemany."""
    i = 0
    while i < len(writes):
        table, row_id, row = writes[i]
        if row is None:
            _write_row(session, table, row_id, None)
            i += 1
            continue
        model = model_for_table(table)
        first = decode_row(model, {**row, "id": row_id})
        run = [first]
        j = i + 1
        while j < len(writes) and writes[j][0] == table and writes[j][2] is not None:
            values = decode_row(model, {**writes[j][2], "id": writes[j][1]})  # type: ignore[dict-item]
            if values.keys() != first.keys():
                break
            run.append(values)
            j += 1
        if len(run) == 1:
            _write_row(session, table, row_id, row)
        else:
            sql_table = table_of(model)
            stmt = sqlite_insert(sql_table)
            stmt = stmt.on_conflict_do_update(
                index_elements=[sql_table.c.id],
                set_={k: stmt.excluded[k] for k in first if k != "id"},
            )
            session.execute(stmt, run)
        i = j


def _write_row(session: Session, table: str, row_id: str, row: JsonRow | None) -> None:
    model = model_for_table(table)
    sql_table = table_of(model)
    pk = sql_table.c.id
    key = decode_row(model, {"id": row_id})["id"]
    if row is None:
        _delete_cascading(session, sql_table, [key])
        return
    values = decode_row(model, row)
    stmt = sqlite_insert(sql_table).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[pk], set_={k: v for k, v in values.items() if k != "id"}
    )
    session.execute(stmt)


def _delete_cascading(session: Session, table: Table, keys: list[Any]) -> None:
    """Delete rows and, as the server's ON DELETE CASCADE would, the rows hanging off them.

    The cache runs without foreign-key enforcement (it is a partial replica), so the cascade
    the server relies on ("a deleted ticket takes everything hanging off it") is done here.
    """
    for child, column in _cascading_children(table):
        ids = list(session.scalars(select(child.c.id).where(column.in_(keys))))
        if ids:
            _delete_cascading(session, child, ids)
    session.execute(delete(table).where(table.c.id.in_(keys)))


@functools.cache
def _cascading_children(table: Table) -> list[tuple[Table, Any]]:
    found = []
    for other in Base.metadata.sorted_tables:
        for fk in other.foreign_keys:
            if fk.column.table is table and fk.ondelete == "CASCADE" and other is not table:
                found.append((other, fk.parent))
    return found


@contextmanager
def _shadowing(session: Session) -> Iterator[None]:
    """Record the confirmed state of each row before a mutation first writes it."""
    session.info["acero_shadow"] = True
    session.info["acero_shadowed"] = set()
    try:
        yield
    finally:
        session.info.pop("acero_shadow", None)
        session.info.pop("acero_shadowed", None)


@event.listens_for(Session, "before_flush")
def _capture_shadow(session: Session, _ctx: object, _instances: object) -> None:
    if not session.info.get("acero_shadow"):
        return
    conn = session.connection()
    # Rows this mutation already shadowed (a mutation flushes several times); reset for each
    # mutation by _shadowing, so a rolled-back replay never leaves a stale entry.
    seen: set[tuple[str, str]] = session.info.setdefault("acero_shadowed", set())
    new = set(session.new)
    objs: Iterable[Base] = [*new, *session.dirty, *session.deleted]
    for obj in objs:
        model = type(obj)
        row_id = getattr(obj, "id", None)
        if row_id is None:
            continue
        key = (model.__tablename__, str(row_id))
        if key in seen:
            continue
        seen.add(key)
        exists = conn.exec_driver_sql(
            "SELECT 1 FROM client_shadow WHERE table_name = ? AND row_id = ?", key
        ).first()
        if exists is not None:
            continue
        if obj in new:
            # Being inserted: the confirmed state is "no such row" (had the row existed, the
            # INSERT fails and the mutation, this shadow included, is rolled back).
            row = None
        else:
            table = model.__table__
            current = conn.execute(select(table).where(table.c.id == row_id)).mappings().first()
            row = encode_mapping(model, current) if current is not None else None
        conn.execute(
            sqlite_insert(table_of(ShadowRow)).values(table_name=key[0], row_id=key[1], row=row)
        )
