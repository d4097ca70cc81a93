"""``feedback.give``: the requester rates a closed ticket, once."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AfterValidator
from sqlalchemy import select

from acero_desktop.models import Feedback

from ..errors import Conflict
from ..history import HistoryField, excerpt, record
from ..permissions import person, require, ticket_ref, why_not_give_feedback
from ..visibility import require_ticket
from .argtypes import FeedbackComment
from .base import MutationArgs, MutationContext, mutation


def _rating(value: int) -> int:
    if not 1 <= value <= 5:
        raise ValueError("A rating is a whole number from 1 (poor) to 5 (excellent).")
    return value


class GiveFeedback(MutationArgs):
    id: uuid.UUID
    ticket_id: uuid.UUID
    rating: Annotated[int, AfterValidator(_rating)]
    comment: FeedbackComment = ""


@mutation("feedback.give", GiveFeedback)
def give_feedback(ctx: MutationContext, args: GiveFeedback) -> None:
    session = ctx.session
    ticket = require_ticket(session, ctx.actor, args.ticket_id)
    require(why_not_give_feedback(ctx.actor, ticket))
    given = session.scalar(select(Feedback.id).where(Feedback.ticket_id == ticket.id))
    if given is not None:
        raise Conflict(f"Feedback on {ticket_ref(ticket)} has already been given.")
    session.add(
        Feedback(
            id=args.id,
            ticket_id=ticket.id,
            user_id=person(ctx.actor),
            rating=args.rating,
            comment=args.comment,
            created_at=ctx.at,
        )
    )
    note = excerpt(args.comment) if args.comment else None
    record(ctx, ticket, HistoryField.FEEDBACK, None, f"{args.rating}/5", note=note)
