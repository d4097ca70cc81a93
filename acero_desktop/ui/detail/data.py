"""Everything the detail pane shows about one ticket, read in one session as plain values.

The permission answers are computed here too, from the same rules the mutators and the
server apply (``core.permissions``): each control gets None (allowed) or the sentence that
becomes its tooltip when greyed out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from acero_desktop.core import permissions as perm
from acero_desktop.core import workflow
from acero_desktop.core.actor import Actor
from acero_desktop.core.history import STAFF_ONLY_FIELDS
from acero_desktop.core.rowcodec import encode_row
from acero_desktop.core.visibility import can_see_ticket
from acero_desktop.models import (
    Attachment,
    Feedback,
    Priority,
    Ticket,
    TicketComment,
    TicketHistory,
    TicketStatus,
    TicketWatcher,
    WaitingOn,
    ticket_label,
)
from acero_desktop.sync.tables import ShadowRow

from ..directory import Directory
from ..slaview import SlaCalendars, SlaCell, cell


@dataclass(frozen=True, slots=True)
class CommentView:
    id: str  # hex
    parent_id: str | None
    author: str
    body: str
    internal: bool
    created_at: datetime
    edited: bool
    deleted: bool
    pending: bool
    # Whether this user may edit / delete it; others are not offered the actions at all.
    can_edit: bool = False
    can_delete: bool = False


@dataclass(frozen=True, slots=True)
class HistoryView:
    id: str
    at: datetime
    actor: str
    field: str
    old: str | None
    new: str | None
    channel: str
    note: str | None
    pending: bool


@dataclass(frozen=True, slots=True)
class AttachmentView:
    id: uuid.UUID
    filename: str
    size: int
    mime_type: str
    uploader: str
    created_at: datetime
    internal: bool


@dataclass(frozen=True, slots=True)
class WatcherView:
    user_id: uuid.UUID
    name: str
    pending: bool


@dataclass(frozen=True, slots=True)
class SlaLine:
    label: str
    target_minutes: int | None
    cell: SlaCell


@dataclass(frozen=True, slots=True)
class Controls:
    """None: allowed; a sentence: greyed out with that tooltip."""

    title: str | None
    description: str | None
    priority: str | None
    category: str | None
    team: str | None
    assign: str | None
    assign_me: str | None
    comment: str | None
    internal: str | None
    attach: str | None
    watch_others: str | None
    feedback: str | None


@dataclass(frozen=True)
class TicketDetail:
    id: str  # hex
    uid: uuid.UUID
    number: int | None
    title: str
    description: str
    status: TicketStatus
    priority: Priority
    category_id: uuid.UUID | None
    team_id: uuid.UUID | None
    assignee_id: uuid.UUID | None
    requester_id: uuid.UUID
    requester: str
    assignee: str
    team: str
    category: str
    waiting_on: WaitingOn | None
    resolution: str | None
    created_at: datetime
    updated_at: datetime
    pending: bool
    pending_fields: frozenset[str]
    transitions: tuple[TicketStatus, ...]
    controls: Controls
    is_requester: bool
    works_on: bool
    watching: bool
    comments: tuple[CommentView, ...] = ()
    history: tuple[HistoryView, ...] = ()
    attachments: tuple[AttachmentView, ...] = ()
    watchers: tuple[WatcherView, ...] = ()
    feedback: tuple[int, str] | None = None
    sla: tuple[SlaLine, ...] = field(default=())

    @property
    def label(self) -> str:
        return ticket_label(self.number)


def load_detail(
    session: Session,
    actor: Actor,
    ticket_id: str,
    *,
    directory: Directory,
    calendars: SlaCalendars,
    pending: dict[str, set[str]],
    now: datetime,
) -> TicketDetail | None:
    """The pane's view of one ticket; None when it is gone or not visible to ``actor``."""
    key = uuid.UUID(ticket_id)
    ticket = session.get(Ticket, key)
    if ticket is None or not can_see_ticket(session, actor, ticket):
        return None
    staff = perm.works_on(actor, ticket)
    caps = perm.capacities(actor, ticket)
    me = actor.user_id
    watcher_rows = list(
        session.execute(
            select(TicketWatcher.id, TicketWatcher.user_id).where(TicketWatcher.ticket_id == key)
        )
    )
    return TicketDetail(
        id=ticket_id,
        uid=key,
        number=ticket.number,
        title=ticket.title,
        description=ticket.description,
        status=ticket.status,
        priority=ticket.priority,
        category_id=ticket.category_id,
        team_id=ticket.team_id,
        assignee_id=ticket.assignee_id,
        requester_id=ticket.requester_id,
        requester=directory.name_of(ticket.requester_id),
        assignee=directory.name_of(ticket.assignee_id),
        team=directory.team_name(ticket.team_id),
        category=directory.category_path(ticket.category_id),
        waiting_on=ticket.waiting_on,
        resolution=ticket.resolution,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        pending=ticket.number is None or ticket_id in pending.get("ticket", set()),
        pending_fields=_pending_fields(session, ticket),
        transitions=_transitions(actor, ticket, caps),
        controls=_controls(actor, ticket),
        is_requester=me == ticket.requester_id,
        works_on=staff,
        watching=any(w.user_id == me for w in watcher_rows),
        comments=_comments(
            session, actor, ticket, staff, directory, pending.get("ticket_comment", set())
        ),
        history=_history(session, key, staff, directory, pending.get("ticket_history", set())),
        attachments=_attachments(session, key, staff, directory),
        watchers=tuple(
            sorted(
                (
                    WatcherView(
                        w.user_id,
                        directory.name_of(w.user_id),
                        w.id.hex in pending.get("ticket_watcher", set()),
                    )
                    for w in watcher_rows
                ),
                key=lambda w: w.name.casefold(),
            )
        ),
        feedback=_feedback(session, key),
        sla=_sla(ticket, calendars, now),
    )


