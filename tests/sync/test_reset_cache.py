"""``acero --reset-cache`` against a real server: the cache is rebuilt from a snapshot, the
outbox survives and replays, and a change the server had already applied is not applied twice."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from sqlalchemy import func, select

from acero_desktop.models import Ticket
from acero_desktop.ui.reset import reset_cache
from tests.support.live_server import LiveServer
from tests.sync.harness import (
    SyncClient,
    assert_exactly_once,
    fast_options,
    new_id,
    quiesce,
    server_record,
)


def _copy_closed(source: Path, dest: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dest}{suffix}").unlink(missing_ok=True)
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{dest}{suffix}")


async def test_reset_keeps_the_outbox_and_rebuilds_from_the_server(
    live_server: LiveServer, tokens: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "agent.db"
    stale = tmp_path / "stale.db"
    client = SyncClient("agent", path, live_server.ws_url, tokens["agent"], fast_options())
    client.start()
    await client.wait_idle()
    await client.stop()

    # A: made offline; a copy of the file from before its answer arrived keeps A in the outbox,
    # although the server will have applied it (an answer lost in a crash).
    applied_id = new_id()
    await client.mutate("ticket.create", {"id": applied_id, "title": "Applied before reset"})
    await client.close()
    _copy_closed(path, stale)
    client = SyncClient("agent", path, live_server.ws_url, tokens["agent"], fast_options())
    await quiesce([client], live_server)
    await client.close()
    _copy_closed(stale, path)

    # B: made offline on the stale file, never sent. Then the cache is damaged locally.
    client = SyncClient("agent", path, live_server.ws_url, tokens["agent"], fast_options())
    pending_id = new_id()
    await client.mutate("ticket.create", {"id": pending_id, "title": "Pending at reset"})
    assert client.outbox_ids() == [1, 2]
    client_id = client.client_id
    with client.cache.engine.begin() as conn:
        victim = conn.execute(
            select(Ticket.id).where(Ticket.id != uuid.UUID(pending_id)).limit(1)
        ).scalar_one()
        conn.execute(Ticket.__table__.delete().where(Ticket.id == victim))
    await client.close()

    report = reset_cache(path)

    assert report.existed and report.kept_changes == 2
    client = SyncClient("agent", path, live_server.ws_url, tokens["agent"], fast_options())
    try:
        meta = client.cache.meta()
        assert (meta.cursor, meta.server_id) == (None, None)  # the next sync is a snapshot
        assert str(meta.client_id) == client_id and meta.next_mutation_id == 3
        assert client.outbox_ids() == [1, 2]
        assert client.count("ticket") == 0  # nothing of the old rows is left

        await quiesce([client], live_server)  # outbox empty, cache == the server's view

        assert_exactly_once(client, live_server)
        assert server_record(live_server, client_id).results == {1: "applied", 2: "applied"}
        with live_server.read() as s:
            made = s.scalar(
                select(func.count())
                .select_from(Ticket)
                .where(Ticket.id.in_([uuid.UUID(applied_id), uuid.UUID(pending_id)]))
            )
            assert made == 2
            twice = s.scalar(
                select(func.count())
                .select_from(Ticket)
                .where(Ticket.title == "Applied before reset")
            )
            assert twice == 1  # A was answered "duplicate", not applied again
        assert client.count("ticket") > 1
        with client.cache.session() as s:
            assert s.get(Ticket, victim) is not None  # the damaged row came back
    finally:
        await client.close()


def test_reset_of_a_missing_cache_is_a_no_op(tmp_path: Path) -> None:
    report = reset_cache(tmp_path / "none.db")
    assert not report.existed and report.kept_changes == 0
    assert not (tmp_path / "none.db").exists()
