"""People and how they are organised: users, departments, teams, skills."""

from __future__ import annotations

import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, enum_type
from .enums import Availability, Role
from .types import Name, OptTimestamp, Timestamp, UuidPk


class Department(Base):
    __tablename__ = "department"

    id: Mapped[UuidPk]
    name: Mapped[Name] = mapped_column(unique=True)


class User(Base):
    """A member of staff. Credentials live in the server's own tables, never here."""

    __tablename__ = "user"

    id: Mapped[UuidPk]
    username: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[Name]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[Role] = mapped_column(enum_type(Role))
    department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("department.id"))
    availability: Mapped[Availability] = mapped_column(
        enum_type(Availability), default=Availability.AVAILABLE
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp]
    # Round-robin tie-breaking in smart assignment: least recently assigned first.
    last_assigned_at: Mapped[OptTimestamp]


class Team(Base):
    __tablename__ = "team"

    id: Mapped[UuidPk]
    name: Mapped[Name] = mapped_column(unique=True)
    department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("department.id"))
    lead_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    email: Mapped[str | None] = mapped_column(String(254))


class TeamMember(Base):
    __tablename__ = "team_member"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[UuidPk]
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )


class UserSkill(Base):
    """How well an agent handles a category, 1 (basic) to 5 (expert)."""

    __tablename__ = "user_skill"
    __table_args__ = (
        UniqueConstraint("user_id", "category_id"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
    )

    id: Mapped[UuidPk]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    category_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ticket_category.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[int] = mapped_column(Integer)
