"""Sync figures: snapshot catch-up, one local change, replay under a big outbox, A -> B latency.

Run with ``python bench/bench_sync.py`` (``--help`` for the knobs). It prints a table; nothing
is asserted. A real ``acero-server`` process serves a demo store of ``--tickets`` tickets (about
3.4 comments each), seeded once with ``acero-server seed-demo`` and kept in
``bench/out/sync-seed-<n>.db`` (git-ignored; seeding hashes a password for each of the ~5,000
demo users and takes a long while). Each run works on copies under ``bench/out/``.

Figures:

- catch-up: an empty cache as the admin (who sees everything) until the engine is idle:
  ``tickets+comments`` on a copy of the store holding only those (the figure of issue 4),
  and ``full demo`` with everything the demo has (history rows, tasks, feedback...);
- local change: ``LocalCache.mutate`` (the mutator on the cache, shadow rows and the outbox
  row, one transaction) and ``SyncEngine.mutate`` (the same through the database worker, with
  the status refresh), offline, on the cache holding all the tickets;
- replay: one server batch (a ticket row) arriving while N mutations wait in the outbox, and
  five such batches arriving together (stored in one transaction, one rebase);
- A -> B: ``comment.add`` on client A (admin) until client B's cache (an agent of the ticket's
  team) reports the comment, through the server; 100 samples;
- drain: ``--drain`` (1,000) changes made offline, then the engine started against the server:
  time until the outbox is empty, with the rebases and the mutations they replayed.

``--only replay,drain`` picks figures; ``--reuse`` keeps the full store and its admin cache
after the first catch-up (``bench/out/sync-reuse-*``) and starts later runs from them.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select  # noqa: E402

from acero_desktop.core.ids import uuid7  # noqa: E402
from acero_desktop.core.rowcodec import encode_row  # noqa: E402
from acero_desktop.models import (  # noqa: E402
    Team,
    TeamMember,
    Ticket,
    TicketCategory,
    TicketComment,
    User,
)
from acero_desktop.sync.cache import (  # noqa: E402
    ApplyReport,
    LocalCache,
    ServerBatch,
    ServerFrame,
    ServerRow,
)
from acero_desktop.sync.engine import SyncCallbacks, SyncEngine, SyncOptions  # noqa: E402
from acero_desktop.sync.tables import OutboxEntry  # noqa: E402
from tests.support.live_server import LiveServer, checkpoint, seed_db  # noqa: E402

OUT = REPO / "bench" / "out"
ROWS: list[tuple[str, str, str]] = []  # (figure, value, note)


def row(figure: str, value: str, note: str = "") -> None:
    ROWS.append((figure, value, note))
    print(f"  {figure:<52} {value:>24}  {note}", flush=True)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def backup(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()


# --- the store --------------------------------------------------------------------------------


def seeded(tickets: int) -> Path:
    path = OUT / f"sync-seed-{tickets}.db"
    if not path.exists():
        print(f"seeding {tickets:,} tickets into {path} (once; this takes a while)...", flush=True)
        t = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        seed_db(tmp, tickets, timeout=6 * 3600)
        tmp.replace(path)
        print(f"  seeded in {time.perf_counter() - t:.0f} s", flush=True)
    return path


def store_copy(seed: Path, name: str, *, only_tickets_and_comments: bool) -> Path:
    dest = OUT / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dest}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(seed, dest)
    if only_tickets_and_comments:
        conn = sqlite3.connect(dest)
        try:
            for table in (
                "ticket_history",
                "ticket_task",
                "ticket_watcher",
                "attachment",
                "feedback",
                "notification",
                "change_log",
            ):
                conn.execute(f'DELETE FROM "{table}"')
            conn.commit()
        finally:
            conn.close()
        checkpoint(dest)
    return dest


def count_rows(db: Path, tables: list[str]) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}
    finally:
        conn.close()


# --- catch-up ---------------------------------------------------------------------------------


class Timed:
    """Wraps a cache's snapshot methods to split the catch-up into its parts."""

    def __init__(self, cache: LocalCache) -> None:
        self.parts: dict[str, float] = {"stage pages": 0.0, "swap in + replay": 0.0}
        self.pages = 0
        stage, finish = cache.stage_snapshot_page, cache.finish_snapshot

        def timed_stage(*a: Any) -> Any:
            t = time.perf_counter()
            try:
                return stage(*a)
            finally:
                self.parts["stage pages"] += time.perf_counter() - t
                self.pages += 1

        def timed_finish(*a: Any) -> Any:
            t = time.perf_counter()
            try:
                return finish(*a)
            finally:
                self.parts["swap in + replay"] += time.perf_counter() - t

        cache.stage_snapshot_page = timed_stage  # type: ignore[method-assign]
        cache.finish_snapshot = timed_finish  # type: ignore[method-assign]


