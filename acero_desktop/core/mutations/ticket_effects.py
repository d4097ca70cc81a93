"""What entering a status or changing an assignee does to a ticket, wherever it is decided.

``ticket.set_status`` moves tickets on purpose; ``ticket.assign``, ``ticket.update`` (a new team)
and ``comment.add`` (the requester answered) move them as a consequence. All of them go through
:func:`enter_status` and :func:`give_to`, so the stamps, the SLA clock and the timeline come out
the same whichever path a change took.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from acero_desktop.models import (
    CancelReason,
    Role,
    Team,
    TeamMember,
    Ticket,
    TicketStatus,
    User,
    WaitingOn,
)

from .. import sla_fields
from ..errors import NotFound, ValidationFailed
from ..history import change
from ..workflow import status_after_assign, status_after_unassign
from .base import MutationContext

_STAFF_ROLES = (Role.AGENT, Role.LEAD, Role.ADMIN)


def enter_status(
    ctx: MutationContext,
    ticket: Ticket,
    to: TicketStatus,
    *,
    note: str | None = None,
    resolution: str | None = None,
    waiting_on: WaitingOn | None = None,
    cancel_reason: CancelReason | None = None,
) -> None:
    """Move ``ticket`` to ``to`` with every consequence; the caller has checked the workflow."""
    old = ticket.status
    if old is to:
        return
    at = ctx.at
    change(ctx, ticket, "status", to, note=note)
    if old is TicketStatus.WAITING:
        sla_fields.resume(ctx.session, ticket, at)
        change(ctx, ticket, "waiting_on", None)
    if to is TicketStatus.WAITING:
        change(ctx, ticket, "waiting_on", waiting_on)
        sla_fields.pause(ticket, at)
    elif to is TicketStatus.RESOLVED:
        ticket.resolved_at = at
        change(ctx, ticket, "resolution", resolution)
        # The resolution reaches the requester: it answers them if nobody had yet.
        if ticket.first_responded_at is None:
            ticket.first_responded_at = at
    elif to is TicketStatus.REOPENED:
        ticket.reopen_count += 1
        ticket.resolved_at = None
        change(ctx, ticket, "resolution", None)
    elif to is TicketStatus.CLOSED:
        ticket.closed_at = at
    elif to is TicketStatus.CANCELLED:
        ticket.cancelled_at = at
        change(ctx, ticket, "cancel_reason", cancel_reason)


def give_to(
    ctx: MutationContext,
    ticket: Ticket,
    assignee_id: uuid.UUID | None,
    *,
    note: str | None = None,
    move_status: bool = True,
) -> None:
    """Set the assignee; a new ticket becomes assigned, an unowned open one new again.

    ``move_status=False`` when the caller moves the status itself right after (taking a new
    ticket straight to in progress makes one status row, not two).
    """
    if ticket.assignee_id == assignee_id:
        return
    change(ctx, ticket, "assignee_id", assignee_id, note=note)
    if assignee_id is not None:
        user = ctx.session.get(User, assignee_id)
        if user is not None:
            user.last_assigned_at = ctx.at  # round-robin: the next tie goes to someone else
    if not move_status:
        return
    if assignee_id is None:
        enter_status(ctx, ticket, status_after_unassign(ticket.status))
    else:
        enter_status(ctx, ticket, status_after_assign(ticket.status))


def check_assignee(session: Session, team_id: uuid.UUID | None, user_id: uuid.UUID) -> User:
    """The user, if they may own tickets of ``team_id``: active staff who belong to the team."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("That person does not exist.")
    if not user.active:
        raise ValidationFailed(
            f"The account of {user.name} is disabled, so tickets cannot be assigned to them."
        )
    if user.role not in _STAFF_ROLES:
        raise ValidationFailed(
            f"{user.name} is not support staff, so tickets cannot be assigned to them."
        )
    if team_id is None:
        raise ValidationFailed("Route the ticket to a team before assigning it to someone.")
    if not is_member(session, team_id, user_id):
        team = session.get(Team, team_id)
        team_name = team.name if team is not None else "the ticket's team"
        raise ValidationFailed(
            f"{user.name} is not a member of {team_name}, so its tickets cannot be assigned "
            "to them."
        )
    return user


def is_member(session: Session, team_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """A member row, or the team's lead (who belongs to it even without one)."""
    row = session.scalar(
        select(TeamMember.id).where(TeamMember.team_id == team_id, TeamMember.user_id == user_id)
    )
    if row is not None:
        return True
    team = session.get(Team, team_id)
    return team is not None and team.lead_id == user_id
