"""A real ``acero-server serve`` process on 127.0.0.1, on a seeded SQLite file of its own.

``seeded_template(n)`` runs ``acero-server seed-demo --tickets n`` once and keeps the file in a
cache keyed by the code that shapes it (seeding hashes a password per demo user with argon2,
which costs tens of seconds on a busy machine); every ``LiveServer`` starts on its own copy.

    server = LiveServer.from_template(tmp_path, tickets=40).start()
    token = server.login("agent")
    ...
    server.kill()       # SIGKILL: no shutdown, no last answer
    server.restart()    # same database file, same port
    server.stop()       # SIGTERM: sockets closed with 1001
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from tests.support.server_process import REPO, ServerProcess

DEMO_PASSWORD = "demo-password"
DEMO_USERS = ("agent", "lead", "admin", "requester")
PACKAGE = REPO / "acero_desktop"
# The code that decides what a seeded file holds; a change to any of it seeds again.
_SEED_INPUTS = (
    "store",
    "models",
    "server/migrations",
    "server/tables.py",
    "server/auth.py",
    "server/db.py",
    "server/cli.py",
)


# --- the seeded template ---------------------------------------------------------------------


def _seed_key(tickets: int) -> str:
    digest = hashlib.sha256(f"tickets={tickets}".encode())
    for item in _SEED_INPUTS:
        base = PACKAGE / item
        files = sorted(base.rglob("*.py")) if base.is_dir() else [base]
        for f in files:
            digest.update(str(f.relative_to(PACKAGE)).encode())
            digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def seed_cache_dir() -> Path:
    raw = os.environ.get("ACERO_TEST_SEED_CACHE")
    path = Path(raw) if raw else Path(tempfile.gettempdir()) / "acero-test-seeds"
    path.mkdir(parents=True, exist_ok=True)
    return path


def seed_db(path: Path, tickets: int, *, timeout: float = 900.0) -> None:
    """``acero-server seed-demo --tickets n`` into ``path`` (a new file), checkpointed."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "acero_desktop.server.cli",
            "seed-demo",
            "--db",
            f"sqlite:///{path}",
            "--tickets",
            str(tickets),
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )
    if result.returncode != 0:
        raise RuntimeError(f"seed-demo failed:\n{result.stdout}\n{result.stderr}")
    checkpoint(path)


def checkpoint(path: Path) -> None:
    """Fold the WAL into the main file, so copying that one file copies the database."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def seeded_template(tickets: int = 40) -> Path:
    """A demo database with ``tickets`` tickets, seeded once and reused (never modify it)."""
    cache = seed_cache_dir()
    path = cache / f"demo-{tickets}-{_seed_key(tickets)}.db"
    if path.exists():
        return path
    with open(cache / f"demo-{tickets}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test run may be seeding the same file
        if not path.exists():
            tmp = path.with_suffix(f".tmp-{os.getpid()}")
            for stale in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                stale.unlink(missing_ok=True)
            seed_db(tmp, tickets)
            tmp.replace(path)
    return path


def copy_db(source: Path, dest: Path) -> None:
    """Copy a (checkpointed or closed) SQLite file with its WAL, if it has one."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{dest}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, dest)
    wal = Path(f"{source}-wal")
    if wal.exists():
        shutil.copyfile(wal, f"{dest}-wal")


def set_server_id(db_path: Path, server_id: str | None = None) -> str:
    """Give a (stopped) server's store a new id: what a restore onto a new server looks like."""
    new = server_id or str(uuid.uuid4())
    conn = sqlite3.connect(db_path)
    try:
        conn.execute("UPDATE server_info SET server_id = ? WHERE id = 1", (new,))
        conn.commit()
    finally:
        conn.close()
    return new


# --- the server process ----------------------------------------------------------------------


class LiveServer(ServerProcess):
    """A server over the SQLite file ``db_path``, which tests also read directly."""

    default_password = DEMO_PASSWORD

    def __init__(
        self,
        db_path: Path,
        data_dir: Path,
        *extra: str,
        poll_interval: float = 0.2,
        env: dict[str, str] | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        super().__init__(
            f"sqlite:///{self.db_path}", data_dir, *extra, poll_interval=poll_interval, env=env
        )
        self._engine: Engine | None = None

    @classmethod
    def from_template(
        cls, workdir: Path, *extra: str, tickets: int = 40, name: str = "server", **kw: Any
    ) -> LiveServer:
        """A server on a fresh copy of the seeded template (not started yet)."""
        workdir = Path(workdir)
        db = workdir / f"{name}.db"
        copy_db(seeded_template(tickets), db)
        return cls(db, workdir / f"{name}-data", *extra, **kw)

    def start(self, timeout: float = 120.0) -> LiveServer:
        super().start(timeout)
        return self

    def restart(self, *, kill: bool = False, timeout: float = 120.0) -> LiveServer:
        super().restart(kill=kill, timeout=timeout)
        return self

    def close(self) -> None:
        super().close()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> LiveServer:
        return self if self.alive else self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- the store, read directly (assertions) --------------------------------------------

    @property
    def engine(self) -> Engine:
        """A reader on the server's SQLite file (no pool: nothing held between checks)."""
        if self._engine is None:
            engine = create_engine(
                self.db_url, poolclass=NullPool, connect_args={"check_same_thread": False}
            )

            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_conn: Any, _record: Any) -> None:
                dbapi_conn.execute("PRAGMA busy_timeout=30000")

            self._engine = engine
        return self._engine

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine) as session:
            yield session

    def head(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT seq FROM sync_head WHERE id = 1").scalar_one())

    def server_id(self) -> str:
        with self.engine.connect() as conn:
            return str(
                conn.exec_driver_sql("SELECT server_id FROM server_info WHERE id = 1").scalar_one()
            )

    def user_id(self, username: str) -> uuid.UUID:
        with self.engine.connect() as conn:
            raw = conn.exec_driver_sql(
                'SELECT id FROM "user" WHERE username = ?', (username,)
            ).scalar_one()
        return uuid.UUID(str(raw)) if not isinstance(raw, uuid.UUID) else raw
