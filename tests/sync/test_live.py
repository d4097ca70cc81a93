"""The engine against a real server process: offline triage end to end, keepalive, the stops
that need a person (update, login), and a server that is not the one we synced with."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from acero_desktop.models import Ticket, TicketComment, TicketStatus, TicketTask
from acero_desktop.sync import protocol as p
from acero_desktop.sync.status import Phase
from tests.support.live_server import LiveServer, copy_db, set_server_id
from tests.sync.harness import (
    SyncClient,
    assert_exactly_once,
    converged,
    eventually,
    new_id,
    quiesce,
    server_record,
)
from tests.sync.world import demo_world

OPEN = (TicketStatus.NEW, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS, TicketStatus.WAITING)


def backup(server: LiveServer, dest: Path) -> None:
    """An online backup of the server's store (SQLite's backup API: a consistent copy)."""
    src = sqlite3.connect(server.db_path)
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


async def test_offline_triage_end_to_end(
    live_server: LiveServer, tokens: dict[str, str], make_client: Callable[..., SyncClient]
) -> None:
    """The agent works offline (create, edit, status, comment, tasks); on reconnect it all goes
    in order, the server numbers the ticket, the requester sees the result, both converge."""
    world = demo_world(live_server)
    agent = make_client("agent", live_server.ws_url, tokens["agent"])
    requester = make_client("requester", live_server.ws_url, tokens["requester"])
    agent.start()
    requester.start()
    await agent.wait_idle()
    await requester.wait_idle()
    await agent.stop()

    tid = new_id()
    task_a, task_b = new_id(), new_id()
    await agent.mutate(
        "ticket.create",
        {
            "id": tid,
            "title": "Laptop cannot reach the VPN",
            "description": "Since this morning",
            "category_id": str(world.category_id),
            "requester_id": str(world.users["requester"]),
        },
    )
    await agent.mutate("ticket.update", {"id": tid, "priority": "high"})
    await agent.mutate(
        "ticket.set_status", {"id": tid, "from_status": "new", "to_status": "in_progress"}
    )
    await agent.mutate(
        "comment.add", {"id": new_id(), "ticket_id": tid, "body": "Please reboot and retry."}
    )
    await agent.mutate("task.add", {"id": task_a, "ticket_id": tid, "title": "Check certificate"})
    await agent.mutate("task.add", {"id": task_b, "ticket_id": tid, "title": "Renew token"})
    await agent.mutate("task.move", {"id": task_b, "state": "doing"})
    assert agent.outbox_ids() == [1, 2, 3, 4, 5, 6, 7]
    with agent.cache.session() as s:
        made = s.get(Ticket, uuid.UUID(tid))
        assert made is not None and made.number is None  # "pending" until the server numbers it
        assert made.status.value == "in_progress"
    assert agent.engine.status.describe() == "Offline · 7 changes waiting"

    agent.start()
    await quiesce([agent, requester], live_server)
    assert_exactly_once(agent, live_server)
    assert agent.issues == []
    with agent.cache.session() as s:
        made = s.get(Ticket, uuid.UUID(tid))
        assert made is not None and made.number is not None
        tasks = {
            t.title: t.state.value
            for t in s.scalars(select(TicketTask).where(TicketTask.ticket_id == made.id))
        }
    assert tasks == {"Check certificate": "todo", "Renew token": "doing"}
    with requester.cache.session() as s:
        seen = s.get(Ticket, uuid.UUID(tid))
        assert seen is not None and seen.number == made.number
        assert [
            c.body
            for c in s.scalars(select(TicketComment).where(TicketComment.ticket_id == seen.id))
        ] == ["Please reboot and retry."]
    await agent.wait_phase(Phase.UP_TO_DATE)
    phases = [st.phase for st in agent.statuses]
    assert Phase.PUSHING in phases
    # Never "up to date" while changes were waiting.
    assert not [st for st in agent.statuses if st.phase is Phase.UP_TO_DATE and st.pending]
    assert agent.engine.status.last_synced_at is not None


async def test_an_unreachable_server_reads_offline_between_attempts(
    make_server: Callable[..., LiveServer], make_client: Callable[..., SyncClient]
) -> None:
    """During an outage the status bar says "Offline · n changes waiting", not "Connecting"
    for as long as it lasts (websockets retries failed connects without returning to us)."""
    server = make_server(name="outage")
    client = make_client("agent", server.ws_url, server.login("agent"))
    client.start()
    await client.wait_idle()
    server.stop()
    seen = len(client.statuses)
    await asyncio.sleep(2.0)  # several attempts (retry delays of at most 0.4 s)
    phases = [s.phase for s in client.statuses[seen:]]
    assert Phase.CONNECTING in phases, phases
    tried = phases.index(Phase.CONNECTING)
    assert Phase.OFFLINE in phases[tried + 1 :], phases


async def test_quiet_client_keeps_its_connection(
    make_server: Callable[..., LiveServer], make_client: Callable[..., SyncClient]
) -> None:
    """The server closes a socket it hears nothing from (keepalive frames do not count): the
    engine's application pings keep an idle session open instead of reconnecting in a loop."""
    server = make_server("--idle-timeout", "2")
    client = make_client("agent", server.ws_url, server.login("agent"), app_ping_interval=0.5)
    client.start()
    await client.wait_idle()
    mark = len(client.statuses)
    await asyncio.sleep(6)
    later = [st.phase for st in client.statuses[mark:]]
    assert Phase.OFFLINE not in later and Phase.CONNECTING not in later, later
    assert client.engine.status.phase is Phase.UP_TO_DATE