async def catch_up(server: LiveServer, token: str, path: Path, label: str) -> LocalCache:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    cache = LocalCache.open(path)
    timed = Timed(cache)
    engine = SyncEngine(cache, server.ws_url, lambda: token, options=fast_options())
    t = time.perf_counter()
    engine.start()
    await asyncio.wait_for(engine.idle.wait(), 3600)
    elapsed = time.perf_counter() - t
    await engine.stop()
    engine.close()
    with cache.session() as s:
        n_tickets = s.scalar(select(func.count()).select_from(Ticket)) or 0
        n_comments = s.scalar(select(func.count()).select_from(TicketComment)) or 0
        total = 0
        for name in _domain_tables():
            total += int(
                s.connection().exec_driver_sql(f'SELECT count(*) FROM "{name}"').scalar() or 0
            )
    row(
        f"catch-up, {label}",
        f"{elapsed:.1f} s",
        f"{n_tickets:,} tickets + {n_comments:,} comments; {total:,} rows in all, "
        f"{total / elapsed:,.0f} rows/s",
    )
    parts = ", ".join(f"{k} {v:.1f} s" for k, v in timed.parts.items())
    row(f"  of which (client side, {timed.pages} pages)", parts)
    return cache


def _domain_tables() -> list[str]:
    from acero_desktop.models import Base

    return [t.name for t in Base.metadata.sorted_tables]


def fast_options() -> SyncOptions:
    return SyncOptions(
        retry_delays=(0.05, 0.1, 0.2, 0.5, 1.0),
        ping_interval=20,
        ping_timeout=120,
        app_ping_interval=0.5,
    )


# --- local changes and replay ---------------------------------------------------------------


def mutation_mix(cache: LocalCache, rng: random.Random, n: int) -> list[tuple[str, dict[str, Any]]]:
    """Changes an agent makes all day: priority, comments, new tickets, on random tickets."""
    with cache.session() as s:
        ids = [
            str(i)
            for i in s.scalars(
                select(Ticket.id).where(
                    Ticket.status.in_(("new", "assigned", "in_progress", "waiting"))
                )
            )
        ]
        category = str(s.scalars(select(TicketCategory.id)).first())
    out: list[tuple[str, dict[str, Any]]] = []
    for k in range(n):
        choice = k % 4
        tid = rng.choice(ids)
        if choice == 0:
            out.append(
                (
                    "ticket.update",
                    {"id": tid, "priority": rng.choice(("low", "normal", "high", "urgent"))},
                )
            )
        elif choice in (1, 2):
            out.append(
                ("comment.add", {"id": str(uuid7()), "ticket_id": tid, "body": f"bench {k}"})
            )
        else:
            out.append(
                (
                    "ticket.create",
                    {"id": str(uuid7()), "title": f"Bench ticket {k}", "category_id": category},
                )
            )
    return out


def local_changes(cache: LocalCache, n: int) -> None:
    rng = random.Random(1)
    times: list[float] = []
    for name, args in mutation_mix(cache, rng, n):
        t = time.perf_counter()
        cache.mutate(name, args)
        times.append(time.perf_counter() - t)
    row(
        "local change (LocalCache.mutate)",
        f"p50 {ms(pct(times, 0.5))} p95 {ms(pct(times, 0.95))}",
        f"{n} changes (update/comment/create) at {ticket_count(cache):,} tickets",
    )


