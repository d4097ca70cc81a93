"""``ticket.create`` and ``ticket.update``: opening a ticket and editing its fields."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from acero_desktop.models import (
    Priority,
    Team,
    Ticket,
    TicketCategory,
    TicketStatus,
    User,
)

from .. import sla_fields
from ..errors import Conflict, PermissionDenied, ValidationFailed
from ..history import HistoryField, change, record
from ..permissions import EditableField, require, ticket_ref, why_not_edit
from ..visibility import require_ticket
from .argtypes import Description, Title
from .base import MutationArgs, MutationContext, mutation
from .ticket_effects import give_to, is_member
from .watchers import add_watcher

# A category tree deeper than this is a cycle made by a bad edit; stop walking it.
_MAX_DEPTH = 32


class CreateTicket(MutationArgs):
    id: uuid.UUID
    title: Title
    description: Description = ""
    priority: Priority | None = None
    category_id: uuid.UUID | None = None
    # Staff may open a ticket for someone else (a phone call, a walk-in).
    requester_id: uuid.UUID | None = None
    watcher_ids: tuple[uuid.UUID, ...] = ()


@mutation("ticket.create", CreateTicket)
def create_ticket(ctx: MutationContext, args: CreateTicket) -> None:
    """Open a ticket: routed by its category, with SLA targets, numbered by the server only."""
    session, actor = ctx.session, ctx.actor
    if session.get(Ticket, args.id) is not None:
        raise Conflict("This ticket has already been created.")
    requester_id = args.requester_id if args.requester_id is not None else actor.user_id
    if requester_id is None:
        raise ValidationFailed("Say who the ticket is for.", field="requester_id")
    if requester_id != actor.user_id and not actor.is_staff:
        raise PermissionDenied("Only support staff can open a ticket for someone else.")
    _check_requester(session, requester_id)
    category = _category(session, args.category_id)
    priority = args.priority or (category.default_priority if category else Priority.NORMAL)

    ticket = Ticket(
        id=args.id,
        number=next_ticket_number(session) if ctx.authoritative else None,
        title=args.title,
        description=args.description,
        status=TicketStatus.NEW,
        priority=priority,
        category_id=args.category_id,
        requester_id=requester_id,
        assignee_id=None,
        team_id=_routed_team(session, category),
        created_by_id=actor.user_id if actor.user_id is not None else requester_id,
        waiting_on=None,
        sla_paused_seconds=0,
        reopen_count=0,
        created_at=ctx.at,
        updated_at=ctx.at,
    )
    session.add(ticket)
    sla_fields.apply_targets(session, ticket)
    record(ctx, ticket, HistoryField.CREATED, None, args.title)
    for user_id in dict.fromkeys(args.watcher_ids):
        if user_id != requester_id:
            add_watcher(ctx, ticket, user_id, ctx.derive_id("watcher", ticket.id, user_id))
    if ctx.authoritative and category is not None and category.auto_assign:
        _auto_assign(ctx, ticket)


def next_ticket_number(session: Session) -> int:
    """The next human number (ACR-n).

    Server writes are serialised (SQLite has one writer; on PostgreSQL every write transaction
    first locks the change-log counter row, ``server.db.Store.write_session``), so max + 1
    cannot hand out a number twice.
    """
    return int(session.scalar(select(func.coalesce(func.max(Ticket.number), 0))) or 0) + 1


def _check_requester(session: Session, user_id: uuid.UUID) -> None:
    user = session.get(User, user_id)
    if user is None:
        raise ValidationFailed("That requester does not exist.", field="requester_id")
    if not user.active:
        raise ValidationFailed(
            f"The account of {user.name} is disabled; a ticket cannot be opened for them.",
            field="requester_id",
        )


def _category(session: Session, category_id: uuid.UUID | None) -> TicketCategory | None:
    if category_id is None:
        return None
    category = session.get(TicketCategory, category_id)
    if category is None:
        raise ValidationFailed("That category does not exist.", field="category_id")
    return category


def _routed_team(session: Session, category: TicketCategory | None) -> uuid.UUID | None:
    """The default team of the category, else of its nearest ancestor naming one."""
    if category is None or not category.auto_route:
        return None
    node: TicketCategory | None = category
    for _ in range(_MAX_DEPTH):
        if node is None:
            return None
        if node.default_team_id is not None:
            return node.default_team_id
        node = session.get(TicketCategory, node.parent_id) if node.parent_id else None
    return None


def _auto_assign(ctx: MutationContext, ticket: Ticket) -> None:
    """Give the ticket to the best-scored agent of its team.

    Only the server does this: it alone sees every ticket of the team, hence the workloads the
    score needs; a client's guess would flash a wrong assignee until the server answered.
    """
    from ..assignment import choose_assignee  # scoring is a separate concern; load on use

    candidate = choose_assignee(
        ctx.session, category_id=ticket.category_id, team_id=ticket.team_id, now=ctx.at
    )
    if candidate is not None:
        give_to(
            ctx, ticket, candidate.user_id, note=f"Assigned automatically: {candidate.explanation}"
        )


class UpdateTicket(MutationArgs):
    """Only the fields given change (last writer wins, field by field, in server order).

    ``base_title`` and ``base_description`` are the values the edit started from: when the
    stored text has moved since, the edit is refused as a conflict instead of silently
    overwriting someone else's words.
    """

    id: uuid.UUID
    title: Title | None = None
    description: Description | None = None
    priority: Priority | None = None
    category_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    base_title: str | None = None
    base_description: str | None = None


@mutation("ticket.update", UpdateTicket)
def update_ticket(ctx: MutationContext, args: UpdateTicket) -> None:
    session, actor = ctx.session, ctx.actor
    ticket = require_ticket(session, actor, args.id)
    edits = _edits(args, ticket)
    for field in edits:
        require(why_not_edit(actor, ticket, field))
    if "title" in edits:
        _check_base(ticket, "title", ticket.title, args.base_title)
    if "description" in edits:
        _check_base(ticket, "description", ticket.description, args.base_description)
    if "category_id" in edits:
        _category(session, args.category_id)
    for column in ("title", "description", "priority", "category_id"):
        if column in edits:
            change(ctx, ticket, column, edits[column])
    if "team_id" in edits:
        _move_to_team(ctx, ticket, args.team_id)
    if "priority" in edits or "category_id" in edits:
        sla_fields.apply_targets(session, ticket)


def _edits(args: UpdateTicket, ticket: Ticket) -> dict[EditableField, object]:
    """The fields given with a value other than the stored one.

    None means "not given", except for the category, which may be cleared. A field sent with
    its current value is no edit at all, so it needs no permission and cannot conflict.
    """
    wanted: dict[EditableField, object] = {}
    if args.title is not None:
        wanted["title"] = args.title
    if args.description is not None:
        wanted["description"] = args.description
    if args.priority is not None:
        wanted["priority"] = args.priority
    if "category_id" in args.model_fields_set:
        wanted["category_id"] = args.category_id
    if "team_id" in args.model_fields_set:
        wanted["team_id"] = args.team_id
    return {field: value for field, value in wanted.items() if getattr(ticket, field) != value}


def _check_base(ticket: Ticket, what: str, stored: str, base: str | None) -> None:
    """Refuse an edit based on a text that has changed since (the UI offers to merge)."""
    if base is None or stored == base:
        return
    raise Conflict(
        f"The {what} of {ticket_ref(ticket)} was changed by someone else while you edited it.",
        field=what,
    )


def _move_to_team(ctx: MutationContext, ticket: Ticket, team_id: uuid.UUID | None) -> None:
    """Route to another team; an assignee who is not in it gives the ticket back."""
    if team_id is None:
        raise ValidationFailed(
            f"{ticket_ref(ticket)} must stay with a team; choose the team to move it to.",
            field="team_id",
        )
    if ctx.session.get(Team, team_id) is None:
        raise ValidationFailed("That team does not exist.", field="team_id")
    if not change(ctx, ticket, "team_id", team_id):
        return
    if ticket.assignee_id is not None and not is_member(ctx.session, team_id, ticket.assignee_id):
        give_to(ctx, ticket, None, note="The assignee is not a member of the new team.")
