"""Shared fixtures. Qt runs offscreen; a WARNING log record nobody expected fails the test."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from acero_desktop.store import make_engine, session_factory, upgrade
from acero_desktop.store.engine import sqlite_url

pytest_plugins = ["tests.pg"]  # the pg_url fixture (PostgreSQL tests)

# Loggers whose WARNINGs are expected in tests and do not signal a bug.
LOG_ALLOW = {
    "alembic.runtime.migration",  # prints INFO normally; kept here in case of upgrades
}


class _FailOnWarning(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name not in LOG_ALLOW:
            self.records.append(record)


@pytest.fixture(autouse=True)
def fail_on_unexpected_warning(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests that provoke a WARNING on purpose carry ``@pytest.mark.allow_log_warnings``."""
    handler = _FailOnWarning()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
    if request.node.get_closest_marker("allow_log_warnings") is None and handler.records:
        lines = "\n".join(f"{r.name}: {r.getMessage()}" for r in handler.records)
        pytest.fail(f"unexpected WARNING log records:\n{lines}")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_log_warnings: the test expects WARNING log records")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "acero.db"


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    """A real SQLite file migrated to the current schema."""
    eng = make_engine(sqlite_url(db_path))
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as s:
        yield s
