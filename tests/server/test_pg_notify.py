"""LISTEN/NOTIFY between server processes on one PostgreSQL (``ACERO_TEST_POSTGRES_URL``).

Every server here polls only every ``POLL`` seconds (also while LISTEN is up), far longer than
any wait below: a change, a logout or a reconnect that shows up within the wait came by NOTIFY.
No latency is asserted; "did not arrive before the poll could have run" is the failure.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
import websockets
from sqlalchemy import create_engine, text

from tests.server.harness import ServerProcess, WsClient, cli, load_world, new_id

pytestmark = pytest.mark.postgres

POLL = "120"
# Far below POLL: arriving within this cannot be the poll's doing.
WAIT = 15.0


def _server(make: Callable[..., ServerProcess], url: str, *, seed: bool) -> ServerProcess:
    return make("--poll-interval", POLL, "--listen-poll-interval", POLL, db_url=url, seed=seed)


async def _arrives(client: WsClient, table: str, row_id: str, timeout: float = WAIT) -> bool:
    """Apply what ``client`` receives until ``row_id`` is in ``table`` (False at the timeout)."""
    deadline = time.monotonic() + timeout
    while row_id not in client.table(table):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        try:
            m = await client.recv(left)
        except TimeoutError:
            return False
        if m["type"] == "changes":
            client._apply(m)
    return True


def _wait_log(server: ServerProcess, needle: str, count: int, timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while server.log().count(needle) < count:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


async def _create(client: WsClient, category: str, title: str) -> str:
    tid = new_id()
    res = await client.push(("ticket.create", {"id": tid, "title": title, "category_id": category}))
    assert res["results"][0]["status"] == "applied", res
    return tid


async def test_change_on_a_reaches_client_of_b_without_the_poll(
    pg_url: str, make_server: Callable[..., ServerProcess]
) -> None:
    a = _server(make_server, pg_url, seed=True)
    b = _server(make_server, pg_url, seed=False)
    assert _wait_log(b, "server.listen.connected", 1)
    world = load_world(pg_url)
    ca = WsClient(a, a.login("requester"))
    cb = WsClient(b, b.login("agent"))  # Network team: sees VPN tickets
    await ca.connect()
    await cb.connect()
    for n in range(3):
        tid = await _create(ca, world.categories["VPN"], f"notify {n}")
        assert await _arrives(cb, "ticket", tid), f"change {n} did not reach process B"
    # An admin CLI write (its own process, through the change log) reaches both.
    done = cli(pg_url, "team", "add", "Notified")
    assert done.returncode == 0, done.stderr
    team_id = load_world(pg_url).teams["Notified"]
    assert await _arrives(cb, "team", team_id)
    assert await _arrives(ca, "team", team_id)
    await ca.close()
    await cb.close()


async def test_logout_on_a_closes_the_socket_on_b(
    pg_url: str, make_server: Callable[..., ServerProcess]
) -> None:
    a = _server(make_server, pg_url, seed=True)
    b = _server(make_server, pg_url, seed=False)
    assert _wait_log(b, "server.listen.connected", 1)
    token = a.login("agent")
    cb = WsClient(b, token)
    await cb.connect()
    a.logout(token)
    assert await _close_code(cb) == 4001


async def _close_code(client: WsClient, timeout: float = WAIT) -> int | None:
    """The code ``client``'s socket is closed with (None: still open at the timeout)."""
    deadline = time.monotonic() + timeout
    try:
        while True:  # the ``error`` frame, then the close
            await client.recv(max(0.01, deadline - time.monotonic()))
    except TimeoutError:
        return None
    except websockets.ConnectionClosed as exc:
        return exc.rcvd.code if exc.rcvd is not None else None


async def test_b_reconnects_its_listen_connection_and_still_delivers(
    pg_url: str, make_server: Callable[..., ServerProcess]
) -> None:
    a = _server(make_server, pg_url, seed=True)
    b = _server(make_server, pg_url, seed=False)
    assert _wait_log(b, "server.listen.connected", 1)
    world = load_world(pg_url)
    ca = WsClient(a, a.login("requester"))
    cb = WsClient(b, b.login("agent"))
    await ca.connect()
    await cb.connect()

    engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            killed = conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name"
                ),
                {"name": f"acero-listen:{b.pid}"},
            ).all()
    finally:
        engine.dispose()
    assert killed == [(True,)]
    # Written while B may not listen yet: the head read after reconnecting finds it.
    early = await _create(ca, world.categories["VPN"], "while reconnecting")
    assert _wait_log(b, "server.listen.lost", 1)
    assert _wait_log(b, "server.listen.connected", 2)
    assert await _arrives(cb, "ticket", early)
    # And notifications flow on the new connection.
    later = await _create(ca, world.categories["VPN"], "after reconnecting")
    assert await _arrives(cb, "ticket", later)
    await asyncio.gather(ca.close(), cb.close())