def _pending_fields(session: Session, ticket: Ticket) -> frozenset[str]:
    """Columns whose shown value differs from the server's confirmed one (the shadow row)."""
    shadow = session.scalar(
        select(ShadowRow.row).where(
            ShadowRow.table_name == "ticket", ShadowRow.row_id == str(ticket.id)
        )
    )
    if shadow is None:
        return frozenset()
    current = encode_row(ticket)
    return frozenset(k for k, v in current.items() if shadow.get(k) != v and k != "updated_at")


def _transitions(
    actor: Actor, ticket: Ticket, caps: frozenset[workflow.Capacity]
) -> tuple[TicketStatus, ...]:
    allowed = workflow.targets(ticket.status, caps)
    order = list(TicketStatus)
    return tuple(
        s for s in order if s in allowed and perm.why_not_transition(actor, ticket, s) is None
    )


def _controls(actor: Actor, ticket: Ticket) -> Controls:
    me = actor.user_id
    assign = perm.why_not_assign(actor, ticket, ticket.assignee_id)
    if me is None:
        assign_me: str | None = "Only a person can take a ticket."
    elif not actor.is_staff:
        assign_me = "Only support staff can take tickets."
    elif ticket.assignee_id == me:
        assign_me = "This ticket is already yours."
    else:
        assign_me = perm.why_not_assign(actor, ticket, me)
    return Controls(
        title=perm.why_not_edit(actor, ticket, "title"),
        description=perm.why_not_edit(actor, ticket, "description"),
        priority=perm.why_not_edit(actor, ticket, "priority"),
        category=perm.why_not_edit(actor, ticket, "category_id"),
        team=perm.why_not_edit(actor, ticket, "team_id"),
        assign=assign,
        assign_me=assign_me,
        comment=perm.why_not_comment(actor, ticket, internal=False),
        internal=perm.why_not_comment(actor, ticket, internal=True),
        attach=perm.why_not_attach(actor, ticket),
        watch_others=_watch_others(actor, ticket),
        feedback=perm.why_not_give_feedback(actor, ticket),
    )


def _watch_others(actor: Actor, ticket: Ticket) -> str | None:
    # Anyone else than oneself: a random user id stands for "another person".
    return perm.why_not_watch(actor, ticket, uuid.UUID(int=0))


