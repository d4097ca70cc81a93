"""Bad frames get an ``error`` naming the problem and the connection (and others) go on."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.server.harness import ServerProcess, WsClient, seed_world


@pytest.mark.parametrize(
    ("frame", "code", "words"),
    [
        ("this is not json", "bad_frame", "not valid JSON"),
        ("[1, 2, 3]", "bad_frame", "JSON object"),
        ('{"no": "type"}', "bad_frame", "type"),
        ('{"type": "teleport"}', "bad_frame", "Unknown message type 'teleport'"),
        ('{"type": "push", "mutations": "lots"}', "bad_frame", "mutations"),
        (
            '{"type": "push", "mutations": [{"id": "one", "name": "x", "args": {}}]}',
            "bad_frame",
            "id",
        ),
        ('{"type": "push", "mutations": [{"id": 0, "name": "x", "args": {}}]}', "bad_frame", "id"),
        (
            '{"type": "push", "mutations": [{"id": 1, "name": "x", "args": []}]}',
            "bad_frame",
            "args",
        ),
        ('{"type": "welcome"}', "unexpected", "not accepted"),
        ('{"type": "hello", "protocol": 1, "token": "x", "client_id": "y"}', "unexpected", "hello"),
    ],
)
async def test_bad_frame_gets_an_error_and_the_socket_stays(
    server: ServerProcess, frame: str, code: str, words: str
) -> None:
    c = WsClient(server, server.login("agent"))
    await c.connect()
    await c.ws.send(frame)
    err = await c.recv_type("error")
    assert err["code"] == code
    assert words in err["message"]
    await c.ping_sync()  # still usable
    await c.close()


async def test_binary_and_oversized_frames(server: ServerProcess) -> None:
    c = WsClient(server, server.login("agent"))
    await c.connect()
    await c.ws.send(b"\xff\xfe\x00")
    assert (await c.recv_type("error"))["code"] == "bad_frame"
    await c.ws.send(json.dumps({"type": "ping", "nonce": "x" * (2 << 20)}))
    err = await c.recv_type("error")
    assert err["code"] == "too_large"
    await c.ping_sync()
    await c.close()


@pytest.fixture(scope="module")
def limited(module_dir: Path) -> Iterator[ServerProcess]:
    """A server with a tiny batch limit and a slow per-connection rate."""
    url = f"sqlite:///{module_dir / 'limited.db'}"
    seed_world(url)
    srv = ServerProcess(url, module_dir / "limited", "--max-batch", "3", "--rate", "5")
    srv.start()
    yield srv
    srv.stop()


async def test_batch_over_the_limit_is_refused_whole(limited: ServerProcess) -> None:
    srv = limited
    c = WsClient(srv, srv.login("agent"))
    await c.connect()
    muts = [
        {"id": i, "name": "user.set_availability", "args": {"availability": "busy"}}
        for i in range(1, 5)
    ]
    await c.ws.send(json.dumps({"type": "push", "mutations": muts}))
    err = await c.recv_type("error")
    assert err["code"] == "too_large"
    assert "at most 3" in err["message"]
    res = await c.push(("user.set_availability", {"availability": "busy"}))
    assert res["results"][0]["status"] == "applied"
    await c.close()


async def test_rate_limit_answers_and_recovers(limited: ServerProcess) -> None:
    srv = limited
    c = WsClient(srv, srv.login("agent"))
    other = WsClient(srv, srv.login("lead"))
    await c.connect()
    await other.connect()
    for i in range(400):
        await c.ws.send(json.dumps({"type": "ping", "nonce": i}))
    err = await c.recv_type("error")
    assert err["code"] == "rate_limited"
    await other.ping_sync()  # other connections are not slowed down
    await asyncio.sleep(1.5)
    await c.settle(0.5)
    await c.ping_sync()
    await c.close()
    await other.close()


async def test_message_before_hello_is_answered(server: ServerProcess) -> None:
    import websockets

    async with websockets.connect(server.ws_url) as ws:
        await ws.send(json.dumps({"type": "ping"}))
        err = json.loads(await ws.recv())
        assert err["code"] == "hello_required"
        await ws.send("garbage")
        err = json.loads(await ws.recv())
        assert err["code"] == "bad_frame"


async def test_idle_connection_is_closed_with_a_reason(
    make_server: Callable[..., ServerProcess],
) -> None:
    srv = make_server("--idle-timeout", "1")
    c = WsClient(srv, srv.login("agent"))
    await c.connect()
    with pytest.raises(Exception):  # noqa: B017,PT011
        await c.recv(timeout=10)
    assert c.ws.close_code == 4002
