"""How fast is ticket search on a large store? Prints a table of latencies; no asserts.

Run with ``python bench/bench_search.py [--tickets 100000]``. The first run seeds a demo store
(``store.demo.seed_demo``: tickets with their comments, notes, history...) into
``bench/out/search_<N>_<seed>.db``, with the FTS index kept by the triggers of migration 0002,
then runs FTS5 'optimize' and ANALYZE as a maintenance job would; later runs reuse the file.

Each search is parsed, compiled and run as the UI does: the first page (50 ids, best first),
timed over ``--runs`` runs after a warm-up; "all ids" fetches every match (a model that loads
all ids at once). Words are chosen from the index vocabulary: the most common word, a rare one,
and a two-word phrase from a real title.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from acero_desktop.core.actor import Actor, load_actor
from acero_desktop.core.search import parse_query
from acero_desktop.core.search.compile import compile_search, search_context
from acero_desktop.models import Team, Ticket, User
from acero_desktop.store import make_engine, upgrade
from acero_desktop.store.demo import seed_demo
from acero_desktop.store.engine import sqlite_url
from acero_desktop.store.migrate import current_revision, head_revision

OUT = Path(__file__).with_name("out")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
PAGE = 50


def build_store(tickets: int, seed: int) -> Engine:
    path = OUT / f"search_{tickets}_{seed}.db"
    if path.exists():
        engine = make_engine(sqlite_url(path))
        if current_revision(engine) == head_revision():
            print(f"Reusing {path}")
            return engine
        engine.dispose()
        print(f"{path} is at an older schema: rebuilding")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    engine = make_engine(sqlite_url(partial))
    upgrade(engine)
    started = time.perf_counter()
    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 5 or done == total:
            last[0] = time.perf_counter()
            print(f"  {stage}: {done:,}/{total:,}", flush=True)

    summary = seed_demo(engine, tickets=tickets, seed=seed, now=NOW, progress=progress)
    seeded = time.perf_counter() - started
    with engine.begin() as conn:
        for table in ("fts_ticket", "fts_ticket_internal"):
            conn.exec_driver_sql(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
        conn.exec_driver_sql("ANALYZE")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    partial.rename(path)
    print(
        f"Seeded {summary.counts.get('ticket', 0):,} tickets and "
        f"{summary.counts.get('ticket_comment', 0):,} comments in {seeded:.0f} s "
        f"(FTS optimize + ANALYZE: {time.perf_counter() - started - seeded:.0f} s)"
    )
    return make_engine(sqlite_url(path))


@dataclass(frozen=True)
class Case:
    label: str
    query: str
    actor: Actor


def vocabulary(engine: Engine) -> tuple[str, str, str, str]:
    """The most and least common words, a phrase and two separate words from real titles."""
    words_sql = (
        "SELECT term FROM temp.bench_vocab WHERE length(term) >= 5 AND term GLOB '[a-z]*'"
        " ORDER BY doc {} LIMIT 1"
    )
    with engine.connect() as conn:
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.bench_vocab"
            " USING fts5vocab(main, fts_ticket, row)"
        )
        common = conn.execute(text(words_sql.format("DESC"))).scalar_one()
        rare = conn.execute(text(words_sql.format("ASC"))).scalar_one()
        titles = list(
            conn.execute(select(Ticket.title).order_by(Ticket.number).limit(500)).scalars()
        )
    split = [[w.strip(".,:;!?'()").lower() for w in t.split()] for t in titles]
    phrase = next((f"{w[1]} {w[2]}" for w in split if len(w) >= 3), common)
    pair = next(
        (" ".join(long[:3:2]) for w in split if len(long := [x for x in w if len(x) >= 5]) >= 3),
        f"{common} {rare}",
    )
    return common, rare, phrase, pair


def cases(session: Session, engine: Engine) -> list[Case]:
    def actor(username: str) -> Actor:
        uid = session.scalar(select(User.id).where(User.username == username))
        if uid is None:
            raise SystemExit(f"the demo store has no user {username!r}")
        return load_actor(session, uid)

    admin, agent, requester = actor("admin"), actor("agent"), actor("requester")
    team = session.scalar(select(Team.name).where(Team.id.in_(sorted(agent.team_ids))))
    team_term = f'team:"{team}"' if team else "team:mine"
    common, rare, phrase, pair = vocabulary(engine)
    return [
        Case("common word", common, admin),
        Case("rare word", rare, admin),
        Case("phrase", f'"{phrase}"', admin),
        Case("two words", pair, admin),
        Case("word + status/priority", f"{common} status:open priority:>=high", admin),
        Case("filters only", f"status:open priority:>=high {team_term}", admin),
        Case("is:breached", "is:breached", admin),
        Case("sorted: open by due", "is:open sort:due", admin),
        Case("agent: common word", common, agent),
        Case("agent: two words", pair, agent),
        Case("requester", common, requester),
        Case("requester, filters", "status:open sort:-updated", requester),
    ]


def search(session: Session, case: Case, limit: int | None) -> list[object]:
    """What the search bar does: context, parse, compile, run."""
    ctx = search_context(case.actor, NOW)
    stmt = compile_search(session, parse_query(case.query), ctx).ids()
    return list(session.scalars(stmt if limit is None else stmt.limit(limit)))


def timings(run: Callable[[], object], runs: int) -> list[float]:
    for _ in range(2):
        run()
    out = []
    for _ in range(runs):
        begin = time.perf_counter()
        run()
        out.append((time.perf_counter() - begin) * 1000)
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    engine = build_store(args.tickets, args.seed)
    with Session(engine) as session:
        counts = {
            t: session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("ticket", "ticket_comment")
        }
        print(f"Store: {counts['ticket']:,} tickets, {counts['ticket_comment']:,} comments")
        rows = []
        for case in cases(session, engine):
            page = partial(search, session, case, PAGE)
            everything = partial(search, session, case, None)
            matches = len(everything())
            first = timings(page, args.runs)
            full = timings(everything, max(5, args.runs // 3))
            rows.append((case.label, case.query, matches, first, full))
    engine.dispose()

    print(f"\nLatency in ms: first page of {PAGE} ids (p50, p95) and all matching ids (p50)\n")
    header = f"{'search':<24} {'query':<44} {'matches':>8} {'p50':>7} {'p95':>7} {'all p50':>8}"
    print(header)
    print("-" * len(header))
    for label, query, matches, first, full in rows:
        shown = query if len(query) <= 44 else query[:41] + "..."
        print(
            f"{label:<24} {shown:<44} {matches:>8,} {statistics.median(first):>7.1f} "
            f"{p95(first):>7.1f} {statistics.median(full):>8.1f}"
        )


if __name__ == "__main__":
    main()
