"""The server's own tables, on their own MetaData and migration chain.

The domain tables (``acero_desktop.models``) are shared with the client cache; these are not:
credentials, tokens, sync bookkeeping and the change log live only in the server store, created
by the second Alembic chain in ``server/migrations`` (version table ``alembic_version_server``).

Layout
------
``server_info``     one row: ``server_id`` (random UUID written once: a client that sees another
                    id rebuilds its cache) and ``auth_epoch`` (bumped by every revocation, user
                    disable or role change, so every serving process notices within a second).
``sync_head``       one row: ``seq`` (last sequence number handed out) and ``floor`` (the oldest
                    cursor a client may catch up from; below it a snapshot is sent). Sequence
                    numbers are taken with ``UPDATE sync_head SET seq = seq + n RETURNING seq``
                    inside the writing transaction, so they follow commit order: the row lock (or
                    SQLite's single writer) serialises committers. Never an autoincrement.
``change_log``      one row per row change: ``seq``, table, id, op, the row after (JSON) and
                    ``old`` (the fields that decide who may see the row, as they were before the
                    change; null for inserts), the ticket the row hangs off, and its origin.
``sync_client``     one row per client install: its user, ``last_mutation_id`` and the
                    ``scope`` (a fingerprint of the user's role and teams at its last sync).
``mutation_result`` the outcome of every processed (client, mutation id), answered again to a
                    replay.
``credential``      argon2id password hash per user.
``auth_token``      sha256 of each issued token, with expiry and revocation.
``login_failure``   failed logins, for throttling by user name and by address.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from acero_desktop.models import User
from acero_desktop.models.base import NAMING_CONVENTION
from acero_desktop.models.types import UTCDateTime

SERVER_TABLES = (
    "server_info",
    "sync_head",
    "change_log",
    "sync_client",
    "mutation_result",
    "credential",
    "auth_token",
    "login_failure",
)


class ServerBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


_USER_ID = User.__table__.c.id


class ServerInfo(ServerBase):
    __tablename__ = "server_info"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    server_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    auth_epoch: Mapped[int] = mapped_column(BigInteger, default=0)


class SyncHead(ServerBase):
    __tablename__ = "sync_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    floor: Mapped[int] = mapped_column(BigInteger, default=0)


class ChangeLog(ServerBase):
    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_ticket_seq", "ticket_id", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(64))
    op: Mapped[str] = mapped_column(String(8))
    row: Mapped[dict[str, object] | None] = mapped_column(JSON)
    old: Mapped[dict[str, object] | None] = mapped_column(JSON)
    ticket_id: Mapped[str | None] = mapped_column(String(36))
    actor_id: Mapped[str | None] = mapped_column(String(36))
    client_id: Mapped[str | None] = mapped_column(String(64))
    mutation_id: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class SyncClient(ServerBase):
    __tablename__ = "sync_client"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_USER_ID), index=True)
    last_mutation_id: Mapped[int] = mapped_column(BigInteger, default=0)
    scope: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MutationResultRow(ServerBase):
    __tablename__ = "mutation_result"
    __table_args__ = (PrimaryKeyConstraint("client_id", "mutation_id"),)

    client_id: Mapped[str] = mapped_column(String(64))
    mutation_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int | None] = mapped_column(BigInteger)
    code: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Credential(ServerBase):
    __tablename__ = "credential"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(_USER_ID, ondelete="CASCADE"), primary_key=True
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuthToken(ServerBase):
    __tablename__ = "auth_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(_USER_ID, ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    address: Mapped[str | None] = mapped_column(String(64))


class LoginFailure(ServerBase):
    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_username_at", "username", "at"),
        Index("ix_login_failure_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
