"""Schema of a server store: the domain chain first, then the server's own chain."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from acero_desktop.store.migrate import (
    DOMAIN,
    MigrationSet,
    current_revision,
    head_revision,
    upgrade,
)

SERVER = MigrationSet(
    Path(__file__).with_name("migrations"),
    version_table="alembic_version_server",
    metadata="acero_desktop.server.tables:ServerBase.metadata",
)


def upgrade_server_store(engine: Engine) -> None:
    """Migrate both chains to this code's heads; SchemaTooNew when the database is newer.

    A store already at both heads is left alone without starting Alembic's machinery (the
    admin CLI opens the store on every command).
    """
    for chain in (DOMAIN, SERVER):
        if current_revision(engine, chain) != head_revision(chain):
            upgrade(engine, chain)
