"""Smart assignment over a real migrated SQLite store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from acero_desktop.core.assignment import Candidate, choose_assignee, rank_candidates
from acero_desktop.core.ids import uuid7
from acero_desktop.models import (
    Availability,
    Priority,
    Role,
    Team,
    TeamMember,
    Ticket,
    TicketCategory,
    TicketStatus,
    User,
    UserSkill,
)

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class World:
    """A tiny organisation built row by row, so every test states exactly what it needs."""

    def __init__(self, session: Session) -> None:
        self.s = session
        self._n = count(1)
        self.team = self.add_team("Network & Telecom")
        self.network = self.add_category("Networking", team=self.team)
        self.vpn = self.add_category("VPN", parent=self.network)
        self.printers = self.add_category("Printers", team=self.team)
        self.requester = self.add_user("Rita Requester", role=Role.REQUESTER, team=None)

    def add_team(self, name: str) -> Team:
        team = Team(id=uuid7(), name=name)
        self.s.add(team)
        self.s.flush()
        return team

    def add_category(
        self, name: str, *, team: Team | None = None, parent: TicketCategory | None = None
    ) -> TicketCategory:
        cat = TicketCategory(
            id=uuid7(),
            name=name,
            parent_id=parent.id if parent else None,
            default_team_id=team.id if team else None,
            default_priority=Priority.NORMAL,
        )
        self.s.add(cat)
        self.s.flush()
        return cat

    def add_user(
        self,
        name: str,
        *,
        role: Role = Role.AGENT,
        team: Team | bool | None = True,
        availability: Availability = Availability.AVAILABLE,
        active: bool = True,
        skills: dict[str, int] | None = None,
    ) -> User:
        n = next(self._n)
        user = User(
            id=uuid7(),
            username=f"user{n}",
            name=name,
            email=f"user{n}@acero.example",
            role=role,
            availability=availability,
            active=active,
            created_at=NOW - timedelta(days=100),
        )
        self.s.add(user)
        self.s.flush()
        member_of = self.team if team is True else team
        if isinstance(member_of, Team):
            self.s.add(TeamMember(id=uuid7(), team_id=member_of.id, user_id=user.id))
        cats = {"Networking": self.network, "VPN": self.vpn, "Printers": self.printers}
        for cat_name, level in (skills or {}).items():
            self.s.add(
                UserSkill(id=uuid7(), user_id=user.id, category_id=cats[cat_name].id, level=level)
            )
        self.s.flush()
        return user

    def give_tickets(
        self,
        agent: User,
        n: int,
        *,
        priority: Priority = Priority.NORMAL,
        status: TicketStatus = TicketStatus.IN_PROGRESS,
    ) -> None:
        for _ in range(n):
            number = next(self._n)
            self.s.add(
                Ticket(
                    id=uuid7(),
                    number=number,
                    title=f"ticket {number}",
                    status=status,
                    priority=priority,
                    category_id=self.network.id,
                    team_id=self.team.id,
                    requester_id=self.requester.id,
                    created_by_id=self.requester.id,
                    assignee_id=agent.id,
                    created_at=NOW - timedelta(hours=5),
                    updated_at=NOW - timedelta(hours=1),
                )
            )
        self.s.flush()

    def rank(self, category: TicketCategory | None = None) -> list[Candidate]:
        cat = category if category is not None else self.network
        return rank_candidates(self.s, category_id=cat.id, team_id=None, now=NOW)


@pytest.fixture
def world(session: Session) -> World:
    return World(session)


def names(candidates: list[Candidate]) -> list[str]:
    return [c.name for c in candidates]


def test_skill_dominates_when_loads_are_equal(world: World) -> None:
    agents = [
        world.add_user("Ann", skills={"Networking": 2}),
        world.add_user("Bea", skills={"Networking": 5}),
        world.add_user("Cai"),
    ]
    assert names(world.rank()) == ["Bea", "Ann", "Cai"]
    for agent in agents:
        world.give_tickets(agent, 2)
    assert names(world.rank()) == ["Bea", "Ann", "Cai"]


def test_load_breaks_near_ties(world: World) -> None:
    busy = world.add_user("Ann", skills={"Networking": 4})
    world.add_user("Bea", skills={"Networking": 4})
    world.give_tickets(busy, 3)
    assert names(world.rank()) == ["Bea", "Ann"]


def test_a_much_busier_expert_loses_to_a_free_colleague_one_level_below(world: World) -> None:
    expert = world.add_user("Ann", skills={"Networking": 4})
    world.add_user("Bea", skills={"Networking": 3})
    world.give_tickets(expert, 2)
    assert names(world.rank()) == ["Ann", "Bea"]  # 40 - 4 > 30
    world.give_tickets(expert, 4)
    assert names(world.rank()) == ["Bea", "Ann"]  # 40 - 12 < 30


def test_load_is_weighted_by_priority_and_counts_only_open_tickets(world: World) -> None:
    ann = world.add_user("Ann", skills={"Networking": 3})
    bea = world.add_user("Bea", skills={"Networking": 3})
    world.give_tickets(ann, 1, priority=Priority.URGENT)
    world.give_tickets(bea, 2, priority=Priority.NORMAL)
    world.give_tickets(bea, 5, status=TicketStatus.CLOSED)
    world.give_tickets(bea, 1, status=TicketStatus.RESOLVED, priority=Priority.URGENT)
    ranked = {c.name: c for c in world.rank()}
    assert (ranked["Ann"].open_load, ranked["Ann"].weighted_load) == (1, 3.0)
    assert (ranked["Bea"].open_load, ranked["Bea"].weighted_load) == (2, 2.0)
    assert ranked["Bea"].score == pytest.approx(30 - 2 * 2.0)
    assert names(world.rank()) == ["Bea", "Ann"]
    cai = world.add_user("Cai", skills={"Networking": 3})
    world.give_tickets(cai, 4, priority=Priority.LOW)
    assert {c.name: c.weighted_load for c in world.rank()}["Cai"] == 2.0


@pytest.mark.parametrize(
    ("availability", "rank"),
    [
        (Availability.AVAILABLE, 0),
        (Availability.BUSY, 1),
        (Availability.AWAY, 2),
        (Availability.OFF, 3),
    ],
)
def test_availability_orders_equally_skilled_agents(
    world: World, availability: Availability, rank: int
) -> None:
    for a in Availability:
        world.add_user(f"Agent {a.value}", availability=a, skills={"Networking": 3})
    ranked = world.rank()
    assert ranked[rank].availability is availability


def test_busy_costs_one_skill_level_and_off_is_last_whatever_the_skill(world: World) -> None:
    world.add_user("Busy expert", availability=Availability.BUSY, skills={"Networking": 5})
    world.add_user("Free junior", skills={"Networking": 3})
    world.add_user("Off guru", availability=Availability.OFF, skills={"Networking": 5})
    world.add_user("Away expert", availability=Availability.AWAY, skills={"Networking": 5})
    assert names(world.rank()) == ["Busy expert", "Free junior", "Away expert", "Off guru"]


def test_choose_assignee_never_picks_an_off_agent(world: World) -> None:
    assert choose_assignee(world.s, category_id=world.network.id, team_id=None, now=NOW) is None
    world.add_user("Off guru", availability=Availability.OFF, skills={"Networking": 5})
    assert choose_assignee(world.s, category_id=world.network.id, team_id=None, now=NOW) is None
    world.add_user("Away novice", availability=Availability.AWAY)
    chosen = choose_assignee(world.s, category_id=world.network.id, team_id=None, now=NOW)
    assert chosen is not None
    assert chosen.name == "Away novice"
    world.add_user("Available novice")
    chosen = choose_assignee(world.s, category_id=world.network.id, team_id=None, now=NOW)
    assert chosen is not None
    assert chosen.name == "Available novice"


def test_ancestor_category_skill_counts_at_a_discount(world: World) -> None:
    world.add_user("Parent four", skills={"Networking": 4})  # 4 × 0.7 = 2.8
    world.add_user("Direct three", skills={"VPN": 3})
    world.add_user("Parent five", skills={"Networking": 5})  # 3.5
    ranked = world.rank(world.vpn)
    assert names(ranked) == ["Parent five", "Direct three", "Parent four"]
    assert ranked[0].score == pytest.approx(35.0)
    assert ranked[0].skill_level == 5
    assert ranked[0].explanation == "Networking 5/5 · 0 open · available"


def test_direct_skill_beats_the_same_level_in_the_parent(world: World) -> None:
    world.add_user("Both", skills={"Networking": 2, "VPN": 4})
    ranked = world.rank(world.vpn)
    assert ranked[0].skill_level == 4
    assert ranked[0].explanation.startswith("VPN 4/5")


def test_ties_go_round_robin_least_recently_assigned_first(world: World) -> None:
    ann = world.add_user("Ann", skills={"Networking": 3})
    bea = world.add_user("Bea", skills={"Networking": 3})
    cai = world.add_user("Cai", skills={"Networking": 3})
    assert names(world.rank()) == ["Ann", "Bea", "Cai"]  # never assigned: by name
    ann.last_assigned_at = NOW - timedelta(minutes=5)
    world.s.flush()
    assert names(world.rank()) == ["Bea", "Cai", "Ann"]
    bea.last_assigned_at = NOW - timedelta(minutes=1)
    cai.last_assigned_at = NOW - timedelta(minutes=10)
    world.s.flush()
    assert names(world.rank()) == ["Cai", "Ann", "Bea"]
    chosen = choose_assignee(world.s, category_id=world.network.id, team_id=None, now=NOW)
    assert chosen is not None
    assert chosen.user_id == cai.id


def test_a_last_assignment_in_the_future_counts_as_now(world: World) -> None:
    ann = world.add_user("Ann")
    bea = world.add_user("Bea")
    ann.last_assigned_at = NOW + timedelta(days=3)  # a client clock running ahead
    bea.last_assigned_at = NOW
    world.s.flush()
    assert names(world.rank()) == ["Ann", "Bea"]  # equal after clamping: by name


def test_disabled_users_requesters_admins_and_other_teams_are_never_suggested(
    world: World,
) -> None:
    world.add_user("Gone", active=False, skills={"Networking": 5})
    world.add_user("Req in team", role=Role.REQUESTER, skills={"Networking": 5})
    world.add_user("Admin in team", role=Role.ADMIN, skills={"Networking": 5})
    other = world.add_team("Facilities")
    world.add_user("Elsewhere", team=other, skills={"Networking": 5})
    world.add_user("Lead", role=Role.LEAD)
    world.add_user("Agent")
    assert names(world.rank()) == ["Agent", "Lead"]


def test_the_team_lead_counts_as_a_member_without_a_membership_row(world: World) -> None:
    lead = world.add_user("Lena Lead", role=Role.LEAD, team=None)
    world.team.lead_id = lead.id
    world.s.flush()
    assert names(world.rank()) == ["Lena Lead"]


def test_explanation_text(world: World) -> None:
    dana = world.add_user("Dana", skills={"Networking": 4})
    world.give_tickets(dana, 3, priority=Priority.HIGH)
    world.add_user("Ola", availability=Availability.BUSY)
    ranked = {c.name: c for c in world.rank()}
    assert ranked["Dana"].explanation == "Networking 4/5 · 3 open · available"
    assert (ranked["Dana"].open_load, ranked["Dana"].weighted_load) == (3, 6.0)
    assert ranked["Dana"].score == pytest.approx(40 - 12)
    printers = {c.name: c for c in world.rank(world.printers)}
    assert printers["Ola"].explanation == "no skill in Printers · 0 open · busy"
    assert printers["Ola"].skill_level is None
    no_cat = rank_candidates(world.s, category_id=None, team_id=world.team.id, now=NOW)
    assert {c.name: c.explanation for c in no_cat}["Ola"] == "no category · 0 open · busy"


def test_empty_team_gives_an_empty_list(world: World) -> None:
    empty = world.add_team("Empty")
    assert rank_candidates(world.s, category_id=world.network.id, team_id=empty.id, now=NOW) == []
    orphan = world.add_category("Orphan")
    world.add_user("Agent")
    assert world.rank(orphan) == []
    assert rank_candidates(world.s, category_id=None, team_id=None, now=NOW) == []
    assert choose_assignee(world.s, category_id=None, team_id=empty.id, now=NOW) is None


def test_explicit_team_wins_over_the_category_default(world: World) -> None:
    other = world.add_team("Workplace IT")
    world.add_user("Here")
    world.add_user("There", team=other)
    ranked = rank_candidates(world.s, category_id=world.network.id, team_id=other.id, now=NOW)
    assert names(ranked) == ["There"]


def test_child_category_inherits_the_team_of_its_parent(world: World) -> None:
    world.add_user("Agent", skills={"VPN": 2})
    assert names(world.rank(world.vpn)) == ["Agent"]


@pytest.fixture
def statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = session.get_bind()

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_query_count_does_not_grow_with_the_team(world: World, statements: list[str]) -> None:
    for i in range(30):
        agent = world.add_user(f"Agent {i:02}", skills={"Networking": 1 + i % 5, "VPN": 2})
        world.give_tickets(agent, i % 3)
    world.s.commit()
    statements.clear()
    ranked = world.rank(world.vpn)
    assert len(ranked) == 30
    selects = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert len(selects) == 4, selects


def test_candidate_is_frozen(world: World) -> None:
    world.add_user("Ann")
    candidate = world.rank()[0]
    with pytest.raises(AttributeError):
        candidate.score = 1.0  # type: ignore[misc]
    assert isinstance(candidate.user_id, uuid.UUID)
