"""Ticket rows as the table shows them: immutable values read in one query per batch.

Never ORM objects: a row outlives its session, and a detached object that lazy-loads later is
the classic crash (sqlalchemy #4941). Ids travel as the cache's own 32-digit hex text, which
SQLite compares without converting 100k values to ``uuid.UUID`` and back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session, aliased

from acero_desktop.models import (
    Priority,
    Team,
    Ticket,
    TicketCategory,
    TicketStatus,
    User,
    ticket_label,
)

from ..slaview import SlaCalendars, SlaCell, cell

HEX_ID = type_coerce(Ticket.id, String)
"""The ticket id as stored (32 hex digits), compared and fetched without conversion."""


@dataclass(frozen=True, slots=True)
class SlaInputs:
    """What the SLA column needs; measured only for rows that are painted."""

    policy_id: uuid.UUID | None
    started_at: datetime
    target_minutes: int | None
    paused_seconds: int
    paused_since: datetime | None
    done_at: datetime | None


@dataclass(frozen=True, slots=True)
class TicketRow:
    id: str
    number: int | None
    title: str
    status: TicketStatus
    priority: Priority
    category: str
    requester: str
    assignee: str
    team: str
    updated_at: datetime
    sla_inputs: SlaInputs
    pending: bool
    # The plain texts of the columns, made once: data() runs thousands of times a second.
    cells: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return ticket_label(self.number)


def sla_cell(row: TicketRow, calendars: SlaCalendars, now: datetime) -> SlaCell:
    i = row.sla_inputs
    measure = calendars.measure(
        i.policy_id,
        started_at=i.started_at,
        target_minutes=i.target_minutes,
        paused_seconds=i.paused_seconds,
        paused_since=i.paused_since,
        done_at=i.done_at,
        now=now,
    )
    return cell(measure, done=i.done_at is not None)


def load_rows(session: Session, ids: Sequence[str], *, pending: set[str]) -> dict[str, TicketRow]:
    """The rows of ``ids`` (hex) that exist; missing ones were deleted meanwhile."""
    if not ids:
        return {}
    requester, assignee = aliased(User), aliased(User)
    stmt = (
        select(
            HEX_ID,
            Ticket.number,
            Ticket.title,
            Ticket.status,
            Ticket.priority,
            TicketCategory.name,
            requester.name,
            assignee.name,
            Team.name,
            Ticket.updated_at,
            Ticket.created_at,
            Ticket.sla_policy_id,
            Ticket.resolution_target_minutes,
            Ticket.sla_paused_seconds,
            Ticket.sla_paused_since,
            Ticket.resolved_at,
            Ticket.cancelled_at,
        )
        .select_from(Ticket)
        .outerjoin(TicketCategory, TicketCategory.id == Ticket.category_id)
        .outerjoin(requester, requester.id == Ticket.requester_id)
        .outerjoin(assignee, assignee.id == Ticket.assignee_id)
        .outerjoin(Team, Team.id == Ticket.team_id)
        .where(HEX_ID.in_(list(ids)))
    )
    return {r[0]: _row(r, pending) for r in session.execute(stmt)}


def _row(r: Any, pending: set[str]) -> TicketRow:
    status, priority = TicketStatus(r[3]), Priority(r[4])
    done_at = (r[15] or r[16]) if not status.is_open else None
    label = ticket_label(r[1])
    category, requester, assignee, team = r[5] or "", r[6] or "", r[7] or "", r[8] or ""
    return TicketRow(
        id=r[0],
        number=r[1],
        title=r[2],
        status=status,
        priority=priority,
        category=category,
        requester=requester,
        assignee=assignee,
        team=team,
        updated_at=r[9],
        sla_inputs=SlaInputs(r[11], r[10], r[12], r[13] or 0, r[14], done_at),
        pending=r[0] in pending or r[1] is None,
        cells=(
            label,
            r[2],
            status.label,
            priority.label,
            category,
            requester,
            assignee or "Unassigned",
            team,
            "",
            "",
        ),
    )