def _comments(
    session: Session,
    actor: Actor,
    ticket: Ticket,
    staff: bool,
    directory: Directory,
    pending: set[str],
) -> tuple[CommentView, ...]:
    """The comments, each with whether this user may edit (its author, on an open ticket)
    and delete it (its author, the team lead or an admin) — the mutations' own rules."""
    query = select(TicketComment).where(TicketComment.ticket_id == ticket.id)
    if not staff:
        query = query.where(TicketComment.internal.is_(False))
    rows = session.scalars(query.order_by(TicketComment.created_at, TicketComment.id))
    return tuple(
        CommentView(
            id=c.id.hex,
            parent_id=c.parent_id.hex if c.parent_id else None,
            author=directory.name_of(c.author_id),
            body="" if c.deleted_at else c.body,
            internal=c.internal,
            created_at=c.created_at,
            edited=c.edited_at is not None,
            deleted=c.deleted_at is not None,
            pending=c.id.hex in pending,
            can_edit=c.deleted_at is None
            and perm.why_not_edit_comment(actor, c) is None
            and perm.why_not_comment(actor, ticket, internal=c.internal) is None,
            can_delete=c.deleted_at is None
            and perm.why_not_delete_comment(actor, ticket, c) is None,
        )
        for c in rows
    )


def _history(
    session: Session, key: uuid.UUID, staff: bool, directory: Directory, pending: set[str]
) -> tuple[HistoryView, ...]:
    query = select(TicketHistory).where(TicketHistory.ticket_id == key)
    if not staff:
        query = query.where(TicketHistory.field.not_in(sorted(STAFF_ONLY_FIELDS)))
    rows = session.scalars(query.order_by(TicketHistory.at.desc(), TicketHistory.id.desc()))
    return tuple(
        HistoryView(
            id=h.id.hex,
            at=h.at,
            actor=directory.name_of(h.actor_id) if h.actor_id else "System",
            field=h.field,
            old=h.old_value,
            new=h.new_value,
            channel=h.channel.value,
            note=h.note,
            pending=h.id.hex in pending,
        )
        for h in rows
    )


def _attachments(
    session: Session, key: uuid.UUID, staff: bool, directory: Directory
) -> tuple[AttachmentView, ...]:
    notes = set(
        session.scalars(
            select(TicketComment.id).where(
                TicketComment.ticket_id == key, TicketComment.internal.is_(True)
            )
        )
    )
    rows = session.scalars(
        select(Attachment).where(Attachment.ticket_id == key).order_by(Attachment.created_at)
    )
    out = []
    for a in rows:
        internal = a.comment_id in notes
        if internal and not staff:
            continue
        out.append(
            AttachmentView(
                a.id,
                a.filename,
                a.size,
                a.mime_type,
                directory.name_of(a.uploaded_by_id),
                a.created_at,
                internal,
            )
        )
    return tuple(out)


def _feedback(session: Session, key: uuid.UUID) -> tuple[int, str] | None:
    row = session.execute(
        select(Feedback.rating, Feedback.comment).where(Feedback.ticket_id == key)
    ).first()
    return (int(row[0]), str(row[1] or "")) if row is not None else None


def _sla(ticket: Ticket, calendars: SlaCalendars, now: datetime) -> tuple[SlaLine, ...]:
    done_at = None if ticket.status.is_open else (ticket.resolved_at or ticket.cancelled_at)

    def read(target: int | None, done: datetime | None) -> SlaCell:
        return cell(
            done=done is not None,
            measure=calendars.measure(
                ticket.sla_policy_id,
                started_at=ticket.created_at,
                target_minutes=target,
                paused_seconds=ticket.sla_paused_seconds or 0,
                paused_since=ticket.sla_paused_since,
                done_at=done,
                now=now,
            ),
        )

    return (
        SlaLine(
            "First response",
            ticket.first_response_target_minutes,
            read(ticket.first_response_target_minutes, ticket.first_responded_at or done_at),
        ),
        SlaLine(
            "Resolution",
            ticket.resolution_target_minutes,
            read(ticket.resolution_target_minutes, done_at),
        ),
    )
