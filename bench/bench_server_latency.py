"""Fan-out latency: from a push to the change arriving at every other connected client.

    .venv/bin/python bench/bench_server_latency.py [--clients 200] [--pushes 100] [--rate 10]

``--clients`` websocket clients connect (agents of the team that owns the ticket, so every one
of them must receive every change); one of them pushes ``comment.add`` at ``--rate`` per
second. For each push, the time from sending it to each other client receiving the comment row
is recorded; the table gives p50/p90/p99/max over all (push, client) pairs, and the same for the
author's own push_result. All clients share this process's event loop, so the figures include
the time this loop takes to read 200 sockets; the server process is measured separately (CPU).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server_harness import Client, Server, cli, load, make_users, percentile, table

from acero_desktop.core.ids import uuid7


async def run(server: Server, clients: int, pushes: int, rate: float) -> list[list[object]]:
    tokens = [server.login(f"agent{i}") for i in range(10)]
    conns = [Client(server, tokens[i % 10]) for i in range(clients)]
    for i in range(0, clients, 20):
        await asyncio.gather(*(c.connect() for c in conns[i : i + 20]))
    author, others = conns[0], conns[1:]
    tid = str(uuid7())
    await author.push(
        [("ticket.create", {"id": tid, "title": "Latency", "category_id": server.category})]
    )
    await asyncio.sleep(1.0)
    fan: list[float] = []
    acks: list[float] = []
    cpu0 = server.cpu_seconds()
    for n in range(pushes):
        cid = str(uuid7())
        sent = time.perf_counter()
        for c in others:
            c.watch = {cid: sent}
        res = await author.push([("comment.add", {"id": cid, "ticket_id": tid, "body": f"#{n}"})])
        acks.append(time.perf_counter() - sent)
        assert res["results"][0]["status"] == "applied", res
        deadline = time.perf_counter() + 10
        while any(cid not in c.got for c in others) and time.perf_counter() < deadline:
            await asyncio.sleep(0.002)
        fan += [c.got[cid] for c in others if cid in c.got]
        await asyncio.sleep(max(0.0, 1 / rate - (time.perf_counter() - sent)))
    cpu = server.cpu_seconds() - cpu0
    rss = server.rss_kib() // 1024
    import httpx

    inner = httpx.get(f"{server.url}/api/health").json()["fanout_ms"]
    for c in conns:
        await c.close()
    ms = [x * 1000 for x in fan]
    ack_ms = [x * 1000 for x in acks]
    missing = pushes * len(others) - len(fan)
    return [
        [
            "change at other clients",
            len(ms),
            *[f"{percentile(ms, q):.1f}" for q in (0.5, 0.9, 0.99)],
            f"{max(ms):.1f}",
            missing,
        ],
        [
            "push_result at author",
            len(ack_ms),
            *[f"{percentile(ack_ms, q):.1f}" for q in (0.5, 0.9, 0.99)],
            f"{max(ack_ms):.1f}",
            0,
        ],
        [
            "server: commit -> frames queued",
            inner["batches"],
            inner["p50"],
            "",
            inner["p99"],
            "",
            "",
        ],
        [f"server CPU {cpu:.1f} s, RSS {rss} MiB", "", "", "", "", "", ""],
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--pushes", type=int, default=100)
    parser.add_argument("--rate", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        make_users(url, [(f"agent{i}", "agent", "Desk") for i in range(10)])
        cli(url, "category", "add", "Bench", "--team", "Desk")
        line = next(x for x in cli(url, "category", "list").splitlines() if x.startswith("Bench"))
        with Server(url, Path(tmp) / "data") as server:
            server.category = line.split("\t")[1]  # type: ignore[attr-defined]
            rows = asyncio.run(run(server, args.clients, args.pushes, args.rate))
    print(f"{args.clients} clients, {args.pushes} pushes at {args.rate}/s; load average: {load()}")
    print(table(["what", "samples", "p50 ms", "p90 ms", "p99 ms", "max ms", "missing"], rows))


if __name__ == "__main__":
    main()
