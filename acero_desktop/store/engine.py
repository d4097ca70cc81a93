"""Engines for SQLite (client cache, small servers) and PostgreSQL (large servers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-65536",
    "PRAGMA mmap_size=268435456",
)


def sqlite_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path)}"


def make_engine(url: str, *, foreign_keys: bool = True, **kwargs: Any) -> Engine:
    """An engine; SQLite gets WAL, foreign keys and transactions that Python does not meddle with.

    pysqlite opens transactions lazily and commits behind our back around DDL; we switch that
    off and issue BEGIN ourselves so savepoints and ``BEGIN IMMEDIATE`` work as documented.

    ``foreign_keys=False`` is for the client cache: it holds only the rows its user may see, so
    a visible row may point at an invisible one (an article's source ticket of another team).
    """
    if not url.startswith("sqlite"):
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    kwargs.setdefault("connect_args", {"check_same_thread": False})
    engine = create_engine(url, **kwargs)

    in_memory = ":memory:" in url or url in ("sqlite://", "sqlite:///")
    pragmas = [
        "PRAGMA foreign_keys=OFF" if "foreign_keys" in p and not foreign_keys else p
        for p in SQLITE_PRAGMAS
        if not (in_memory and ("journal_mode" in p or "mmap" in p))
    ]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        for pragma in pragmas:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Short sessions whose objects stay readable after commit (no lazy reload surprises)."""
    return sessionmaker(engine, expire_on_commit=False)
