"""The declarative base shared by the client cache and the server store."""

from __future__ import annotations

import enum
from typing import Any, TypeVar

from sqlalchemy import Enum, MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

E = TypeVar("E", bound=enum.Enum)


def enum_type(enum_cls: type[E]) -> Enum:
    """A portable enum column storing the member's value (not its name) as a short string."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        name=enum_cls.__name__.lower(),
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    def __repr__(self) -> str:
        pk = getattr(self, "id", None)
        return f"<{type(self).__name__} {pk}>"


def row_dict(obj: Base) -> dict[str, Any]:
    """The column values of a mapped row, keyed by column name."""
    table = obj.__table__
    return {c.key: getattr(obj, c.key) for c in table.columns}