async def local_changes_engine(cache: LocalCache, n: int) -> None:
    rng = random.Random(2)
    engine = SyncEngine(cache, "ws://127.0.0.1:9/ws", lambda: "x")  # offline: never started
    times: list[float] = []
    for name, args in mutation_mix(cache, rng, n):
        t = time.perf_counter()
        await engine.mutate(name, args)
        times.append(time.perf_counter() - t)
    engine.close()
    row(
        "local change (SyncEngine.mutate, offline)",
        f"p50 {ms(pct(times, 0.5))} p95 {ms(pct(times, 0.95))}",
        f"outbox grows to {len(cache.pending())}",
    )


def ticket_count(cache: LocalCache) -> int:
    with cache.session() as s:
        return int(s.scalar(select(func.count()).select_from(Ticket)) or 0)


def replay(cache_path: Path, pending: int, batches: int = 5) -> None:
    """A one-row server batch arriving with ``pending`` mutations in the outbox."""
    work = Path(tempfile.mkdtemp(prefix="acero-bench-")) / "replay.db"
    backup(cache_path, work)
    cache = LocalCache.open(work)
    try:
        rng = random.Random(3)
        for name, args in mutation_mix(cache, rng, pending):
            cache.mutate(name, args)
        touched = {str(e.args.get("ticket_id") or e.args.get("id")) for e in cache.pending()}
        with cache.session() as s:
            spare = [t for t in s.scalars(select(Ticket).limit(500)) if str(t.id) not in touched][
                :batches
            ]
            rows = [encode_row(t) for t in spare]
        times: list[float] = []
        report = ApplyReport()
        for k, r in enumerate(rows):
            cursor = cache.meta().cursor or 0
            changed = {**r, "title": f"{r['title']} (server edit {k})"}
            t = time.perf_counter()
            report = cache.apply_server_batch(
                cursor,
                cursor + 1,
                [ServerRow(cursor + 1, "ticket", str(r["id"]), "upsert", changed)],
            )
            times.append(time.perf_counter() - t)
        row(
            f"server batch (1 row) with {pending:,} pending",
            f"p50 {ms(statistics.median(times))}",
            f"max {ms(max(times))}; {len(report.touched.get('ticket', ()))} ticket rows touched",
        )
        # The same batches again, arriving together: what the engine stores in one rebase.
        cursor = cache.meta().cursor or 0
        frames: list[ServerFrame] = []
        for k, r in enumerate(rows, start=1):
            changed = {**r, "title": f"{r['title']} (second edit {k})"}
            frames.append(
                ServerBatch(
                    cursor + k - 1,
                    cursor + k,
                    [ServerRow(cursor + k, "ticket", str(r["id"]), "upsert", changed)],
                )
            )
        t = time.perf_counter()
        report = cache.apply_frames(frames)
        row(
            f"  {len(frames)} such batches arriving together",
            ms(time.perf_counter() - t),
            f"{report.rebases} rebase, {report.replayed:,} mutations replayed",
        )
    finally:
        cache.close()
        shutil.rmtree(work.parent, ignore_errors=True)


# --- draining an outbox ------------------------------------------------------------------------


