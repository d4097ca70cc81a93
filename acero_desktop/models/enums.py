"""Closed vocabularies of the domain. Values are the wire and database spelling."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    REQUESTER = "requester"
    AGENT = "agent"
    LEAD = "lead"
    ADMIN = "admin"


class Availability(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"
    OFF = "off"


class TicketStatus(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        return self not in (TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.CANCELLED)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


OPEN_STATUSES: frozenset[TicketStatus] = frozenset(s for s in TicketStatus if s.is_open)


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]

    @property
    def label(self) -> str:
        return self.value.capitalize()


_PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class TaskState(StrEnum):
    TODO = "todo"
    DOING = "doing"
    DONE = "done"


class Channel(StrEnum):
    """Where a change came from; every history row records it."""

    DESKTOP = "desktop"
    REST = "rest"
    EMAIL = "email"
    SYSTEM = "system"


class ArticleState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class WaitingOn(StrEnum):
    REQUESTER = "requester"
    THIRD_PARTY = "third_party"


class CancelReason(StrEnum):
    DUPLICATE = "duplicate"
    WITHDRAWN = "withdrawn"
    OTHER = "other"
