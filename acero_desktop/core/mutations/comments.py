"""``comment.add``, ``comment.edit``, ``comment.delete``: replies and internal notes.

Comments are append-only with client-made ids, so concurrent ones never conflict. An edit is
last-writer-wins and only by the author. A delete is a tombstone (the row stays so replies keep
their thread, its body is emptied) and deletes win: an edit arriving after a delete is refused
as ``entity_deleted`` rather than bringing the text back.
"""

from __future__ import annotations

import uuid

from acero_desktop.models import TicketComment, TicketStatus, WaitingOn

from ..errors import Conflict, EntityDeleted, ValidationFailed
from ..history import HistoryField, excerpt, record
from ..permissions import (
    person,
    require,
    why_not_comment,
    why_not_delete_comment,
    why_not_edit_comment,
    works_on,
)
from ..visibility import require_comment, require_ticket
from .argtypes import CommentBody
from .base import MutationArgs, MutationContext, mutation
from .ticket_effects import enter_status


class AddComment(MutationArgs):
    id: uuid.UUID
    ticket_id: uuid.UUID
    parent_id: uuid.UUID | None = None
    body: CommentBody
    internal: bool = False


class EditComment(MutationArgs):
    id: uuid.UUID
    body: CommentBody


class DeleteComment(MutationArgs):
    id: uuid.UUID


def _field(comment: TicketComment) -> HistoryField:
    return HistoryField.INTERNAL_NOTE if comment.internal else HistoryField.COMMENT


@mutation("comment.add", AddComment)
def add_comment(ctx: MutationContext, args: AddComment) -> None:
    """Add a reply or note; it may answer the requester or bring a waiting ticket back."""
    session, actor = ctx.session, ctx.actor
    ticket = require_ticket(session, actor, args.ticket_id)
    author_id = person(actor)
    if session.get(TicketComment, args.id) is not None:
        raise Conflict("This comment has already been added.")
    require(why_not_comment(actor, ticket, internal=args.internal))
    if args.parent_id is not None:
        parent, _ = require_comment(session, actor, args.parent_id)
        if parent.ticket_id != ticket.id:
            raise ValidationFailed("A reply must be on the same ticket as the comment it answers.")
        if parent.deleted_at is not None:
            raise EntityDeleted("That comment was deleted; reply to the ticket instead.")
        if parent.internal and not args.internal:
            raise ValidationFailed("A reply to an internal note must be an internal note too.")

    comment = TicketComment(
        id=args.id,
        ticket_id=ticket.id,
        parent_id=args.parent_id,
        author_id=author_id,
        body=args.body,
        internal=args.internal,
        created_at=ctx.at,
        edited_at=None,
        deleted_at=None,
    )
    session.add(comment)
    record(ctx, ticket, _field(comment), None, str(comment.id), note=excerpt(args.body))
    if args.internal:
        return
    is_requester = author_id == ticket.requester_id
    # SLA first response: the first public word from the people working the ticket.
    if ticket.first_responded_at is None and not is_requester and works_on(actor, ticket):
        ticket.first_responded_at = ctx.at
    if (
        is_requester
        and ticket.status is TicketStatus.WAITING
        and ticket.waiting_on is WaitingOn.REQUESTER
    ):
        enter_status(ctx, ticket, TicketStatus.IN_PROGRESS, note="The requester replied.")


@mutation("comment.edit", EditComment)
def edit_comment(ctx: MutationContext, args: EditComment) -> None:
    comment, ticket = require_comment(ctx.session, ctx.actor, args.id)
    if comment.deleted_at is not None:
        raise EntityDeleted("That comment was deleted, so it can no longer be edited.")
    require(why_not_edit_comment(ctx.actor, comment))
    require(why_not_comment(ctx.actor, ticket, internal=comment.internal))
    if comment.body == args.body:
        return
    comment.body = args.body
    comment.edited_at = ctx.at


@mutation("comment.delete", DeleteComment)
def delete_comment(ctx: MutationContext, args: DeleteComment) -> None:
    """Tombstone a comment; deleting it again is a successful no-op."""
    comment, ticket = require_comment(ctx.session, ctx.actor, args.id)
    if comment.deleted_at is not None:
        return
    require(why_not_delete_comment(ctx.actor, ticket, comment))
    comment.deleted_at = ctx.at
    comment.body = ""
    record(ctx, ticket, _field(comment), str(comment.id), None, note="deleted")
