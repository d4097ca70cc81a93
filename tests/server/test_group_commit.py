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
from acero_desktop.models import OPEN_STATUSES, Channel, Role, Ticket, User
from acero_desktop.server.db import Store, head_seq
from acero_desktop.server.notify import Notice
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


async def test_a_push_answer_moves_no_cursor_past_what_was_fanned_out() -> None:
    """The fan-out is behind (``wait_fanned`` gave up): the answer must not move the client's
    cursor past it, else the batch it delivers later is dropped as already sent (its ``to`` is
    not above the cursor) and the client never sees those changes; the cursor would also leave
    before the served mark recorded it."""
    from types import SimpleNamespace

    from acero_desktop.server import ws
    from acero_desktop.server.hub import Connection, Hub
    from acero_desktop.sync import protocol as p

    class LaggingHub(Hub):
        async def wait_fanned(self, seq: int, timeout: float = 10.0) -> None:
            await super().wait_fanned(seq, timeout=0.01)  # no fan-out task runs: gives up

    hub = LaggingHub(SimpleNamespace(is_sqlite=True))  # type: ignore[arg-type]
    hub.last_fanned = 4

    async def submit(job: Any) -> PushOutcome:
        result = {"id": 1, "status": "applied", "seq": 5}
        return PushOutcome([result], Committed(4, 5, []), 1)

    state = SimpleNamespace(
        config=SimpleNamespace(limits=SimpleNamespace(max_batch=100)),
        writer=SimpleNamespace(submit=submit),
        hub=hub,
    )
    conn = Connection(
        viewer=SimpleNamespace(actor=None),  # type: ignore[arg-type]
        user_id=str(uuid.uuid4()),
        username="agent",
        client_id="c1",
        token_hash="t",
        expires_at=NOW,
        scope="s",
        cursor=4,
    )
    push = p.Push(mutations=[Mutation(id=1, name="comment.add", args={}, ts=NOW)])
    await ws._push(state, conn, push)  # type: ignore[arg-type]
    while conn.items:  # the socket's writer task sends what is queued
        await conn.next_item()
    # The fan-out catches up and delivers (4, 5] with a row this client may see.
    row = '{"seq":5,"table":"ticket","id":"x","op":"delete","row":null}'
    conn.live(5, [row])
    frame = await conn.next_item()
    assert isinstance(frame, str) and frame, "the late batch was dropped"
    assert p.parse_message(frame, types=p.SERVER_TYPES).rows[0].id == "x"


@pytest.mark.allow_log_warnings
async def test_a_failed_read_after_a_notice_is_read_again_at_the_next_poll(
    tmp_path: Path,
) -> None:
    """Another process committed up to ``head`` and said so (NOTIFY); the read of the log that
    notice queued fails once (the database blinked). The next poll sees the same head: it must
    read again, not take the head as already queued, or those changes reach nobody until a
    later commit moves the head further."""
    from acero_desktop.server.hub import Hub
    from acero_desktop.server.push import apply_single

    store, actor, ticket = _world(tmp_path)
    hub = Hub(store, poll_interval=3600, listen=False)
    await hub.start()
    try:
        start = hub.last_fanned
        with store.write_session() as s:  # a write of another process: no hub.submit
            apply_single(
                s,
                actor=actor,
                name="comment.add",
                args={"id": str(uuid7()), "ticket_id": str(ticket), "body": "elsewhere"},
                channel=Channel.REST,
            )
        with store.read_session() as s:
            head = head_seq(s)
        assert head > start
        real_read = store.read
        failed: list[bool] = []

        async def flaky_read(fn: Any) -> Any:
            if not failed:
                failed.append(True)
                raise OSError("database blinked")
            return await real_read(fn)

        store.read = flaky_read  # type: ignore[method-assign]
        hub._on_notice(Notice("head", head, "another process"))
        for _ in range(1000):  # the fan-out task takes the notice (and fails)
            if failed and hub._queue.empty() and not hub._notified_read_queued:
                break
            await asyncio.sleep(0.01)
        assert failed and hub.last_fanned == start
        await hub.check_now()  # the poll
        for _ in range(1000):
            if hub.last_fanned >= head:
                break
            await asyncio.sleep(0.01)
        assert hub.last_fanned == head
    finally:
        await hub.stop()
