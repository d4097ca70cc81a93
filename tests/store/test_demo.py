"""The demo generator: deterministic, consistent with the workflow, and usable from the CLI."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from acero_desktop.core.workflow import TRANSITIONS, Capacity
from acero_desktop.models import (
    Base,
    Role,
    Team,
    TeamMember,
    Ticket,
    TicketCategory,
    TicketStatus,
    User,
)
from acero_desktop.store import make_engine, session_factory, upgrade
from acero_desktop.store.demo import DemoSummary, _seed, seed_demo
from acero_desktop.store.demo_schedule import status_quota
from acero_desktop.store.engine import sqlite_url

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TICKETS = 300
STAFF = {"agent", "lead", "admin"}


def fresh_engine(path: Path) -> Engine:
    engine = make_engine(sqlite_url(path))
    upgrade(engine)
    return engine


def digest(engine: Engine) -> str:
    """One hash over every row of every table, in a stable order."""
    h = hashlib.sha256()
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            h.update(table.name.encode())
            for row in conn.execute(text(f'SELECT * FROM "{table.name}" ORDER BY id')):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, DemoSummary]]:
    engine = fresh_engine(tmp_path_factory.mktemp("demo") / "demo.db")
    summary = seed_demo(engine, tickets=TICKETS, seed=42, now=NOW)
    yield engine, summary
    engine.dispose()


@pytest.fixture(scope="module")
def db(demo: tuple[Engine, DemoSummary]) -> Iterator[Session]:
    with session_factory(demo[0])() as session:
        yield session


def rows(db: Session, sql: str, **params: Any) -> list[Any]:
    return list(db.execute(text(sql), params))


# --- determinism ----------------------------------------------------------------------------


def test_same_seed_gives_identical_rows_and_another_seed_does_not(tmp_path: Path) -> None:
    digests = []
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        engine = fresh_engine(tmp_path / f"{name}.db")
        seed_demo(engine, tickets=200, seed=seed, now=NOW)
        digests.append(digest(engine))
        engine.dispose()
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_fast_sqlite_path_stores_exactly_what_the_typed_path_stores(tmp_path: Path) -> None:
    """The raw encoder must write what SQLAlchemy's column types would write."""
    digests = []
    for raw in (True, False):
        engine = fresh_engine(tmp_path / f"{raw}.db")
        _seed(engine, tickets=120, seed=3, now=NOW, progress=None, raw=raw)
        digests.append(digest(engine))
        engine.dispose()
    assert digests[0] == digests[1]


def test_seeding_a_store_with_data_is_refused(demo: tuple[Engine, DemoSummary]) -> None:
    with pytest.raises(ValueError, match="empty store"):
        seed_demo(demo[0], tickets=10, now=NOW)


