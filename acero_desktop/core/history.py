"""Writing the ticket timeline: one TicketHistory row per changed field or per event.

Mutators change tracked ticket columns only through :func:`change`, which writes the history row
in the same breath, so the timeline cannot miss a change. Values are stored readable: enum
values as their stable spelling ("in_progress", which the UI labels and reports parse), people,
teams and categories by name (the timeline must still read right after a rename or a
deletion), everything else as text. Derived bookkeeping (``updated_at``, SLA due times, the
``resolved_at``/``closed_at`` stamps) is not written separately: the row of the change that
caused it, with its ``at``, already says when it happened.

History row ids come from ``MutationContext.derive_id``, never from uuid7(): the client's
optimistic run, its replays during a rebase and the server's run must all produce the same
rows, so the server's history replaces the client's instead of doubling it.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Literal

from sqlalchemy.orm import Session

from acero_desktop.models import Team, Ticket, TicketCategory, TicketHistory, User

if TYPE_CHECKING:  # the mutation modules import this one
    from .mutations.base import MutationContext


class HistoryField(StrEnum):
    """The ``field`` of a history row: a ticket column, or an event on the ticket."""

    CREATED = "created"
    TITLE = "title"
    DESCRIPTION = "description"
    PRIORITY = "priority"
    CATEGORY = "category"
    TEAM = "team"
    ASSIGNEE = "assignee"
    STATUS = "status"
    WAITING_ON = "waiting_on"
    RESOLUTION = "resolution"
    CANCEL_REASON = "cancel_reason"
    COMMENT = "comment"
    INTERNAL_NOTE = "internal_note"
    TASK = "task"
    WATCHER = "watcher"
    ATTACHMENT = "attachment"
    INTERNAL_ATTACHMENT = "internal_attachment"
    FEEDBACK = "feedback"


STAFF_ONLY_FIELDS: frozenset[str] = frozenset(
    {HistoryField.INTERNAL_NOTE, HistoryField.INTERNAL_ATTACHMENT}
)
"""Rows about internal notes: a requester's timeline must not even show that one exists."""

TrackedColumn = Literal[
    "title",
    "description",
    "priority",
    "category_id",
    "team_id",
    "assignee_id",
    "status",
    "waiting_on",
    "resolution",
    "cancel_reason",
]

TRACKED: dict[TrackedColumn, HistoryField] = {
    "title": HistoryField.TITLE,
    "description": HistoryField.DESCRIPTION,
    "priority": HistoryField.PRIORITY,
    "category_id": HistoryField.CATEGORY,
    "team_id": HistoryField.TEAM,
    "assignee_id": HistoryField.ASSIGNEE,
    "status": HistoryField.STATUS,
    "waiting_on": HistoryField.WAITING_ON,
    "resolution": HistoryField.RESOLUTION,
    "cancel_reason": HistoryField.CANCEL_REASON,
}

_NAMED: dict[str, type[User] | type[Team] | type[TicketCategory]] = {
    "assignee_id": User,
    "team_id": Team,
    "category_id": TicketCategory,
}


def record(
    ctx: MutationContext,
    ticket: Ticket,
    field: HistoryField,
    old: str | None = None,
    new: str | None = None,
    *,
    note: str | None = None,
) -> TicketHistory:
    """Append one row to the timeline of ``ticket``; every recorded change updates the ticket."""
    row = TicketHistory(
        id=ctx.derive_id("history", ticket.id, field),
        ticket_id=ticket.id,
        actor_id=ctx.actor.user_id,
        at=ctx.at,
        field=field.value,
        old_value=old,
        new_value=new,
        channel=ctx.channel,
        note=note,
    )
    ctx.session.add(row)
    ticket.updated_at = ctx.at
    return row


def change(
    ctx: MutationContext,
    ticket: Ticket,
    column: TrackedColumn,
    value: object,
    *,
    note: str | None = None,
) -> bool:
    """Set one tracked column and record it; an unchanged value writes nothing (False)."""
    old = getattr(ticket, column)
    if old == value:
        return False
    setattr(ticket, column, value)
    record(
        ctx,
        ticket,
        TRACKED[column],
        readable(ctx.session, column, old),
        readable(ctx.session, column, value),
        note=note,
    )
    return True


def readable(session: Session, column: str, value: object) -> str | None:
    """A column value as the timeline shows it (see the module docstring)."""
    if value is None:
        return None
    model = _NAMED.get(column)
    if model is not None:
        name = getattr(session.get(model, value), "name", None)
        return str(name) if name is not None else str(value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def excerpt(text: str, limit: int = 120) -> str:
    """The start of a long text on one line, for the note of a comment's history row."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
