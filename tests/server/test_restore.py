"""A store restored from a backup takes a new server id, so clients rebuild instead of trusting
cursors into a history the store no longer has (the end-to-end case is in tests/sync)."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest

from acero_desktop.server.app import _check_restore
from acero_desktop.server.config import ServerConfig
from acero_desktop.server.db import Store, allocate_seqs
from acero_desktop.server.served import FILE_NAME, ServedMark
from tests.server.harness import cli


def _backup(source: Path, dest: Path) -> None:
    """A consistent copy, as sqlite3's ``.backup`` makes (the WAL included)."""
    with sqlite3.connect(source) as src, sqlite3.connect(dest) as dst:
        src.backup(dst)
    dst.close()
    src.close()


def _restore(backup: Path, db: Path) -> None:
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    shutil.copy(backup, db)


def _store(path: Path) -> Store:
    return Store(f"sqlite:///{path}")


def _advance(store: Store, count: int) -> int:
    with store.write_session() as session:
        return allocate_seqs(session, count)


def _serve(store: Store, data_dir: Path, seq: int) -> None:
    asyncio.run(ServedMark(data_dir, store.server_id).ensure(seq))


def _config(tmp_path: Path, db: Path) -> ServerConfig:
    return ServerConfig(db_url=f"sqlite:///{db}", data_dir=tmp_path / "data")


def test_a_store_behind_the_cursors_it_served_takes_a_new_server_id(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    store = _store(db)
    backup = tmp_path / "backup.db"
    _backup(db, backup)
    served_head = _advance(store, 5)
    _serve(store, tmp_path / "data", served_head)
    old_id = store.server_id
    store.dispose()
    _restore(backup, db)  # the operator restores yesterday's backup
    restored = _store(db)
    try:
        assert restored.server_id == old_id  # the backup holds the old identity...
        _check_restore(restored, _config(tmp_path, db))
        assert restored.server_id != old_id  # ...which the server drops at start
        assert _store(db).server_id == restored.server_id  # and keeps from now on
    finally:
        restored.dispose()


def test_a_plain_restart_keeps_the_server_id(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    store = _store(db)
    _serve(store, tmp_path / "data", _advance(store, 5))
    old_id = store.server_id
    _check_restore(store, _config(tmp_path, db))
    assert store.server_id == old_id
    store.dispose()


def test_the_new_identity_is_not_taken_again_at_the_next_start(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    store = _store(db)
    backup = tmp_path / "backup.db"
    _backup(db, backup)
    _serve(store, tmp_path / "data", _advance(store, 5))
    store.dispose()
    _restore(backup, db)
    restored = _store(db)
    _check_restore(restored, _config(tmp_path, db))
    new_id = restored.server_id
    _check_restore(restored, _config(tmp_path, db))
    assert restored.server_id == new_id
    restored.dispose()


def test_stores_sharing_a_data_directory_keep_their_own_marks(tmp_path: Path) -> None:
    data = tmp_path / "data"
    busy, quiet = _store(tmp_path / "busy.db"), _store(tmp_path / "quiet.db")
    _serve(busy, data, _advance(busy, 50))
    _serve(quiet, data, _advance(quiet, 2))
    quiet_id = quiet.server_id
    _check_restore(quiet, _config(tmp_path, tmp_path / "quiet.db"))
    assert quiet.server_id == quiet_id  # 2 is behind busy's 50, but busy is another store
    assert ServedMark(data, busy.server_id).head == 50
    busy.dispose()
    quiet.dispose()


def test_an_unreadable_mark_file_is_treated_as_no_mark(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / FILE_NAME).write_text("{not json", encoding="utf-8")
    store = _store(tmp_path / "s.db")
    old_id = store.server_id
    _check_restore(store, _config(tmp_path, tmp_path / "s.db"))
    assert store.server_id == old_id
    store.dispose()


@pytest.mark.parametrize("runs", [1, 2])
def test_new_id_command_gives_the_store_a_new_identity(tmp_path: Path, runs: int) -> None:
    db = tmp_path / "s.db"
    store = _store(db)
    ids = [store.server_id]
    store.dispose()
    for _ in range(runs):
        result = cli(f"sqlite:///{db}", "new-id")
        assert result.returncode == 0, result.stderr
        assert "clients rebuild their caches" in result.stdout
        reopened = _store(db)
        ids.append(reopened.server_id)
        reopened.dispose()
    assert len(set(ids)) == runs + 1
