"""Deterministic demo data for ``acero demo``, tests and benchmarks.

``seed_demo(engine, tickets=N, seed=S, now=T)`` fills an empty, migrated store with an
organisation (departments, teams with leads, agents with skills and availability, requesters),
a category tree routed to teams, a business calendar with SLA policies, N tickets in every
status with their comments, history, tasks, watchers and feedback, knowledge articles, saved
searches and notifications for the demo accounts (``agent``, ``lead``, ``admin``, ``requester``).

The same (seed, tickets, now) gives the same rows: every random choice and every id (UUIDv7
from the generator's own clock and random bytes) comes from one ``random.Random(seed)``.
Without ``now`` the data is placed relative to the current time, so a demo always looks
fresh — pass ``now`` when the result must be reproducible.

Speed: rows are plain tuples inserted with ``executemany`` in chunks inside one transaction;
the ORM never sees them (``demo_rows``). A worker thread generates the next batch while SQLite
inserts the current one. On SQLite the seeding connection runs with ``synchronous=OFF``, a
large page cache and foreign-key checks off (the generator makes every reference itself;
tests verify them with ``PRAGMA foreign_key_check``), and restores all three afterwards.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import Connection, Engine, bindparam, func, select, update

from acero_desktop.models import Base, Ticket, User

from . import demo_vocab as vocab
from . import fts
from .demo_extras import knowledge_articles, notifications, saved_searches
from .demo_org import Person, build_org
from .demo_rows import Codec, Writer
from .demo_schedule import DAY, PERIOD_DAYS
from .demo_tickets import TicketFactory, batches

Progress = Callable[[str, int, int], None]
T = TypeVar("T")

MAX_TICKETS = 1_000_000
BATCH_TICKETS = 2_000
# Insertion order: every row after the rows it refers to.
ORG_TABLES = (
    "department",
    "business_calendar",
    "sla_policy",
    "sla_target",
    "user",
    "team",
    "team_member",
    "ticket_category",
    "user_skill",
)
TICKET_TABLES = (
    "ticket",
    "ticket_comment",
    "ticket_history",
    "ticket_task",
    "ticket_watcher",
    "feedback",
)
EXTRA_TABLES = ("knowledge_article", "saved_search", "notification")
# On SQLite a batch's comments go in before their tickets (foreign keys are off while seeding):
# the FTS triggers of migration 0002 then skip the comments (their ticket is not indexed yet)
# and the ticket's insert trigger indexes it once with all its comments, instead of rewriting
# the ticket's index row once per comment. Same index, about a third of the work.
SQLITE_TICKET_TABLES = ("ticket_comment", *(t for t in TICKET_TABLES if t != "ticket_comment"))
_SEED_PRAGMAS = {"synchronous": "OFF", "foreign_keys": "OFF", "cache_size": "-2097152"}


@dataclass(frozen=True)
class DemoLogin:
    """A fixed account the demo client can sign in as."""

    username: str
    name: str
    role: str
    team: str | None


@dataclass(frozen=True)
class DemoSummary:
    """What ``seed_demo`` made: rows per table, the demo logins and how long it took."""

    counts: dict[str, int]
    logins: tuple[DemoLogin, ...]
    seed: int
    tickets: int
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.counts.values())

    def table(self) -> str:
        """The counts and logins as a plain-text table for a terminal."""
        width = max(len(name) for name in self.counts)
        lines = [f"{'table':<{width}}  {'rows':>10}", f"{'-' * width}  {'-' * 10}"]
        lines += [f"{name:<{width}}  {n:>10,}" for name, n in self.counts.items()]
        lines += [f"{'-' * width}  {'-' * 10}", f"{'total':<{width}}  {self.total_rows:>10,}", ""]
        lines.append("Demo logins:")
        for login in self.logins:
            team = f", {login.team}" if login.team else ""
            lines.append(f"  {login.username:<10} {login.name} ({login.role}{team})")
        return "\n".join(lines)


def seed_demo(
    engine: Engine,
    *,
    tickets: int = 300,
    seed: int = 42,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Fill an empty migrated store with demo data; see the module docstring.

    ``progress(stage, done, total)`` is called as work advances; stages are "organisation",
    "tickets" and "extras". Every status appears from 8 tickets up.
    """
    return _seed(engine, tickets=tickets, seed=seed, now=now, progress=progress, raw=None)


