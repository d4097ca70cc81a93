"""Alembic migrations run programmatically at start-up.

The domain schema (``models``) is shared by the server store and the client cache. The server's
own tables (credentials, change log, ...) and the client's (outbox, sync state) are separate
migration sets with their own version table, so neither side carries the other's tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine


@dataclass(frozen=True)
class MigrationSet:
    """A chain of migrations: where its scripts are and which table records its version."""

    directory: Path
    version_table: str = "alembic_version"
    # Dotted path of the MetaData the chain creates (read by env.py for autogenerate).
    metadata: str = "acero_desktop.models:Base.metadata"


DOMAIN = MigrationSet(Path(__file__).with_name("migrations"))


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer Acero than this one."""


def alembic_config(engine: Engine | None = None, migrations: MigrationSet = DOMAIN) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations.directory))
    cfg.attributes["migration_set"] = migrations
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def head_revision(migrations: MigrationSet = DOMAIN) -> str:
    head = ScriptDirectory.from_config(alembic_config(migrations=migrations)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine, migrations: MigrationSet = DOMAIN) -> str | None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": migrations.version_table})
        return ctx.get_current_revision()


def upgrade(engine: Engine, migrations: MigrationSet = DOMAIN) -> None:
    """Bring the schema to this version's head; refuse a database newer than the code."""
    current = current_revision(engine, migrations)
    script = ScriptDirectory.from_config(alembic_config(migrations=migrations))
    if current is not None and not _known(script, current):
        raise SchemaTooNew(
            f"This database was written by a newer version of Acero (schema {current}); "
            "update Acero to open it."
        )
    command.upgrade(alembic_config(engine, migrations), "head")


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False
