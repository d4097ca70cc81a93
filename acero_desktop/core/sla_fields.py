"""Keeping a ticket's SLA columns right: targets, due times and the pause ledger.

The clock itself is pure (``core.sla``); this module reads the policy and calendar rows and
writes the results onto the ticket. A ticket copies its policy's target minutes when its
priority (or category) is set, so a later edit of the policy does not move promises already
made. Due times are always counted from ``created_at`` plus the business time spent paused,
so recomputing them is idempotent and any order of edits gives the same answer.

The policy of a ticket is its category's, else the nearest ancestor category's, else the
default policy; no policy means no SLA (all columns None).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from acero_desktop import models
from acero_desktop.core import sla

# A category tree deeper than this is a cycle made by a bad edit; stop walking it.
_MAX_DEPTH = 32


def calendar_from_row(row: models.BusinessCalendar) -> sla.BusinessCalendar:
    """The pure calendar of a row: ``{"0": [["09:00", "17:00"]], ...}`` and ISO holidays."""
    hours = {
        int(day): tuple((_clock(start), _clock(end)) for start, end in intervals)
        for day, intervals in row.working_hours.items()
    }
    holidays = frozenset(date.fromisoformat(d) for d in row.holidays)
    return sla.BusinessCalendar(row.timezone, hours, holidays)


def _clock(text: str) -> time:
    """ "HH:MM" as a time; "24:00" is the midnight that ends a day (``time(0)``)."""
    return time(0) if text == "24:00" else time.fromisoformat(text)


def policy_for(session: Session, ticket: models.Ticket) -> models.SlaPolicy | None:
    """The policy that governs ``ticket`` (see the module docstring)."""
    policy_id = _policy_id(session, ticket)
    return session.get(models.SlaPolicy, policy_id) if policy_id is not None else None


def _policy_id(session: Session, ticket: models.Ticket) -> uuid.UUID | None:
    category_id = ticket.category_id
    for _ in range(_MAX_DEPTH):
        if category_id is None:
            break
        category = session.get(models.TicketCategory, category_id)
        if category is None:
            break
        if category.sla_policy_id is not None:
            return category.sla_policy_id
        category_id = category.parent_id
    return session.scalar(_DEFAULT_POLICY)


# Built once: constructing these selects cost more than running them (every ticket.create and
# every priority or category change runs both).
_DEFAULT_POLICY = select(models.SlaPolicy.id).where(models.SlaPolicy.is_default.is_(True)).limit(1)
_CALENDAR_AND_TARGET = (
    select(
        models.BusinessCalendar,
        models.SlaTarget.first_response_minutes,
        models.SlaTarget.resolution_minutes,
    )
    .select_from(models.SlaPolicy)
    .join(models.BusinessCalendar, models.BusinessCalendar.id == models.SlaPolicy.calendar_id)
    .outerjoin(
        models.SlaTarget,
        (models.SlaTarget.policy_id == models.SlaPolicy.id)
        & (models.SlaTarget.priority == bindparam("priority")),
    )
    .where(models.SlaPolicy.id == bindparam("policy_id"))
)


def apply_targets(session: Session, ticket: models.Ticket) -> None:
    """Copy the target minutes for the ticket's priority and compute its due times.

    One query reads the policy's calendar and its target for the priority together: this runs
    in every ``ticket.create`` and every priority or category change.
    """
    policy_id = _policy_id(session, ticket)
    found = None
    if policy_id is not None:
        found = session.execute(
            _CALENDAR_AND_TARGET, {"priority": ticket.priority, "policy_id": policy_id}
        ).first()
    ticket.sla_policy_id = policy_id if found is not None else None
    ticket.first_response_target_minutes = found.first_response_minutes if found else None
    ticket.resolution_target_minutes = found.resolution_minutes if found else None
    calendar = calendar_from_row(found.BusinessCalendar) if found is not None else None
    _compute_due_times(ticket, calendar)


def pause(ticket: models.Ticket, at: datetime) -> None:
    """The ticket entered ``waiting``: the clock stops at ``at``."""
    if ticket.sla_paused_since is None:
        ticket.sla_paused_since = at


def resume(session: Session, ticket: models.Ticket, at: datetime) -> None:
    """The ticket left ``waiting``: bank the business time paused, move the due times out."""
    since = ticket.sla_paused_since
    if since is None:
        return
    ticket.sla_paused_since = None
    calendar = _calendar(session, ticket)
    if calendar is None:
        return
    paused = sla.pause_increment(calendar, since, at)
    ticket.sla_paused_seconds += int(paused.total_seconds())
    _compute_due_times(ticket, calendar)


def _compute_due_times(ticket: models.Ticket, calendar: sla.BusinessCalendar | None) -> None:
    paused = timedelta(seconds=ticket.sla_paused_seconds)

    def due(minutes: int | None) -> datetime | None:
        if calendar is None or minutes is None:
            return None
        return sla.due_at(calendar, ticket.created_at, timedelta(minutes=minutes), paused)

    ticket.first_response_due_at = due(ticket.first_response_target_minutes)
    ticket.resolution_due_at = due(ticket.resolution_target_minutes)


def _calendar(session: Session, ticket: models.Ticket) -> sla.BusinessCalendar | None:
    if ticket.sla_policy_id is None:
        return None
    policy = session.get(models.SlaPolicy, ticket.sla_policy_id)
    if policy is None:
        return None
    row = session.get(models.BusinessCalendar, policy.calendar_id)
    return calendar_from_row(row) if row is not None else None
