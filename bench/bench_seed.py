"""Seeding speed: ``seed_demo`` into a fresh SQLite file, per store size.

    .venv/bin/python bench/bench_seed.py                  # 10,000 and 100,000 tickets
    .venv/bin/python bench/bench_seed.py --tickets 2000   # one size

Prints rows per table, wall and CPU seconds, tickets/s and rows/s, and the time smart
assignment takes on the seeded store. The databases go to bench/out/ (git-ignored) and are
deleted afterwards unless --keep. Wall time on a shared machine depends on what else runs:
the load average is printed with each run, and CPU seconds are the steadier figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, text

from acero_desktop.core.assignment import rank_candidates
from acero_desktop.models import TicketCategory
from acero_desktop.store import make_engine, session_factory, upgrade
from acero_desktop.store.demo import DemoSummary, seed_demo
from acero_desktop.store.engine import sqlite_url

OUT = Path(__file__).with_name("out")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def run(tickets: int, seed: int, keep: bool) -> tuple[DemoSummary, dict[str, float]]:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"bench_seed-{tickets}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(sqlite_url(path))
    upgrade(engine)
    with engine.connect() as conn:
        fts = bool(
            conn.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")).scalar()
        )
    load_before = os.getloadavg()[0]
    cpu = time.process_time()
    summary = seed_demo(engine, tickets=tickets, seed=seed, now=NOW, progress=_progress)
    cpu = time.process_time() - cpu
    figures = {
        "wall": summary.seconds,
        "cpu": cpu,
        "load": (load_before + os.getloadavg()[0]) / 2,
        "fts": float(fts),
        "size_mb": path.stat().st_size / 1e6,
        "assign_ms": _assignment_ms(engine),
    }
    engine.dispose()
    if not keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return summary, figures


def _assignment_ms(engine: object) -> float:
    """Median time of one ranking for a VPN ticket (it runs inside ticket.create)."""
    with session_factory(engine)() as session:  # type: ignore[arg-type]
        vpn = session.scalars(select(TicketCategory).where(TicketCategory.name == "VPN")).one()
        times = []
        for _ in range(15):
            started = time.perf_counter()
            rank_candidates(session, category_id=vpn.id, team_id=None, now=NOW)
            times.append(time.perf_counter() - started)
        return statistics.median(times) * 1000


def _progress(stage: str, done: int, total: int) -> None:
    if stage == "tickets" and sys.stderr.isatty():
        sys.stderr.write(f"\r  {done:>9,} / {total:,} tickets")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def report(results: list[tuple[DemoSummary, dict[str, float]]]) -> str:
    names = list(results[0][0].counts)
    head = ["table", *(f"{s.tickets:,} tickets" for s, _ in results)]
    lines = [head]
    lines += [[name, *(f"{s.counts[name]:,}" for s, _ in results)] for name in names]
    lines.append(["total rows", *(f"{s.total_rows:,}" for s, _ in results)])
    lines.append(["seconds (wall)", *(f"{f['wall']:.1f}" for _, f in results)])
    lines.append(["seconds (CPU)", *(f"{f['cpu']:.1f}" for _, f in results)])
    lines.append(["tickets/s", *(f"{s.tickets / f['wall']:,.0f}" for s, f in results)])
    lines.append(["rows/s", *(f"{s.total_rows / f['wall']:,.0f}" for s, f in results)])
    lines.append(["load average", *(f"{f['load']:.1f}" for _, f in results)])
    lines.append(["FTS triggers", *("yes" if f["fts"] else "no" for _, f in results)])
    lines.append(["file MB", *(f"{f['size_mb']:,.0f}" for _, f in results)])
    lines.append(["rank_candidates ms", *(f"{f['assign_ms']:.1f}" for _, f in results)])
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    out = []
    for i, row in enumerate(lines):
        cells = [
            row[0].ljust(widths[0]),
            *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)),
        ]
        out.append("  ".join(cells))
        if i == 0 or row[0] == "attachment":
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", action="store_true", help="keep the databases in bench/out/")
    args = parser.parse_args()
    results = [run(n, args.seed, args.keep) for n in args.tickets]
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
