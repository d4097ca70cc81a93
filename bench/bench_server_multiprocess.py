"""Cross-process fan-out on PostgreSQL: polling (before) against LISTEN/NOTIFY (after).

    ACERO_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1/postgres \\
        .venv/bin/python bench/bench_server_multiprocess.py [--pushes 100] [--logouts 10]

For each mode two ``acero-server serve`` processes, A and B, share a new database (made on the
server named by ``--pg`` / ``ACERO_TEST_POSTGRES_URL`` and dropped afterwards). An agent on A
pushes ``comment.add`` ``--pushes`` times, one at a time, a random 0–``--gap`` s (1 s, the poll
interval) after the previous one arrived everywhere, so pushes fall at uniformly random points
of B's poll cycle; the time from the
push to the row arriving is taken at another client of A (same process, the reference) and at
a client of B. Then ``--logouts`` tokens used by a socket on B are logged out through A's REST
API, timed until B closes the socket.

Modes: ``poll`` is the behaviour before LISTEN/NOTIFY (``--no-listen``, ``--poll-interval 1``,
the default); ``notify`` is the default now (LISTEN, fallback poll every 5 s).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server_harness import Client, Server, cli, load, make_users, percentile, table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from acero_desktop.core.ids import uuid7

MODES = {
    "poll": ("--no-listen", "--poll-interval", "1"),
    "notify": ("--poll-interval", "1", "--listen-poll-interval", "5"),
}


async def measure(
    a: Server, b: Server, category: str, pushes: int, logouts: int, gap: float
) -> dict[str, list[float]]:
    author = Client(a, a.login("agent0"))
    same = Client(a, a.login("agent1"))
    other = Client(b, b.login("agent2"))
    for c in (author, same, other):
        await c.connect()
    tid = str(uuid7())
    await author.push([("ticket.create", {"id": tid, "title": "Cross", "category_id": category})])
    await asyncio.sleep(1.5)
    out: dict[str, list[float]] = {"A": [], "B": [], "logout": []}
    missing = 0
    for n in range(pushes):
        cid = str(uuid7())
        sent = time.perf_counter()
        same.watch = {cid: sent}
        other.watch = {cid: sent}
        res = await author.push([("comment.add", {"id": cid, "ticket_id": tid, "body": f"#{n}"})])
        assert res["results"][0]["status"] == "applied", res
        deadline = time.perf_counter() + 15
        while (cid not in same.got or cid not in other.got) and time.perf_counter() < deadline:
            await asyncio.sleep(0.001)
        for key, c in (("A", same), ("B", other)):
            if cid in c.got:
                out[key].append(c.got[cid] * 1000)
            else:
                missing += 1
        await asyncio.sleep(random.uniform(0, gap))
    for c in (author, same, other):
        await c.close()
    for _ in range(logouts):
        token = a.login("agent2")
        ws = await websockets.connect(b.ws_url, max_size=None)
        hello = {
            "type": "hello",
            "v": 1,
            "protocol": 1,
            "token": token,
            "client_id": str(uuid.uuid4()),
            "cursor": None,
        }
        await ws.send(json.dumps(hello))
        while True:  # welcome and the snapshot
            raw = await ws.recv()
            if '"snapshot_done"' in raw or ('"changes"' in raw and '"final":true' in raw):
                break
        await asyncio.sleep(random.uniform(0, gap))
        started = time.perf_counter()
        httpx.post(f"{a.url}/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
        try:
            async with asyncio.timeout(15):
                with contextlib.suppress(websockets.ConnectionClosed):
                    async for _raw in ws:
                        pass
            out["logout"].append((time.perf_counter() - started) * 1000)
        except TimeoutError:
            missing += 1
        await ws.close()
    if missing:
        print(f"  {missing} arrival(s) missing after 15 s")
    return out


def run_mode(pg: str, mode: str, pushes: int, logouts: int, gap: float) -> dict[str, list[float]]:
    server_url = make_url(pg)
    name = f"acero_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server_url.set(database=name).render_as_string(hide_password=False)
    try:
        make_users(url, [(f"agent{i}", "agent", "Desk") for i in range(3)])
        cli(url, "category", "add", "Bench", "--team", "Desk")
        line = next(x for x in cli(url, "category", "list").splitlines() if x.startswith("Bench"))
        category = line.split("\t")[1]
        with tempfile.TemporaryDirectory() as tmp:
            extra = MODES[mode]
            with (
                Server(url, Path(tmp) / "a", *extra) as a,
                Server(url, Path(tmp) / "b", *extra) as b,
            ):
                return asyncio.run(measure(a, b, category, pushes, logouts, gap))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default=os.environ.get("ACERO_TEST_POSTGRES_URL"))
    parser.add_argument("--pushes", type=int, default=100)
    parser.add_argument("--logouts", type=int, default=10)
    parser.add_argument("--modes", default="poll,notify")
    parser.add_argument(
        "--gap", type=float, default=1.0, help="most seconds between pushes (random, uniform)"
    )
    args = parser.parse_args()
    if not args.pg:
        sys.exit("give --pg URL or set ACERO_TEST_POSTGRES_URL (a PostgreSQL to make databases on)")
    rows: list[list[object]] = []
    for mode in args.modes.split(","):
        got = run_mode(args.pg, mode, args.pushes, args.logouts, args.gap)
        for key, what in (
            ("A", "change at another client of A (same process)"),
            ("B", "change at a client of B (other process)"),
            ("logout", "logout on A -> socket on B closed"),
        ):
            ms = got[key]
            if not ms:
                continue
            rows.append(
                [
                    mode,
                    what,
                    len(ms),
                    *[f"{percentile(ms, q):.1f}" for q in (0.5, 0.9, 0.99)],
                    f"{max(ms):.1f}",
                ]
            )
    print(
        f"two server processes on PostgreSQL, {args.pushes} pushes, {args.logouts} logouts;"
        f" load average: {load()}"
    )
    print(table(["mode", "what", "samples", "p50 ms", "p90 ms", "p99 ms", "max ms"], rows))


if __name__ == "__main__":
    main()
