"""Rows for the demo generator: deterministic ids and values, and bulk insertion.

The generator works in Unix seconds and hands every value through a :class:`Codec`. On SQLite
the codec produces exactly what SQLAlchemy's column types would store (32-hex UUIDs,
``YYYY-MM-DD HH:MM:SS.ffffff`` UTC text, 0/1 flags, JSON text) and rows go to the driver through
an ``executemany`` of the compiled Core ``insert()``; type processing per value would otherwise
cost as much as generating the data. On other databases the codec produces Python objects and
the typed Core insert converts them. A test checks that both paths store identical rows.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert

from acero_desktop.core.ids import uuid7
from acero_desktop.models import Base

Row = tuple[Any, ...]


def columns_of(table: str) -> tuple[str, ...]:
    return tuple(c.name for c in Base.metadata.tables[table].columns)


class Codec:
    """Ids (UUIDv7 from the generator's clock and RNG) and column values for one database."""

    def __init__(self, rng: random.Random, *, raw: bool) -> None:
        self.rng = rng
        self.raw = raw
        self._sequence = 0
        self._days: dict[int, str] = {}
        self._last: tuple[int, str] = (-1, "")
        # "HH:MM:SS.000000" for every second of a day: formatting is the hot path of seeding.
        self._clock = (
            [
                f" {h:02d}:{m:02d}:{s:02d}.000000"
                for h in range(24)
                for m in range(60)
                for s in range(60)
            ]
            if raw
            else []
        )

    def new_id(self, at: int) -> Any:
        """A UUIDv7 for a row made at ``at`` (seconds); rows of one second keep the order they
        were made in, so ids sort like the rows were made."""
        self._sequence = (self._sequence + 1) % 1000
        value = uuid7(at * 1000 + self._sequence, self.rng.randbytes(10))
        return value.hex if self.raw else value

    def ts(self, at: int | None) -> Any:
        if at is None:
            return None
        if not self.raw:
            return datetime.fromtimestamp(at, UTC)
        if at == self._last[0]:
            return self._last[1]  # rows of one event share their timestamp
        day, second = divmod(at, 86400)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d")
            self._days[day] = prefix
        value = prefix + self._clock[second]
        self._last = (at, value)
        return value

    def flag(self, value: bool) -> Any:
        return int(value) if self.raw else value

    def json(self, value: Any) -> Any:
        return json.dumps(value) if self.raw else value


class Writer:
    """Bulk inserts of full rows (every column, in table order) on one connection."""

    def __init__(self, conn: Connection, *, raw: bool) -> None:
        self.conn = conn
        self.raw = raw
        self.counts: dict[str, int] = {}
        self._sql: dict[str, str] = {}

    def insert(self, table: str, rows: Sequence[Row]) -> None:
        if not rows:
            return
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        tbl = Base.metadata.tables[table]
        if self.raw:
            sql = self._sql.get(table)
            if sql is None:
                compiled = insert(tbl).compile(dialect=self.conn.dialect)
                if compiled.positiontup != list(columns_of(table)):
                    raise RuntimeError(f"unexpected column order for {table}")
                sql = self._sql[table] = str(compiled)
            self.conn.exec_driver_sql(sql, list(rows))
        else:
            names = columns_of(table)
            self.conn.execute(insert(tbl), [dict(zip(names, row, strict=True)) for row in rows])