def test_progress_reports_every_stage(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    engine = fresh_engine(tmp_path / "p.db")
    seed_demo(engine, tickets=50, now=NOW, progress=lambda *a: calls.append(a))
    engine.dispose()
    assert {stage for stage, _, _ in calls} == {"organisation", "tickets", "extras"}
    assert ("tickets", 50, 50) in calls


# --- shape of the data ------------------------------------------------------------------------


def test_summary_counts_match_the_tables(demo: tuple[Engine, DemoSummary], db: Session) -> None:
    _, summary = demo
    for table, count in summary.counts.items():
        assert rows(db, f'SELECT count(*) FROM "{table}"')[0][0] == count, table
    assert summary.counts["ticket"] == TICKETS
    comments = summary.counts["ticket_comment"] / TICKETS
    assert 2.5 <= comments <= 3.5
    assert 35 <= summary.counts["knowledge_article"] <= 45


@pytest.mark.parametrize("tickets", [1, 5, 8, 100, 300, 10_000, 1_000_000])
def test_status_quota_adds_up(tickets: int) -> None:
    quota = dict(status_quota(tickets))
    assert sum(quota.values()) == tickets
    assert all(n >= 1 for n in quota.values())
    if tickets >= 8:
        assert set(quota) == {s.value for s in TicketStatus}
    if tickets >= 100:
        open_share = sum(n for s, n in quota.items() if TicketStatus(s).is_open) / tickets
        assert quota["closed"] > tickets / 2
        assert 0.05 <= open_share <= 0.3


def test_every_status_is_present_and_closed_outnumbers_open(db: Session) -> None:
    counts = dict(rows(db, "SELECT status, count(*) FROM ticket GROUP BY status"))
    assert set(counts) == {s.value for s in TicketStatus}
    open_total = sum(n for s, n in counts.items() if TicketStatus(s).is_open)
    assert counts["closed"] > open_total


def test_orm_reads_every_row(db: Session) -> None:
    tickets = db.scalars(select(Ticket)).all()
    assert len(tickets) == TICKETS
    assert all(t.created_at.tzinfo is UTC for t in tickets)
    for model in Base.registry.mappers:
        db.scalars(select(model.class_)).all()


def test_foreign_keys_hold(db: Session) -> None:
    assert rows(db, "PRAGMA foreign_key_check") == []


def test_numbers_follow_creation_order(db: Session) -> None:
    numbers = [n for (n,) in rows(db, "SELECT number FROM ticket ORDER BY created_at, number")]
    assert numbers == list(range(1, TICKETS + 1))


def test_demo_accounts_have_their_roles(db: Session) -> None:
    users = {
        u.username: u
        for u in db.scalars(
            select(User).where(User.username.in_(["agent", "lead", "admin", "requester"]))
        )
    }
    assert {name: u.role for name, u in users.items()} == {
        "agent": Role.AGENT,
        "lead": Role.LEAD,
        "admin": Role.ADMIN,
        "requester": Role.REQUESTER,
    }
    assert users["agent"].name == "Dana Whitfield"
    dana_teams = db.scalars(
        select(Team.name).join(TeamMember).where(TeamMember.user_id == users["agent"].id)
    ).all()
    assert dana_teams == ["Network & Telecom"]
    service_desk = db.scalars(select(Team).where(Team.name == "Service Desk")).one()
    assert service_desk.lead_id == users["lead"].id
    admins = db.scalars(select(User).where(User.role == Role.ADMIN)).all()
    assert 1 <= len(admins) <= 2
    requesters = db.scalars(select(User).where(User.role == Role.REQUESTER)).all()
    assert len(requesters) >= 40
    for username in ("agent", "lead", "requester"):
        assert (
            rows(
                db,
                "SELECT count(*) FROM saved_search WHERE owner_id = :u",
                u=users[username].id.hex,
            )[0][0]
            >= 2
        )
        assert (
            rows(
                db, "SELECT count(*) FROM notification WHERE user_id = :u", u=users[username].id.hex
            )[0][0]
            >= 1
        )


def test_categories_form_a_two_level_tree_routed_to_teams(db: Session) -> None:
    cats = db.scalars(select(TicketCategory)).all()
    by_id = {c.id: c for c in cats}
    assert 20 <= len(cats) <= 32
    for cat in cats:
        assert cat.default_team_id is not None
        if cat.parent_id is not None:
            assert by_id[cat.parent_id].parent_id is None
    names = {c.name for c in cats}
    assert {"Hardware", "Laptop", "Printer", "Network", "VPN", "Wi-Fi", "Password reset"} <= names


def test_calendar_and_sla_targets(db: Session) -> None:
    [(zone, hours, holidays)] = rows(
        db, "SELECT timezone, working_hours, holidays FROM business_calendar"
    )
    assert zone == "Europe/Berlin"
    assert json.loads(hours)["0"] == [["08:00", "12:00"], ["13:00", "17:00"]]
    assert "5" not in json.loads(hours)  # no Saturdays
    assert {"2026-12-25", "2027-01-01"} <= set(json.loads(holidays))
    targets = {
        (policy, priority): (first, resolution)
        for policy, priority, first, resolution in rows(
            db,
            "SELECT p.name, t.priority, t.first_response_minutes, t.resolution_minutes "
            "FROM sla_target t JOIN sla_policy p ON p.id = t.policy_id",
        )
    }
    assert targets[("Standard support", "urgent")] == (60, 480)
    assert targets[("Standard support", "low")] == (960, 4800)
    assert len(targets) == 12


# --- consistency of each ticket -----------------------------------------------------------------


def _people(db: Session) -> dict[str, tuple[str, str]]:
    return {uid: (role, name) for uid, role, name in rows(db, 'SELECT id, role, name FROM "user"')}


def test_history_follows_the_workflow(db: Session) -> None:
    people = _people(db)
    leads = dict(rows(db, "SELECT id, lead_id FROM team"))
    members: dict[str, set[str]] = defaultdict(set)
    for team_id, user_id in rows(db, "SELECT team_id, user_id FROM team_member"):
        members[team_id].add(user_id)
    tickets = {
        t[0]: t
        for t in rows(
            db, "SELECT id, status, requester_id, team_id, created_at, assignee_id FROM ticket"
        )
    }
    history: dict[str, list[Any]] = defaultdict(list)
    for row in rows(
        db,
        "SELECT ticket_id, at, field, old_value, new_value, actor_id, channel "
        "FROM ticket_history ORDER BY ticket_id, at, id",
    ):
        history[row[0]].append(row)
    for ticket_id, (_, status, requester, team, created, assignee) in tickets.items():
        timeline = history[ticket_id]
        assert timeline[0][2] == "created"
        assert timeline[0][1] == created
        current = "new"
        for _, at, field, old, new, actor, _channel in timeline:
            if field != "status":
                continue
            assert old == current, (ticket_id, timeline)
            edge = (TicketStatus(old), TicketStatus(new))
            assert edge in TRANSITIONS, edge
            assigned_now = any(
                r[1] == at and r[2] == "assignee" for r in timeline
            )  # an implicit step of ticket.assign
            answered = edge == (TicketStatus.WAITING, TicketStatus.IN_PROGRESS) and (
                actor == requester
            )  # comment.add by the requester resumes a ticket waiting on them
            if not (assigned_now and old == "new") and not answered:
                caps = _capacities(actor, people, requester, team, leads, members)
                assert caps & TRANSITIONS[edge], (ticket_id, edge, caps)
            current = new
        assert current == status
        assert (assignee is None) == (
            status == "new"
            or (status == "cancelled" and not any(r[2] == "assignee" for r in timeline))
        )


def _capacities(
    actor: str | None,
    people: dict[str, tuple[str, str]],
    requester: str,
    team: str,
    leads: dict[str, str],
    members: dict[str, set[str]],
) -> frozenset[Capacity]:
    if actor is None:
        return frozenset({Capacity.SYSTEM})
    caps = set()
    role = people[actor][0]
    if actor == requester:
        caps.add(Capacity.REQUESTER)
    if role in ("agent", "lead", "admin") and (actor in members[team] or actor == leads[team]):
        caps.add(Capacity.AGENT)
    if actor == leads[team] and role == "lead":
        caps.add(Capacity.LEAD)
    if role == "admin":
        caps.add(Capacity.ADMIN)
    return frozenset(caps)


def test_timestamps_are_ordered(db: Session) -> None:
    now = NOW.replace(tzinfo=None)
    for t in db.scalars(select(Ticket)):
        stamps = [t.created_at, t.first_responded_at, t.resolved_at, t.closed_at]
        present = [s for s in stamps if s is not None]
        assert present == sorted(present), t.number
        assert t.created_at <= t.updated_at <= NOW
        if t.cancelled_at is not None:
            assert t.created_at <= t.cancelled_at <= t.updated_at
        assert (t.closed_at is not None) == (t.status is TicketStatus.CLOSED)
        assert (t.cancelled_at is not None) == (t.status is TicketStatus.CANCELLED)
        assert (t.sla_paused_since is not None) == (t.status is TicketStatus.WAITING)
        assert (t.waiting_on is not None) == (t.status is TicketStatus.WAITING)
    last = rows(
        db,
        "SELECT t.updated_at, max(h.at) FROM ticket t JOIN ticket_history h "
        "ON h.ticket_id = t.id GROUP BY t.id",
    )
    assert all(updated == latest for updated, latest in last)
    assert max(latest for _, latest in last) <= str(now)


def test_resolution_text_exactly_when_resolved_or_closed(db: Session) -> None:
    for status, resolution, resolved_at, reason in rows(
        db, "SELECT status, resolution, resolved_at, cancel_reason FROM ticket"
    ):
        done = status in ("resolved", "closed")
        assert bool(resolution) == done
        assert (resolved_at is not None) == done
        assert (reason is not None) == (status == "cancelled")


def test_new_tickets_are_unassigned_and_others_have_an_owner(db: Session) -> None:
    for status, assignee in rows(db, "SELECT status, assignee_id FROM ticket"):
        if status == "new":
            assert assignee is None
        elif status not in ("cancelled",):
            assert assignee is not None, status


def test_ticket_team_is_its_category_team(db: Session) -> None:
    mismatched = rows(
        db,
        "SELECT count(*) FROM ticket t JOIN ticket_category c "
        "ON c.id = t.category_id WHERE c.default_team_id <> t.team_id",
    )
    assert mismatched[0][0] == 0


def test_internal_notes_only_by_staff(db: Session) -> None:
    roles = rows(
        db,
        'SELECT DISTINCT u.role FROM ticket_comment c JOIN "user" u '
        "ON u.id = c.author_id WHERE c.internal = 1",
    )
    assert roles
    assert {r for (r,) in roles} <= STAFF


def test_comments_thread_inside_their_ticket(db: Session) -> None:
    pairs = rows(
        db,
        "SELECT c.ticket_id, p.ticket_id, c.created_at, p.created_at, p.internal, "
        "c.internal FROM ticket_comment c JOIN ticket_comment p ON p.id = c.parent_id",
    )
    assert len(pairs) > TICKETS / 5
    for ticket, parent_ticket, at, parent_at, parent_internal, internal in pairs:
        assert ticket == parent_ticket
        assert parent_at <= at
        assert not parent_internal or internal  # nobody answers a note they cannot see


def test_comments_fall_inside_the_ticket_life(db: Session) -> None:
    bad = rows(
        db,
        "SELECT count(*) FROM ticket_comment c JOIN ticket t ON t.id = c.ticket_id "
        "WHERE c.created_at < t.created_at OR c.created_at > t.updated_at",
    )
    assert bad[0][0] == 0


def test_first_response_is_a_public_staff_comment(db: Session) -> None:
    checked = 0
    for ticket_id, first in rows(
        db, "SELECT id, first_responded_at FROM ticket WHERE first_responded_at IS NOT NULL"
    ):
        found = rows(
            db,
            'SELECT count(*) FROM ticket_comment c JOIN "user" u ON u.id = '
            "c.author_id WHERE c.ticket_id = :t AND c.created_at = :at AND "
            "c.internal = 0 AND u.role <> 'requester'",
            t=ticket_id,
            at=first,
        )
        assert found[0][0] >= 1
        checked += 1
    assert checked > TICKETS / 2


def test_tasks_feedback_and_watchers(db: Session) -> None:
    with_tasks = rows(db, "SELECT count(DISTINCT ticket_id) FROM ticket_task")[0][0]
    assert 0.1 * TICKETS <= with_tasks <= 0.3 * TICKETS
    for ticket_id, positions in rows(
        db,
        "SELECT ticket_id, group_concat(position) FROM "
        "(SELECT * FROM ticket_task ORDER BY created_at) "
        "GROUP BY ticket_id",
    ):
        keys = positions.split(",")
        assert len(set(keys)) == len(keys), ticket_id
    for state, done_at in rows(db, "SELECT state, done_at FROM ticket_task"):
        assert (done_at is not None) == (state == "done")
    feedback = rows(
        db,
        "SELECT t.status, f.rating, f.user_id = t.requester_id FROM feedback f "
        "JOIN ticket t ON t.id = f.ticket_id",
    )
    closed = rows(db, "SELECT count(*) FROM ticket WHERE status = 'closed'")[0][0]
    assert 0.45 * closed <= len(feedback) <= 0.75 * closed
    assert all(s == "closed" and 1 <= r <= 5 and mine for s, r, mine in feedback)
    assert (
        rows(
            db,
            "SELECT count(*) FROM ticket_watcher w JOIN ticket t ON t.id = w.ticket_id "
            "WHERE w.user_id = t.requester_id",
        )[0][0]
        == 0
    )


def test_knowledge_articles(db: Session) -> None:
    states = dict(rows(db, "SELECT state, count(*) FROM knowledge_article GROUP BY state"))
    assert set(states) == {"draft", "published"}
    linked = rows(
        db, "SELECT t.status FROM knowledge_article a JOIN ticket t ON t.id = a.source_ticket_id"
    )
    assert linked
    assert {s for (s,) in linked} <= {"closed"}


def test_text_is_varied_enough_for_full_text_search(db: Session) -> None:
    words: set[str] = set()
    for title, description in rows(db, "SELECT title, description FROM ticket"):
        words.update(re.findall(r"\w+", f"{title} {description}".lower()))
    for (body,) in rows(db, "SELECT body FROM ticket_comment"):
        words.update(re.findall(r"\w+", body.lower()))
    assert len(words) >= 300
    assert any(not w.isascii() for w in words)


def test_sla_due_times_match_the_sla_clock(db: Session) -> None:
    """The generator's hourly table must agree with core.sla on every ticket."""
    sla = pytest.importorskip("acero_desktop.core.sla")
    sla_fields = pytest.importorskip("acero_desktop.core.sla_fields")
    from acero_desktop.models import BusinessCalendar

    calendar = sla_fields.calendar_from_row(db.scalars(select(BusinessCalendar)).one())
    for t in db.scalars(select(Ticket)):
        paused = timedelta(seconds=t.sla_paused_seconds)
        assert t.first_response_target_minutes is not None
        assert t.resolution_target_minutes is not None
        minutes = timedelta(minutes=t.first_response_target_minutes)
        assert t.first_response_due_at == sla.due_at(calendar, t.created_at, minutes, paused)
        minutes = timedelta(minutes=t.resolution_target_minutes)
        assert t.resolution_due_at == sla.due_at(calendar, t.created_at, minutes, paused)


def test_full_text_index_matches_a_rebuild(demo: tuple[Engine, DemoSummary]) -> None:
    """Comments go in before their tickets: the triggers must still index every comment."""
    fts = pytest.importorskip("acero_desktop.store.fts")
    engine = demo[0]
    with engine.connect() as conn:
        if not conn.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE name = 'fts_ticket'"
        ).scalar():
            pytest.skip("no full-text index in this schema")
        fts.check_fts(conn)
        seeded = conn.exec_driver_sql(
            "SELECT k.ticket_id, f.number, f.title, f.description, f.comments FROM fts_ticket f "
            "JOIN fts_ticket_key k ON k.id = f.rowid ORDER BY k.ticket_id"
        ).all()
        notes = conn.exec_driver_sql(
            "SELECT k.ticket_id, n.notes FROM fts_ticket_internal n "
            "JOIN fts_ticket_key k ON k.id = n.rowid ORDER BY k.ticket_id"
        ).all()
        conn.rollback()
    fts.rebuild_fts(engine)
    with engine.connect() as conn:
        rebuilt = conn.exec_driver_sql(
            "SELECT k.ticket_id, f.number, f.title, f.description, f.comments FROM fts_ticket f "
            "JOIN fts_ticket_key k ON k.id = f.rowid ORDER BY k.ticket_id"
        ).all()
        rebuilt_notes = conn.exec_driver_sql(
            "SELECT k.ticket_id, n.notes FROM fts_ticket_internal n "
            "JOIN fts_ticket_key k ON k.id = n.rowid ORDER BY k.ticket_id"
        ).all()
    assert len(seeded) == TICKETS
    assert seeded == rebuilt
    assert notes == rebuilt_notes