async def test_old_protocol_stops_with_update_required_and_keeps_the_outbox(
    live_server: LiveServer,
    tokens: dict[str, str],
    make_client: Callable[..., SyncClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = make_client("agent", live_server.ws_url, tokens["agent"])
    client.start()
    await client.wait_idle()
    await client.stop()
    tid = new_id()
    await client.mutate("ticket.create", {"id": tid, "title": "Made before the update"})
    monkeypatch.setattr(p, "PROTOCOL_VERSION", p.MIN_PROTOCOL_VERSION - 1)
    client.start()
    await client.wait_phase(Phase.UPDATE_REQUIRED)
    await eventually(lambda: not client.online, 10, "the engine stops for good")
    assert "update" in client.engine.status.message.lower()
    assert client.outbox_ids() == [1]
    monkeypatch.undo()
    # Updated: the same cache and outbox go through.
    client.start()
    await quiesce([client], live_server)
    assert_exactly_once(client, live_server)


async def test_revoked_token_asks_for_login_and_keeps_the_outbox(
    live_server: LiveServer, make_client: Callable[..., SyncClient]
) -> None:
    token = live_server.login("lead")
    client = make_client("lead", live_server.ws_url, token)
    client.start()
    await client.wait_idle()
    # Revoked while connected: the server cuts the socket, the engine asks for a login.
    live_server.logout(token)
    await client.wait_phase(Phase.LOGIN_REQUIRED, timeout=30)
    await eventually(lambda: not client.online, 10, "the engine stops for good")
    # Offline work goes on; a restart with the dead token asks again and loses nothing.
    tid = new_id()
    await client.mutate("ticket.create", {"id": tid, "title": "Made while logged out"})
    client.start()
    await client.wait_phase(Phase.LOGIN_REQUIRED, timeout=30)
    await eventually(lambda: not client.online, 10, "the engine stops for good")
    assert client.outbox_ids() == [1]
    client.token = live_server.login("lead")
    client.start()
    await quiesce([client], live_server)
    assert_exactly_once(client, live_server)


async def test_new_server_id_rebuilds_the_cache_and_replays_the_outbox(
    make_server: Callable[..., LiveServer], make_client: Callable[..., SyncClient]
) -> None:
    """A fresh server (another id, no record of this client): the outbox survives, is
    renumbered from 1 and replayed on a snapshot; what cannot apply there is a sync issue."""
    first = make_server(name="first")
    world = demo_world(first)
    client = make_client("agent", first.ws_url, first.login("agent"))
    client.start()
    await client.wait_idle()
    with client.cache.session() as s:
        shared = str(
            s.scalars(
                select(Ticket.id).where(Ticket.status.in_(OPEN), Ticket.team_id == world.team_id)
            ).first()
        )
    only_first = new_id()  # a ticket that will exist on the first server only
    await client.mutate(
        "ticket.create",
        {
            "id": only_first,
            "title": "Lives on the first server",
            "category_id": str(world.category_id),
        },
    )
    await client.mutate("comment.add", {"id": new_id(), "ticket_id": shared, "body": "online"})
    await quiesce([client], first)
    assert client.cache.meta().next_mutation_id == 3
    await client.stop()
    # Offline: work on a ticket both servers have, on a new one, and on the one of the first.
    await client.mutate("ticket.update", {"id": shared, "priority": "urgent"})
    fresh = new_id()
    await client.mutate(
        "ticket.create",
        {"id": fresh, "title": "Made offline", "category_id": str(world.category_id)},
    )
    await client.mutate("comment.add", {"id": new_id(), "ticket_id": only_first, "body": "lost"})
    await client.mutate("comment.add", {"id": new_id(), "ticket_id": fresh, "body": "kept"})
    assert client.outbox_ids() == [3, 4, 5, 6]
    first.stop()

    second = make_server(name="second", start=False)
    new_id_of_server = set_server_id(second.db_path)
    second.start()
    client.set_url(second.ws_url)
    client.token = second.login("agent")
    client.start()
    await eventually(
        lambda: client.cache.meta().server_id == new_id_of_server, 60, "snapshot of the new server"
    )
    await quiesce([client], second)
    record = server_record(second, client.client_id)
    assert record.results == {1: "applied", 2: "applied", 3: "rejected", 4: "applied"}
    assert [i.name for i in client.cache.issues()] == ["comment.add"]
    with client.cache.session() as s:
        assert s.get(Ticket, uuid.UUID(only_first)) is None
        made = s.get(Ticket, uuid.UUID(fresh))
        assert made is not None and made.number is not None
        assert s.get(Ticket, uuid.UUID(shared)).priority.value == "urgent"  # type: ignore[union-attr]
    # And new work after the switch goes on from there, without a gap.
    result = await client.mutate(
        "comment.add", {"id": new_id(), "ticket_id": fresh, "body": "after"}
    )
    assert result.mutation_id == 5
    await quiesce([client], second)
    assert server_record(second, client.client_id).results[5] == "applied"


async def _restore_scenario(
    make_server: Callable[..., LiveServer],
    make_client: Callable[..., SyncClient],
    tmp_path: Path,
) -> tuple[LiveServer, SyncClient, SyncClient, SyncClient]:
    """A server restored from a backup, keeping its id; returns (server, writer, reader, other).

    ``writer`` pushed changes after the backup (the server forgets them), ``reader`` only read
    them, ``other`` writes after the restore so the head passes both clients' cursors.
    """
    server = make_server(name="restored")
    world = demo_world(server)
    writer = make_client("agent", server.ws_url, server.login("agent"))
    reader = make_client("mate", server.ws_url, server.login(world.teammate))
    other = make_client("requester", server.ws_url, server.login("requester"))
    for c in (writer, reader, other):
        c.start()
    await quiesce([writer, reader, other], server)
    saved = tmp_path / "backup.db"
    backup(server, saved)
    with writer.cache.session() as s:
        team_ticket = str(
            s.scalars(
                select(Ticket.id).where(Ticket.team_id == world.team_id, Ticket.status.in_(OPEN))
            ).first()
        )
    for i in range(3):
        await writer.mutate(
            "comment.add", {"id": new_id(), "ticket_id": team_ticket, "body": f"forgotten {i}"}
        )
    await quiesce([writer, reader, other], server)
    for c in (writer, reader, other):
        await c.stop()
    server.stop()
    copy_db(saved, server.db_path)
    server.start()
    # The requester writes until the head is past everyone's cursor.
    cursor = max(writer.cache.meta().cursor or 0, reader.cache.meta().cursor or 0)
    other.start()
    n = 0
    while server.head() <= cursor + 2:
        n += 1
        await other.mutate(
            "ticket.create",
            {
                "id": new_id(),
                "title": f"After the restore {n}",
                "category_id": str(world.category_id),
            },
        )
        await other.wait_idle()
    # The writer also has offline work waiting.
    await writer.mutate(
        "comment.add", {"id": new_id(), "ticket_id": team_ticket, "body": "pending"}
    )
    return server, writer, reader, other


async def test_restored_backup_rebuilds_a_client_that_pushed_since(
    make_server: Callable[..., LiveServer],
    make_client: Callable[..., SyncClient],
    tmp_path: Path,
) -> None:
    """The server's record of the client went back (it confirmed #1-#3 and now knows none):
    the engine distrusts its cursor, rebuilds from a snapshot and replays the outbox."""
    server, writer, _reader, other = await _restore_scenario(make_server, make_client, tmp_path)
    assert writer.outbox_ids() == [4]
    writer.start()
    await quiesce([writer, other], server)
    assert server_record(server, writer.client_id).results == {1: "applied"}
    with writer.cache.session() as s:
        bodies = sorted(c.body for c in s.scalars(select(TicketComment)))
    assert "pending" in bodies and not [b for b in bodies if b.startswith("forgotten")]


async def test_restored_backup_rebuilds_a_client_that_only_read(
    make_server: Callable[..., LiveServer],
    make_client: Callable[..., SyncClient],
    tmp_path: Path,
) -> None:
    server, _writer, reader, other = await _restore_scenario(make_server, make_client, tmp_path)
    reader.start()
    await reader.wait_idle()
    await other.wait_idle()
    await asyncio.sleep(1)
    assert converged(reader, server) == []
