"""Clients behind a misbehaving link: delays, frames in bits, connections cut in the middle of a
frame, a link that stalls without closing, a server that refuses connections. They keep
working meanwhile; once the link heals they converge and nothing is lost or doubled."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable

import pytest

from acero_desktop.core.errors import AceroError
from acero_desktop.models import Ticket
from tests.support.chaos_proxy import UP, ChaosProxy
from tests.support.live_server import LiveServer
from tests.sync.harness import SyncClient, assert_exactly_once, new_id, quiesce
from tests.sync.world import demo_world, team_tickets

CHAOS = {"ping_interval": 0.5, "ping_timeout": 2.0, "open_timeout": 3.0, "close_timeout": 1.0}


async def workload(
    client: SyncClient, tickets: list[str], rng: random.Random, stop: asyncio.Event
) -> int:
    """Random edits on shared tickets until ``stop``; returns how many were queued."""
    n = 0
    while not stop.is_set():
        tid = rng.choice(tickets)
        with client.cache.session() as s:
            t = s.get(Ticket, uuid.UUID(tid))
        if t is None:
            await asyncio.sleep(0.05)
            continue
        choice = rng.random()
        try:
            if choice < 0.5:
                await client.mutate(
                    "comment.add", {"id": new_id(), "ticket_id": tid, "body": f"{client.name} {n}"}
                )
            elif choice < 0.75:
                await client.mutate(
                    "ticket.update",
                    {"id": tid, "priority": rng.choice(("low", "normal", "high", "urgent"))},
                )
            else:  # may conflict with the other agent's retitle: a sync issue, not a loss
                await client.mutate(
                    "ticket.update",
                    {
                        "id": tid,
                        "title": f"{t.title.split(' /')[0]} / {client.name} {n}",
                        "base_title": t.title,
                    },
                )
            n += 1
        except AceroError:
            pass
        await asyncio.sleep(rng.uniform(0.02, 0.15))
    return n


@pytest.mark.slow
async def test_clients_recover_from_a_chaotic_link_and_converge(
    live_server: LiveServer, make_client: Callable[..., SyncClient]
) -> None:
    rng = random.Random()
    world = demo_world(live_server)
    tickets = [tid for tid, _title in team_tickets(live_server, 3, title="Chaos")]
    async with ChaosProxy(live_server.port, seed=rng.randrange(1 << 30)) as proxy:
        agent = make_client("agent", proxy.ws_url, live_server.login("agent"), **CHAOS)
        mate = make_client("mate", proxy.ws_url, live_server.login(world.teammate), **CHAOS)
        lead = make_client("admin", live_server.ws_url, live_server.login("admin"))
        clients = [agent, mate, lead]
        for c in clients:
            c.start()
        for c in clients:
            await c.wait_idle(timeout=90)
        stop = asyncio.Event()
        work = [asyncio.create_task(workload(c, tickets, rng, stop)) for c in clients]

        # 1. a slow link: every chunk late, frames delivered a few bytes at a time
        proxy.delay, proxy.jitter, proxy.fragment = 0.02, 0.08, 7
        await asyncio.sleep(2.5)
        # 2. cut in the middle of frames, now and then
        proxy.cut_probability = 0.05
        await asyncio.sleep(3)
        proxy.cut_probability = 0.0
        # 3. stalled: nothing moves, nothing closes (keepalive must notice)
        proxy.stall()
        await asyncio.sleep(4)
        proxy.resume()
        await asyncio.sleep(1.5)
        # 4. the server "goes away" for a while: connections reset, new ones refused
        proxy.refuse = True
        await proxy.cut_all()
        await asyncio.sleep(2)
        proxy.refuse = False
        await asyncio.sleep(1)
        # 5. cuts at random moments
        for _ in range(3):
            await asyncio.sleep(rng.uniform(0.1, 0.8))
            await proxy.cut_all()

        proxy.calm()
        stop.set()
        queued = await asyncio.gather(*work)
        await quiesce(clients, live_server, timeout=120)
        for c in clients:
            assert_exactly_once(c, live_server)
            assert c.engine.stop_reason is None
        assert proxy.stats.cuts > 0 and proxy.stats.connections > 2
    print(f"queued {queued}; proxy {proxy.stats}")


async def test_stop_right_after_the_link_drops_always_returns(
    live_server: LiveServer, make_client: Callable[..., SyncClient]
) -> None:
    """stop() lands while the engine winds a dropped session down: it must stop, not have its
    cancellation swallowed and reconnect (which made stop() wait for ever)."""
    rng = random.Random()
    client = make_client("agent", live_server.ws_url, live_server.login("agent"))
    client.start()
    await client.wait_idle(timeout=90)
    await client.stop()
    async with ChaosProxy(live_server.port) as proxy:
        client.set_url(proxy.ws_url)
        for _ in range(25):
            client.start()
            await client.wait_idle(timeout=60)
            await proxy.cut_all()
            for _ in range(rng.randint(0, 12)):
                await asyncio.sleep(0)  # a few loop turns: the engine is winding down
            await asyncio.wait_for(client.engine.stop(), 15)
            assert not client.online


async def test_nothing_is_sent_while_a_snapshot_is_being_stored(
    live_server: LiveServer, make_client: Callable[..., SyncClient]
) -> None:
    """The server reads nothing while it streams a snapshot (uvicorn stops reading after a text
    frame until the app asks for it), so a push or ping sent meanwhile keeps it from reading
    keepalive pongs and it drops the socket after ~40 s: a first sync longer than that started
    over for ever. The engine says nothing until its catch-up is stored, then pushes."""
    async with ChaosProxy(live_server.port) as proxy:
        client = make_client(
            "agent",
            proxy.ws_url,
            live_server.login("agent"),
            ping_interval=60.0,
            app_ping_interval=0.1,
        )
        client.start()
        await client.wait_idle(timeout=90)
        await client.stop()
        world = demo_world(live_server)
        tid = new_id()
        await client.mutate(
            "ticket.create",
            {"id": tid, "title": "Queued before a snapshot", "category_id": str(world.category_id)},
        )
        client.cache.forget_cursor()  # the next session is a snapshot
        window: list[float] = []
        stage, finish = client.cache.stage_snapshot_page, client.cache.finish_snapshot

        def slow_stage(*a: object) -> None:
            if not window:
                window.append(time.monotonic())
            time.sleep(0.1)  # a slow disk: the snapshot takes a while to store
            stage(*a)  # type: ignore[arg-type]

        def timed_finish(*a: object) -> object:
            result = finish(*a)  # type: ignore[arg-type]
            window.append(time.monotonic())
            return result

        client.cache.stage_snapshot_page = slow_stage  # type: ignore[method-assign]
        client.cache.finish_snapshot = timed_finish  # type: ignore[method-assign]
        sent: list[float] = []
        proxy.on_chunk = lambda direction, _data: (
            sent.append(time.monotonic()) if direction == UP else None
        )
        client.start()
        await quiesce([client], live_server)
        assert len(window) == 2 and window[1] - window[0] > 0.5
        during = [t for t in sent if window[0] < t < window[1]]
        assert during == [], f"{len(during)} frames sent while the snapshot was stored"
        assert [t for t in sent if t > window[1]], "the push went out after the snapshot"
        assert_exactly_once(client, live_server)
