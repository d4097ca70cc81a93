"""Group commit, in-process: the pushes of one writer batch are numbered and logged together.

The writer defers the sequence numbers, the change log and the stored push results of every job
to the end of the batch (one counter update, one insert per table). These tests pin what that
must not change: numbers in job order without gaps, nothing logged for a job that failed, and a
replay inside the same batch answered from the earlier job's stored outcome.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from acero_desktop.core.actor import Actor, load_actor
from acero_desktop.core.ids import uuid7
from acero_desktop.models import OPEN_STATUSES, Role, Ticket, User
from acero_desktop.server.db import Store, head_seq
from acero_desktop.server.push import Committed, PushOutcome, apply_push
from acero_desktop.server.tables import ChangeLog, MutationResultRow
from acero_desktop.server.writer import WriteQueue
from acero_desktop.store.demo import seed_demo
from acero_desktop.sync.protocol import Mutation

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class _Hub:
    def __init__(self) -> None:
        self.submitted: list[Committed] = []

    def submit(self, committed: Committed | None) -> None:
        if committed is not None and committed.changes:
            self.submitted.append(committed)


class _Boom(Exception):
    pass


def _world(tmp_path: Path) -> tuple[Store, Actor, uuid.UUID]:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    seed_demo(store.engine, tickets=8, seed=3, now=NOW)
    with store.write_session() as s:
        admin = s.scalars(select(User.id).where(User.role == Role.ADMIN, User.active)).first()
        assert admin is not None
        ticket = s.scalars(
            select(Ticket.id).where(Ticket.status.in_(OPEN_STATUSES)).order_by(Ticket.id)
        ).first()
        assert ticket is not None
        return store, load_actor(s, admin), ticket


def _push(
    actor: Actor, client_id: str, mutation_id: int, comment_id: str, ticket_id: uuid.UUID
) -> Any:
    assert actor.user_id is not None
    user_id = actor.user_id

    def job(session: Session) -> tuple[PushOutcome, Committed | None]:
        args = {"id": comment_id, "ticket_id": str(ticket_id), "body": f"comment {comment_id}"}
        outcome = apply_push(
            session,
            client_id=client_id,
            user_id=user_id,
            mutations=[Mutation(id=mutation_id, name="comment.add", args=args)],
            actor=actor,
        )
        return outcome, outcome.committed

    return job


def _failing(job: Any) -> Any:
    def failing(session: Session) -> Any:
        job(session)  # writes and queues its log entry, then fails: all of it must go
        raise _Boom()

    return failing


@pytest.mark.allow_log_warnings  # the failing job is logged as a bug in a write job
async def test_a_batch_is_numbered_in_job_order_and_a_failed_job_logs_nothing(
    tmp_path: Path,
) -> None:
    store, actor, ticket = _world(tmp_path)
    hub = _Hub()
    writer = WriteQueue(store, hub)  # type: ignore[arg-type]
    with store.read_session() as s:
        head = head_seq(s)
    c1, c2, c3 = (str(uuid.uuid4()) for _ in range(3))
    ids = [str(uuid7()) for _ in range(3)]
    writer.start()
    try:
        results = await asyncio.gather(
            writer.submit(_push(actor, c1, 1, ids[0], ticket)),
            writer.submit(_failing(_push(actor, c2, 1, ids[1], ticket))),
            writer.submit(_push(actor, c3, 1, ids[2], ticket)),
            # A replay of the first push, in the same batch: answered from its stored outcome.
            writer.submit(_push(actor, c1, 1, ids[0], ticket)),
            return_exceptions=True,
        )
    finally:
        await writer.stop()
    assert writer.batches == 1
    first, failed, third, replay = results
    assert isinstance(failed, _Boom)
    assert isinstance(first, PushOutcome) and isinstance(third, PushOutcome)
    assert isinstance(replay, PushOutcome)
    # comment.add writes three rows (ticket, comment, history): consecutive, in job order.
    assert first.results[0]["status"] == "applied"
    assert first.results[0]["seq"] == head + 3
    assert third.results[0]["seq"] == head + 6
    assert replay.results[0] == {
        "id": 1,
        "status": "duplicate",
        "seq": head + 3,
        "original": "applied",
    }
    assert [(c.from_seq, c.to_seq) for c in hub.submitted] == [
        (head, head + 3),
        (head + 3, head + 6),
    ]
    assert [ch.seq for c in hub.submitted for ch in c.changes] == list(range(head + 1, head + 7))
    with store.read_session() as s:
        assert head_seq(s) == head + 6
        logged = s.execute(
            select(ChangeLog.seq, ChangeLog.row_id, ChangeLog.client_id).where(ChangeLog.seq > head)
        ).all()
        assert [row.seq for row in logged] == list(range(head + 1, head + 7))
        assert {row.client_id for row in logged} == {c1, c3}
        assert ids[1] not in {row.row_id for row in logged}
        stored = s.execute(
            select(MutationResultRow.client_id, MutationResultRow.seq).order_by(
                MutationResultRow.seq
            )
        ).all()
        assert [tuple(row) for row in stored] == [(c1, head + 3), (c3, head + 6)]
    store.dispose()


@pytest.mark.allow_log_warnings  # the failing job is logged as a bug in a write job
async def test_a_failed_job_that_wrote_earlier_entries_does_not_lose_them(tmp_path: Path) -> None:
    # The replay reads the stored outcome, so it writes the entries queued before it; its job
    # then fails and the rollback takes those rows back: they must be written again.
    store, actor, ticket = _world(tmp_path)
    hub = _Hub()
    writer = WriteQueue(store, hub)  # type: ignore[arg-type]
    with store.read_session() as s:
        head = head_seq(s)
    c1, c3 = str(uuid.uuid4()), str(uuid.uuid4())
    ids = [str(uuid7()) for _ in range(2)]
    writer.start()
    try:
        results = await asyncio.gather(
            writer.submit(_push(actor, c1, 1, ids[0], ticket)),
            writer.submit(_failing(_push(actor, c1, 1, ids[0], ticket))),
            writer.submit(_push(actor, c3, 1, ids[1], ticket)),
            return_exceptions=True,
        )
    finally:
        await writer.stop()
    assert writer.batches == 1
    first, failed, third = results
    assert isinstance(failed, _Boom)
    assert isinstance(first, PushOutcome) and isinstance(third, PushOutcome)
    assert (first.results[0]["seq"], third.results[0]["seq"]) == (head + 3, head + 6)
    assert [(c.from_seq, c.to_seq) for c in hub.submitted] == [
        (head, head + 3),
        (head + 3, head + 6),
    ]
    with store.read_session() as s:
        assert head_seq(s) == head + 6
        seqs = s.scalars(select(ChangeLog.seq).where(ChangeLog.seq > head)).all()
        assert list(seqs) == list(range(head + 1, head + 7))
        stored = s.execute(
            select(MutationResultRow.client_id, MutationResultRow.seq).order_by(
                MutationResultRow.seq
            )
        ).all()
        assert [tuple(row) for row in stored] == [(c1, head + 3), (c3, head + 6)]
    store.dispose()
