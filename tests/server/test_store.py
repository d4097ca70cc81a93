"""The server's own schema chain and the sequence counter, in-process."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from acero_desktop.server.changefeed import plan_sync
from acero_desktop.server.db import Store, allocate_seqs, head_and_floor, mark_out_of_band
from acero_desktop.server.migrate import SERVER
from acero_desktop.server.tables import SERVER_TABLES, ServerBase
from acero_desktop.store.migrate import current_revision, head_revision


def test_server_chain_creates_its_tables_with_its_own_version_table(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    try:
        tables = set(inspect(store.engine).get_table_names())
        assert set(SERVER_TABLES) <= tables
        assert {"alembic_version", "alembic_version_server", "ticket"} <= tables
        assert current_revision(store.engine, SERVER) == head_revision(SERVER)
        with store.engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, type_, _p: (
                        type_ != "table" or name in SERVER_TABLES
                    ),
                },
            )
            assert compare_metadata(ctx, ServerBase.metadata) == []
    finally:
        store.dispose()


def test_server_id_is_written_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    first = Store(url)
    second = Store(url)
    assert first.server_id == second.server_id
    first.dispose()
    second.dispose()


def test_sequence_numbers_and_the_floor(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    try:
        with store.write_session() as s:
            assert allocate_seqs(s, 3) == 3
            assert allocate_seqs(s, 2) == 5
        with store.write_session() as s:
            seq = mark_out_of_band(s)
        with store.read_session() as s:
            assert head_and_floor(s) == (seq, seq)
            plan = plan_sync(
                s, cursor=5, client_server_id=None, server_id=store.server_id, scope_changed=False
            )
            assert plan.kind == "snapshot"
            assert "older than the log" in plan.reason
            same = plan_sync(
                s,
                cursor=seq,
                client_server_id=store.server_id,
                server_id=store.server_id,
                scope_changed=False,
            )
            assert same.kind == "none"
            assert s.execute(text("SELECT count(*) FROM change_log")).scalar() == 0
    finally:
        store.dispose()
