"""``ticket.set_status``: a status change carried as an intent, checked against the present.

A client may have made the change offline, against a status that has moved since. The intent
(``from_status`` → ``to_status``) is judged on the ticket as it is now:

- already at ``to_status``: nothing to do, success (the same change arrived twice, or two
  people made it);
- still at ``from_status`` (or no ``from_status`` given): apply it if the workflow allows;
- at another status from which the workflow still allows ``to_status``: apply it, with the
  history note "concurrent status change" so the timeline shows it was not the status the
  person saw;
- otherwise refuse with InvalidTransition, saying where the ticket is and who moved it there.

Without a concurrent move, a refusal is InvalidTransition when the workflow has no such edge,
and PermissionDenied when it has one but not for this person ("Only the requester or a team
lead can cancel ACR-12.").
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from acero_desktop.models import (
    CancelReason,
    Ticket,
    TicketHistory,
    TicketStatus,
    User,
    WaitingOn,
)

from ..errors import InvalidTransition, PermissionDenied, ValidationFailed
from ..history import HistoryField
from ..permissions import capacities, ticket_ref, why_not_transition
from ..visibility import require_ticket
from ..workflow import FINAL, OWNED, Capacity, is_edge, missing_requirement
from .argtypes import OptionalText
from .base import MutationArgs, MutationContext, mutation
from .ticket_effects import check_assignee, enter_status, give_to

CONCURRENT_NOTE = "concurrent status change"


class SetStatus(MutationArgs):
    id: uuid.UUID
    from_status: TicketStatus | None = None
    to_status: TicketStatus
    resolution: OptionalText = None
    # Why: required to reopen, optional otherwise; kept as the note of the history row.
    reason: OptionalText = None
    waiting_on: WaitingOn | None = None
    cancel_reason: CancelReason | None = None


@mutation("ticket.set_status", SetStatus)
def set_status(ctx: MutationContext, args: SetStatus) -> None:
    session, actor = ctx.session, ctx.actor
    ticket = require_ticket(session, actor, args.id)
    current, to = ticket.status, args.to_status
    if current is to:
        return
    expected = args.from_status
    concurrent = expected is not None and expected is not current
    refusal = why_not_transition(actor, ticket, to)
    if refusal is not None:
        if concurrent:  # the change was meant for a status the ticket has left: say so
            raise InvalidTransition(_moved_meanwhile(session, ticket, to), field="to_status")
        if current in FINAL or not is_edge(current, to):
            raise InvalidTransition(refusal, field="to_status")
        raise PermissionDenied(refusal, field="to_status")
    missing = missing_requirement(
        to,
        resolution=args.resolution,
        reason=args.reason,
        waiting_on=args.waiting_on,
        cancel_reason=args.cancel_reason,
    )
    if missing is not None:
        raise ValidationFailed(missing)

    notes = []
    if expected is not None and expected is not current:
        notes.append(
            f"{CONCURRENT_NOTE}: it was {current.label}, not {expected.label}, "
            "when this change arrived"
        )
        ctx.notes.append(CONCURRENT_NOTE)
    if args.reason:
        notes.append(args.reason)
    if to in OWNED and ticket.assignee_id is None:
        _take(ctx, ticket, to)
    enter_status(
        ctx,
        ticket,
        to,
        note="; ".join(notes) or None,
        resolution=args.resolution,
        waiting_on=args.waiting_on,
        cancel_reason=args.cancel_reason,
    )


def _take(ctx: MutationContext, ticket: Ticket, to: TicketStatus) -> None:
    """Leaving ``new`` for a status that needs an owner: the acting agent becomes it."""
    actor = ctx.actor
    if actor.user_id is None or Capacity.AGENT not in capacities(actor, ticket):
        raise ValidationFailed(
            f"{ticket_ref(ticket)} has no assignee; assign it to someone before moving it "
            f"to {to.label}."
        )
    check_assignee(ctx.session, ticket.team_id, actor.user_id)
    give_to(ctx, ticket, actor.user_id, move_status=False)


def _moved_meanwhile(session: Session, ticket: Ticket, to: TicketStatus) -> str:
    """Say where the ticket went and who moved it, for the person whose change bounced.

    "ACR-12 is now Closed (Dana Ruiz changed it); your change to In progress was not applied."
    """
    ref, current = ticket_ref(ticket), ticket.status
    who = _last_status_author(session, ticket.id)
    by = f" ({who} changed it)" if who else ""
    return f"{ref} is now {current.label}{by}; your change to {to.label} was not applied."


def _last_status_author(session: Session, ticket_id: uuid.UUID) -> str | None:
    row = session.execute(
        select(TicketHistory.actor_id)
        .where(TicketHistory.ticket_id == ticket_id, TicketHistory.field == HistoryField.STATUS)
        .order_by(TicketHistory.at.desc(), TicketHistory.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    if row.actor_id is None:
        return "the system"
    user = session.get(User, row.actor_id)
    return user.name if user is not None else None
