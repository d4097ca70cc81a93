"""``watch.add`` and ``watch.remove``: set operations, so concurrent adds simply merge.

Watching grants visibility: a requester may watch a colleague's ticket they were added to.
Adding someone who already watches, or removing someone who does not, is a successful no-op.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from acero_desktop.models import Ticket, TicketWatcher, User

from ..errors import Conflict, NotFound, ValidationFailed
from ..history import HistoryField, record
from ..permissions import require, why_not_watch
from ..visibility import require_ticket
from .base import MutationArgs, MutationContext, mutation


class AddWatcher(MutationArgs):
    id: uuid.UUID
    ticket_id: uuid.UUID
    user_id: uuid.UUID


class RemoveWatcher(MutationArgs):
    ticket_id: uuid.UUID
    user_id: uuid.UUID


@mutation("watch.add", AddWatcher)
def watch_add(ctx: MutationContext, args: AddWatcher) -> None:
    ticket = require_ticket(ctx.session, ctx.actor, args.ticket_id)
    require(why_not_watch(ctx.actor, ticket, args.user_id))
    add_watcher(ctx, ticket, args.user_id, args.id)


@mutation("watch.remove", RemoveWatcher)
def watch_remove(ctx: MutationContext, args: RemoveWatcher) -> None:
    ticket = require_ticket(ctx.session, ctx.actor, args.ticket_id)
    require(why_not_watch(ctx.actor, ticket, args.user_id))
    row = _watcher(ctx, ticket.id, args.user_id)
    if row is None:
        return
    ctx.session.delete(row)
    user = ctx.session.get(User, args.user_id)
    record(ctx, ticket, HistoryField.WATCHER, user.name if user else str(args.user_id), None)


def add_watcher(
    ctx: MutationContext, ticket: Ticket, user_id: uuid.UUID, row_id: uuid.UUID
) -> None:
    """Make ``user_id`` watch ``ticket`` (the caller has checked who may)."""
    if _watcher(ctx, ticket.id, user_id) is not None:
        return
    if ctx.session.get(TicketWatcher, row_id) is not None:
        raise Conflict("This watcher has already been added to another ticket.")
    user = ctx.session.get(User, user_id)
    if user is None:
        raise NotFound("That person does not exist.")
    if not user.active:
        raise ValidationFailed(
            f"The account of {user.name} is disabled; they cannot watch tickets."
        )
    ctx.session.add(TicketWatcher(id=row_id, ticket_id=ticket.id, user_id=user_id))
    record(ctx, ticket, HistoryField.WATCHER, None, user.name)


def _watcher(
    ctx: MutationContext, ticket_id: uuid.UUID, user_id: uuid.UUID
) -> TicketWatcher | None:
    return ctx.session.scalars(
        select(TicketWatcher).where(
            TicketWatcher.ticket_id == ticket_id, TicketWatcher.user_id == user_id
        )
    ).first()
