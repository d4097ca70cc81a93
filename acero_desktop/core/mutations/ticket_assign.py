"""``ticket.assign``: give a ticket to someone (or to nobody), optionally in another team."""

from __future__ import annotations

import uuid

from acero_desktop.models import Team

from ..errors import ValidationFailed
from ..history import change
from ..permissions import require, why_not_assign, why_not_edit
from ..visibility import require_ticket
from .base import MutationArgs, MutationContext, mutation
from .ticket_effects import check_assignee, give_to


class AssignTicket(MutationArgs):
    id: uuid.UUID
    # None gives the ticket back to its team's queue.
    assignee_id: uuid.UUID | None
    # Route to this team in the same step (a lead moving a ticket to a colleague's team).
    team_id: uuid.UUID | None = None


@mutation("ticket.assign", AssignTicket)
def assign_ticket(ctx: MutationContext, args: AssignTicket) -> None:
    session, actor = ctx.session, ctx.actor
    ticket = require_ticket(session, actor, args.id)
    team_id = ticket.team_id
    if args.team_id is not None and args.team_id != ticket.team_id:
        require(why_not_edit(actor, ticket, "team_id"))
        if session.get(Team, args.team_id) is None:
            raise ValidationFailed("That team does not exist.", field="team_id")
        team_id = args.team_id
    require(why_not_assign(actor, ticket, args.assignee_id))
    if args.assignee_id is not None:
        check_assignee(session, team_id, args.assignee_id)

    change(ctx, ticket, "team_id", team_id)
    give_to(ctx, ticket, args.assignee_id)
