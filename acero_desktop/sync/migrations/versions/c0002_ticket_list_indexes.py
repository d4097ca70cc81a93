"""client-only indexes for the ticket table's lists

Revision ID: c0002
Revises: c0001
Create Date: 2026-11-26 22:10:00

The client lists tickets as ids in the order "most recently updated first" (``ORDER BY
updated_at DESC, id DESC``), filtered by status, priority, team or date. These indexes hold
the order and the id, so SQLite answers from the index alone: no lookup of each 1 kB ticket row,
and for one status / priority / team no sort. They live in the client chain: the server lists
tickets in pages and does not pay for them on every write.

``created_at`` rides along in the updated index: "created:7d" then reads the index in order
instead of looking up every ticket's row.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c0002"
down_revision: str | None = "c0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_client_ticket_updated": ["updated_at", "id", "created_at"],
    "ix_client_ticket_status_updated": ["status", "updated_at", "id"],
    "ix_client_ticket_priority_updated": ["priority", "updated_at", "id"],
    "ix_client_ticket_team_updated": ["team_id", "updated_at", "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "ticket", columns)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        analyzed = bind.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
        ).first()
        if analyzed is not None:  # statistics exist: give the new indexes theirs
            bind.exec_driver_sql("ANALYZE ticket")


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="ticket")
