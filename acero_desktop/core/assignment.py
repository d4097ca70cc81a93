"""Smart assignment: rank the agents of a team for a ticket and explain each score.

The score (higher is better) is

    score = SKILL_POINTS × skill − LOAD_POINTS × weighted_load − AVAILABILITY_PENALTY[availability]

- ``skill`` is the agent's UserSkill level (1–5) in the ticket's category. A skill in an ancestor
  category counts at ``ANCESTOR_DISCOUNT`` per step up the tree (a level-4 "Network" skill is
  worth 4 × 0.7 = 2.8 on a "VPN" ticket); the best of the direct and ancestor skills is used.
  No skill, or no category, counts 0.
- ``weighted_load`` sums the agent's open tickets (any team) weighted by priority
  (``PRIORITY_WEIGHT``: low 0.5, normal 1, high 2, urgent 3).
- With 10 points a skill level and 2 points a normal ticket, one level of skill is worth five
  normal open tickets: skill decides unless the better agent is clearly busier.
- Availability: available 0, busy −10 (one skill level), away −30. ``off`` agents are listed
  after everyone else whatever their score, and are never chosen automatically.

Ties (equal scores) go round-robin: least recently assigned first (``User.last_assigned_at``;
never assigned comes first), then by name and id so the order is deterministic.

The whole ranking costs four small queries whatever the team size: the category chain, the
members, their skills, and one aggregate of their open tickets (an index-only range per member
on ``ix_ticket_assignee_status``, which carries the priority since migration 0003) — it runs
inside the ``ticket.create`` mutation on stores of 100k+ tickets. The statements are built
once at import.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, Select, bindparam, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from acero_desktop.models import (
    OPEN_STATUSES,
    Availability,
    Priority,
    Role,
    Team,
    TeamMember,
    Ticket,
    TicketCategory,
    User,
    UserSkill,
)

SKILL_POINTS = 10.0
LOAD_POINTS = 2.0
ANCESTOR_DISCOUNT = 0.7
PRIORITY_WEIGHT: dict[Priority, float] = {
    Priority.LOW: 0.5,
    Priority.NORMAL: 1.0,
    Priority.HIGH: 2.0,
    Priority.URGENT: 3.0,
}
AVAILABILITY_PENALTY: dict[Availability, float] = {
    Availability.AVAILABLE: 0.0,
    Availability.BUSY: 10.0,
    Availability.AWAY: 30.0,
    Availability.OFF: 100.0,
}
ASSIGNABLE_ROLES = (Role.AGENT, Role.LEAD)
# off last, best score, never assigned, least recently assigned, name, id.
_SortKey = tuple[bool, float, bool, float, str, str]
# A category tree deeper than this is a cycle made by a bad edit; stop walking it.
_MAX_DEPTH = 32


@dataclass(frozen=True, slots=True)
class Candidate:
    """One agent as the person assigning sees them: a score and the sentence behind it."""

    user_id: uuid.UUID
    name: str
    score: float
    skill_level: int | None
    open_load: int
    weighted_load: float
    availability: Availability
    explanation: str


@dataclass(frozen=True, slots=True)
class _Category:
    id: uuid.UUID
    name: str
    default_team_id: uuid.UUID | None
    depth: int  # 0 = the ticket's own category, 1 = its parent, ...


@dataclass(frozen=True, slots=True)
class _Member:
    id: uuid.UUID
    name: str
    availability: Availability
    last_assigned_at: datetime | None


@dataclass(frozen=True, slots=True)
class _Skill:
    level: int
    effective: float
    category_name: str
    depth: int


def rank_candidates(
    session: Session,
    *,
    category_id: uuid.UUID | None,
    team_id: uuid.UUID | None,
    now: datetime,
) -> list[Candidate]:
    """The assignable agents of the team, best first.

    The team is ``team_id``, else the default team of the category (or of its nearest ancestor
    that names one). No team, or a team without active agents, gives an empty list. ``now``
    bounds ``last_assigned_at`` so a clock running ahead on some client cannot push an agent to
    the back of the round-robin for longer than it takes to catch up.
    """
    chain = _category_chain(session, category_id)
    if team_id is None:
        team_id = next((c.default_team_id for c in chain if c.default_team_id), None)
    if team_id is None:
        return []
    members = _members(session, team_id)
    if not members:
        return []
    member_ids = [m.id for m in members]
    skills = _best_skills(session, member_ids, chain)
    loads = _loads(session, member_ids)

    ranked: list[tuple[_SortKey, Candidate]] = []
    for member in members:
        skill = skills.get(member.id)
        open_count, weighted = loads.get(member.id, (0, 0.0))
        availability = member.availability
        score = (
            SKILL_POINTS * (skill.effective if skill else 0.0)
            - LOAD_POINTS * weighted
            - AVAILABILITY_PENALTY[availability]
        )
        candidate = Candidate(
            user_id=member.id,
            name=member.name,
            score=round(score, 6),
            skill_level=skill.level if skill else None,
            open_load=open_count,
            weighted_load=weighted,
            availability=availability,
            explanation=_explain(skill, chain, open_count, availability),
        )
        last = member.last_assigned_at
        if last is not None and last > now:
            last = now
        key = (
            availability is Availability.OFF,
            -candidate.score,
            last is not None,
            last.timestamp() if last is not None else 0.0,
            member.name.casefold(),
            str(member.id),
        )
        ranked.append((key, candidate))
    ranked.sort(key=lambda pair: pair[0])
    return [candidate for _key, candidate in ranked]


def choose_assignee(
    session: Session,
    *,
    category_id: uuid.UUID | None,
    team_id: uuid.UUID | None,
    now: datetime,
) -> Candidate | None:
    """The agent auto-assignment picks on creation: the best one who is not ``off``.

    Busy and away agents stay eligible (their penalty ranks them behind available colleagues),
    so a ticket still finds an owner when the whole team is busy. The caller records the
    assignment and sets ``last_assigned_at`` so the round-robin moves on.
    """
    for candidate in rank_candidates(session, category_id=category_id, team_id=team_id, now=now):
        if candidate.availability is not Availability.OFF:
            return candidate
    return None


def _chain_query() -> Select[tuple[uuid.UUID, str, uuid.UUID | None, int]]:
    """The category and its ancestors, nearest first (a recursive CTE)."""
    tc = TicketCategory.__table__
    base = select(
        tc.c.id, tc.c.name, tc.c.parent_id, tc.c.default_team_id, literal(0).label("depth")
    ).where(tc.c.id == bindparam("category_id"))
    chain = base.cte("category_chain", recursive=True)
    parent = aliased(TicketCategory)
    chain = chain.union_all(
        select(
            parent.id,
            parent.name,
            parent.parent_id,
            parent.default_team_id,
            (chain.c.depth + 1).label("depth"),
        ).where(parent.id == chain.c.parent_id, chain.c.depth < _MAX_DEPTH)
    )
    return select(chain.c.id, chain.c.name, chain.c.default_team_id, chain.c.depth).order_by(
        chain.c.depth
    )


# Built once: statement construction costs more than running these small queries.
_CHAIN = _chain_query()
_MEMBERS = select(User.id, User.name, User.availability, User.last_assigned_at).where(
    User.active.is_(True),
    User.role.in_(ASSIGNABLE_ROLES),
    or_(
        User.id.in_(select(TeamMember.user_id).where(TeamMember.team_id == bindparam("team_id"))),
        User.id == select(Team.lead_id).where(Team.id == bindparam("team_id")).scalar_subquery(),
    ),
)
_SKILLS = select(UserSkill.user_id, UserSkill.category_id, UserSkill.level).where(
    UserSkill.user_id.in_(bindparam("users", expanding=True)),
    UserSkill.category_id.in_(bindparam("categories", expanding=True)),
)
_WEIGHT = case(
    *((Ticket.priority == p, literal(w)) for p, w in PRIORITY_WEIGHT.items()), else_=literal(1.0)
)
_LOADS = (
    select(Ticket.assignee_id, func.count(), func.sum(cast(_WEIGHT, Float)))
    .where(
        Ticket.assignee_id.in_(bindparam("users", expanding=True)),
        Ticket.status.in_(OPEN_STATUSES),
    )
    .group_by(Ticket.assignee_id)
)


def _category_chain(session: Session, category_id: uuid.UUID | None) -> list[_Category]:
    if category_id is None:
        return []
    rows = session.execute(_CHAIN, {"category_id": category_id})
    return [_Category(r.id, r.name, r.default_team_id, r.depth) for r in rows]


def _members(session: Session, team_id: uuid.UUID) -> list[_Member]:
    """Active agents and leads of the team; its lead counts as a member without a row."""
    rows = session.execute(_MEMBERS, {"team_id": team_id})
    return [_Member(r.id, r.name, Availability(r.availability), r.last_assigned_at) for r in rows]


def _best_skills(
    session: Session, member_ids: list[uuid.UUID], chain: list[_Category]
) -> dict[uuid.UUID, _Skill]:
    """Each member's most valuable skill along the category chain (one query)."""
    if not chain:
        return {}
    by_id = {c.id: c for c in chain}
    rows = session.execute(_SKILLS, {"users": member_ids, "categories": list(by_id)})
    best: dict[uuid.UUID, _Skill] = {}
    for user_id, cat_id, level in rows:
        category = by_id[cat_id]
        effective = level * ANCESTOR_DISCOUNT**category.depth
        current = best.get(user_id)
        # Equal value: prefer the more specific category, it explains the score better.
        if current is None or (effective, -category.depth) > (current.effective, -current.depth):
            best[user_id] = _Skill(level, effective, category.name, category.depth)
    return best


def _loads(session: Session, member_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, float]]:
    """Open tickets per member, plain and weighted by priority (one aggregate query)."""
    rows = session.execute(_LOADS, {"users": member_ids})
    return {user_id: (int(count), float(weighted or 0.0)) for user_id, count, weighted in rows}


def _explain(
    skill: _Skill | None, chain: list[_Category], open_count: int, availability: Availability
) -> str:
    if skill is not None:
        what = f"{skill.category_name} {skill.level}/5"
    elif chain:
        what = f"no skill in {chain[0].name}"
    else:
        what = "no category"
    return f"{what} · {open_count} open · {availability.value}"
