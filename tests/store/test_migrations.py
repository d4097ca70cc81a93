"""The schema comes from Alembic, and Alembic agrees with the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from acero_desktop.models import Base
from acero_desktop.store import SchemaTooNew, make_engine, upgrade
from acero_desktop.store.engine import sqlite_url
from acero_desktop.store.migrate import current_revision, head_revision


def test_migrations_create_every_model_table(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_models_and_migrations_agree(engine: Engine) -> None:
    from acero_desktop.store.migrations_filter import include_object

    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent(engine: Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    eng = make_engine(sqlite_url(tmp_path / "future.db"))
    upgrade(eng)
    with eng.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'from_the_future'"))
    with pytest.raises(SchemaTooNew, match="newer version of Acero"):
        upgrade(eng)
    eng.dispose()


def test_sqlite_store_runs_in_wal_mode_with_foreign_keys(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
