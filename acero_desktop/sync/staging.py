"""Snapshot staging: pages go into ``stage_*`` tables in a file beside the cache, then swapped in.

Staging keeps the cache usable while a snapshot streams in (the UI reads the old rows; local
changes keep working), holds no page in memory, and makes the switch one transaction of
``INSERT INTO t SELECT * FROM stage.stage_t`` per table.

Speed (a first sync of 100,000 tickets and 340,000 comments):

- a page's JSON rows are turned into SQLite values by one precomputed converter per column and
  written with one ``executemany`` (the generic ``decode_row`` + ORM insert spent ~100 µs a row);
- the staging tables live in their own file (``<cache>-stage``), written without a journal and
  without syncs: it is disposable until the swap commits (a crash, a dropped session or a new
  snapshot deletes it), so its rows are written once instead of to the WAL, then checkpointed,
  then freed (which also left the cache file twice its size). The swap itself is one ordinary
  WAL transaction of the cache, as crash-safe as any other;
- the swap drops a table's secondary indexes, fills the table and creates them again (one sort
  each instead of 340,000 random B-tree inserts), and drops the full-text index's triggers and
  rebuilds the index in one set-based pass instead of letting a trigger re-aggregate a ticket's
  comments for every comment inserted.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Dialect,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    delete,
)
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateTable

from acero_desktop.core.rowcodec import JsonRow, decode_row, model_for_table, table_of
from acero_desktop.models import Base, UTCDateTime
from acero_desktop.store import fts

STAGE_PREFIX = "stage_"
_stage_metadata = MetaData()


_stage_lock = threading.Lock()


def _stage_table(name: str) -> Table:
    # Several caches (each with its own database worker thread) may stage at once; the
    # check-then-define on the shared MetaData must not race ("already defined" errors).
    with _stage_lock:
        existing = _stage_metadata.tables.get(STAGE_PREFIX + name)
        if existing is not None:
            return existing
        source = table_of(model_for_table(name))
        columns = [Column(c.name, c.type) for c in source.columns]
        return Table(STAGE_PREFIX + name, _stage_metadata, *columns)


STAGE_SCHEMA = "acero_stage"  # the staging file's name while attached to the cache


def stage_path(cache_path: str | Path) -> Path:
    return Path(f"{cache_path}-stage")


def remove_stage_file(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def drop_leftovers(conn: Connection) -> None:
    """Drop ``stage_*`` tables an older version left inside the cache file itself."""
    names = [
        str(r[0])
        for r in conn.exec_driver_sql(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name LIKE 'stage\\_%'"
            " ESCAPE '\\'"
        )
    ]
    for name in names:
        conn.exec_driver_sql(f'DROP TABLE main."{name}"')


class Stage:
    """The staging file of one snapshot: made empty at its first page, deleted after the swap.

    Used by the cache's database worker only. No journal, no syncs: until the swap commits
    nothing depends on this file, and every snapshot starts a new one.
    """

    def __init__(self, path: Path, dialect: Dialect) -> None:
        self.path = path
        self.dialect = dialect
        remove_stage_file(path)
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in (
            "PRAGMA journal_mode=OFF",
            "PRAGMA synchronous=OFF",
            "PRAGMA temp_store=MEMORY",
            "PRAGMA cache_size=-16384",
        ):
            self.conn.execute(pragma)
        for table in Base.metadata.sorted_tables:
            stage = _stage_table(table.name)
            self.conn.execute(str(CreateTable(stage).compile(dialect=dialect)))

    def add(self, table: str, rows: Sequence[JsonRow]) -> None:
        if not rows:
            return
        _stage_table(table)
        plan = _plan(table, self.dialect)
        values = plan.values(rows)
        self.conn.execute("BEGIN")
        try:
            self.conn.executemany(plan.sql, values)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

    def discard(self) -> None:
        self.conn.close()
        remove_stage_file(self.path)


# --- JSON rows to SQLite values ------------------------------------------------------------------

Convert = Callable[[Any], Any]


def _uuid_hex(value: Any) -> str:
    # What SQLAlchemy's Uuid stores on SQLite: 32 lowercase hex digits.
    text = str(value)
    if len(text) == 36 and text[8] == "-":
        return text.replace("-", "").lower()
    return uuid.UUID(text).hex


def _utc_text(value: Any) -> str:
    # UTCDateTime on SQLite: naive UTC in SQLAlchemy's DATETIME format (always microseconds).
    text = str(value)
    if text.endswith("+00:00") and text[10] == "T":  # what the server sends: cut, not parse
        if len(text) == 25:
            return f"{text[:10]} {text[11:19]}.000000"
        if len(text) == 32 and text[19] == ".":
            return f"{text[:10]} {text[11:26]}"
    stamp = datetime.fromisoformat(text)
    if stamp.tzinfo is None:
        raise ValueError("naive datetime given; Acero stores aware UTC timestamps only")
    if stamp.utcoffset():
        stamp = stamp.astimezone(UTC)
    return stamp.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _enum_value(values: frozenset[str], generic: Convert) -> Convert:
    def convert(value: Any) -> Any:
        return value if value in values else generic(value)

    return convert


def _generic(model: type[Base], key: str, column: Any, dialect: Dialect) -> Convert:
    """decode_row's conversion followed by the column type's bind processor (any type)."""
    # dialect_impl: the SQLite type's own processor (e.g. DATETIME's text format), as the
    # compiler uses it; the generic type's processor would leave datetimes to sqlite3.
    bind = column.type.dialect_impl(dialect).bind_processor(dialect)

    def convert(value: Any) -> Any:
        decoded = decode_row(model, {key: value})[key]
        return bind(decoded) if bind is not None else decoded

    return convert


def _converter(model: type[Base], key: str, column: Any, dialect: Dialect) -> Convert | None:
    """None: the JSON value is stored as it is (text, numbers, booleans)."""
    col_type = column.type
    generic = _generic(model, key, column, dialect)
    if isinstance(col_type, Uuid):
        return _uuid_hex
    if isinstance(col_type, UTCDateTime):
        return _utc_text
    enum_class = getattr(col_type, "enum_class", None)
    if enum_class is not None:
        return _enum_value(frozenset(str(m.value) for m in enum_class), generic)
    if isinstance(col_type, Boolean):
        return _bool_int
    if (
        isinstance(col_type, Integer | String | Float)
        and col_type.dialect_impl(dialect).bind_processor(dialect) is None
    ):
        return None
    return generic


def _bool_int(value: Any) -> int:
    return 1 if value else 0


class _Plan:
    """How one table's JSON rows become an ``executemany`` of tuples."""

    def __init__(self, name: str, dialect: Dialect) -> None:
        model = model_for_table(name)
        source = table_of(model)
        self.model = model
        self.keys = [c.key for c in source.columns]
        self.generic = [_generic(model, c.key, c, dialect) for c in source.columns]
        self.converters = [_converter(model, c.key, c, dialect) for c in source.columns]
        names = ", ".join(f'"{c.name}"' for c in source.columns)
        marks = ", ".join("?" for _ in source.columns)
        self.sql = f'INSERT INTO "{STAGE_PREFIX}{name}" ({names}) VALUES ({marks})'
        self.checked = False

    def values(self, rows: Sequence[JsonRow]) -> list[tuple[Any, ...]]:
        pairs = list(zip(self.keys, self.converters, strict=True))
        out = [
            tuple(
                None if (v := row.get(k)) is None else (v if f is None else f(v)) for k, f in pairs
            )
            for row in rows
        ]
        if not self.checked and rows:
            # Once per table and process: the fast converters must store exactly what the
            # generic path (decode_row + the column types) stores.
            slow = tuple(
                None if (v := rows[0].get(k)) is None else g(v)
                for k, g in zip(self.keys, self.generic, strict=True)
            )
            if slow != out[0]:
                self.converters = list(self.generic)
                return self.values(rows)
            self.checked = True
        return out


