"""Start-up without Alembic: a database at its heads is recognised by one plain query."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from acero_desktop.server.migrate import SERVER
from acero_desktop.store.engine import make_engine, sqlite_url
from acero_desktop.store.migrate import (
    DOMAIN,
    MigrationSet,
    alembic_config,
    at_head,
    current_revision,
    head_revision,
    script_heads,
    upgrade,
)
from acero_desktop.sync.cache import LocalCache
from acero_desktop.sync.migrations_set import CLIENT

CHAINS = [DOMAIN, CLIENT, SERVER]


@pytest.mark.parametrize("chain", CHAINS, ids=["domain", "client", "server"])
def test_heads_read_from_the_scripts_are_alembics(chain: MigrationSet) -> None:
    alembic_heads = ScriptDirectory.from_config(alembic_config(migrations=chain)).get_heads()
    assert script_heads(chain.directory) == frozenset(alembic_heads)
    assert head_revision(chain) == alembic_heads[0]


def test_at_head_only_when_every_chain_step_ran(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "c.db"), foreign_keys=False)
    assert not at_head(engine)
    assert current_revision(engine) is None
    upgrade(engine)
    assert at_head(engine)
    assert not at_head(engine, CLIENT)
    upgrade(engine, CLIENT)
    assert at_head(engine, CLIENT)
    command.downgrade(alembic_config(engine, CLIENT), "c0001")
    assert current_revision(engine, CLIENT) == "c0001"
    assert not at_head(engine, CLIENT)
    upgrade(engine, CLIENT)  # the missing step runs
    assert current_revision(engine, CLIENT) == head_revision(CLIENT)
    engine.dispose()


def test_client_cache_has_its_list_indexes(tmp_path: Path) -> None:
    cache = LocalCache.open(tmp_path / "c.db")
    names = {ix["name"] for ix in inspect(cache.engine).get_indexes("ticket")}
    cache.close()
    assert {
        "ix_client_ticket_updated",
        "ix_client_ticket_status_updated",
        "ix_client_ticket_priority_updated",
        "ix_client_ticket_team_updated",
    } <= names


def test_opening_a_current_cache_does_not_import_alembic(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    LocalCache.open(path).close()
    probe = (
        "import sys\n"
        "from acero_desktop.sync.cache import LocalCache\n"
        f"LocalCache.open({str(path)!r}).close()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"
