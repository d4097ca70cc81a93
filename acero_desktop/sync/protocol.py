"""The websocket sync protocol: every message both ends exchange, as pydantic models.

Imported by the desktop client and by the server; it imports nothing of either (only pydantic),
so the client never pulls server code in.

Every message is a JSON object with ``type`` and ``v`` (the protocol version of the sender).

Client → server
    ``hello``  {protocol, token, client_id, cursor, server_id, app_version}
        ``cursor`` is the last change-log ``seq`` the client has stored (null for an empty
        cache); ``server_id`` the id of the store it was synced with (null when new).
    ``push``   {mutations: [{id, name, args, ts}]}
        ``id`` counts up by one per client with no holes; ``ts`` is the client's clock when the
        change was made (the server clamps it, see the server's push module).
    ``ping``   {nonce}

Server → client
    ``welcome`` {protocol, min_protocol, user, server_id, cursor, last_mutation_id, sync, limits}
        ``cursor`` is the server's head; ``sync`` says what follows: ``changes`` (catch-up pages),
        ``snapshot`` (the client must rebuild from the snapshot pages) or ``none``.
    ``changes`` {from, to, total, final, rows: [{seq, table, id, op, row}]}
        "Every change you may see in (from, to]". A live batch is one message with
        ``final`` true; a catch-up is several pages with the same ``from``/``to`` of which only
        the last is ``final``: apply every page, and move the cursor to ``to`` only on the final
        one. ``total`` is the number of rows in the whole catch-up (progress). Apply a message
        only when ``from`` equals your cursor. ``op`` is ``upsert`` (``row`` is the full row)
        or ``delete`` (``row`` is null; a deleted ``ticket`` takes everything hanging off it).
    ``snapshot_page`` {snapshot_seq, table, rows, page, pages, total}
    ``snapshot_done`` {cursor, server_id}
        A snapshot replaces the whole cache (keep the outbox): stage the pages and swap them in
        with ``cursor`` at ``snapshot_done``. Pages come parents first, so foreign keys hold.
    ``push_result`` {results: [{id, status, seq, code, message, original, expected, current}]}
        ``applied``: done, its changes are in the log up to ``seq``. ``duplicate``: seen before,
        ``original`` says how it ended (and ``code``/``message`` if it was rejected).
        ``rejected``: refused for good; restore the rows in ``current``. ``gap``: ``id`` is not
        ``expected`` (= last + 1); nothing from it on was looked at. ``retry``: a passing server
        problem; send it (and what follows) again later.
        A mutation is confirmed when the client's cursor has reached its ``seq``.
    ``pong``    {nonce, cursor}
    ``error``   {code, message, ref}
        ``code`` is one of ERROR_CODES; the connection stays open unless the server closes it
        with one of the CLOSE_* codes.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field

PROTOCOL_VERSION = 1
# The oldest client protocol this code still speaks.
MIN_PROTOCOL_VERSION = 1

UPGRADE_MESSAGE = "This version of Acero is too old for the server; please update Acero."

ERROR_CODES = (
    "bad_frame",  # not JSON, not an object, unknown type, wrong field types
    "too_large",  # frame or batch over the limit
    "rate_limited",  # too many messages per second on this connection
    "upgrade_required",  # the client's protocol is too old (or too new) for the server
    "auth",  # token unknown, expired or revoked; account disabled
    "hello_required",  # a message came before a successful hello
    "unexpected",  # a message the server does not accept from a client (e.g. "welcome")
    "resync",  # the user's access changed: reconnect and rebuild
    "server_error",  # the server failed; the client may retry
)

# Websocket close codes the server uses (4000-4999 are the application's own).
CLOSE_GOING_AWAY = 1001  # server shutting down
CLOSE_POLICY = 1008  # generic policy violation
CLOSE_RESYNC = 4000  # access changed: reconnect, a snapshot follows
CLOSE_AUTH = 4001  # token expired, revoked or account disabled: log in again
CLOSE_IDLE = 4002  # nothing heard from the client for too long
CLOSE_UPGRADE = 4003  # protocol too old: update Acero
CLOSE_HELLO = 4004  # no valid hello in time


class ProtocolError(ValueError):
    """A frame that is not a valid message; ``reason`` is a sentence for logs and the peer."""

    def __init__(self, reason: str, *, code: str = "bad_frame", ref: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.ref = ref


class _Msg(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    v: int = PROTOCOL_VERSION


# --- client → server ----------------------------------------------------------------------


class Hello(_Msg):
    type: Literal["hello"] = "hello"
    protocol: int
    token: str = Field(min_length=1, max_length=512)
    client_id: str = Field(min_length=1, max_length=64)
    cursor: int | None = Field(default=None, ge=0)
    server_id: str | None = None
    app_version: str | None = Field(default=None, max_length=64)


class Mutation(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    id: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=100)
    args: dict[str, Any]
    ts: datetime | None = None


class Push(_Msg):
    type: Literal["push"] = "push"
    mutations: list[Mutation]


class Ping(_Msg):
    type: Literal["ping"] = "ping"
    nonce: str | int | None = None


# --- server → client ----------------------------------------------------------------------


class UserInfo(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    username: str
    name: str
    role: str
    team_ids: list[str] = []


class Limits(BaseModel):
    model_config = ConfigDict(frozen=True)
    max_frame_bytes: int
    max_batch: int
    messages_per_second: float


class Welcome(_Msg):
    type: Literal["welcome"] = "welcome"
    protocol: int = PROTOCOL_VERSION
    min_protocol: int = MIN_PROTOCOL_VERSION
    user: UserInfo
    server_id: str
    cursor: int
    last_mutation_id: int
    sync: Literal["changes", "snapshot", "none"]
    limits: Limits


class RowOp(BaseModel):
    model_config = ConfigDict(frozen=True)
    seq: int | None = None
    table: str
    id: str
    op: Literal["upsert", "delete"]
    row: dict[str, Any] | None = None


class Changes(_Msg):
    type: Literal["changes"] = "changes"
    from_: int = Field(alias="from")
    to: int
    total: int
    final: bool = True
    rows: list[RowOp]

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class SnapshotPage(_Msg):
    type: Literal["snapshot_page"] = "snapshot_page"
    snapshot_seq: int
    table: str
    rows: list[dict[str, Any]]
    page: int
    pages: int
    total: int


class SnapshotDone(_Msg):
    type: Literal["snapshot_done"] = "snapshot_done"
    cursor: int
    server_id: str


PushStatus = Literal["applied", "duplicate", "rejected", "gap", "retry"]


class MutationResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: int
    status: PushStatus
    seq: int | None = None
    code: str | None = None
    message: str | None = None
    # For a duplicate: how the mutation ended the first time ("applied" or "rejected").
    original: Literal["applied", "rejected"] | None = None
    # For a gap: the id the server expected.
    expected: int | None = None
    current: list[RowOp] = []


class PushResult(_Msg):
    type: Literal["push_result"] = "push_result"
    results: list[MutationResult]


class Pong(_Msg):
    type: Literal["pong"] = "pong"
    nonce: str | int | None = None
    cursor: int


class Error(_Msg):
    type: Literal["error"] = "error"
    code: str
    message: str
    ref: str | None = None


ClientMessage = Annotated[Hello | Push | Ping, Field(discriminator="type")]
ServerMessage = Annotated[
    Welcome | Changes | SnapshotPage | SnapshotDone | PushResult | Pong | Error,
    Field(discriminator="type"),
]

CLIENT_TYPES: dict[str, type[_Msg]] = {"hello": Hello, "push": Push, "ping": Ping}
SERVER_TYPES: dict[str, type[_Msg]] = {
    "welcome": Welcome,
    "changes": Changes,
    "snapshot_page": SnapshotPage,
    "snapshot_done": SnapshotDone,
    "push_result": PushResult,
    "pong": Pong,
    "error": Error,
}
ALL_TYPES = {**CLIENT_TYPES, **SERVER_TYPES}


def parse_message(
    raw: str | bytes | dict[str, Any], *, types: dict[str, type[_Msg]] | None = None
) -> Any:
    """Decode one frame into its message model, or raise ProtocolError saying what is wrong.

    ``types`` narrows the accepted types (the server passes CLIENT_TYPES, the client
    SERVER_TYPES); by default every message type is accepted.
    """
    accepted = ALL_TYPES if types is None else types
    if isinstance(raw, dict):
        data: Any = raw
    else:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ProtocolError(f"The frame is not valid JSON ({exc}).") from None
    if not isinstance(data, dict):
        raise ProtocolError("A message must be a JSON object with a 'type'.")
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("The message has no 'type' string.")
    model = accepted.get(kind)
    if model is None:
        if kind in ALL_TYPES:
            raise ProtocolError(
                f"A {kind!r} message is not accepted here.", code="unexpected", ref=kind
            )
        raise ProtocolError(f"Unknown message type {kind!r}.", ref=kind)
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ProtocolError(_explain(kind, exc), ref=kind) from None


def _explain(kind: str, exc: pydantic.ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    more = len(exc.errors()) - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"Bad {kind!r} message: {where or 'message'}: {first['msg']}{tail}."


def dump(message: _Msg) -> str:
    """Serialise a message for the wire (aliases such as ``from`` applied)."""
    return message.model_dump_json(by_alias=True)