async def drain(server: LiveServer, cache_path: Path, work: Path, n: int) -> None:
    """``n`` changes made offline, then the engine started: time until the outbox is empty.

    Also counts rebases and the outbox entries they replayed (the quadratic part of issue 4).
    """
    path = work / f"drain-{n}.db"
    backup(cache_path, path)
    cache = LocalCache.open(path)
    rng = random.Random(5)
    for name, args in mutation_mix(cache, rng, n):
        cache.mutate(name, args)
    counts = {"rebases": 0, "replayed": 0}
    rebase = cache._rebase

    def counted(session: Any, *a: Any, **kw: Any) -> Any:
        counts["rebases"] += 1
        counts["replayed"] += int(
            session.scalar(select(func.count()).select_from(OutboxEntry)) or 0
        )
        return rebase(session, *a, **kw)

    cache._rebase = counted  # type: ignore[method-assign]
    engine = SyncEngine(cache, server.ws_url, lambda: server.login("admin"), options=fast_options())
    t = time.perf_counter()
    engine.start()
    await asyncio.wait_for(engine.idle.wait(), 3600)
    elapsed = time.perf_counter() - t
    await engine.stop()
    engine.close()
    left = cache.pending_count()
    issues = len(cache.issues())
    cache.close()
    row(
        f"drain an outbox of {n:,} offline changes",
        f"{elapsed:.1f} s",
        f"{counts['rebases']} rebases replaying {counts['replayed']:,} mutations in all; "
        f"{left} left, {issues} sync issues",
    )


# --- A -> B ------------------------------------------------------------------------------------


async def a_to_b(server: LiveServer, cache_a: Path, work: Path, samples: int) -> None:
    path_a = work / "latency-a.db"
    backup(cache_a, path_a)
    a = LocalCache.open(path_a)
    path_b = work / "latency-b.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path_b}{suffix}").unlink(missing_ok=True)
    b = LocalCache.open(path_b)
    seen: dict[str, float] = {}
    arrived = asyncio.Event()

    def on_change(report: ApplyReport) -> None:
        now = time.perf_counter()
        for cid in report.touched.get("ticket_comment", ()):
            seen.setdefault(cid, now)
        arrived.set()

    with server.read() as s:
        agent = s.scalars(select(User).where(User.username == "agent")).one()
        team = s.scalars(select(TeamMember.team_id).where(TeamMember.user_id == agent.id)).first()
        tickets = [
            str(t)
            for t in s.scalars(
                select(Ticket.id)
                .where(
                    Ticket.team_id == team,
                    Ticket.status.in_(("assigned", "in_progress", "waiting", "new")),
                )
                .limit(50)
            )
        ]
        assert s.get(Team, team) is not None
    ea = SyncEngine(a, server.ws_url, lambda: server.login("admin"), options=fast_options())
    token_b = server.login("agent")
    eb = SyncEngine(
        b, server.ws_url, lambda: token_b, SyncCallbacks(changed=on_change), fast_options()
    )
    # Client-side parts of each sample: B storing server batches, A's local change.
    b_apply: list[float] = []
    apply = b.apply_frames  # what the engine stores server batches with

    def timed_apply(*args: Any, **kw: Any) -> ApplyReport:
        t = time.perf_counter()
        try:
            return apply(*args, **kw)
        finally:
            b_apply.append(time.perf_counter() - t)

    b.apply_frames = timed_apply  # type: ignore[method-assign]
    ea.start()
    eb.start()
    t = time.perf_counter()
    await asyncio.wait_for(eb.idle.wait(), 1800)
    row(
        "catch-up, agent (the team's tickets)",
        f"{time.perf_counter() - t:.1f} s",
        f"{ticket_count(b):,} tickets",
    )
    await asyncio.wait_for(ea.idle.wait(), 600)
    rng = random.Random(4)
    lat: list[float] = []
    local: list[float] = []
    b_apply.clear()
    for k in range(samples):
        cid = str(uuid7())
        start = time.perf_counter()
        await ea.mutate(
            "comment.add", {"id": cid, "ticket_id": rng.choice(tickets), "body": f"ping {k}"}
        )
        local.append(time.perf_counter() - start)
        while cid not in seen:
            arrived.clear()
            await asyncio.wait_for(arrived.wait(), 60)
        lat.append(seen[cid] - start)
        await asyncio.sleep(0.02)
    row(
        f"A -> B (comment on A until in B's cache), {samples} samples",
        f"p50 {ms(pct(lat, 0.5))} p99 {ms(pct(lat, 0.99))}",
        f"min {ms(min(lat))} max {ms(max(lat))}",
    )
    row(
        "  of which on the clients",
        f"A {ms(statistics.median(local))}, B {ms(statistics.median(b_apply))}",
        "medians: A's SyncEngine.mutate; B's apply_frames per batch (the rest is the "
        "push, the server's transaction and its fan-out)",
    )
    for e in (ea, eb):
        await e.stop()
        e.close()
    a.close()
    b.close()


