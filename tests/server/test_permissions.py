"""The permission matrix: requester / other requester / agent of another team / agent / lead /
admin x snapshot, live changes, catch-up, REST reads, search, attachments, push rejections and
error messages. Every secret is a marker string; a user who may not see it must never receive
it, in any byte of any message or response.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.server.harness import ServerProcess, World, WsClient, new_id

USERS = ("requester", "requester2", "agent", "agent2", "lead", "admin")
# Who sees the Network ticket of ``requester``, and who reads its internal note.
SEES_TICKET = {"requester", "agent", "lead", "admin"}
SEES_NOTE = {"agent", "lead", "admin"}
SEES_FAC = {"requester2", "agent2", "admin"}


@dataclass
class Scenario:
    tokens: dict[str, str]
    ticket: str = ""
    fac_ticket: str = ""
    title: str = ""
    note: str = ""
    note_id: str = ""
    public_comment: str = ""
    note_file: str = ""
    public_file: str = ""
    note_attachment: str = ""
    public_attachment: str = ""
    live: dict[str, WsClient] = field(default_factory=dict)
    catch_up_cursor: dict[str, tuple[str, int, str]] = field(default_factory=dict)


# The live clients are made in the module's event loop; the tests that use them run in it.
module_loop = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scenario(server: ServerProcess, world: World) -> Any:
    tokens = {u: server.login(u) for u in USERS}
    sc = Scenario(tokens)
    marker = uuid.uuid4().hex[:8]
    sc.title = f"SECRETNET{marker} VPN certificate"
    sc.note = f"INTERNALNOTE{marker} the user's laptop is not patched"
    sc.public_comment = f"PUBLICREPLY{marker}"
    sc.note_file = f"NOTEFILE{marker}"
    sc.public_file = f"PUBFILE{marker}"
    # Clients that will catch up later: connect, remember the cursor, leave.
    for u in USERS:
        c = WsClient(server, tokens[u])
        await c.connect()
        sc.catch_up_cursor[u] = (c.client_id, c.cursor or 0, c.welcome["server_id"])
        await c.close()
    # Clients that stay connected and receive live changes.
    for u in USERS:
        sc.live[u] = WsClient(server, tokens[u])
        await sc.live[u].connect()

    req, agent, req2 = sc.live["requester"], sc.live["agent"], sc.live["requester2"]
    sc.ticket = new_id()
    res = await req.push(
        (
            "ticket.create",
            {"id": sc.ticket, "title": sc.title, "category_id": world.categories["VPN"]},
        ),
        ("comment.add", {"id": new_id(), "ticket_id": sc.ticket, "body": sc.public_comment}),
    )
    assert [r["status"] for r in res["results"]] == ["applied", "applied"], res
    sc.note_id = new_id()
    res = await agent.push(
        (
            "comment.add",
            {"id": sc.note_id, "ticket_id": sc.ticket, "body": sc.note, "internal": True},
        )
    )
    assert res["results"][0]["status"] == "applied", res
    with server.http(tokens["agent"]) as h:
        r = h.post(
            f"/api/tickets/{sc.ticket}/attachments",
            files={"file": (f"{sc.note_file}.txt", b"note bytes " + marker.encode(), "text/plain")},
            data={"comment_id": sc.note_id},
        )
        assert r.status_code == 201, r.text
        sc.note_attachment = r.json()["id"]
        r = h.post(
            f"/api/tickets/{sc.ticket}/attachments",
            files={"file": (f"{sc.public_file}.pdf", b"%PDF-1.4 public", "application/pdf")},
        )
        assert r.status_code == 201, r.text
        sc.public_attachment = r.json()["id"]
    sc.fac_ticket = new_id()
    res = await req2.push(
        (
            "ticket.create",
            {
                "id": sc.fac_ticket,
                "title": f"FACONLY{marker} chair",
                "category_id": world.categories["Chairs"],
            },
        )
    )
    assert res["results"][0]["status"] == "applied"
    for c in sc.live.values():
        await c.ping_sync()
    yield sc
    for c in sc.live.values():
        await c.close()


def _text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(json.dumps(m) for m in messages)


def _check_text(
    user: str, text: str, sc: Scenario, where: str, known: frozenset[str] = frozenset()
) -> None:
    """``known``: ids the user sent themselves (echoed back in a rejection, not a leak)."""
    if user not in SEES_TICKET:
        for secret in (
            sc.title,
            sc.public_comment,
            sc.note,
            sc.note_file,
            sc.public_file,
            sc.ticket,
        ):
            if secret not in known:
                assert secret not in text, f"{user} got {secret!r} via {where}"
    if user not in SEES_NOTE:
        for secret in (sc.note, sc.note_file, sc.note_id, sc.note_attachment):
            if secret not in known:
                assert secret not in text, f"{user} got {secret!r} via {where}"
    if user not in SEES_FAC:
        assert sc.fac_ticket not in text, f"{user} got the Facilities ticket via {where}"


def _check_rows(
    user: str, rows: dict[tuple[str, str], dict[str, Any]], sc: Scenario, where: str
) -> None:
    tickets = {k[1] for k in rows if k[0] == "ticket"}
    assert (sc.ticket in tickets) == (user in SEES_TICKET), (user, where)
    assert (sc.fac_ticket in tickets) == (user in SEES_FAC), (user, where)
    comments = {k[1] for k in rows if k[0] == "ticket_comment"}
    assert (sc.note_id in comments) == (user in SEES_NOTE), (user, where)
    files = {k[1] for k in rows if k[0] == "attachment"}
    assert (sc.note_attachment in files) == (user in SEES_NOTE), (user, where)
    assert (sc.public_attachment in files) == (user in SEES_TICKET), (user, where)


@pytest.mark.parametrize("user", USERS)
@module_loop
async def test_live_changes(scenario: Scenario, user: str) -> None:
    c = scenario.live[user]
    live = [m for m in c.received if m["type"] in ("changes", "push_result")]
    _check_text(user, _text(live), scenario, "live changes")
    _check_rows(user, c.rows, scenario, "live changes")


@pytest.mark.parametrize("user", USERS)
@module_loop
async def test_snapshot(server: ServerProcess, scenario: Scenario, user: str) -> None:
    c = WsClient(server, scenario.tokens[user])
    await c.connect()
    assert c.welcome["sync"] == "snapshot"
    _check_text(user, _text(c.received), scenario, "snapshot")
    _check_rows(user, c.rows, scenario, "snapshot")
    await c.close()


@pytest.mark.parametrize("user", USERS)
@module_loop
async def test_catch_up(server: ServerProcess, scenario: Scenario, user: str) -> None:
    client_id, cursor, server_id = scenario.catch_up_cursor[user]
    c = WsClient(server, scenario.tokens[user], client_id=client_id)
    await c.connect(cursor=cursor, server_id=server_id)
    assert c.welcome["sync"] == "changes"
    _check_text(user, _text(c.received), scenario, "catch-up")
    _check_rows(user, c.rows, scenario, "catch-up")
    await c.close()


def _get(h: httpx.Client, path: str, **params: Any) -> httpx.Response:
    return h.get(path, params=params)


@pytest.mark.parametrize("user", USERS)
def test_rest_reads(server: ServerProcess, scenario: Scenario, user: str) -> None:
    sc = scenario
    seen: list[str] = []
    with server.http(sc.tokens[user]) as h:
        listing = _get(h, "/api/tickets", limit=500)
        assert listing.status_code == 200
        seen.append(listing.text)
        ids = {t["id"] for t in listing.json()["items"]}
        assert (sc.ticket in ids) == (user in SEES_TICKET)
        search = _get(h, "/api/tickets", q=sc.title.split()[0])
        seen.append(search.text)
        assert ({t["id"] for t in search.json()["items"]} == {sc.ticket}) == (user in SEES_TICKET)
        note_search = _get(h, "/api/tickets", q=sc.note.split()[0])
        seen.append(note_search.text)
        if user not in SEES_NOTE:  # internal notes are not searchable by those who cannot read them
            assert note_search.json()["items"] == []
        for path in (
            f"/api/tickets/{sc.ticket}",
            f"/api/tickets/{sc.ticket}/comments",
            f"/api/tickets/{sc.ticket}/history",
            f"/api/tickets/{sc.ticket}/tasks",
            f"/api/tickets/{sc.ticket}/attachments",
            f"/api/tickets/{sc.ticket}/assignees",
        ):
            r = h.get(path)
            seen.append(r.text)
            if user in SEES_TICKET:
                expected = 403 if path.endswith("assignees") and user == "requester" else 200
                assert r.status_code == expected, (path, r.text)
            else:
                assert r.status_code == 404, (path, r.text)
                assert r.json()["error"]["code"] == "not_found"
        note_file = h.get(f"/api/attachments/{sc.note_attachment}")
        public_file = h.get(f"/api/attachments/{sc.public_attachment}")
        assert (note_file.status_code == 200) == (user in SEES_NOTE)
        assert (public_file.status_code == 200) == (user in SEES_TICKET)
        if public_file.status_code == 200:
            assert public_file.headers["content-type"] == "application/pdf"
            assert public_file.content == b"%PDF-1.4 public"
            assert "attachment" in public_file.headers["content-disposition"]
        else:
            seen.append(public_file.text)
        if note_file.status_code != 200:
            seen.append(note_file.text)
        if user in SEES_TICKET:
            comments = h.get(f"/api/tickets/{sc.ticket}/comments").json()["items"]
            assert any(c["id"] == sc.note_id for c in comments) == (user in SEES_NOTE)
    text = "\n".join(seen)
    _check_text(user, text, sc, "REST")


@pytest.mark.parametrize("user", ["requester2", "agent2"])
@module_loop
async def test_writes_to_an_unseen_ticket_reveal_nothing(
    server: ServerProcess, scenario: Scenario, user: str
) -> None:
    sc = scenario
    c = WsClient(server, sc.tokens[user])
    await c.connect()
    res = await c.push(
        ("comment.add", {"id": new_id(), "ticket_id": sc.ticket, "body": "let me in"}),
        ("ticket.update", {"id": sc.ticket, "title": "mine now"}),
        ("comment.edit", {"id": sc.note_id, "body": "overwritten"}),
    )
    for r in res["results"]:
        assert r["status"] == "rejected"
        assert r["code"] == "not_found"
        for row in r["current"]:
            assert row["op"] == "delete"
            assert row["row"] is None
    with server.http(sc.tokens[user]) as h:
        r1 = h.post(f"/api/tickets/{sc.ticket}/comments", json={"body": "hello"})
        r2 = h.put(f"/api/tickets/{sc.ticket}", json={"title": "x"})
        r3 = h.post(f"/api/tickets/{sc.ticket}/status", json={"to_status": "cancelled"})
        r4 = h.post(
            f"/api/tickets/{sc.ticket}/attachments", files={"file": ("a.txt", b"x", "text/plain")}
        )
        assert {r.status_code for r in (r1, r2, r3, r4)} == {404}
    everything = _text(c.received) + r1.text + r2.text + r3.text + r4.text
    _check_text(user, everything, sc, "rejections", known=frozenset({sc.ticket, sc.note_id}))
    await c.close()


@module_loop
async def test_requester_cannot_write_an_internal_note(
    server: ServerProcess, scenario: Scenario
) -> None:
    c = WsClient(server, scenario.tokens["requester"])
    await c.connect()
    res = await c.push(
        (
            "comment.add",
            {"id": new_id(), "ticket_id": scenario.ticket, "body": "psst", "internal": True},
        )
    )
    assert res["results"][0]["status"] == "rejected"
    assert res["results"][0]["code"] == "forbidden"
    await c.close()


@module_loop
async def test_reassignment_moves_the_ticket_between_teams(
    server: ServerProcess, world: World, scenario: Scenario
) -> None:
    """A ticket moved to another team disappears from the old team's agents and arrives, whole
    (internal notes included), at the new team's."""
    sc = scenario
    tokens = sc.tokens
    req = WsClient(server, tokens["requester"])
    await req.connect()
    tid = new_id()
    await req.push(
        (
            "ticket.create",
            {"id": tid, "title": "Moves around", "category_id": world.categories["VPN"]},
        )
    )
    agent, agent2 = WsClient(server, tokens["agent"]), WsClient(server, tokens["agent2"])
    await agent.connect()
    await agent2.connect()
    note = new_id()
    res = await agent.push(
        ("comment.add", {"id": note, "ticket_id": tid, "body": "note", "internal": True})
    )
    assert res["results"][0]["status"] == "applied"
    await agent2.ping_sync()
    assert tid not in agent2.table("ticket")
    lead = WsClient(server, tokens["lead"])
    await lead.connect()
    res = await lead.push(
        ("ticket.assign", {"id": tid, "assignee_id": None, "team_id": world.teams["Facilities"]})
    )
    assert res["results"][0]["status"] == "applied", res
    await agent.ping_sync()
    await agent2.ping_sync()
    assert tid not in agent.table("ticket")
    assert not any(r.get("ticket_id") == tid for r in agent.rows.values())
    assert agent2.table("ticket")[tid]["team_id"] == world.teams["Facilities"]
    assert note in agent2.table("ticket_comment")
    assert any(
        r["table"] == "ticket" and r["op"] == "delete" and r["id"] == tid
        for m in agent.received
        if m["type"] == "changes"
        for r in m["rows"]
    )
    for c in (req, agent, agent2, lead):
        await c.close()


@module_loop
async def test_watching_grants_and_unwatching_removes(
    server: ServerProcess, world: World, scenario: Scenario
) -> None:
    tokens = scenario.tokens
    req = WsClient(server, tokens["requester"])
    other = WsClient(server, tokens["requester2"])
    await req.connect()
    await other.connect()
    tid = new_id()
    await req.push(
        ("ticket.create", {"id": tid, "title": "Watch me", "category_id": world.categories["VPN"]})
    )
    res = await req.push(
        ("watch.add", {"id": new_id(), "ticket_id": tid, "user_id": world.users["requester2"]})
    )
    assert res["results"][0]["status"] == "applied", res
    await other.ping_sync()
    assert tid in other.table("ticket")
    res = await req.push(("watch.remove", {"ticket_id": tid, "user_id": world.users["requester2"]}))
    assert res["results"][0]["status"] == "applied", res
    await other.ping_sync()
    assert tid not in other.table("ticket")
    await req.close()
    await other.close()
