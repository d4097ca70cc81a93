"""The client cache's own tables: sync state, the outbox, the rebase shadow and sync issues.

They live on their own metadata and migration chain (version table ``alembic_version_client``)
so the domain schema stays identical on client and server.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, MetaData, String, Text, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from acero_desktop.models.base import NAMING_CONVENTION
from acero_desktop.models.types import UTCDateTime


class ClientBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SyncMeta(ClientBase):
    """One row: who this cache belongs to and how far it has caught up with the server."""

    __tablename__ = "client_sync_meta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    server_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    server_url: Mapped[str | None] = mapped_column(String(500))
    # Highest server change-log seq stored in the cache; never ahead of the data.
    cursor: Mapped[int | None] = mapped_column(Integer)
    next_mutation_id: Mapped[int] = mapped_column(Integer, default=1)
    last_notified_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxEntry(ClientBase):
    """A mutation applied locally and not yet confirmed by the server, in id order."""

    __tablename__ = "client_outbox"

    mutation_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(64))
    args: Mapped[dict[str, Any]] = mapped_column(JSON)
    ts: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when the server answered applied/duplicate; the entry leaves once cursor >= ack_seq.
    ack_seq: Mapped[int | None] = mapped_column(Integer)


class ShadowRow(ClientBase):
    """The confirmed server state of a row that pending mutations changed (None: no such row).

    Rebase restores these, applies the server's changes, then replays the outbox: the cache is
    always the server's rows at the cursor plus the pending mutations, without a full copy.
    """

    __tablename__ = "client_shadow"

    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    row_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    row: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class SyncIssue(ClientBase):
    """A change of this user's that the server refused, told in plain words."""

    __tablename__ = "client_sync_issue"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mutation_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    args: Mapped[dict[str, Any]] = mapped_column(JSON)
    code: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
