"""The one mutation path: named mutations with validated arguments and deterministic mutators.

The same mutator runs on the client against its cache (optimistically) and on the server against
the authoritative store. Everything that may differ between runs comes in: the actor, the
timestamp and every new id. Only the server numbers tickets (``authoritative``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

import pydantic
from sqlalchemy import event
from sqlalchemy.orm import Session

from acero_desktop.models import Base, Channel

from ..actor import Actor
from ..errors import UnknownMutation, ValidationFailed
from ..rowcodec import JsonRow, encode_row


class MutationArgs(pydantic.BaseModel):
    """Base of every argument schema: strict about unknown fields, frozen once validated."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)


A = TypeVar("A", bound=MutationArgs)


@dataclass(frozen=True, slots=True)
class RowChange:
    """One row a mutation wrote: the full row after it (``upsert``) or its removal."""

    table: str
    id: str
    op: Literal["upsert", "delete"]
    row: JsonRow | None = None

    def to_wire(self) -> dict[str, Any]:
        return {"table": self.table, "id": self.id, "op": self.op, "row": self.row}


@dataclass
class MutationContext:
    session: Session
    actor: Actor
    at: datetime
    channel: Channel = Channel.DESKTOP
    # The server's run: it gives ticket numbers and its answer is final.
    authoritative: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MutationDef(Generic[A]):
    name: str
    args_model: type[A]
    apply: Callable[[MutationContext, A], None]


REGISTRY: dict[str, MutationDef[Any]] = {}


def mutation(
    name: str, args_model: type[A]
) -> Callable[[Callable[[MutationContext, A], None]], Callable[[MutationContext, A], None]]:
    """Register a mutator under ``name`` (e.g. ``ticket.create``)."""

    def register(fn: Callable[[MutationContext, A], None]) -> Callable[[MutationContext, A], None]:
        if name in REGISTRY:
            raise RuntimeError(f"mutation {name} registered twice")
        REGISTRY[name] = MutationDef(name, args_model, fn)
        return fn

    return register


def parse_args(name: str, raw: dict[str, Any]) -> MutationArgs:
    """Validate raw arguments, turning pydantic's report into one plain sentence."""
    definition = REGISTRY.get(name)
    if definition is None:
        raise UnknownMutation(f"Unknown change {name!r}; this version of Acero cannot apply it.")
    try:
        return definition.args_model.model_validate(raw)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or None
        raise ValidationFailed(
            f"{where}: {first['msg']}" if where else str(first["msg"]), field=where
        ) from None


def run_mutation(ctx: MutationContext, name: str, raw_args: dict[str, Any]) -> list[RowChange]:
    """Validate, apply and flush one mutation; return the rows it wrote, in a stable order.

    The caller owns the transaction: on any exception it must roll back (the server uses a
    savepoint per mutation, the client one transaction for the change and its outbox entry).
    """
    args = parse_args(name, raw_args)
    with _tracking(ctx.session) as touched:
        REGISTRY[name].apply(ctx, args)
        ctx.session.flush()
    return _changes(ctx.session, touched)


_Touched = dict[tuple[str, str], tuple[Base, bool]]


@contextmanager
def _tracking(session: Session) -> Iterator[_Touched]:
    touched: _Touched = {}
    session.info["acero_touched"] = touched
    try:
        yield touched
    finally:
        session.info.pop("acero_touched", None)


@event.listens_for(Session, "after_flush")
def _record_flushed(session: Session, _flush_context: object) -> None:
    touched: _Touched | None = session.info.get("acero_touched")
    if touched is None:
        return
    for obj in session.new:
        touched[_key(obj)] = (obj, False)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            touched[_key(obj)] = (obj, False)
    for obj in session.deleted:
        touched[_key(obj)] = (obj, True)


def _key(obj: Base) -> tuple[str, str]:
    return (obj.__tablename__, str(getattr(obj, "id")))  # noqa: B009


def _changes(session: Session, touched: _Touched) -> list[RowChange]:
    changes = []
    for (table, row_id), (obj, deleted) in touched.items():
        if deleted:
            changes.append(RowChange(table, row_id, "delete"))
        else:
            changes.append(RowChange(table, row_id, "upsert", encode_row(obj)))
    return changes