# --- main ------------------------------------------------------------------------------------


def want(args: argparse.Namespace, figure: str) -> bool:
    return not args.only or figure in {f.strip() for f in args.only.split(",")}


async def main(args: argparse.Namespace) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    seed = seeded(args.tickets)
    work = Path(tempfile.mkdtemp(prefix="acero-bench-sync-", dir=OUT))
    print(f"store: {seed} ({seed.stat().st_size / 1e6:.0f} MB); work files in {work}", flush=True)
    try:
        # 1. tickets + comments only (issue 4's figure)
        if want(args, "catch-up"):
            lean = store_copy(seed, "sync-run-lean.db", only_tickets_and_comments=True)
            counts = count_rows(lean, ["ticket", "ticket_comment"])
            print(f"lean store: {counts}", flush=True)
            with LiveServer(lean, work / "lean-data") as server:
                cache = await catch_up(
                    server, server.login("admin"), work / "admin-lean.db", "tickets+comments"
                )
                cache.close()
        # 2. the full demo store; its admin cache serves the other figures
        if not args.skip_full:
            # --reuse: the store and the admin cache as a first run left them (the server
            # knows the client then, so it catches up instead of sending a snapshot again).
            saved_store = OUT / f"sync-reuse-store-{args.tickets}.db"
            saved_cache = OUT / f"sync-reuse-cache-{args.tickets}.db"
            reuse = args.reuse and saved_store.exists() and saved_cache.exists()
            full = store_copy(
                saved_store if reuse else seed, "sync-run-full.db", only_tickets_and_comments=False
            )
            cache_path = work / "admin-full.db"
            with LiveServer(full, work / "full-data") as server:
                if reuse:
                    backup(saved_cache, cache_path)
                else:
                    cache = await catch_up(server, server.login("admin"), cache_path, "full demo")
                    cache.close()
                    if args.reuse:
                        backup(full, saved_store)
                        backup(cache_path, saved_cache)
                # 3. local changes at 100k tickets (offline, on a copy)
                if want(args, "local"):
                    probe_path = work / "probe.db"
                    backup(cache_path, probe_path)
                    probe = LocalCache.open(probe_path)
                    local_changes(probe, args.changes)
                    await local_changes_engine(probe, args.changes)
                    probe.close()
                # 4. replay
                if want(args, "replay"):
                    for n in (0, 100, 1000):
                        replay(cache_path, n)
                # 5. A -> B
                if want(args, "latency"):
                    await a_to_b(server, cache_path, work, args.samples)
                # 6. draining a big outbox (last: it writes to the server's store)
                if want(args, "drain"):
                    await drain(server, cache_path, work, args.drain)
        else:
            print("(--skip-full: local change, replay and latency figures need the full store)")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
            for name in ("sync-run-lean.db", "sync-run-full.db"):
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{OUT / name}{suffix}").unlink(missing_ok=True)
    print()
    print("| figure | value | note |")
    print("|---|---|---|")
    for figure, value, note in ROWS:
        print(f"| {figure.strip()} | {value} | {note} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=300, help="local changes to time")
    parser.add_argument("--samples", type=int, default=100, help="A -> B samples")
    parser.add_argument(
        "--skip-full", action="store_true", help="only the tickets+comments catch-up"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work files")
    parser.add_argument("--drain", type=int, default=1000, help="offline changes to drain")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated figures to run: catch-up, local, replay, latency, drain "
        "(default: all)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the full store and admin cache after the first catch-up (bench/out/"
        "sync-reuse-*) and start from them next time instead of catching up again",
    )
    asyncio.run(main(parser.parse_args()))
