"""Tickets and everything that hangs off one: history, comments, tasks, attachments, feedback."""

from __future__ import annotations

import uuid

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, enum_type
from .enums import CancelReason, Channel, Priority, TaskState, TicketStatus, WaitingOn
from .types import Name, OptTimestamp, Timestamp, UuidPk

TICKET_PREFIX = "ACR"


def ticket_label(number: int | None) -> str:
    """The human name of a ticket; one made offline has no number until the server gives one."""
    return f"{TICKET_PREFIX}-{number}" if number is not None else "pending"


class TicketCategory(Base):
    """A node of the category tree; it routes tickets to a team and names their SLA policy."""

    __tablename__ = "ticket_category"

    id: Mapped[UuidPk]
    name: Mapped[Name]
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ticket_category.id", ondelete="CASCADE"), index=True
    )
    default_team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("team.id"))
    default_priority: Mapped[Priority] = mapped_column(enum_type(Priority), default=Priority.NORMAL)
    sla_policy_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sla_policy.id"))
    # Route new tickets to the default team; assign them to the best-scored agent.
    auto_route: Mapped[bool] = mapped_column(default=True)
    auto_assign: Mapped[bool] = mapped_column(default=False)


class Ticket(Base):
    __tablename__ = "ticket"
    __table_args__ = (
        Index("ix_ticket_status_updated", "status", "updated_at"),
        Index("ix_ticket_team_status", "team_id", "status"),
        # priority too: the open-load aggregate of smart assignment reads the index alone.
        Index("ix_ticket_assignee_status", "assignee_id", "status", "priority"),
        Index("ix_ticket_requester", "requester_id"),
    )

    id: Mapped[UuidPk]
    # Given by the server at commit; None while a ticket made offline is pending.
    number: Mapped[int | None] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[TicketStatus] = mapped_column(enum_type(TicketStatus), default=TicketStatus.NEW)
    priority: Mapped[Priority] = mapped_column(enum_type(Priority), default=Priority.NORMAL)
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ticket_category.id"), index=True
    )
    requester_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("team.id"))
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))
    waiting_on: Mapped[WaitingOn | None] = mapped_column(enum_type(WaitingOn))

    # SLA: targets in business minutes copied from the policy when the priority was set, the due
    # times they give, and the business time spent paused in `waiting` (which moves them).
    sla_policy_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sla_policy.id"))
    first_response_target_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_target_minutes: Mapped[int | None] = mapped_column(Integer)
    first_response_due_at: Mapped[OptTimestamp]
    resolution_due_at: Mapped[OptTimestamp] = mapped_column(index=True)
    sla_paused_since: Mapped[OptTimestamp]
    sla_paused_seconds: Mapped[int] = mapped_column(Integer, default=0)

    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    first_responded_at: Mapped[OptTimestamp]
    resolved_at: Mapped[OptTimestamp]
    closed_at: Mapped[OptTimestamp]
    cancelled_at: Mapped[OptTimestamp]
    resolution: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[CancelReason | None] = mapped_column(enum_type(CancelReason))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def label(self) -> str:
        return ticket_label(self.number)


class TicketWatcher(Base):
    __tablename__ = "ticket_watcher"
    __table_args__ = (UniqueConstraint("ticket_id", "user_id"),)

    id: Mapped[UuidPk]
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )


class TicketHistory(Base):
    """One changed field of one ticket: the timeline is drawn from these rows."""

    __tablename__ = "ticket_history"
    __table_args__ = (Index("ix_ticket_history_ticket_at", "ticket_id", "at"),)

    id: Mapped[UuidPk]
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    # None when the system made the change (auto-close, SLA monitor).
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[Timestamp]
    field: Mapped[str] = mapped_column(String(50))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel))
    note: Mapped[str | None] = mapped_column(Text)


class TicketComment(Base):
    """A public reply or an internal note (Markdown), threaded through ``parent_id``."""

    __tablename__ = "ticket_comment"
    __table_args__ = (Index("ix_ticket_comment_ticket_created", "ticket_id", "created_at"),)

    id: Mapped[UuidPk]
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ticket_comment.id", ondelete="SET NULL")
    )
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[Timestamp]
    edited_at: Mapped[OptTimestamp]
    # Deletes are tombstones: the row stays so replies keep their thread.
    deleted_at: Mapped[OptTimestamp]


class TicketTask(Base):
    __tablename__ = "ticket_task"
    __table_args__ = (Index("ix_ticket_task_ticket_position", "ticket_id", "position"),)

    id: Mapped[UuidPk]
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"), index=True)
    state: Mapped[TaskState] = mapped_column(enum_type(TaskState), default=TaskState.TODO)
    # Fractional index: a move writes one row, concurrent moves never renumber siblings.
    position: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[OptTimestamp]
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    done_at: Mapped[OptTimestamp]


class Attachment(Base):
    """A file on a ticket or a comment; its bytes live in a content-addressed store by sha256."""

    __tablename__ = "attachment"

    id: Mapped[UuidPk]
    ticket_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), index=True
    )
    comment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ticket_comment.id", ondelete="SET NULL")
    )
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[Timestamp]


class Feedback(Base):
    """The requester's rating of a closed ticket."""

    __tablename__ = "feedback"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    id: Mapped[UuidPk]
    ticket_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[Timestamp]
