"""covering index for the open-ticket load of assignees

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 22:40:00

Smart assignment (``core/assignment.py``, inside every auto-assigned ``ticket.create``) sums
each team member's open tickets weighted by priority. With ``ix_ticket_assignee_status`` on
(assignee_id, status) SQLite found the tickets by index but read every ticket row for its
priority (about a hundred rows per agent on a 100k store); with priority in the index the
aggregate reads the index alone. Same name, one index either way, so no extra write cost
beyond a priority change now also touching it.
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_assignee_status')
        batch_op.create_index(
            'ix_ticket_assignee_status', ['assignee_id', 'status', 'priority'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_assignee_status')
        batch_op.create_index('ix_ticket_assignee_status', ['assignee_id', 'status'], unique=False)