_plans: dict[tuple[str, str], _Plan] = {}


def _plan(name: str, dialect: Dialect) -> _Plan:
    key = (name, dialect.name)
    with _stage_lock:
        plan = _plans.get(key)
        if plan is None:
            plan = _plans[key] = _Plan(name, dialect)
    return plan


def swap_in(session: Session) -> None:
    """Replace every domain table's rows by its staged rows (``acero_stage`` attached).

    Secondary indexes are dropped while a table fills and created again after it (same
    transaction); the full-text index is rebuilt once at the end rather than kept up to date
    row by row by its triggers while hundreds of thousands of rows go in.
    """
    conn = session.connection()
    has_fts = _has_fts(conn)
    if has_fts:
        fts.drop_fts(conn)
    indexes: list[str] = []
    for table in Base.metadata.sorted_tables:
        for name, sql in conn.exec_driver_sql(
            "SELECT name, sql FROM main.sqlite_master"
            " WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (table.name,),
        ).all():
            conn.exec_driver_sql(f'DROP INDEX main."{name}"')
            indexes.append(str(sql))
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(delete(table))
    for table in Base.metadata.sorted_tables:
        stage = _stage_table(table.name)
        names = ", ".join(f'"{c.name}"' for c in table.columns)
        conn.exec_driver_sql(
            f'INSERT INTO main."{table.name}" ({names})'
            f' SELECT {names} FROM {STAGE_SCHEMA}."{stage.name}"'
        )
    for sql in indexes:
        conn.exec_driver_sql(sql)
    if has_fts:
        fts.install_fts(conn)
        for statement in fts.FTS_POPULATE:
            conn.exec_driver_sql(statement)


def _has_fts(conn: Connection) -> bool:
    if conn.dialect.name != "sqlite":
        return False
    found = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (fts.FTS_TICKET,)
    ).first()
    return found is not None
