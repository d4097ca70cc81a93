"""Mutators are deterministic: the same state, actor, arguments and time give the same rows.

The client's optimistic run, its replays during a rebase and the server's run must write the
same rows, ids included, or the cache would drift from the server. A script touching every
mutation runs on two copies of one database file, and once more with a rollback in between.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from acero_desktop.core.mutations import REGISTRY, MutationContext, RowChange, run_mutation
from acero_desktop.models import TicketCategory
from acero_desktop.store import make_engine, session_factory
from acero_desktop.store.engine import sqlite_url

from .conftest import T0, Org, uid


@dataclass(frozen=True)
class Step:
    who: str
    name: str
    args: dict[str, Any]


T, C1, C2, C3 = (str(uid(n)) for n in ("det:ticket", "det:c1", "det:c2", "det:c3"))
K1, K2, ARTICLE, SEARCH = (str(uid(n)) for n in ("det:k1", "det:k2", "det:a", "det:s"))
SCRIPT = [
    Step(
        "rita",
        "ticket.create",
        {"id": T, "title": "VPN", "category_id": str(Org.net), "watcher_ids": [str(Org.sam)]},
    ),
    Step("alice", "ticket.update", {"id": T, "priority": "high", "description": "Hourly drops."}),
    Step("nora", "ticket.assign", {"id": T, "assignee_id": str(Org.bob)}),
    Step(
        "bob", "ticket.set_status", {"id": T, "from_status": "assigned", "to_status": "in_progress"}
    ),
    Step("alice", "comment.add", {"id": C1, "ticket_id": T, "body": "On it."}),
    Step("alice", "comment.add", {"id": C2, "ticket_id": T, "body": "AP is EOL", "internal": True}),
    Step("alice", "comment.edit", {"id": C1, "body": "On it!"}),
    Step("alice", "comment.delete", {"id": C2}),
    Step("bob", "task.add", {"id": K1, "ticket_id": T, "title": "Order AP"}),
    Step("bob", "task.add", {"id": K2, "ticket_id": T, "title": "Mount AP"}),
    Step("bob", "task.move", {"id": K2, "state": "doing", "before_id": K1}),
    Step("bob", "task.update", {"id": K1, "state": "done"}),
    Step("bob", "task.delete", {"id": K2}),
    Step("bob", "watch.add", {"id": str(uid("det:w")), "ticket_id": T, "user_id": str(Org.carl)}),
    Step("bob", "watch.remove", {"ticket_id": T, "user_id": str(Org.carl)}),
    Step(
        "rita",
        "attachment.add",
        {
            "id": str(uid("det:f")),
            "ticket_id": T,
            "sha256": "e" * 64,
            "filename": "log.txt",
            "mime_type": "text/plain",
            "size": 5,
        },
    ),
    Step("bob", "ticket.set_status", {"id": T, "to_status": "waiting", "waiting_on": "requester"}),
    Step("rita", "comment.add", {"id": C3, "ticket_id": T, "body": "Here you go."}),
    Step("bob", "ticket.set_status", {"id": T, "to_status": "resolved", "resolution": "New AP."}),
    Step("rita", "ticket.set_status", {"id": T, "from_status": "resolved", "to_status": "closed"}),
    Step("rita", "feedback.give", {"id": str(uid("det:fb")), "ticket_id": T, "rating": 5}),
    Step(
        "alice",
        "article.create",
        {"id": ARTICLE, "title": "AP swap", "body": "...", "source_ticket_id": T},
    ),
    Step("alice", "article.update", {"id": ARTICLE, "body": "Steps..."}),
    Step("nora", "article.publish", {"id": ARTICLE}),
    Step("ada", "article.archive", {"id": ARTICLE}),
    Step("alice", "saved_search.create", {"id": SEARCH, "name": "Mine", "query": "assignee:me"}),
    Step("alice", "saved_search.rename", {"id": SEARCH, "name": "My queue"}),
    Step("alice", "saved_search.update", {"id": SEARCH, "position": 3}),
    Step("alice", "saved_search.delete", {"id": SEARCH}),
    Step("alice", "user.set_availability", {"availability": "busy"}),
]


def test_the_script_exercises_every_mutation() -> None:
    assert {step.name for step in SCRIPT} == set(REGISTRY)


@pytest.fixture
def twin(org: Org, tmp_path: Path) -> Iterator[Session]:
    """A second database file holding exactly what ``org``'s database holds."""
    category = org.session.get(TicketCategory, org.net)
    assert category is not None
    category.auto_assign = True  # so smart assignment runs too
    org.session.commit()
    source = org.session.connection().connection.driver_connection
    assert isinstance(source, sqlite3.Connection)
    path = tmp_path / "twin.db"
    with sqlite3.connect(path) as target:
        source.backup(target)
    org.session.commit()
    engine = make_engine(sqlite_url(path))
    with session_factory(engine)() as session:
        yield session
    engine.dispose()


def run(org: Org, session: Session, step: Step, at: datetime) -> list[RowChange]:
    ctx = MutationContext(session=session, actor=org.actor(step.who), at=at, authoritative=True)
    return run_mutation(ctx, step.name, step.args)


def test_two_copies_of_a_store_give_identical_row_changes(org: Org, twin: Session) -> None:
    for i, step in enumerate(SCRIPT):
        at = T0 + timedelta(minutes=i)
        savepoint = org.session.begin_nested()
        first = run(org, org.session, step, at)
        savepoint.rollback()
        again = run(org, org.session, step, at)
        org.session.commit()
        elsewhere = run(org, twin, step, at)
        twin.commit()
        assert first, step.name
        assert first == again == elsewhere, step.name
