"""The push path and the change log on PostgreSQL (``ACERO_TEST_POSTGRES_URL``), including two
server processes writing to one database: sequence numbers follow commit order and every
client of either process gets every change."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, text

from tests.server.harness import ServerProcess, WsClient, load_world, new_id

pytestmark = pytest.mark.postgres


async def test_push_duplicate_and_change_log_on_postgres(
    pg_url: str, make_server: Callable[..., ServerProcess]
) -> None:
    a = make_server(db_url=pg_url)
    b = make_server(db_url=pg_url, seed=False)  # a second process on the same database
    world = load_world(pg_url)
    token = a.login("requester")
    ca = WsClient(a, token)
    cb = WsClient(b, b.login("agent"))
    await ca.connect()
    await cb.connect()
    assert ca.welcome["server_id"] == cb.welcome["server_id"]
    ids = [new_id() for _ in range(10)]
    res = await ca.push(
        *[
            ("ticket.create", {"id": i, "title": f"PG {n}", "category_id": world.categories["VPN"]})
            for n, i in enumerate(ids)
        ]
    )
    seqs = [r["seq"] for r in res["results"]]
    assert all(r["status"] == "applied" for r in res["results"])
    assert seqs == sorted(seqs)
    dup = await ca.push(("ticket.create", {"id": ids[0], "title": "x"}), ids=[1])
    assert dup["results"][0] == {
        "id": 1,
        "status": "duplicate",
        "seq": seqs[0],
        "original": "applied",
    }
    # The other process learns of the changes from the log (polling) and fans them out.
    for _ in range(50):
        await cb.settle(0.2)
        if set(ids) <= set(cb.table("ticket")):
            break
    assert set(ids) <= set(cb.table("ticket"))
    await ca.close()
    await cb.close()


async def test_concurrent_writers_on_two_processes_commit_in_seq_order(
    pg_url: str, make_server: Callable[..., ServerProcess]
) -> None:
    a = make_server(db_url=pg_url)
    b = make_server(db_url=pg_url, seed=False)
    world = load_world(pg_url)
    clients = [WsClient(a, a.login("requester")), WsClient(b, b.login("requester2"))]
    for c in clients:
        await c.connect()

    async def burst(c: WsClient, tag: str) -> list[int]:
        out = []
        for n in range(15):
            res = await c.push(
                (
                    "ticket.create",
                    {
                        "id": new_id(),
                        "title": f"{tag}{n}",
                        "category_id": world.categories["Chairs"],
                    },
                )
            )
            assert res["results"][0]["status"] == "applied", res
            out.append(res["results"][0]["seq"])
        return out

    s1, s2 = await asyncio.gather(burst(clients[0], "a"), burst(clients[1], "b"))
    assert not set(s1) & set(s2)
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        seqs = [r[0] for r in conn.execute(text("SELECT seq FROM change_log ORDER BY seq"))]
        head = conn.execute(text("SELECT seq FROM sync_head")).scalar()
        numbers = [
            r[0] for r in conn.execute(text("SELECT number FROM ticket WHERE number IS NOT NULL"))
        ]
    engine.dispose()
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # no holes, no duplicates
    assert head == seqs[-1]
    assert len(numbers) == len(set(numbers))
    for c in clients:
        await c.close()
