"""Who and what the sync tests work with in the seeded demo store."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from acero_desktop.models import Role, Team, TeamMember, TicketCategory, User
from tests.support.live_server import LiveServer


@dataclass(frozen=True)
class DemoWorld:
    team_id: uuid.UUID  # the team of the demo ``agent``
    teammate: str  # another agent of that team (password "demo-password")
    category_id: uuid.UUID  # a category routed to that team, no auto-assignment
    users: dict[str, uuid.UUID]


def demo_world(server: LiveServer) -> DemoWorld:
    with server.read() as s:
        agent = s.scalars(select(User).where(User.username == "agent")).one()
        team_id = s.scalars(
            select(TeamMember.team_id).where(TeamMember.user_id == agent.id)
        ).first()
        assert team_id is not None
        mates = s.scalars(
            select(User)
            .join(TeamMember, TeamMember.user_id == User.id)
            .where(
                TeamMember.team_id == team_id,
                User.role == Role.AGENT,
                User.id != agent.id,
                User.active.is_(True),
            )
            .order_by(User.username)
        ).all()
        assert mates, "the demo agent's team has no other agent"
        category = s.scalars(
            select(TicketCategory)
            .where(
                TicketCategory.default_team_id == team_id,
                TicketCategory.auto_assign.is_(False),
                TicketCategory.auto_route.is_(True),
            )
            .order_by(TicketCategory.name)
        ).first()
        assert category is not None
        assert s.get(Team, team_id) is not None
        users = {u.username: u.id for u in s.scalars(select(User))}
    return DemoWorld(team_id, mates[0].username, category.id, users)


def team_tickets(
    server: LiveServer, n: int = 1, *, title: str = "Shared ticket"
) -> list[tuple[str, str]]:
    """``n`` new open tickets of the agent's team, made by the requester over REST, for the
    requester and both agents to share: [(id, title)]."""
    world = demo_world(server)
    token = server.login("requester")
    out = []
    with server.http(token) as http:
        for i in range(n):
            r = http.post(
                "/api/tickets",
                json={
                    "title": f"{title} {i + 1}",
                    "description": "Made by the test set-up.",
                    "category_id": str(world.category_id),
                },
            )
            assert r.status_code == 201, r.text
            out.append((str(r.json()["id"]), str(r.json()["title"])))
    return out
