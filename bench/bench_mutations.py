"""How long does one mutation take on a realistic store? Prints p50/p95 per kind; no asserts.

Run with ``python bench/bench_mutations.py [--tickets 100000] [--runs 200] [--store PATH]``.
The store is a temporary SQLite file filled by ``store.demo.seed_demo`` (tickets, comments,
history, FTS index); with ``--store`` the seeded file is kept at PATH (seeded on first use) and
each run works on a copy of it, so repeated runs skip the minutes of seeding. ``--statements``
also prints the SQL statements issued per mutation. Every mutation then runs as the server
runs it: authoritative, through ``run_mutation``, in its own session and transaction, timed
from BEGIN to COMMIT (wall time, and the process's CPU time, steadier on a shared machine).
The kinds run in lifecycle order on tickets the benchmark opens itself (create, assign, start,
comment, ..., resolve, close, rate), so each one meets the state it needs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from acero_desktop.core.actor import Actor, load_actor
from acero_desktop.core.ids import uuid7
from acero_desktop.core.mutations import MutationContext, run_mutation
from acero_desktop.models import Role, Team, TeamMember, Ticket, TicketCategory, User
from acero_desktop.store import make_engine, upgrade
from acero_desktop.store.demo import seed_demo
from acero_desktop.store.engine import sqlite_url

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Cast:
    """Who acts in the benchmark, and the rows they made along the way."""

    requester: Actor
    agent: Actor
    lead: Actor
    category_id: uuid.UUID
    tickets: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    searches: list[str] = field(default_factory=list)


Make = Callable[[Cast, int], tuple[Actor, str, dict[str, Any]]]


def new_id(bucket: list[str]) -> str:
    value = str(uuid7())
    bucket.append(value)
    return value


KINDS: list[tuple[str, Make]] = [
    (
        "ticket.create",
        lambda c, i: (
            c.requester,
            "ticket.create",
            {
                "id": new_id(c.tickets),
                "title": f"Bench {i}",
                "description": "Printer on floor 3 jams.",
                "category_id": str(c.category_id),
            },
        ),
    ),
    (
        "ticket.update",
        lambda c, i: (c.agent, "ticket.update", {"id": c.tickets[i], "priority": "high"}),
    ),
    (
        "ticket.assign",
        lambda c, i: (
            c.lead,
            "ticket.assign",
            {"id": c.tickets[i], "assignee_id": str(c.agent.user_id)},
        ),
    ),
    (
        "ticket.set_status → in_progress",
        lambda c, i: (
            c.agent,
            "ticket.set_status",
            {"id": c.tickets[i], "from_status": "assigned", "to_status": "in_progress"},
        ),
    ),
    (
        "comment.add",
        lambda c, i: (
            c.agent,
            "comment.add",
            {"id": new_id(c.comments), "ticket_id": c.tickets[i], "body": "Looking into it."},
        ),
    ),
    (
        "comment.add (internal)",
        lambda c, i: (
            c.agent,
            "comment.add",
            {
                "id": str(uuid7()),
                "ticket_id": c.tickets[i],
                "body": "Toner sensor.",
                "internal": True,
            },
        ),
    ),
    (
        "comment.edit",
        lambda c, i: (
            c.agent,
            "comment.edit",
            {"id": c.comments[i], "body": "Looking into it now."},
        ),
    ),
    ("comment.delete", lambda c, i: (c.agent, "comment.delete", {"id": c.comments[i]})),
    (
        "task.add",
        lambda c, i: (
            c.agent,
            "task.add",
            {"id": new_id(c.tasks), "ticket_id": c.tickets[i], "title": "Order toner"},
        ),
    ),
    ("task.move", lambda c, i: (c.agent, "task.move", {"id": c.tasks[i], "state": "doing"})),
    ("task.update", lambda c, i: (c.agent, "task.update", {"id": c.tasks[i], "state": "done"})),
    ("task.delete", lambda c, i: (c.agent, "task.delete", {"id": c.tasks[i]})),
    (
        "watch.add",
        lambda c, i: (
            c.agent,
            "watch.add",
            {"id": str(uuid7()), "ticket_id": c.tickets[i], "user_id": str(c.lead.user_id)},
        ),
    ),
    (
        "watch.remove",
        lambda c, i: (
            c.agent,
            "watch.remove",
            {"ticket_id": c.tickets[i], "user_id": str(c.lead.user_id)},
        ),
    ),
    (
        "attachment.add",
        lambda c, i: (
            c.requester,
            "attachment.add",
            {
                "id": str(uuid7()),
                "ticket_id": c.tickets[i],
                "sha256": f"{i:064x}",
                "filename": "jam.jpg",
                "mime_type": "image/jpeg",
                "size": 120_000,
            },
        ),
    ),
    (
        "ticket.set_status → waiting",
        lambda c, i: (
            c.agent,
            "ticket.set_status",
            {"id": c.tickets[i], "to_status": "waiting", "waiting_on": "requester"},
        ),
    ),
    (
        "comment.add (reply resumes)",
        lambda c, i: (
            c.requester,
            "comment.add",
            {"id": str(uuid7()), "ticket_id": c.tickets[i], "body": "Still jams."},
        ),
    ),
    (
        "ticket.set_status → resolved",
        lambda c, i: (
            c.agent,
            "ticket.set_status",
            {"id": c.tickets[i], "to_status": "resolved", "resolution": "Replaced the fuser."},
        ),
    ),
    (
        "ticket.set_status → closed",
        lambda c, i: (
            c.requester,
            "ticket.set_status",
            {"id": c.tickets[i], "from_status": "resolved", "to_status": "closed"},
        ),
    ),
    (
        "feedback.give",
        lambda c, i: (
            c.requester,
            "feedback.give",
            {"id": str(uuid7()), "ticket_id": c.tickets[i], "rating": 5},
        ),
    ),
    (
        "article.create",
        lambda c, i: (
            c.agent,
            "article.create",
            {
                "id": new_id(c.articles),
                "title": f"Fuser {i}",
                "body": "Steps...",
                "source_ticket_id": c.tickets[i],
            },
        ),
    ),
    (
        "article.update",
        lambda c, i: (c.agent, "article.update", {"id": c.articles[i], "body": "Better steps..."}),
    ),
    ("article.publish", lambda c, i: (c.lead, "article.publish", {"id": c.articles[i]})),
    ("article.archive", lambda c, i: (c.lead, "article.archive", {"id": c.articles[i]})),
    (
        "saved_search.create",
        lambda c, i: (
            c.agent,
            "saved_search.create",
            {"id": new_id(c.searches), "name": f"Bench {i}", "query": "status:open"},
        ),
    ),
    (
        "saved_search.rename",
        lambda c, i: (c.agent, "saved_search.rename", {"id": c.searches[i], "name": f"Bench {i}!"}),
    ),
    (
        "saved_search.update",
        lambda c, i: (
            c.agent,
            "saved_search.update",
            {"id": c.searches[i], "query": "assignee:me"},
        ),
    ),
    ("saved_search.delete", lambda c, i: (c.agent, "saved_search.delete", {"id": c.searches[i]})),
    (
        "user.set_availability",
        lambda c, i: (
            c.agent,
            "user.set_availability",
            {"availability": ("busy", "available")[i % 2]},
        ),
    ),
]


def build_store(path: Path, tickets: int, seed: int) -> tuple[Engine, float]:
    engine = make_engine(sqlite_url(path))
    upgrade(engine)
    started = time.perf_counter()
    seed_demo(engine, tickets=tickets, seed=seed, now=NOW)
    return engine, time.perf_counter() - started


def cast_of(engine: Engine) -> Cast:
    """A routed category, an active agent of its team, the team's lead and a requester."""
    with Session(engine) as session:
        team_size = (
            select(TeamMember.team_id, func.count().label("n"))
            .join(User, User.id == TeamMember.user_id)
            .where(User.role == Role.AGENT, User.active.is_(True))
            .group_by(TeamMember.team_id)
            .subquery()
        )
        category, team = session.execute(
            select(TicketCategory, Team)
            .join(Team, Team.id == TicketCategory.default_team_id)
            .join(team_size, team_size.c.team_id == Team.id)
            .where(TicketCategory.auto_route.is_(True), Team.lead_id.is_not(None))
            .order_by(TicketCategory.name)
            .limit(1)
        ).one()
        agent_id = session.scalars(
            select(User.id)
            .join(TeamMember, TeamMember.user_id == User.id)
            .where(TeamMember.team_id == team.id, User.role == Role.AGENT, User.active.is_(True))
            .order_by(User.username)
            .limit(1)
        ).one()
        requester_id = session.scalars(
            select(User.id)
            .where(User.role == Role.REQUESTER, User.active.is_(True))
            .order_by(User.username)
            .limit(1)
        ).one()
        assert team.lead_id is not None
        return Cast(
            requester=load_actor(session, requester_id),
            agent=load_actor(session, agent_id),
            lead=load_actor(session, team.lead_id),
            category_id=category.id,
        )


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000, help="tickets in the store")
    parser.add_argument("--runs", type=int, default=200, help="mutations timed per kind")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--store", type=Path, help="keep the seeded store here (seeded if missing); runs use a copy"
    )
    parser.add_argument(
        "--statements", action="store_true", help="also print SQL statements per mutation"
    )
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "bench.db"
        if options.store is not None and options.store.exists():
            seeding = 0.0
            shutil.copyfile(options.store, work)
            engine = make_engine(sqlite_url(work))
            upgrade(engine)
        elif options.store is not None:
            engine, seeding = build_store(options.store, options.tickets, options.seed)
            engine.dispose()
            shutil.copyfile(options.store, work)
            engine = make_engine(sqlite_url(work))
        else:
            engine, seeding = build_store(work, options.tickets, options.seed)
        with Session(engine) as session:
            total = session.scalar(select(func.count()).select_from(Ticket))
        print(f"store: {total:,} tickets (seed_demo {seeding:.1f} s), SQLite")
        print(f"{options.runs} runs per kind, each in its own transaction (BEGIN to COMMIT)")
        statements = 0

        @event.listens_for(engine, "before_cursor_execute")
        def count(*_args: object) -> None:
            nonlocal statements
            statements += 1

        cast = cast_of(engine)
        at = NOW + timedelta(days=1)
        rows: list[tuple[str, float, float, float, float, float]] = []
        for label, make in KINDS:
            samples = []
            cpu = []
            statements = 0
            for i in range(options.runs):
                actor, name, args = make(cast, i)
                at += timedelta(seconds=1)
                begin = time.perf_counter()
                begin_cpu = time.process_time()
                with Session(engine) as session, session.begin():
                    ctx = MutationContext(session, actor, at, authoritative=True)
                    run_mutation(ctx, name, args)
                samples.append((time.perf_counter() - begin) * 1000)
                cpu.append((time.process_time() - begin_cpu) * 1000)
            rows.append(
                (
                    label,
                    percentile(samples, 0.5),
                    percentile(samples, 0.95),
                    max(samples),
                    percentile(cpu, 0.5),
                    statements / options.runs,
                )
            )
        engine.dispose()

    # CPU: the process's CPU time per mutation (Python and SQLite), steadier than wall time on
    # a shared machine; its resolution is coarse, so read the p50 of many runs.
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    width = max(len(label) for label, *_ in rows)
    extra = f"  {'SQL':>5}" if options.statements else ""
    print(
        f"{'mutation':<{width}}  {'p50 ms':>7}  {'p95 ms':>7}  {'max ms':>7}  {'CPU p50':>7}{extra}"
    )
    rule = f"{'-' * width}  {'-' * 7}  {'-' * 7}  {'-' * 7}  {'-' * 7}"
    print(rule + ("  -----" if extra else ""))
    for label, p50, p95, worst, cpu_p50, sql in rows:
        tail = f"  {sql:>5.1f}" if options.statements else ""
        print(f"{label:<{width}}  {p50:>7.2f}  {p95:>7.2f}  {worst:>7.2f}  {cpu_p50:>7.2f}{tail}")


if __name__ == "__main__":
    main()
