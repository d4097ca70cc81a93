"""Rows that belong to one user: saved searches and notifications."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base
from .types import Name, OptTimestamp, Timestamp, UuidPk


class SavedSearch(Base):
    __tablename__ = "saved_search"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)

    id: Mapped[UuidPk]
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    name: Mapped[Name]
    query: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class Notification(Base):
    """Something a user should know about, shown in the tray and optionally e-mailed."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[UuidPk]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(50))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Timestamp]
    read_at: Mapped[OptTimestamp]
    emailed_at: Mapped[OptTimestamp]
