"""``acero --reset-cache``: start the cache afresh from the server, keeping unsent changes.

A cache that went wrong (a bug, a disk problem, a very old file) is rebuilt rather than repaired:
a new file is made with the current migrations and receives the old one's identity (client id,
next mutation id, user, server) and its outbox (the changes the server has not confirmed) and
sync issues, with no cursor. The next start therefore asks for a full snapshot, and the outbox
is replayed on top and sent: mutations the server had already processed are answered
``duplicate`` (same client id, same ids), so nothing is applied twice and nothing typed is lost.

The old file is replaced only once the new one is complete; a file that cannot even be read is
left where it is and the reset refused, because its outbox would be lost with it.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, update

from acero_desktop.sync.cache import LocalCache
from acero_desktop.sync.tables import OutboxEntry, SyncIssue, SyncMeta

from . import paths


class ResetFailed(Exception):
    """Why the cache was left as it was, in one sentence."""


@dataclass(frozen=True, slots=True)
class ResetReport:
    path: Path
    kept_changes: int
    existed: bool


def reset_cache(path: Path) -> ResetReport:
    """Rebuild the cache file at ``path`` empty, with the same identity and the same outbox."""
    if not path.exists():
        return ResetReport(path, 0, existed=False)
    try:
        old = LocalCache.open(path)
    except Exception as exc:
        raise ResetFailed(
            f"{path} cannot be read ({type(exc).__name__}: {exc}); it was left untouched. "
            "Delete it by hand only if losing its unsent changes is acceptable."
        ) from exc
    try:
        meta = old.meta()
        outbox = [
            {"mutation_id": e.mutation_id, "name": e.name, "args": e.args, "ts": e.ts}
            for e in old.pending()
        ]
        issues = [
            {
                "mutation_id": i.mutation_id,
                "name": i.name,
                "args": i.args,
                "code": i.code,
                "message": i.message,
                "created_at": i.created_at,
                "dismissed_at": i.dismissed_at,
            }
            for i in old.issues(include_dismissed=False)
        ]
    finally:
        old.close()
    fresh_path = path.with_name(path.name + ".resetting")
    _remove_db(fresh_path)
    fresh = LocalCache.open(fresh_path)
    try:
        with fresh.engine.begin() as conn:
            conn.execute(
                update(SyncMeta)
                .where(SyncMeta.id == 1)
                .values(
                    client_id=meta.client_id,
                    user_id=meta.user_id,
                    server_url=meta.server_url,
                    server_id=None,
                    cursor=None,
                    next_mutation_id=meta.next_mutation_id,
                    last_notified_seq=meta.last_notified_seq,
                    last_synced_at=None,
                )
            )
            if outbox:
                conn.execute(insert(OutboxEntry), outbox)
            if issues:
                conn.execute(insert(SyncIssue), issues)
        with fresh.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        fresh.close()
    _fold_wal(fresh_path)
    # The old WAL and shared-memory files belong to the old file: never pair them with the new.
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    fresh_path.replace(path)
    return ResetReport(path, len(outbox), existed=True)


def _fold_wal(path: Path) -> None:
    """Leave one self-contained file (no -wal/-shm), so it can be moved on its own."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def reset_main(server: str | None, user: str | None) -> int:
    """The command: the signed-in account's cache (or the one given), and the attachment copies."""
    from PySide6.QtCore import QCoreApplication

    from .settings import read_str
    from .single_instance import SingleInstance, instance_name

    app = QCoreApplication.instance() or QCoreApplication([sys.argv[0]])
    server = server or read_str("login/server")
    user = user or read_str("login/user")
    if not (server and user):
        print(
            "acero: nobody has signed in on this computer yet; give --server and --user.",
            file=sys.stderr,
        )
        return 2
    if SingleInstance(instance_name("client"), app).notify_running():
        print("acero: Acero is running; quit it first, then reset the cache.", file=sys.stderr)
        return 1
    path = paths.cache_file(server, user)
    try:
        report = reset_cache(path)
    except ResetFailed as exc:
        print(f"acero: {exc}", file=sys.stderr)
        return 1
    shutil.rmtree(paths.attachments_dir(), ignore_errors=True)
    if not report.existed:
        print(f"No cache for {user} on {server} yet ({path}); nothing to reset.")
        return 0
    print(
        f"Reset the cache of {user} on {server} ({path}); kept {report.kept_changes} "
        "unsent change(s). The next start of Acero downloads everything again from the "
        "server and then sends them."
    )
    return 0
