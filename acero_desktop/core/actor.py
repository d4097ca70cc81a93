"""Who is acting: the user with the facts about them that every permission rule needs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from acero_desktop.models import Role, Team, TeamMember, User

from .errors import NotFound, PermissionDenied


@dataclass(frozen=True, slots=True)
class Actor:
    """A user as the rules see them. ``user_id`` is None only for the system (auto-close, SLA)."""

    user_id: uuid.UUID | None
    role: Role
    team_ids: frozenset[uuid.UUID] = frozenset()
    lead_team_ids: frozenset[uuid.UUID] = frozenset()
    name: str = "System"

    @property
    def is_system(self) -> bool:
        return self.user_id is None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN or self.is_system

    @property
    def is_staff(self) -> bool:
        """Agents, leads and admins: the people who work tickets."""
        return self.role in (Role.AGENT, Role.LEAD, Role.ADMIN) or self.is_system

    def leads(self, team_id: uuid.UUID | None) -> bool:
        if self.is_admin:
            return True
        return team_id is not None and self.role is Role.LEAD and team_id in self.lead_team_ids

    def works_in(self, team_id: uuid.UUID | None) -> bool:
        if self.is_admin:
            return True
        return team_id is not None and self.is_staff and team_id in self.team_ids


SYSTEM = Actor(user_id=None, role=Role.ADMIN)


def load_actor(session: Session, user_id: uuid.UUID) -> Actor:
    """Read a user's role and teams; a disabled or unknown user may not act."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("That user does not exist.")
    if not user.active:
        raise PermissionDenied(f"The account of {user.name} is disabled.")
    team_ids = frozenset(
        session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == user_id))
    )
    lead_ids = frozenset(session.scalars(select(Team.id).where(Team.lead_id == user_id)))
    return Actor(
        user_id=user.id,
        role=user.role,
        team_ids=team_ids | lead_ids,
        lead_team_ids=lead_ids,
        name=user.name,
    )
