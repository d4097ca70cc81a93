"""A real ``acero-server serve`` process and real clients (httpx, websockets) for the tests."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import websockets
from sqlalchemy import select

from acero_desktop.core.ids import uuid7
from acero_desktop.models import Role, Team, TeamMember, TicketCategory, User
from acero_desktop.server.auth import set_password
from acero_desktop.server.cli import log_rows
from acero_desktop.server.db import Store, utcnow
from tests.support.server_process import ServerProcess as BaseServerProcess

PASSWORD = "correct horse battery"


@dataclass
class World:
    """Ids of the users, teams and categories every server test starts from."""

    users: dict[str, str] = field(default_factory=dict)
    teams: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)


def seed_world(db_url: str) -> World:
    """Two teams (Network led by ``lead`` with ``agent``; Facilities with ``agent2``), two
    requesters and an admin, and a category routed to each team."""
    store = Store(db_url)
    world = World()
    try:
        with store.write_session() as s:
            people = {
                "requester": Role.REQUESTER,
                "requester2": Role.REQUESTER,
                "agent": Role.AGENT,
                "agent2": Role.AGENT,
                "lead": Role.LEAD,
                "admin": Role.ADMIN,
            }
            users = {}
            for name, role in people.items():
                u = User(
                    id=uuid.uuid4(),
                    username=name,
                    name=name.capitalize(),
                    email=f"{name}@example.org",
                    role=role,
                    created_at=utcnow(),
                )
                s.add(u)
                users[name] = u
            s.flush()
            for u in users.values():
                set_password(s, u.id, PASSWORD)
            net = Team(id=uuid.uuid4(), name="Network", lead_id=users["lead"].id)
            fac = Team(id=uuid.uuid4(), name="Facilities")
            s.add_all([net, fac])
            s.flush()
            members = [
                TeamMember(id=uuid.uuid4(), team_id=net.id, user_id=users["agent"].id),
                TeamMember(id=uuid.uuid4(), team_id=net.id, user_id=users["lead"].id),
                TeamMember(id=uuid.uuid4(), team_id=fac.id, user_id=users["agent2"].id),
            ]
            vpn = TicketCategory(id=uuid.uuid4(), name="VPN", default_team_id=net.id)
            chairs = TicketCategory(id=uuid.uuid4(), name="Chairs", default_team_id=fac.id)
            s.add_all([*members, vpn, chairs])
            log_rows(s, [*users.values(), net, fac, *members, vpn, chairs])
            world.users = {k: str(v.id) for k, v in users.items()}
            world.teams = {"Network": str(net.id), "Facilities": str(fac.id)}
            world.categories = {"VPN": str(vpn.id), "Chairs": str(chairs.id)}
    finally:
        store.dispose()
    return world


def load_world(db_url: str) -> World:
    store = Store(db_url)
    world = World()
    try:
        with store.read_session() as s:
            world.users = {u.username: str(u.id) for u in s.scalars(select(User))}
            world.teams = {t.name: str(t.id) for t in s.scalars(select(Team))}
            world.categories = {c.name: str(c.id) for c in s.scalars(select(TicketCategory))}
    finally:
        store.dispose()
    return world


class ServerProcess(BaseServerProcess):
    """A server on any store (SQLite file or PostgreSQL) seeded by :func:`seed_world`."""

    default_password = PASSWORD


def cli(db_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "acero_desktop.server.cli", *args, "--db", db_url],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ},
    )


class WsClient:
    """A sync client as far as the tests need one: hello, push, and what the server sent."""

    def __init__(self, server: ServerProcess, token: str, client_id: str | None = None) -> None:
        self.server = server
        self.token = token
        self.client_id = client_id or str(uuid.uuid4())
        self.ws: Any = None
        self.welcome: dict[str, Any] = {}
        self.cursor: int | None = None
        self.rows: dict[tuple[str, str], dict[str, Any]] = {}
        self.received: list[dict[str, Any]] = []
        self.next_id = 1

    async def connect(
        self, cursor: int | None = None, *, sync: bool = True, **hello: Any
    ) -> dict[str, Any]:
        ssl_ctx = None
        if self.server.scheme == "https":
            import ssl

            ssl_ctx = ssl.create_default_context()
            ssl_ctx.check_hostname = False
            ssl_ctx.verify_mode = ssl.CERT_NONE
        self.ws = await websockets.connect(self.server.ws_url, max_size=None, ssl=ssl_ctx)
        msg = {
            "type": "hello",
            "v": 1,
            "protocol": 1,
            "token": self.token,
            "client_id": self.client_id,
            "cursor": cursor,
            **hello,
        }
        await self.ws.send(json.dumps(msg))
        self.welcome = await self.recv()
        if self.welcome["type"] != "welcome":
            return self.welcome
        if sync:
            await self.sync()
        return self.welcome

    async def sync(self) -> None:
        kind = self.welcome["sync"]
        if kind == "none":
            self.cursor = self.welcome["cursor"]
            return
        while True:
            m = await self.recv()
            if m["type"] == "snapshot_page":
                for row in m["rows"]:
                    self.rows[(m["table"], row["id"])] = row
            elif m["type"] == "snapshot_done":
                self.cursor = m["cursor"]
                return
            elif m["type"] == "changes":
                self._apply(m)
                if m["final"]:
                    return

    def _apply(self, m: dict[str, Any]) -> None:
        for r in m["rows"]:
            key = (r["table"], r["id"])
            if r["op"] == "upsert":
                self.rows[key] = r["row"]
            else:
                self.rows.pop(key, None)
                if r["table"] == "ticket":
                    for k in [k for k, v in self.rows.items() if v.get("ticket_id") == r["id"]]:
                        del self.rows[k]
        if m.get("final", True):
            self.cursor = m["to"]

    async def recv(self, timeout: float = 10.0) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        m = json.loads(raw)
        self.received.append(m)
        return m  # type: ignore[no-any-return]

    async def recv_type(self, kind: str, timeout: float = 10.0) -> dict[str, Any]:
        """Receive until a message of ``kind``, applying ``changes`` on the way."""
        deadline = time.monotonic() + timeout
        while True:
            m = await self.recv(max(0.01, deadline - time.monotonic()))
            if m["type"] == "changes":
                self._apply(m)
            if m["type"] == kind:
                return m

    async def push(
        self, *mutations: tuple[str, dict[str, Any]], ids: list[int] | None = None
    ) -> dict[str, Any]:
        muts = []
        for i, (name, args) in enumerate(mutations):
            mid = ids[i] if ids else self.next_id
            if not ids:
                self.next_id += 1
            muts.append({"id": mid, "name": name, "args": args, "ts": None})
        await self.ws.send(json.dumps({"type": "push", "v": 1, "mutations": muts}))
        return await self.recv_type("push_result")

    async def settle(self, quiet: float = 0.3) -> None:
        """Apply whatever arrives until the socket has been quiet for ``quiet`` seconds."""
        while True:
            try:
                m = await self.recv(quiet)
            except TimeoutError:
                return
            if m["type"] == "changes":
                self._apply(m)

    async def ping_sync(self) -> None:
        """Round-trip a ping: every change committed before it has been applied after it."""
        nonce = uuid.uuid4().hex
        await self.ws.send(json.dumps({"type": "ping", "nonce": nonce}))
        while True:
            m = await self.recv()
            if m["type"] == "changes":
                self._apply(m)
            if m["type"] == "pong" and m["nonce"] == nonce:
                break
        await self.settle(0.05)

    def table(self, name: str) -> dict[str, dict[str, Any]]:
        return {k[1]: v for k, v in self.rows.items() if k[0] == name}

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


def new_id() -> str:
    return str(uuid7())
