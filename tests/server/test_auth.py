"""Login, tokens and their life: expiry, logout, wrong passwords, throttling."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from tests.server.harness import PASSWORD, ServerProcess, WsClient


def test_health_answers_without_login(server: ServerProcess) -> None:
    r = httpx.get(f"{server.base_url}/api/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["protocol"] >= body["min_protocol"]
    assert r.headers["x-request-id"]


def test_login_returns_an_opaque_token_and_the_user(server: ServerProcess) -> None:
    r = httpx.post(
        f"{server.base_url}/api/auth/login", json={"username": "agent", "password": PASSWORD}
    )
    assert r.status_code == 200
    body = r.json()
    assert len(body["token"]) >= 40
    assert body["user"]["username"] == "agent"
    assert body["user"]["role"] == "agent"
    assert "expires_at" in body
    with server.http(body["token"]) as c:
        assert c.get("/api/users/me").json()["username"] == "agent"


def test_wrong_password_and_unknown_user_get_the_same_401(server: ServerProcess) -> None:
    url = f"{server.base_url}/api/auth/login"
    a = httpx.post(url, json={"username": "lead", "password": "nope-nope"})
    b = httpx.post(url, json={"username": "nobody-here", "password": "nope-nope"})
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json()
    assert a.json()["error"]["code"] == "unauthorized"


def test_requests_without_or_with_a_bad_token_are_401(server: ServerProcess) -> None:
    with server.http() as c:
        r = c.get("/api/tickets")
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "unauthorized"
    with server.http("made-up-token") as c:
        assert c.get("/api/tickets").status_code == 401


def test_logout_revokes_the_token_for_rest_and_websocket(server: ServerProcess) -> None:
    token = server.login("requester")
    with server.http(token) as c:
        assert c.get("/api/tickets").status_code == 200
        assert c.post("/api/auth/logout").status_code == 200
        assert c.get("/api/tickets").status_code == 401


async def test_logout_closes_open_websockets_of_that_token(server: ServerProcess) -> None:
    token = server.login("requester2")
    client = WsClient(server, token)
    await client.connect()
    with server.http(token) as c:
        assert c.post("/api/auth/logout").status_code == 200
    error = await client.recv_type("error")
    assert error["code"] == "auth"
    with pytest.raises(Exception):  # noqa: B017,PT011 - closed by the server
        await client.recv(timeout=5)
    assert client.ws.close_code == 4001


def test_login_throttled_per_user_then_per_address(
    make_server: Callable[..., ServerProcess],
) -> None:
    srv = make_server()
    url = f"{srv.base_url}/api/auth/login"
    for _ in range(5):
        r = httpx.post(url, json={"username": "admin", "password": "bad-guess"})
        assert r.status_code == 401
    r = httpx.post(url, json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    assert r.json()["error"]["code"] == "rate_limited"
    # Another user from the same address is not locked out by that user's failures...
    assert httpx.post(url, json={"username": "agent", "password": PASSWORD}).status_code == 200
    # ... until the address itself has failed too often (20 in the window).
    for i in range(15):
        httpx.post(url, json={"username": f"ghost{i}", "password": "x-x-x-x-x"})
    r = httpx.post(url, json={"username": "lead", "password": PASSWORD})
    assert r.status_code == 429
    assert "Too many failed logins" in r.json()["error"]["message"]


async def test_token_expiry_ends_rest_and_websocket(
    make_server: Callable[..., ServerProcess],
) -> None:
    srv = make_server("--token-ttl", "2")
    token = srv.login("agent")
    client = WsClient(srv, token)
    await client.connect()
    error = await client.recv_type("error", timeout=10)
    assert error["code"] == "auth"
    assert "expired" in error["message"]
    with srv.http(token) as c:
        r = c.get("/api/tickets")
    assert r.status_code == 401
    assert "expired" in r.json()["error"]["message"]
    time.sleep(0)  # the token's life is over; a new login works again
    assert srv.login("agent")


def test_tokens_are_stored_hashed(server: ServerProcess) -> None:
    from sqlalchemy import create_engine, text

    token = server.login("lead")
    engine = create_engine(server.db_url)
    with engine.connect() as conn:
        stored = [r[0] for r in conn.execute(text("SELECT token_hash FROM auth_token"))]
    engine.dispose()
    assert token not in stored
    assert all(len(h) == 64 for h in stored)
    assert token not in server.log()
    assert PASSWORD not in server.log()
