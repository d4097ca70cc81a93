"""Snapshot staging: pages go into ``stage_*`` copies of the domain tables, swapped in at the end.

Staging keeps the cache usable while a snapshot streams in (the UI reads the old rows; local
changes keep working), holds no page in memory, and makes the switch one short transaction of
``INSERT INTO t SELECT * FROM stage_t``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Column, MetaData, Table, delete, insert
from sqlalchemy.orm import Session

from acero_desktop.core.rowcodec import JsonRow, decode_row, model_for_table, table_of
from acero_desktop.models import Base

STAGE_PREFIX = "stage_"
_stage_metadata = MetaData()


def _stage_table(name: str) -> Table:
    existing = _stage_metadata.tables.get(STAGE_PREFIX + name)
    if existing is not None:
        return existing
    source = table_of(model_for_table(name))
    columns = [Column(c.name, c.type) for c in source.columns]
    return Table(STAGE_PREFIX + name, _stage_metadata, *columns)


def reset(session: Session) -> None:
    """Drop what an interrupted snapshot left and make empty staging tables."""
    conn = session.connection()
    for table in Base.metadata.sorted_tables:
        stage = _stage_table(table.name)
        stage.drop(conn, checkfirst=True)
        stage.create(conn)


def stage(session: Session, table: str, rows: Sequence[JsonRow]) -> None:
    if not rows:
        return
    model = model_for_table(table)
    session.execute(insert(_stage_table(table)), [decode_row(model, r) for r in rows])


def swap_in(session: Session) -> None:
    """Replace every domain table's rows by its staged rows, then drop the staging tables."""
    conn = session.connection()
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(delete(table))
    for table in Base.metadata.sorted_tables:
        stage = _stage_table(table.name)
        names = ", ".join(f'"{c.name}"' for c in table.columns)
        conn.exec_driver_sql(
            f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM "{stage.name}"'
        )
    for table in Base.metadata.sorted_tables:
        _stage_table(table.name).drop(conn)
