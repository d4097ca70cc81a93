"""The one mutation path: named mutations with validated arguments and deterministic mutators.

The same mutator runs on the client against its cache (optimistically) and on the server against
the authoritative store. Everything that may differ between runs comes in: the actor, the
timestamp and every new id. Only the server numbers tickets (``authoritative``).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Literal, TypeVar

import pydantic
from sqlalchemy import event
from sqlalchemy.orm import Session

from acero_desktop.models import Base, Channel

from ..actor import Actor
from ..errors import UnknownMutation, ValidationFailed
from ..ids import uuid7
from ..rowcodec import JsonRow, encode_row


class MutationArgs(pydantic.BaseModel):
    """Base of every argument schema: strict about unknown fields, frozen once validated."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)


A = TypeVar("A", bound=MutationArgs)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


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
    # Who made this mutation, e.g. f"{client_id}:{mutation_id}". It seeds derive_id, together
    # with the mutation's name and arguments (set by run_mutation).
    key: str = ""
    _derived: int = field(default=0, init=False, repr=False)
    _origin: str = field(default="", init=False, repr=False)

    def derive_id(self, *parts: object) -> uuid.UUID:
        """An id for a row the mutator makes by itself (history, watchers of a new ticket).

        Mutators may not call uuid7() or read the clock: the client's optimistic run, its
        replays during rebase and the server's run must all write the *same* rows, so the
        server's row replaces the optimistic one instead of sitting beside it. The id is
        therefore a UUIDv7 built from ``at`` (milliseconds), a counter of the ids this run has
        derived (so rows of one mutation sort in the order they were written) and a hash of the
        mutation key, its name and arguments, the actor and ``parts``: two different mutations
        never derive the same id, even in the same millisecond and without a key.
        """
        self._derived += 1
        seed = "|".join(
            [
                self.key,
                self._origin,
                str(self.actor.user_id),
                self.at.isoformat(),
                str(self._derived),
                *map(str, parts),
            ]
        )
        digest = hashlib.sha256(seed.encode()).digest()
        ms = (self.at - _EPOCH) // _MILLISECOND
        return uuid7(ms, (self._derived & 0x0FFF).to_bytes(2, "big") + digest[:8])


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
        args: MutationArgs = definition.args_model.model_validate(raw)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or None
        raise ValidationFailed(_sentence(first, where), field=where) from None
    return args


def _sentence(error: Any, where: str | None) -> str:
    """Our validators raise ValueError with a sentence for people; show it as it is."""
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    if error["type"] == "missing":
        return f"{where} is required."
    message = str(error["msg"])
    return f"{where}: {message}." if where else f"{message}."


def run_mutation(ctx: MutationContext, name: str, raw_args: dict[str, Any]) -> list[RowChange]:
    """Validate, apply and flush one mutation; return the rows it wrote, in a stable order.

    The caller owns the transaction: on any exception it must roll back (the server uses a
    savepoint per mutation, the client one transaction for the change and its outbox entry).
    """
    args = parse_args(name, raw_args)
    ctx._derived = 0
    ctx._origin = f"{name}|{args.model_dump_json()}"
    ctx.session.flush()  # the caller's own pending writes are state, not this mutation's rows
    with _tracking(ctx.session) as touched:
        # One flush at the end: a row changed in several steps is written once (one UPDATE,
        # one firing of its triggers). Mutators therefore never query their own pending writes.
        with ctx.session.no_autoflush:
            REGISTRY[name].apply(ctx, args)
        ctx.session.flush()
    return _changes(ctx.session, touched)


_Touched = dict[tuple[str, str], tuple[Base, bool]]


@contextmanager
def _tracking(session: Session) -> Iterator[_Touched]:
    touched: _Touched = {}
    session.info["acero_touched"] = touched
    # The identity map holds clean rows weakly: a user a check loaded and let go of would be
    # read again by the next session.get (the history row naming them, give_to stamping them).
    # Keeping every row loaded during the mutation alive makes those lookups free. A caller
    # running many mutations in one transaction (the server's group commit) may keep them for
    # the whole transaction with keep_rows_alive.
    own = KEEP_ALIVE not in session.info
    if own:
        session.info[KEEP_ALIVE] = []
    try:
        yield touched
    finally:
        session.info.pop("acero_touched", None)
        if own:
            session.info.pop(KEEP_ALIVE, None)


KEEP_ALIVE = "acero_keep_alive"


@contextmanager
def keep_rows_alive(session: Session) -> Iterator[None]:
    """Hold every row loaded or written in ``session`` until the block ends.

    For a transaction that runs many mutations on the same rows: the second comment on a
    ticket finds the ticket in the identity map instead of reading it again.
    """
    session.info[KEEP_ALIVE] = []
    try:
        yield
    finally:
        session.info.pop(KEEP_ALIVE, None)


@event.listens_for(Session, "loaded_as_persistent")
@event.listens_for(Session, "pending_to_persistent")
def _keep_alive(session: Session, instance: object) -> None:
    kept: list[object] | None = session.info.get(KEEP_ALIVE)
    if kept is not None:
        kept.append(instance)


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
    """The touched rows in an order that depends on nothing but the rows themselves.

    The flush order follows the session's identity map, which differs between a client that
    has had a ticket open for hours and a server that just loaded it. So: upserts first, parent
    tables before their children (each row can be written as it comes, foreign keys hold),
    then deletes, children first; by id within a table.
    """
    upserts = sorted((k for k, (_, deleted) in touched.items() if not deleted), key=_upsert_order)
    deletes = sorted((k for k, (_, deleted) in touched.items() if deleted), key=_delete_order)
    changes = [
        RowChange(table, row_id, "upsert", encode_row(touched[table, row_id][0]))
        for table, row_id in upserts
    ]
    changes += [RowChange(table, row_id, "delete") for table, row_id in deletes]
    return changes


_TABLE_RANK = {table.name: rank for rank, table in enumerate(Base.metadata.sorted_tables)}


def _upsert_order(key: tuple[str, str]) -> tuple[int, str]:
    return (_TABLE_RANK.get(key[0], len(_TABLE_RANK)), key[1])


def _delete_order(key: tuple[str, str]) -> tuple[int, str]:
    return (-_TABLE_RANK.get(key[0], len(_TABLE_RANK)), key[1])
