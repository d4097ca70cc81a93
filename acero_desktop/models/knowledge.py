"""Knowledge articles, often captured from the resolution of a ticket."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, enum_type
from .enums import ArticleState
from .types import OptTimestamp, Timestamp, UuidPk


class KnowledgeArticle(Base):
    __tablename__ = "knowledge_article"

    id: Mapped[UuidPk]
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[ArticleState] = mapped_column(enum_type(ArticleState), default=ArticleState.DRAFT)
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ticket_category.id"), index=True
    )
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))
    source_ticket_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="SET NULL")
    )
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    published_at: Mapped[OptTimestamp]
