"""Rows as JSON-safe dicts: the unit the change log, the wire and the client cache share."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Table, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapper

from acero_desktop.models import Base, UTCDateTime

JsonValue = str | int | float | bool | None | list[Any] | dict[str, Any]
JsonRow = dict[str, JsonValue]

_TABLES: dict[str, type[Base]] = {
    mapper.class_.__tablename__: mapper.class_ for mapper in Base.registry.mappers
}


def model_for_table(table: str) -> type[Base]:
    try:
        return _TABLES[table]
    except KeyError:
        raise KeyError(f"unknown table {table!r}") from None


def encode_value(value: object) -> JsonValue:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value  # type: ignore[no-any-return]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return value
    raise TypeError(f"cannot encode {type(value).__name__}")


def encode_row(obj: Base) -> JsonRow:
    table = obj.__table__
    return {c.key: encode_value(getattr(obj, c.key)) for c in table.columns}


def decode_row(model: type[Base], data: JsonRow) -> dict[str, Any]:
    """Turn a JSON row back into column values of ``model`` (unknown keys are dropped)."""
    mapper: Mapper[Any] = model.__mapper__
    out: dict[str, Any] = {}
    for column in mapper.columns:
        key = column.key
        if key not in data:
            continue
        raw = data[key]
        out[key] = None if raw is None else _decode_value(column.type, raw)
    return out


def _decode_value(col_type: Any, raw: JsonValue) -> Any:
    if isinstance(col_type, Uuid):
        return uuid.UUID(str(raw))
    if isinstance(col_type, UTCDateTime):
        return datetime.fromisoformat(str(raw))
    if isinstance(col_type, Date):
        return date.fromisoformat(str(raw))
    enum_class = getattr(col_type, "enum_class", None)
    if enum_class is not None:
        return enum_class(raw)
    return raw


def encode_mapping(model: type[Base], values: Any) -> JsonRow:
    """Encode a Core result mapping (column key -> value) of ``model``'s table."""
    return {c.key: encode_value(values[c.key]) for c in model.__table__.columns}


def table_of(model: type[DeclarativeBase]) -> Table:
    """The Table of a mapped class (typed: ``__table__`` is a FromClause to type checkers)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table
