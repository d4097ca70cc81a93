"""Server memory with idle websocket connections.

    .venv/bin/python bench/bench_server_memory.py [--connections 500]

Starts a server on a small store, measures its RSS, connects ``--connections`` clients (each
completes hello and its snapshot, then stays idle), measures RSS again, and prints the cost per
connection. Also checks that one change still reaches all of them.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server_harness import Client, Server, cli, load, make_users, table

from acero_desktop.core.ids import uuid7


async def run(server: Server, count: int) -> list[list[object]]:
    await asyncio.sleep(1.0)
    base = server.rss_kib()
    tokens = [server.login(f"agent{i}") for i in range(10)]
    conns = [Client(server, tokens[i % 10]) for i in range(count)]
    started = time.perf_counter()
    for i in range(0, count, 25):
        await asyncio.gather(*(c.connect() for c in conns[i : i + 25]))
    connect_s = time.perf_counter() - started
    await asyncio.sleep(2.0)
    loaded = server.rss_kib()
    tid = str(uuid7())
    for c in conns:
        c.watch = {tid: time.perf_counter()}
    await conns[0].push(
        [("ticket.create", {"id": tid, "title": "Hello all", "category_id": server.category})]
    )
    deadline = time.perf_counter() + 30
    while sum(tid in c.got for c in conns) < count and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    reached = sum(tid in c.got for c in conns)
    slowest = max(c.got.get(tid, 0.0) for c in conns)
    for c in conns:
        await c.close()
    return [
        [
            count,
            base // 1024,
            loaded // 1024,
            f"{(loaded - base) / count:.0f}",
            f"{connect_s:.1f}",
            f"{reached}/{count}",
            f"{slowest * 1000:.0f}",
        ]
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        make_users(url, [(f"agent{i}", "agent", "Desk") for i in range(10)])
        cli(url, "category", "add", "Bench", "--team", "Desk")
        line = next(x for x in cli(url, "category", "list").splitlines() if x.startswith("Bench"))
        with Server(url, Path(tmp) / "data") as server:
            server.category = line.split("\t")[1]  # type: ignore[attr-defined]
            rows = asyncio.run(run(server, args.connections))
    print(f"load average: {load()}")
    print(
        table(
            [
                "connections",
                "RSS idle MiB",
                "RSS connected MiB",
                "KiB per connection",
                "connect all s",
                "change reached",
                "slowest ms",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