def _seed(
    engine: Engine,
    *,
    tickets: int,
    seed: int,
    now: datetime | None,
    progress: Progress | None,
    raw: bool | None,
) -> DemoSummary:
    """``raw=None`` picks the fast path on SQLite; tests force the typed path to compare."""
    if not 1 <= tickets <= MAX_TICKETS:
        raise ValueError(f"tickets must be between 1 and {MAX_TICKETS:,}, got {tickets:,}")
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now_s = int(moment.timestamp())
    report = progress or (lambda stage, done, total: None)
    is_sqlite = engine.dialect.name == "sqlite"
    raw = is_sqlite if raw is None else raw
    started = time.perf_counter()

    with engine.connect() as conn:
        _refuse_non_empty(conn)
        saved = _set_pragmas(conn, _SEED_PRAGMAS) if is_sqlite else {}
        try:
            with conn.begin():
                if is_sqlite:
                    # Bulk load: index once at the end instead of row by row through the
                    # triggers (about a third of the seeding time at 100k tickets).
                    fts.drop_fts(conn)
                counts = _generate(conn, tickets, seed, now_s, report, raw=raw)
                if is_sqlite:
                    fts.install_fts(conn)
                    for stmt in fts.FTS_POPULATE:
                        conn.exec_driver_sql(stmt)
        finally:
            if saved:
                _set_pragmas(conn, saved)

    logins = tuple(DemoLogin(a.username, a.name, a.role, a.team) for a in vocab.DEMO_ACCOUNTS)
    return DemoSummary(counts, logins, seed, tickets, time.perf_counter() - started)


def _generate(
    conn: Connection, tickets: int, seed: int, now: int, report: Progress, *, raw: bool
) -> dict[str, int]:
    codec = Codec(random.Random(seed), raw=raw)
    writer = Writer(conn, raw=raw)

    report("organisation", 0, 1)
    org = build_org(codec, tickets=tickets, start=now - PERIOD_DAYS * DAY, end=now)
    for table in ORG_TABLES:
        writer.insert(table, org.rows.get(table, []))
    report("organisation", 1, 1)

    factory = TicketFactory(org, codec, tickets=tickets, now=now)
    report("tickets", 0, tickets)
    order = SQLITE_TICKET_TABLES if conn.dialect.name == "sqlite" else TICKET_TABLES
    for made, batch in _in_background(batches(factory, BATCH_TICKETS)):
        for table in order:
            writer.insert(table, batch.rows.get(table, []))
        report("tickets", made, tickets)

    report("extras", 0, 1)
    _set_last_assigned(conn, codec, org.staff, raw=raw)
    writer.insert("knowledge_article", knowledge_articles(org, codec, factory.knowledge, now))
    writer.insert("saved_search", saved_searches(org, codec, now))
    writer.insert("notification", notifications(org, codec, factory.notices, now))
    report("extras", 1, 1)
    shown = (*ORG_TABLES, *TICKET_TABLES, *EXTRA_TABLES)
    rest = sorted(set(Base.metadata.tables) - set(shown))  # e.g. attachments: none in the demo
    return {table: writer.counts.get(table, 0) for table in (*shown, *rest)}


def _in_background(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Run ``items`` in a worker thread, ``depth`` ahead of the consumer.

    Generating rows is pure Python; inserting them is mostly SQLite (and its FTS triggers),
    which runs without the GIL, so on two free cores the two overlap. The generator stays one
    sequential thread, so the rows (and the random numbers behind them) are the same as without
    the worker. An error on either side stops both; the consumer sees the worker's exception.
    """
    handoff: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(kind: str, value: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put((kind, value), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not put("item", item):
                    return
            put("done", None)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put("error", exc)

    worker = threading.Thread(target=work, name="acero-demo-generator", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = handoff.get()
            if kind == "done":
                return
            if kind == "error":
                assert isinstance(value, BaseException)
                raise value
            yield value  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()


def _set_last_assigned(conn: Connection, codec: Codec, staff: list[Person], *, raw: bool) -> None:
    """Round-robin state: when each agent was last given a ticket."""
    params = [
        {"b_id": p.id, "b_at": codec.ts(p.last_assigned_at)}
        for p in staff
        if p.last_assigned_at is not None
    ]
    if not params:
        return
    user = Base.metadata.tables["user"]
    stmt = (
        update(user)
        .where(user.c.id == bindparam("b_id"))
        .values(last_assigned_at=bindparam("b_at"))
    )
    if raw:
        compiled = stmt.compile(dialect=conn.dialect)
        order = compiled.positiontup or []
        conn.exec_driver_sql(str(compiled), [tuple(p[k] for k in order) for p in params])
    else:
        conn.execute(stmt, params)


def _refuse_non_empty(conn: Connection) -> None:
    users = conn.execute(select(func.count()).select_from(User)).scalar_one()
    ticket_count = conn.execute(select(func.count()).select_from(Ticket)).scalar_one()
    conn.rollback()
    if users or ticket_count:
        raise ValueError("the demo generator needs an empty store; this one already has data")


def _set_pragmas(conn: Connection, values: dict[str, str]) -> dict[str, str]:
    """Set SQLite pragmas outside any transaction; return the previous values."""
    raw = conn.connection.driver_connection
    assert raw is not None
    previous = {}
    for name, value in values.items():
        previous[name] = str(raw.execute(f"PRAGMA {name}").fetchone()[0])
        raw.execute(f"PRAGMA {name}={value}")
    return previous
