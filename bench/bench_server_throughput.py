"""Mutations per second through the websocket with 1, 10 and 100 connected clients (SQLite).

    .venv/bin/python bench/bench_server_throughput.py [--clients 1,10,100] [--seconds 8]
        [--tickets 5]

Every client is a real websocket client of a real ``acero-server serve`` process. Each pushes
``comment.add`` mutations on a few tickets (``--tickets``; with the default 5 each ticket
collects hundreds of comments, and the full-text triggers re-index all of a ticket's comments
on every new one, so more tickets is closer to real use) and waits for its push_result before
the next push (as the desktop client's outbox does); every client also receives the fan-out of
everyone's changes (all are agents of the team that owns the tickets). Two outbox shapes are
measured: one mutation per push (interactive use) and 20 per push (an outbox draining after a
while offline). Prints a table; wall-clock figures depend on the machine's load (printed with
them); "mutations/CPU s" (mutations per second of the server process's own CPU time) is the
steadier figure: what one free core would sustain.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server_harness import Client, Server, load, make_users, table

from acero_desktop.core.ids import uuid7


async def run(
    server: Server, clients: int, batch: int, seconds: float, tickets_n: int = 5
) -> list[object]:
    tokens = [server.login(f"agent{i % 10}") for i in range(min(clients, 10))]
    conns = [Client(server, tokens[i % len(tokens)]) for i in range(clients)]
    for c in conns:
        await c.connect()
    setup = conns[0]
    tickets = []
    for _ in range(tickets_n):
        tid = str(uuid7())
        res = await setup.push(
            [
                (
                    "ticket.create",
                    {"id": tid, "title": "Bench ticket", "category_id": server.category},
                )
            ]
        )
        assert res["results"][0]["status"] == "applied", res
        tickets.append(tid)
    for c in conns:
        c.rows_received = 0
    done = 0
    stop_at = time.perf_counter() + seconds

    async def worker(c: Client, n: int) -> None:
        nonlocal done
        k = 0
        while time.perf_counter() < stop_at:
            muts = []
            for _ in range(batch):
                k += 1
                muts.append(
                    (
                        "comment.add",
                        {
                            "id": str(uuid7()),
                            "ticket_id": tickets[(n + k) % len(tickets)],
                            "body": f"comment {k} from client {n}",
                        },
                    )
                )
            res = await c.push(muts)
            done += sum(1 for r in res["results"] if r["status"] == "applied")

    started = time.perf_counter()
    cpu0 = server.cpu_seconds()
    await asyncio.gather(*(worker(c, n) for n, c in enumerate(conns)))
    elapsed = time.perf_counter() - started
    cpu = server.cpu_seconds() - cpu0
    await asyncio.sleep(1.0)
    rows = sum(c.rows_received for c in conns)
    for c in conns:
        await c.close()
    return [
        clients,
        batch,
        done,
        f"{elapsed:.1f}",
        f"{done / elapsed:,.0f}",
        f"{cpu:.1f}",
        f"{done / max(cpu, 0.01):,.0f}",
        f"{rows:,}",
        server.rss_kib() // 1024,
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", default="1,10,100")
    parser.add_argument("--batches", default="1,20")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument(
        "--tickets",
        type=int,
        default=5,
        help="tickets the comments go to (few tickets: each collects hundreds of comments)",
    )
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        make_users(url, [(f"agent{i}", "agent", "Desk") for i in range(10)])
        from server_harness import cli

        cli(url, "category", "add", "Bench", "--team", "Desk")
        line = next(x for x in cli(url, "category", "list").splitlines() if x.startswith("Bench"))
        category = line.split("\t")[1]
        for n in [int(x) for x in args.clients.split(",")]:
            for batch in [int(x) for x in args.batches.split(",")]:
                # A fresh server per row, on the same store (which grows as rows are added).
                with Server(url, Path(tmp) / f"data-{uuid.uuid4().hex[:6]}") as server:
                    server.category = category  # type: ignore[attr-defined]
                    rows.append(asyncio.run(run(server, n, batch, args.seconds, args.tickets)))
                    print(f"  clients={n} batch={batch}: {rows[-1][4]} mutations/s", flush=True)
    print()
    print(f"load average: {load()}; comments spread over {args.tickets} tickets")
    print(
        table(
            [
                "clients",
                "per push",
                "mutations",
                "wall s",
                "mutations/s",
                "server CPU s",
                "mutations/CPU s",
                "rows fanned out",
                "server RSS MiB",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
