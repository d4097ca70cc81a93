"""The typed ORM shared by the client cache and the server store (SQLAlchemy 2)."""

from .base import Base, enum_type, row_dict
from .enums import (
    OPEN_STATUSES,
    ArticleState,
    Availability,
    CancelReason,
    Channel,
    Priority,
    Role,
    TaskState,
    TicketStatus,
    WaitingOn,
)
from .knowledge import KnowledgeArticle
from .org import Department, Team, TeamMember, User, UserSkill
from .personal import Notification, SavedSearch
from .sla import BusinessCalendar, SlaPolicy, SlaTarget
from .ticket import (
    TICKET_PREFIX,
    Attachment,
    Feedback,
    Ticket,
    TicketCategory,
    TicketComment,
    TicketHistory,
    TicketTask,
    TicketWatcher,
    ticket_label,
)
from .types import UTCDateTime

__all__ = [
    "OPEN_STATUSES",
    "TICKET_PREFIX",
    "ArticleState",
    "Attachment",
    "Availability",
    "Base",
    "BusinessCalendar",
    "CancelReason",
    "Channel",
    "Department",
    "Feedback",
    "KnowledgeArticle",
    "Notification",
    "Priority",
    "Role",
    "SavedSearch",
    "SlaPolicy",
    "SlaTarget",
    "TaskState",
    "Team",
    "TeamMember",
    "Ticket",
    "TicketCategory",
    "TicketComment",
    "TicketHistory",
    "TicketStatus",
    "TicketTask",
    "TicketWatcher",
    "UTCDateTime",
    "User",
    "UserSkill",
    "WaitingOn",
    "enum_type",
    "row_dict",
    "ticket_label",
]
