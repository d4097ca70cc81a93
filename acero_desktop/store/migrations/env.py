"""Alembic environment shared by every migration set; always driven from code.

``config.attributes`` carries the engine and the MigrationSet (version table, metadata).
"""

from __future__ import annotations

import importlib

from alembic import context

from acero_desktop.store.migrate import DOMAIN, MigrationSet
from acero_desktop.store.migrations_filter import include_object

config = context.config


def _metadata(migrations: MigrationSet) -> object:
    module_name, _, attr_path = migrations.metadata.partition(":")
    obj: object = importlib.import_module(module_name)
    for part in attr_path.split("."):
        obj = getattr(obj, part)
    return obj


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    migrations: MigrationSet = config.attributes.get("migration_set", DOMAIN)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=_metadata(migrations),
            version_table=migrations.version_table,
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=include_object,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
