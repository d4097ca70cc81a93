"""Catch-up of an empty client: the snapshot of a 100,000-ticket store over the websocket.

    .venv/bin/python bench/bench_server_catchup.py [--tickets N] [--db PATH] [--users admin,agent]

Seeds a store with ``store.demo.seed_demo`` (100,000 tickets come with ~340,000 comments and
~1.2 million history rows), or copies an existing seeded SQLite file given with ``--db`` (the
copy is used, the original is never written). Then, per user, a new client (no cursor)
connects and the time until ``snapshot_done`` is measured, with rows and bytes received, and
the server's CPU time and peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server_harness import PASSWORD, Client, Server, cli, load, table


def seed(url: str, tickets: int) -> None:
    from acero_desktop.server.db import Store
    from acero_desktop.store.demo import seed_demo

    store = Store(url)
    try:
        seed_demo(store.engine, tickets=tickets, seed=42)
    finally:
        store.dispose()


def copy_sqlite(src: Path, dst: Path) -> None:
    """A consistent copy (the online backup API), never touching the source."""
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    target = sqlite3.connect(dst)
    with target:
        source.backup(target, pages=65536)
    source.close()
    target.close()


async def snapshot(server: Server, username: str) -> list[object]:
    client = Client(server, server.login(username))
    cpu0 = server.cpu_seconds()
    started = time.perf_counter()
    took = await client.connect()
    total = time.perf_counter() - started
    cpu = server.cpu_seconds() - cpu0
    await client.close()
    return [
        username,
        f"{client.rows_received:,}",
        f"{client.bytes_received / 2**20:,.0f}",
        f"{took:.1f}",
        f"{client.rows_received / total:,.0f}",
        f"{cpu:.1f}",
        server.rss_kib() // 1024,
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="an already seeded SQLite file to copy")
    parser.add_argument("--users", default="admin,agent")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "catchup.db"
        url = f"sqlite:///{path}"
        t0 = time.perf_counter()
        if args.db:
            copy_sqlite(args.db, path)
        else:
            seed(url, args.tickets)
        prepared = time.perf_counter() - t0
        for user in args.users.split(","):
            cli(url, "user", "passwd", user, "--password-stdin", stdin=PASSWORD + "\n")
        con = sqlite3.connect(path)
        counts = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("ticket", "ticket_comment", "ticket_history")
        }
        con.close()
        rows = []
        with Server(url, Path(tmp) / "data") as server:
            for user in args.users.split(","):
                rows.append(asyncio.run(snapshot(server, user)))
        shutil.rmtree(Path(tmp) / "data", ignore_errors=True)
    print(f"store: {counts} (prepared in {prepared:.0f} s); load average: {load()}")
    print(
        table(
            ["user", "rows", "MiB", "snapshot s", "rows/s", "server CPU s", "server RSS MiB"], rows
        )
    )


if __name__ == "__main__":
    main()
