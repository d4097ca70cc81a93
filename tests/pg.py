"""PostgreSQL for tests: a fresh database per test on the server named by ACERO_TEST_POSTGRES_URL.

Use the ``pg_url`` fixture (and mark the test ``@pytest.mark.postgres``). The URL names any
database the role may connect to, e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``;
each test gets its own ``acero_test_<random>`` database there, dropped afterwards. Without the
variable, or when the server does not answer, the test is skipped and says why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

ENV_VAR = "ACERO_TEST_POSTGRES_URL"


def _server_url() -> URL:
    raw = os.environ.get(ENV_VAR)
    if not raw:
        pytest.skip(
            f"PostgreSQL tests need {ENV_VAR} (e.g. postgresql+psycopg://postgres@127.0.0.1/postgres)"
        )
    return make_url(raw)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database that is dropped after the test."""
    server = _server_url()
    admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"acero_test_{uuid.uuid4().hex[:16]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(
            f"PostgreSQL at {server.render_as_string(hide_password=True)} unreachable: {exc.orig}"
        )
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