def test_smart_assignment_over_the_demo_store(db: Session) -> None:
    from acero_desktop.core.assignment import rank_candidates

    vpn = db.scalars(select(TicketCategory).where(TicketCategory.name == "VPN")).one()
    ranked = rank_candidates(db, category_id=vpn.id, team_id=None, now=NOW)
    dana = next(c for c in ranked if c.name == "Dana Whitfield")
    assert dana.skill_level == 5
    assert re.fullmatch(r"VPN 5/5 · \d+ open · available", dana.explanation)
    assert all(c.availability.value != "off" for c in ranked[: len(ranked) // 2])


# --- the command line -------------------------------------------------------------------------


def test_acero_demo_no_gui_seeds_and_prints_the_counts(tmp_path: Path) -> None:
    db_file = tmp_path / "cli.db"
    # The installed console script when there is one (it checks the entry point too).
    script = Path(sys.executable).with_name("acero")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "acero_desktop.cli"]
    done = subprocess.run(
        [*command, "demo", "--no-gui", "--tickets", "200", "--db", str(db_file)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert re.search(r"^ticket\s+200$", out, re.MULTILINE), out
    assert re.search(r"^ticket_comment\s+[\d,]+$", out, re.MULTILINE)
    for login in ("agent", "lead", "admin", "requester"):
        assert re.search(rf"^\s+{login}\s+\S", out, re.MULTILINE), login
    assert "tickets" in done.stderr  # progress
    assert db_file.exists()


def test_acero_version() -> None:
    from acero_desktop import __version__
    from acero_desktop.cli import client_main

    with pytest.raises(SystemExit) as exit_info:
        client_main(["--version"])
    assert exit_info.value.code == 0
    assert __version__


def test_acero_demo_refuses_an_existing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from acero_desktop.cli import client_main

    existing = tmp_path / "there.db"
    existing.write_bytes(b"")
    assert client_main(["demo", "--no-gui", "--db", str(existing)]) == 1
    assert "already exists" in capsys.readouterr().err


# --- the generator thread -----------------------------------------------------------------------


def test_background_generation_hands_over_items_in_order_and_errors_to_the_consumer() -> None:
    from acero_desktop.store.demo import _in_background

    assert list(_in_background(iter(range(50)))) == list(range(50))

    def broken() -> Iterator[int]:
        yield 1
        raise RuntimeError("generator failed")

    with pytest.raises(RuntimeError, match="generator failed"):
        list(_in_background(broken()))


def test_background_generation_stops_when_the_consumer_fails() -> None:
    from acero_desktop.store.demo import _in_background

    produced: list[int] = []

    def endless() -> Iterator[int]:
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    def consume() -> None:
        for item in _in_background(endless(), depth=2):
            if item == 3:
                raise ValueError("insert failed")

    with pytest.raises(ValueError, match="insert failed"):
        consume()
    made = len(produced)
    assert made <= 3 + 2 + 2  # at most the queue's depth ahead of the consumer
    time.sleep(0.3)
    assert len(produced) == made  # and then it stopped
