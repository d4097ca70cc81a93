"""Fixtures of the sync tests: real servers on seeded copies, and sync clients against them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.live_server import LiveServer, seeded_template
from tests.sync.harness import SyncClient, fast_options

TICKETS = 40


@pytest.fixture(scope="session")
def demo_template() -> Path:
    """The seeded demo store every server here starts from (seeded once, then cached)."""
    return seeded_template(TICKETS)


@pytest.fixture(scope="module")
def live_server(
    demo_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """One server per module, on its own copy of the demo store."""
    workdir = tmp_path_factory.mktemp("live")
    server = LiveServer.from_template(workdir, tickets=TICKETS).start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def tokens(live_server: LiveServer) -> dict[str, str]:
    """A token per demo user on the module's server (logging in costs an argon2 check)."""
    return {u: live_server.login(u) for u in ("agent", "lead", "admin", "requester")}


@pytest.fixture
def make_server(demo_template: Path, tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Servers of one's own for one test (own store copy, extra flags); all stopped after."""
    started: list[LiveServer] = []

    def make(*extra: str, name: str | None = None, start: bool = True) -> LiveServer:
        server = LiveServer.from_template(
            tmp_path, *extra, tickets=TICKETS, name=name or f"server{len(started)}"
        )
        started.append(server)
        return server.start() if start else server

    yield make
    for server in started:
        server.close()


@pytest.fixture
async def make_client(tmp_path: Path) -> AsyncIterator[Callable[..., SyncClient]]:
    """Sync clients with their own cache files; engines stopped and files closed after."""
    made: list[SyncClient] = []

    def make(name: str, url: str, token: str | None, **options: Any) -> SyncClient:
        client = SyncClient(
            name, tmp_path / f"{name}-{len(made)}.db", url, token, fast_options(**options)
        )
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()
