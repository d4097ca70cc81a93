"""A small organisation to exercise the rules on, in a real migrated SQLite file.

Two teams with their leads and agents, requesters, an admin, a category tree with SLA policies
and a business calendar. Ids are fixed (uuid5 of a name) so tests can name rows directly.

Migrating a database takes ~0.1 s and seeding the organisation as much again; ``engine`` here
copies a file migrated (and, for tests using ``org``, seeded) once per session instead, which
keeps the hundreds of database tests of this folder fast. It is the very file the migration
makes, so tests elsewhere in this folder see no difference.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from acero_desktop.core.actor import SYSTEM, Actor, load_actor
from acero_desktop.core.mutations import MutationContext, RowChange, run_mutation
from acero_desktop.models import (
    BusinessCalendar,
    CancelReason,
    Channel,
    Department,
    Priority,
    Role,
    SlaPolicy,
    SlaTarget,
    Team,
    TeamMember,
    Ticket,
    TicketCategory,
    TicketStatus,
    User,
    WaitingOn,
)
from acero_desktop.store import make_engine, session_factory, upgrade
from acero_desktop.store.engine import sqlite_url

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
PEOPLE = (
    "ada",
    "nora",
    "dan",
    "alice",
    "bob",
    "carl",
    "rita",
    "sam",
)  # a Monday, inside working hours
_NS = uuid.UUID("6f1f3c1e-5b7a-4d55-9a43-2f0f8a1c0d00")


def uid(name: str) -> uuid.UUID:
    """A fixed id for a test row, derived from a readable name."""
    return uuid.uuid5(_NS, name)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    eng = make_engine(sqlite_url(path))
    upgrade(eng)
    eng.dispose()  # the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def org_template(migrated_template: Path) -> tuple[Path, dict[str, Actor]]:
    """The migrated file with the organisation seeded, and its people as actors."""
    path = migrated_template.with_name("org.db")
    shutil.copyfile(migrated_template, path)
    eng = make_engine(sqlite_url(path))
    with session_factory(eng)() as session:
        _seed(session)
        actors = {name: load_actor(session, getattr(Org, name)) for name in PEOPLE}
    eng.dispose()
    actors["system"] = SYSTEM
    return path, actors


@pytest.fixture
def engine(
    request: pytest.FixtureRequest, db_path: Path, migrated_template: Path
) -> Iterator[Engine]:
    """A real SQLite file at the current schema (a copy of one migrated for this session)."""
    template = migrated_template
    if "org" in request.fixturenames:
        template, _ = request.getfixturevalue("org_template")
    shutil.copyfile(template, db_path)
    eng = make_engine(sqlite_url(db_path))
    yield eng
    eng.dispose()


@dataclass
class Org:
    """The people and places of the test organisation, with helpers to act as them."""

    session: Session
    actors: dict[str, Actor]

    # teams
    network = uid("team:network")
    desktop = uid("team:desktop")
    # people
    ada = uid("user:ada")  # admin, in no team
    nora = uid("user:nora")  # lead of Network
    dan = uid("user:dan")  # lead of Desktop
    alice = uid("user:alice")  # agent, Network
    bob = uid("user:bob")  # agent, Network
    carl = uid("user:carl")  # agent, Desktop
    olga = uid("user:olga")  # agent, Network, disabled
    rita = uid("user:rita")  # requester
    sam = uid("user:sam")  # requester
    # categories
    it = uid("cat:it")  # root, no team, no policy
    net = uid("cat:network")  # routes to Network
    vpn = uid("cat:vpn")  # child of Network, inherits its team
    hardware = uid("cat:hardware")  # routes to Desktop, high priority, own SLA policy
    misc = uid("cat:misc")  # auto_route off
    # SLA
    calendar = uid("cal:office")
    standard = uid("sla:standard")  # the default policy
    hardware_sla = uid("sla:hardware")

    def actor(self, name: str) -> Actor:
        return self.actors[name]

    def apply(
        self,
        who: str | Actor,
        name: str,
        args: dict[str, Any],
        *,
        at: datetime = T0,
        authoritative: bool = False,
        channel: Channel = Channel.DESKTOP,
    ) -> list[RowChange]:
        """Run one mutation as ``who`` (a name of this org or an Actor)."""
        actor = who if isinstance(who, Actor) else self.actors[who]
        ctx = MutationContext(
            session=self.session,
            actor=actor,
            at=at,
            channel=channel,
            authoritative=authoritative,
        )
        return run_mutation(ctx, name, args)

    def ticket(self, ticket_id: uuid.UUID) -> Ticket:
        found = self.session.get(Ticket, ticket_id)
        assert found is not None
        return found

    def add_ticket(
        self,
        status: TicketStatus = TicketStatus.NEW,
        *,
        name: str = "ticket",
        number: int | None = 12,
        team: uuid.UUID | None = None,
        requester: uuid.UUID | None = None,
        assignee: uuid.UUID | None = None,
        category: uuid.UUID | None = None,
        priority: Priority = Priority.NORMAL,
    ) -> Ticket:
        """A ticket put straight into ``status`` with the columns that status implies.

        Owned statuses get Alice as assignee unless told otherwise; the team is Network.
        """
        owned = status not in (TicketStatus.NEW,)
        ticket = Ticket(
            id=uid(f"ticket:{name}"),
            number=number,
            title="VPN drops every hour",
            description="Since Monday the VPN disconnects at the top of every hour.",
            status=status,
            priority=priority,
            category_id=category,
            requester_id=requester or self.rita,
            assignee_id=assignee if assignee is not None else (self.alice if owned else None),
            team_id=team or self.network,
            created_by_id=requester or self.rita,
            waiting_on=WaitingOn.REQUESTER if status is TicketStatus.WAITING else None,
            sla_paused_since=T0 - timedelta(hours=1) if status is TicketStatus.WAITING else None,
            sla_paused_seconds=0,
            created_at=T0 - timedelta(hours=2),
            updated_at=T0 - timedelta(hours=2),
            resolved_at=T0 - timedelta(hours=1)
            if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
            else None,
            closed_at=T0 - timedelta(minutes=30) if status is TicketStatus.CLOSED else None,
            cancelled_at=T0 - timedelta(minutes=30) if status is TicketStatus.CANCELLED else None,
            resolution="Replaced the router."
            if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
            else None,
            cancel_reason=CancelReason.WITHDRAWN if status is TicketStatus.CANCELLED else None,
            reopen_count=0,
        )
        self.session.add(ticket)
        self.session.flush()
        return ticket


def _seed(session: Session) -> None:
    o = Org
    session.add(Department(id=uid("dept:it"), name="IT"))
    people = [
        (o.ada, "ada", "Ada Admin", Role.ADMIN),
        (o.nora, "nora", "Nora Lead", Role.LEAD),
        (o.dan, "dan", "Dan Lead", Role.LEAD),
        (o.alice, "alice", "Alice Agent", Role.AGENT),
        (o.bob, "bob", "Bob Agent", Role.AGENT),
        (o.carl, "carl", "Carl Agent", Role.AGENT),
        (o.olga, "olga", "Olga Gone", Role.AGENT),
        (o.rita, "rita", "Rita Requester", Role.REQUESTER),
        (o.sam, "sam", "Sam Requester", Role.REQUESTER),
    ]
    for user_id, username, name, role in people:
        session.add(
            User(
                id=user_id,
                username=username,
                name=name,
                email=f"{username}@example.org",
                role=role,
                department_id=uid("dept:it"),
                active=username != "olga",
                created_at=T0 - timedelta(days=30),
            )
        )
    session.flush()
    session.add_all(
        [
            Team(id=o.network, name="Network", department_id=uid("dept:it"), lead_id=o.nora),
            Team(id=o.desktop, name="Desktop", department_id=uid("dept:it"), lead_id=o.dan),
        ]
    )
    session.flush()
    for team, user in [
        (o.network, o.nora),
        (o.network, o.alice),
        (o.network, o.bob),
        (o.network, o.olga),
        (o.desktop, o.dan),
        (o.desktop, o.carl),
    ]:
        session.add(TeamMember(id=uid(f"member:{team}:{user}"), team_id=team, user_id=user))
    hours = {str(d): [["09:00", "17:00"]] for d in range(5)}
    session.add(
        BusinessCalendar(
            id=o.calendar,
            name="Office",
            timezone="UTC",
            working_hours=hours,
            holidays=["2026-12-25"],
        )
    )
    session.flush()
    session.add_all(
        [
            SlaPolicy(id=o.standard, name="Standard", calendar_id=o.calendar, is_default=True),
            SlaPolicy(id=o.hardware_sla, name="Hardware", calendar_id=o.calendar),
        ]
    )
    session.flush()
    targets = {
        o.standard: {
            Priority.LOW: (480, 2400),
            Priority.NORMAL: (240, 960),
            Priority.HIGH: (120, 480),
            Priority.URGENT: (60, 240),
        },
        o.hardware_sla: {Priority.NORMAL: (60, 480), Priority.HIGH: (30, 240)},
    }
    for policy, by_priority in targets.items():
        for priority, (first, resolution) in by_priority.items():
            session.add(
                SlaTarget(
                    id=uid(f"target:{policy}:{priority}"),
                    policy_id=policy,
                    priority=priority,
                    first_response_minutes=first,
                    resolution_minutes=resolution,
                )
            )
    categories = [
        TicketCategory(id=o.it, name="IT", auto_route=True),
        TicketCategory(id=o.net, name="Network", parent_id=o.it, default_team_id=o.network),
        TicketCategory(id=o.vpn, name="VPN", parent_id=o.net),
        TicketCategory(
            id=o.hardware,
            name="Hardware",
            parent_id=o.it,
            default_team_id=o.desktop,
            default_priority=Priority.HIGH,
            sla_policy_id=o.hardware_sla,
        ),
        TicketCategory(id=o.misc, name="Misc", default_team_id=o.desktop, auto_route=False),
    ]
    for category in categories:
        session.add(category)
        session.flush()
    session.commit()


@pytest.fixture
def org(session: Session, org_template: tuple[Path, dict[str, Actor]]) -> Org:
    """The organisation, already in the database ``session`` opens (see ``engine``)."""
    _, actors = org_template
    return Org(session=session, actors=dict(actors))
