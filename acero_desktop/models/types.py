"""Column types shared by every table.

Timestamps are stored as naive UTC on SQLite (which has no time zone type) and handed back
aware, so no caller ever compares a naive datetime with an aware one.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from sqlalchemy import DateTime, Dialect, String, TypeDecorator, Uuid
from sqlalchemy.orm import mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Acero stores aware UTC timestamps only")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)


UuidPk = Annotated[uuid.UUID, mapped_column(Uuid, primary_key=True)]
Timestamp = Annotated[datetime, mapped_column(UTCDateTime())]
OptTimestamp = Annotated[datetime | None, mapped_column(UTCDateTime(), nullable=True)]
Name = Annotated[str, mapped_column(String(200))]
