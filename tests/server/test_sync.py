"""The websocket: hello, catch-up, push (applied / duplicate / gap / rejected), fan-out."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from tests.server.harness import ServerProcess, World, WsClient, new_id


def ticket_args(world: World, title: str = "VPN drops every hour", category: str = "VPN") -> dict:
    return {"id": new_id(), "title": title, "category_id": world.categories[category]}


async def test_hello_welcome_and_snapshot_for_a_new_client(server: ServerProcess) -> None:
    c = WsClient(server, server.login("agent"))
    welcome = await c.connect()
    assert welcome["type"] == "welcome"
    assert welcome["sync"] == "snapshot"
    assert welcome["user"]["username"] == "agent"
    assert welcome["last_mutation_id"] == 0
    assert c.cursor == welcome["cursor"]
    assert {u["username"] for u in c.table("user").values()} >= {"agent", "lead", "admin"}
    # Credentials and other server tables never leave the server.
    assert not any(t in {"credential", "auth_token", "change_log"} for t, _ in c.rows)
    await c.close()


async def test_push_applies_and_every_client_gets_the_change(
    server: ServerProcess, world: World
) -> None:
    author = WsClient(server, server.login("requester"))
    agent = WsClient(server, server.login("agent"))
    lead = WsClient(server, server.login("lead"))
    for c in (author, agent, lead):
        await c.connect()
    args = ticket_args(world)
    result = await author.push(("ticket.create", args))
    (r,) = result["results"]
    assert r["status"] == "applied"
    assert r["seq"] > 0
    await author.ping_sync()
    assert author.cursor >= r["seq"]
    ticket = author.table("ticket")[args["id"]]
    assert ticket["number"] is not None
    assert ticket["team_id"] == world.teams["Network"]
    for c in (agent, lead):
        await c.ping_sync()
        assert c.table("ticket")[args["id"]]["title"] == "VPN drops every hour"
    for c in (author, agent, lead):
        await c.close()


async def test_same_mutation_twice_and_after_reconnect_is_a_duplicate(
    server: ServerProcess, world: World
) -> None:
    token = server.login("requester")
    c = WsClient(server, token)
    await c.connect()
    args = ticket_args(world, "Printer jam")
    first = (await c.push(("ticket.create", args), ids=[1]))["results"][0]
    assert first["status"] == "applied"
    again = (await c.push(("ticket.create", args), ids=[1]))["results"][0]
    assert again == {"id": 1, "status": "duplicate", "seq": first["seq"], "original": "applied"}
    cursor = c.cursor
    await c.close()
    c2 = WsClient(server, token, client_id=c.client_id)
    welcome = await c2.connect(cursor=cursor)
    assert welcome["last_mutation_id"] == 1
    replay = (await c2.push(("ticket.create", args), ids=[1]))["results"][0]
    assert replay["status"] == "duplicate"
    assert replay["seq"] == first["seq"]
    await c2.close()
    with server.http(token) as h:
        titles = [
            t["title"] for t in h.get("/api/tickets", params={"q": '"Printer jam"'}).json()["items"]
        ]
    assert titles.count("Printer jam") == 1


async def test_a_gap_stops_the_batch(server: ServerProcess, world: World) -> None:
    c = WsClient(server, server.login("requester"))
    await c.connect()
    a, b = ticket_args(world, "Gap one"), ticket_args(world, "Gap two")
    res = (await c.push(("ticket.create", a), ("ticket.create", b), ids=[2, 3]))["results"]
    assert res == [{"id": 2, "status": "gap", "expected": 1}]
    res = (await c.push(("ticket.create", a), ("ticket.create", b), ids=[1, 2]))["results"]
    assert [r["status"] for r in res] == ["applied", "applied"]
    assert res[1]["seq"] > res[0]["seq"]
    await c.close()


async def test_rejection_is_recorded_with_current_rows(server: ServerProcess, world: World) -> None:
    requester = WsClient(server, server.login("requester"))
    await requester.connect()
    args = ticket_args(world, "Cannot cancel twice")
    await requester.push(("ticket.create", args))
    ok = await requester.push(
        (
            "ticket.set_status",
            {"id": args["id"], "to_status": "cancelled", "cancel_reason": "withdrawn"},
        )
    )
    assert ok["results"][0]["status"] == "applied"
    bad = await requester.push(
        ("ticket.set_status", {"id": args["id"], "from_status": "new", "to_status": "in_progress"})
    )
    (r,) = bad["results"]
    assert r["status"] == "rejected"
    assert r["code"] in ("invalid_transition", "forbidden")
    assert r["message"]
    (current,) = [x for x in r["current"] if x["table"] == "ticket"]
    assert current["op"] == "upsert"
    assert current["row"]["status"] == "cancelled"
    # Recorded as processed: the replay answers the same, the next id goes on.
    replay = await requester.push(
        ("ticket.set_status", {"id": args["id"], "to_status": "new"}), ids=[r["id"]]
    )
    assert replay["results"][0]["status"] == "duplicate"
    assert replay["results"][0]["original"] == "rejected"
    assert replay["results"][0]["code"] == r["code"]
    nxt = await requester.push(
        ("comment.add", {"id": new_id(), "ticket_id": args["id"], "body": "hm"})
    )
    assert nxt["results"][0]["id"] == r["id"] + 1
    await requester.close()


async def test_unknown_mutation_and_bad_args_are_rejected_not_stuck(server: ServerProcess) -> None:
    c = WsClient(server, server.login("agent"))
    await c.connect()
    res = (await c.push(("ticket.explode", {}), ("ticket.create", {"title": 5})))["results"]
    assert [r["status"] for r in res] == ["rejected", "rejected"]
    assert res[0]["code"] == "unknown_mutation"
    assert res[1]["code"] == "invalid"
    await c.close()


async def test_rest_change_reaches_a_websocket_client_in_real_time(
    server: ServerProcess, world: World
) -> None:
    agent = WsClient(server, server.login("agent"))
    await agent.connect()
    with server.http(server.login("requester")) as h:
        r = h.post(
            "/api/tickets", json={"title": "Made over REST", "category_id": world.categories["VPN"]}
        )
        assert r.status_code == 201, r.text
        tid = r.json()["id"]
    msg = await agent.recv_type("changes", timeout=5)
    assert any(row["id"] == tid and row["table"] == "ticket" for row in msg["rows"])
    history = [row for row in msg["rows"] if row["table"] == "ticket_history"]
    assert history
    assert all(h["row"]["channel"] == "rest" for h in history)
    await agent.close()


async def test_catch_up_after_reconnect_brings_only_what_changed(
    server: ServerProcess, world: World
) -> None:
    token = server.login("agent")
    c = WsClient(server, token)
    await c.connect()
    cursor = c.cursor
    await c.close()
    other = WsClient(server, server.login("requester"))
    await other.connect()
    args = ticket_args(world, "While you were away")
    await other.push(("ticket.create", args))
    await other.close()
    back = WsClient(server, token, client_id=c.client_id)
    welcome = await back.connect(cursor=cursor, server_id=c.welcome["server_id"])
    assert welcome["sync"] == "changes"
    changes = [m for m in back.received if m["type"] == "changes"]
    assert changes[-1]["final"]
    assert changes[0]["from"] == cursor
    assert changes[-1]["to"] == welcome["cursor"]
    assert sum(len(m["rows"]) for m in changes) == changes[-1]["total"]
    assert args["id"] in back.table("ticket")
    assert "user" not in {t for t, _ in back.rows}  # nothing that did not change
    await back.close()


async def test_other_server_id_or_future_cursor_gets_a_snapshot(server: ServerProcess) -> None:
    token = server.login("agent")
    c = WsClient(server, token)
    w = await c.connect(cursor=0, server_id="00000000-0000-0000-0000-000000000000")
    assert w["sync"] == "snapshot"
    await c.close()
    c = WsClient(server, token)
    w = await c.connect(cursor=10**9)
    assert w["sync"] == "snapshot"
    await c.close()


async def test_old_protocol_is_told_to_update(server: ServerProcess) -> None:
    c = WsClient(server, server.login("agent"))
    msg = await c.connect(protocol=0)
    assert msg["type"] == "error"
    assert msg["code"] == "upgrade_required"
    assert "update Acero" in msg["message"]
    with pytest.raises(Exception):  # noqa: B017,PT011
        await c.recv()
    assert c.ws.close_code == 4003


async def test_bad_hello_token_is_refused(server: ServerProcess) -> None:
    c = WsClient(server, "not-a-token")
    msg = await c.connect()
    assert msg == {**msg, "type": "error", "code": "auth"}


async def test_several_clients_converge_on_the_same_rows(
    server: ServerProcess, world: World
) -> None:
    token = server.login("admin")
    clients = [WsClient(server, token) for _ in range(4)]
    for c in clients:
        await c.connect()
    args = ticket_args(world, "Converge")

    async def work(i: int, c: WsClient) -> None:
        if i == 0:
            await c.push(("ticket.create", args))
        await asyncio.sleep(0.2)

    await asyncio.gather(*(work(i, c) for i, c in enumerate(clients)))
    for i, c in enumerate(clients):
        await c.push(
            ("comment.add", {"id": new_id(), "ticket_id": args["id"], "body": f"from {i}"})
        )
    for c in clients:
        await c.ping_sync()
    views = [
        {
            k: v
            for k, v in c.rows.items()
            if k[0] in ("ticket", "ticket_comment")
            and (v.get("ticket_id") == args["id"] or v.get("id") == args["id"])
        }
        for c in clients
    ]
    assert all(v == views[0] for v in views)
    assert len([k for k in views[0] if k[0] == "ticket_comment"]) == 4
    for c in clients:
        await c.close()


def test_http_requests_never_500_on_garbage(server: ServerProcess) -> None:
    with server.http(server.login("agent")) as h:
        for method, path, body in [
            ("POST", "/api/tickets", b"{not json"),
            ("POST", "/api/tickets", json.dumps({"title": 5}).encode()),
            ("POST", "/api/tickets", json.dumps({"title": "x", "bogus": 1}).encode()),
            ("POST", "/api/tickets", json.dumps([1, 2]).encode()),
            ("PUT", "/api/tickets/ACR-999999", json.dumps({"title": "x"}).encode()),
            ("GET", "/api/tickets/not-a-ticket", b""),
            ("POST", "/api/tickets/ACR-1/status", json.dumps({"to_status": "flying"}).encode()),
        ]:
            r = h.request(method, path, content=body, headers={"content-type": "application/json"})
            assert 400 <= r.status_code < 500, (path, r.status_code, r.text)
            assert set(r.json()["error"]) == {"code", "message", "field"}
    _ = httpx
