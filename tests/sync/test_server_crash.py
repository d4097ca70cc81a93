"""The server dies between its commit and its answer: the client sends the same mutations
again after the restart, the server answers ``duplicate`` and applies nothing twice.

The server has no failpoint for "after commit, before answer", so the window is made with
the chaos proxy: the answers are held back in the proxy (the server committed and answered;
the client never hears it) and the server is killed with SIGKILL. A second test kills the
server a random few milliseconds after a push without any help, to hit the real window
whenever it can (bounded number of trials).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import pytest

from tests.support.chaos_proxy import DOWN, ChaosProxy
from tests.support.live_server import LiveServer
from tests.sync.harness import (
    SyncClient,
    assert_exactly_once,
    eventually,
    new_id,
    quiesce,
    server_record,
)
from tests.sync.world import team_tickets


def open_team_ticket(server: LiveServer) -> tuple[str, str]:
    return team_tickets(server, 1, title="Crash test")[0]


async def test_answer_lost_with_the_server_is_answered_duplicate_after_restart(
    make_server: Callable[..., LiveServer], make_client: Callable[..., SyncClient]
) -> None:
    server = make_server()
    tid, title = open_team_ticket(server)
    async with ChaosProxy(server.port) as proxy:
        client = make_client(
            "agent", proxy.ws_url, server.login("agent"), ping_interval=1.0, ping_timeout=10.0
        )
        client.start()
        await client.wait_idle()
        proxy.stall(DOWN)  # the server's answers stay in the proxy
        # Three changes that would show if applied twice: a comment and a task (the second
        # run is refused as "already added" and becomes a sync issue), and a retitle based on
        # the old title (the second run is refused as a conflict).
        await client.mutate("comment.add", {"id": new_id(), "ticket_id": tid, "body": "once"})
        await client.mutate("task.add", {"id": new_id(), "ticket_id": tid, "title": "once"})
        await client.mutate(
            "ticket.update", {"id": tid, "title": title + " (edited once)", "base_title": title}
        )
        await eventually(
            lambda: len(server_record(server, client.client_id).results) == 3,
            60,
            "the server commits the push",
        )
        assert [e.ack_seq for e in client.outbox()] == [None, None, None]  # no answer yet
        server.kill()
        await proxy.cut_all()  # what it held back is lost with the connection
        proxy.resume()
        assert client.outbox_ids() == [1, 2, 3]
        server.start()  # same store, same port: the client comes back through the proxy
        await quiesce([client], server)
    assert sorted(client.results) == [(1, "duplicate"), (2, "duplicate"), (3, "duplicate")]
    assert_exactly_once(client, server)
    assert client.cache.issues() == []
    assert server_record(server, client.client_id).results == {
        1: "applied",
        2: "applied",
        3: "applied",
    }


@pytest.mark.slow
async def test_server_killed_right_after_a_push(
    make_server: Callable[..., LiveServer], make_client: Callable[..., SyncClient]
) -> None:
    """Kill the server 0-40 ms after a push (several trials): whether it died before its
    commit, between commit and answer, or after its answer, the client converges and every
    mutation is applied exactly once."""
    rng = random.Random()
    server = make_server()
    tid, _title = open_team_ticket(server)
    client = make_client("agent", server.ws_url, server.login("agent"))
    client.start()
    await client.wait_idle()
    outcomes: list[str] = []
    for trial in range(4):
        n_before = len(server_record(server, client.client_id).results)
        for k in range(3):
            await client.mutate(
                "comment.add", {"id": new_id(), "ticket_id": tid, "body": f"trial {trial}.{k}"}
            )
        await asyncio.sleep(rng.uniform(0.0, 0.04))
        server.kill()
        committed = len(server_record(server, client.client_id).results) - n_before
        unanswered = [e.mutation_id for e in client.outbox() if e.ack_seq is None]
        outcomes.append(f"committed {committed}/3, unanswered {len(unanswered)}")
        server.start()
        await quiesce([client], server)
        assert_exactly_once(client, server)
        assert client.cache.issues() == []
    print("kill outcomes:", outcomes)
    dups = [r for r in client.results if r[1] == "duplicate"]
    print("duplicates answered:", len(dups))
