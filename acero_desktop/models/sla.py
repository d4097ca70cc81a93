"""SLA policies and the business calendars they are measured in."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, enum_type
from .enums import Priority
from .types import Name, UuidPk


class BusinessCalendar(Base):
    """Working days and hours, holidays and time zone.

    ``working_hours`` maps a weekday ("0" = Monday) to a list of ["HH:MM", "HH:MM"] intervals in
    local time; ``holidays`` is a list of ISO dates.
    """

    __tablename__ = "business_calendar"

    id: Mapped[UuidPk]
    name: Mapped[Name] = mapped_column(unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    working_hours: Mapped[dict[str, Any]] = mapped_column(JSON)
    holidays: Mapped[list[str]] = mapped_column(JSON, default=list)


class SlaPolicy(Base):
    __tablename__ = "sla_policy"

    id: Mapped[UuidPk]
    name: Mapped[Name] = mapped_column(unique=True)
    calendar_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business_calendar.id"))
    # Share of the target used after which a ticket shows amber.
    at_risk_share: Mapped[float] = mapped_column(Float, default=0.75)
    # The policy used when a ticket's category names none.
    is_default: Mapped[bool] = mapped_column(default=False)


class SlaTarget(Base):
    """First-response and resolution targets of one policy for one priority, in business minutes."""

    __tablename__ = "sla_target"
    __table_args__ = (UniqueConstraint("policy_id", "priority"),)

    id: Mapped[UuidPk]
    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sla_policy.id", ondelete="CASCADE"))
    priority: Mapped[Priority] = mapped_column(enum_type(Priority))
    first_response_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_minutes: Mapped[int | None] = mapped_column(Integer)
