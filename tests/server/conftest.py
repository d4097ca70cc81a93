"""Fixtures: a real server process per module (seeded world), or per test where it must be."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.server.harness import ServerProcess, World, seed_world

# Cheap argon2id parameters for this suite's many users and logins (inherited by the servers).
os.environ.setdefault("ACERO_SERVER_ARGON2", "fast")

# ``pg_url`` (tests/pg.py) is loaded by the root conftest.


@pytest.fixture(scope="module")
def module_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server")


@pytest.fixture(scope="module")
def world_server(module_dir: Path) -> Iterator[tuple[ServerProcess, World]]:
    """One server for the module, on a SQLite file seeded with the test world."""
    url = f"sqlite:///{module_dir / 'store.db'}"
    world = seed_world(url)
    server = ServerProcess(url, module_dir / "data").start()
    try:
        yield server, world
    finally:
        server.stop()


@pytest.fixture(scope="module")
def server(world_server: tuple[ServerProcess, World]) -> ServerProcess:
    return world_server[0]


@pytest.fixture(scope="module")
def world(world_server: tuple[ServerProcess, World]) -> World:
    return world_server[1]


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start servers of one's own (own database, extra flags); all stopped after the test."""
    started: list[ServerProcess] = []

    def make(*extra: str, db_url: str | None = None, seed: bool = True) -> ServerProcess:
        url = db_url or f"sqlite:///{tmp_path / f'store{len(started)}.db'}"
        if seed:
            seed_world(url)
        srv = ServerProcess(url, tmp_path / f"data{len(started)}", *extra).start()
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()
