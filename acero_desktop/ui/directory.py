"""People, teams and categories as plain values: combos, completion and names read from here.

Small tables (hundreds of rows at most), read once and again only when sync touches them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from acero_desktop.core.search.nodes import Field
from acero_desktop.models import Role, Team, TeamMember, TicketCategory, User

TABLES = frozenset({"user", "team", "team_member", "ticket_category"})


@dataclass(frozen=True, slots=True)
class Person:
    id: uuid.UUID
    username: str
    name: str
    role: Role
    active: bool


@dataclass(frozen=True, slots=True)
class TeamInfo:
    id: uuid.UUID
    name: str
    lead_id: uuid.UUID | None
    member_ids: frozenset[uuid.UUID]


@dataclass(frozen=True, slots=True)
class Category:
    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    path: str  # "Network › VPN"


@dataclass(frozen=True)
class Directory:
    people: dict[uuid.UUID, Person] = field(default_factory=dict)
    teams: dict[uuid.UUID, TeamInfo] = field(default_factory=dict)
    categories: dict[uuid.UUID, Category] = field(default_factory=dict)

    def name_of(self, user_id: uuid.UUID | None) -> str:
        if user_id is None:
            return ""
        person = self.people.get(user_id)
        return person.name if person else "Someone"

    def team_name(self, team_id: uuid.UUID | None) -> str:
        team = self.teams.get(team_id) if team_id is not None else None
        return team.name if team else ""

    def category_path(self, category_id: uuid.UUID | None) -> str:
        cat = self.categories.get(category_id) if category_id is not None else None
        return cat.path if cat else ""

    def members(self, team_id: uuid.UUID | None) -> list[Person]:
        """Staff who can take tickets of the team, by name."""
        team = self.teams.get(team_id) if team_id is not None else None
        if team is None:
            return []
        ids = set(team.member_ids) | ({team.lead_id} if team.lead_id else set())
        people = [self.people[i] for i in ids if i in self.people]
        return sorted(
            (p for p in people if p.active and p.role in (Role.AGENT, Role.LEAD)),
            key=lambda p: p.name.casefold(),
        )

    def active_people(self) -> list[Person]:
        return sorted(
            (p for p in self.people.values() if p.active), key=lambda p: p.name.casefold()
        )

    def search_values(self, field_: Field, typed: str) -> list[str]:
        """Values for the search bar's completer (``core.search.complete``'s ValueSource)."""
        key = typed.casefold()
        if field_ in (Field.ASSIGNEE, Field.REQUESTER):
            names = [p.username for p in self.active_people()]
        elif field_ is Field.TEAM:
            names = sorted(t.name for t in self.teams.values())
        elif field_ is Field.CATEGORY:
            names = sorted({c.name for c in self.categories.values()})
        else:
            return []
        return [n for n in names if n.casefold().startswith(key)][:50]


def load_directory(session: Session) -> Directory:
    """Plain columns through Core (no ORM objects): thousands of people in a few ms."""
    people = {
        r.id: Person(r.id, r.username, r.name, Role(r.role), bool(r.active))
        for r in session.execute(select(User.id, User.username, User.name, User.role, User.active))
    }
    members: dict[uuid.UUID, set[uuid.UUID]] = {}
    for team_id, user_id in session.execute(select(TeamMember.team_id, TeamMember.user_id)):
        members.setdefault(team_id, set()).add(user_id)
    teams = {
        r.id: TeamInfo(r.id, r.name, r.lead_id, frozenset(members.get(r.id, ())))
        for r in session.execute(select(Team.id, Team.name, Team.lead_id))
    }
    rows = {
        r.id: r
        for r in session.execute(
            select(TicketCategory.id, TicketCategory.name, TicketCategory.parent_id)
        )
    }

    def path(cid: uuid.UUID) -> str:
        names: list[str] = []
        seen: set[uuid.UUID] = set()
        node = rows.get(cid)
        while node is not None and node.id not in seen:
            seen.add(node.id)
            names.append(node.name)
            node = rows.get(node.parent_id) if node.parent_id else None
        return " › ".join(reversed(names))

    categories = {cid: Category(cid, c.name, c.parent_id, path(cid)) for cid, c in rows.items()}
    return Directory(people, teams, categories)
