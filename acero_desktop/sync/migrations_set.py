"""The client cache's migration chain."""

from pathlib import Path

from acero_desktop.store.migrate import MigrationSet

CLIENT = MigrationSet(
    Path(__file__).with_name("migrations"),
    version_table="alembic_version_client",
    metadata="acero_desktop.sync.tables:ClientBase.metadata",
)
