"""The server as an operator sees it: CLI, disabling users, restarts, shutdown, TLS, schema."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.server.harness import (
    PASSWORD,
    ServerProcess,
    WsClient,
    cli,
    load_world,
    new_id,
    seed_world,
)


def test_cli_user_team_category_round_trip(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert cli(url, "team", "add", "Desk").returncode == 0
    r = cli(
        url,
        "user",
        "add",
        "dana",
        "--email",
        "dana@example.org",
        "--role",
        "agent",
        "--team",
        "Desk",
        "--password-stdin",
        stdin="long enough pw\n",
    )
    assert r.returncode == 0, r.stderr
    assert cli(url, "category", "add", "Laptops", "--team", "Desk").returncode == 0
    out = cli(url, "user", "list").stdout
    assert "dana\tagent\tactive" in out
    dup = cli(
        url, "user", "add", "dana", "--email", "x@y", "--password-stdin", stdin="long enough pw\n"
    )
    assert dup.returncode == 1
    assert "exists already" in dup.stderr
    short = cli(url, "user", "add", "eve", "--email", "e@y", "--password-stdin", stdin="short\n")
    assert short.returncode == 1
    assert "8 characters" in short.stderr
    assert cli(url, "user", "role", "dana", "lead").returncode == 0
    compact = cli(url, "compact", "--keep", "1")
    assert compact.returncode == 0, compact.stderr
    assert "will re-snapshot" in compact.stdout
    check = cli(url, "check")
    assert check.returncode == 0, check.stdout
    assert check.stdout.strip().endswith("ok")


@pytest.fixture(scope="module")
def admin_server(module_dir: Path) -> Iterator[ServerProcess]:
    """Shared by the tests that change users with the CLI (each its own user)."""
    url = f"sqlite:///{module_dir / 'admin.db'}"
    seed_world(url)
    srv = ServerProcess(url, module_dir / "admin").start()
    yield srv
    srv.stop()


async def test_disabling_a_user_cuts_them_off_at_once(admin_server: ServerProcess) -> None:
    srv = admin_server
    token = srv.login("agent")
    c = WsClient(srv, token)
    await c.connect()
    watcher = WsClient(srv, srv.login("admin"))
    await watcher.connect()
    r = cli(srv.db_url, "user", "disable", "agent")
    assert r.returncode == 0, r.stderr
    err = await c.recv_type("error", timeout=10)
    assert err["code"] == "auth"
    with pytest.raises(Exception):  # noqa: B017,PT011
        await c.recv(timeout=5)
    assert c.ws.close_code == 4001
    with srv.http(token) as h:
        assert h.get("/api/tickets").status_code in (401, 403)
    bad = httpx.post(
        f"{srv.base_url}/api/auth/login", json={"username": "agent", "password": PASSWORD}
    )
    assert bad.status_code == 403
    # The admin's client saw the user row change (the CLI writes through the change log).
    await watcher.ping_sync()
    agent_rows = [u for u in watcher.table("user").values() if u["username"] == "agent"]
    assert agent_rows[0]["active"] is False
    await watcher.close()


async def test_team_change_makes_a_client_resync(admin_server: ServerProcess) -> None:
    srv = admin_server
    token = srv.login("agent2")
    c = WsClient(srv, token)
    await c.connect()
    cursor = c.cursor
    assert cli(srv.db_url, "team", "add-member", "Network", "agent2").returncode == 0
    err = await c.recv_type("error", timeout=10)
    assert err["code"] == "resync"
    c2 = WsClient(srv, token, client_id=c.client_id)
    welcome = await c2.connect(cursor=cursor)
    assert welcome["sync"] == "snapshot"
    await c2.close()


async def test_restart_loses_nothing_acknowledged(
    make_server: Callable[..., ServerProcess],
) -> None:
    srv = make_server()
    world = load_world(srv.db_url)
    token = srv.login("requester")
    c = WsClient(srv, token)
    await c.connect()
    ids = [new_id() for _ in range(20)]
    res = await c.push(
        *[
            (
                "ticket.create",
                {"id": i, "title": f"Restart {n}", "category_id": world.categories["VPN"]},
            )
            for n, i in enumerate(ids)
        ]
    )
    assert all(r["status"] == "applied" for r in res["results"])
    last_seq = res["results"][-1]["seq"]
    await c.close()
    srv.kill()  # no goodbye at all
    srv.start()
    c2 = WsClient(srv, srv.login("requester"), client_id=c.client_id)
    welcome = await c2.connect()
    assert welcome["last_mutation_id"] == 20
    assert welcome["cursor"] >= last_seq
    assert set(ids) <= set(c2.table("ticket"))
    replay = await c2.push(("ticket.create", {"id": ids[0], "title": "x"}), ids=[1])
    assert replay["results"][0]["status"] == "duplicate"
    await c2.close()


async def test_graceful_shutdown_closes_sockets_with_1001(
    make_server: Callable[..., ServerProcess],
) -> None:
    srv = make_server()
    c = WsClient(srv, srv.login("agent"))
    await c.connect()
    # uvicorn re-raises the signal after its graceful shutdown: exit status 0 or -SIGTERM.
    assert srv.stop() in (0, -signal.SIGTERM)
    with pytest.raises(Exception):  # noqa: B017,PT011
        await c.recv(timeout=10)
    assert c.ws.close_code == 1001
    assert "shutting down" in (c.ws.close_reason or "")
    assert "server.shutdown" in srv.log()


def test_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'future.db'}"
    assert cli(url, "user", "list").returncode == 0
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version_server SET version_num = 'from_the_future'"))
    engine.dispose()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "acero_desktop.server.cli",
            "serve",
            "--db",
            url,
            "--port",
            "0",
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 3
    assert "newer version of Acero" in proc.stderr


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    try:
        import datetime

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        pytest.skip("the cryptography package is needed to make a test certificate")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = tmp_path / "cert.pem", tmp_path / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certfile, keyfile


async def test_tls_serves_https_and_wss(
    make_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    certfile, keyfile = _self_signed(tmp_path)
    srv = make_server("--certfile", str(certfile), "--keyfile", str(keyfile))
    assert srv.base_url.startswith("https://")
    import ssl

    r = httpx.get(
        f"{srv.base_url}/api/health", verify=ssl.create_default_context(cafile=str(certfile))
    )
    assert r.status_code == 200
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{srv.port}/api/health", timeout=3)
    c = WsClient(srv, srv.login("agent"))
    welcome = await c.connect()
    assert welcome["type"] == "welcome"
    await c.close()


async def test_accepted_connections_send_small_answers_at_once() -> None:
    """TCP_NODELAY on every accepted socket: a push result must not wait for a delayed ACK."""
    import socket

    from acero_desktop.server.cli import listening_socket

    sock = listening_socket("127.0.0.1", 0)
    nodelay: list[int] = []

    async def accepted(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nodelay.append(
            writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        )
        writer.close()

    server = await asyncio.start_server(accepted, sock=sock)
    async with server:
        _r, w = await asyncio.open_connection(*sock.getsockname()[:2])
        for _ in range(100):
            if nodelay:
                break
            await asyncio.sleep(0.01)
        w.close()
    assert nodelay and nodelay[0] != 0
