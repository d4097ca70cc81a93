"""Run one mutation inside the caller's transaction and capture what it changed, with "before".

``core.mutations.run_mutation`` reports the rows a mutation wrote as they are after it. To know
who could see a row *before* (a ticket moved to another team must disappear from its old
team's clients), a ``before_flush`` hook records, for every updated or deleted row of a table
in ``audience.AUDIENCE_FIELDS``, the committed values of those fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from acero_desktop.core.mutations.base import MutationContext, RowChange, run_mutation
from acero_desktop.core.rowcodec import encode_value

from .audience import AUDIENCE_FIELDS, ticket_id_of


@dataclass(slots=True)
class Change:
    """One row change on its way to (or read back from) the change log."""

    table: str
    id: str
    op: str
    row: dict[str, Any] | None
    old: dict[str, Any] | None
    ticket_id: str | None
    seq: int = 0

    def wire(self) -> dict[str, Any]:
        return {"seq": self.seq, "table": self.table, "id": self.id, "op": self.op, "row": self.row}


class _Recorder:
    def __init__(self) -> None:
        self.old: dict[tuple[str, str], dict[str, Any]] = {}
        self.inserted: set[tuple[str, str]] = set()

    def before_flush(self, session: Session, _ctx: object, _instances: object) -> None:
        for obj in session.new:
            self.inserted.add(_key(obj))
        for obj in list(session.dirty) + list(session.deleted):
            table = getattr(obj, "__tablename__", None)
            fields = AUDIENCE_FIELDS.get(table or "")
            if not fields:
                continue
            key = _key(obj)
            if key in self.inserted or key in self.old:
                continue
            state = inspect(obj)
            values: dict[str, Any] = {}
            for name in fields:
                hist = state.attrs[name].history
                if hist.deleted:
                    value = hist.deleted[0]
                elif hist.unchanged:
                    value = hist.unchanged[0]
                else:
                    value = getattr(obj, name)
                values[name] = encode_value(value)
            self.old[key] = values


def _key(obj: Any) -> tuple[str, str]:
    return (obj.__tablename__, str(obj.id))


_RECORDER = "acero_capture"


@contextmanager
def recording(session: Session) -> Iterator[_Recorder]:
    # One listener for every session, looking up the recorder in ``session.info``: adding and
    # removing a listener on the session for each mutation cost more than the recording.
    rec = _Recorder()
    outer = session.info.get(_RECORDER)
    session.info[_RECORDER] = rec
    try:
        yield rec
    finally:
        if outer is None:
            session.info.pop(_RECORDER, None)
        else:
            session.info[_RECORDER] = outer


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, flush_context: object, instances: object) -> None:
    rec: _Recorder | None = session.info.get(_RECORDER)
    if rec is not None:
        rec.before_flush(session, flush_context, instances)


def run_captured(ctx: MutationContext, name: str, args: dict[str, Any]) -> list[Change]:
    """Run the mutation (the caller holds a savepoint) and return its changes with "before"."""
    with recording(ctx.session) as rec:
        row_changes = run_mutation(ctx, name, args)
    return [to_change(rc, rec) for rc in row_changes]


def to_change(rc: RowChange, rec: _Recorder) -> Change:
    key = (rc.table, rc.id)
    old = None if key in rec.inserted else rec.old.get(key)
    row = dict(rc.row) if rc.row is not None else None
    ticket_id = ticket_id_of(rc.table, row if row is not None else old, rc.id)
    return Change(rc.table, rc.id, rc.op, row, old, ticket_id)
