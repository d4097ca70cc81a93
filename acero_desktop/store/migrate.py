"""Alembic migrations run programmatically at start-up.

The domain schema (``models``) is shared by the server store and the client cache. The server's
own tables (credentials, change log, ...) and the client's (outbox, sync state) are separate
migration sets with their own version table, so neither side carries the other's tables.

Alembic itself is imported only when a migration is due: a database already at its heads is
recognised with one plain query of the version table against the revisions written in the
scripts (read as text, not imported). Importing Alembic costs a few hundred milliseconds,
which the desktop client would otherwise pay on every start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory


@dataclass(frozen=True)
class MigrationSet:
    """A chain of migrations: where its scripts are and which table records its version."""

    directory: Path
    version_table: str = "alembic_version"
    # Dotted path of the MetaData the chain creates (read by env.py for autogenerate).
    metadata: str = "acero_desktop.models:Base.metadata"


DOMAIN = MigrationSet(Path(__file__).with_name("migrations"))


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer Acero than this one."""


def alembic_config(engine: Engine | None = None, migrations: MigrationSet = DOMAIN) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations.directory))
    cfg.attributes["migration_set"] = migrations
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def _script_directory(migrations: MigrationSet) -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(migrations=migrations))


def head_revision(migrations: MigrationSet = DOMAIN) -> str:
    heads = script_heads(migrations.directory)
    if heads is not None and len(heads) == 1:
        return next(iter(heads))
    head = _script_directory(migrations).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine, migrations: MigrationSet = DOMAIN) -> str | None:
    """The revision recorded in the chain's version table (None: never migrated)."""
    versions = _recorded(engine, migrations)
    if len(versions) > 1:
        from alembic.runtime.migration import MigrationContext

        with engine.connect() as conn:  # several heads: let Alembic say what it makes of them
            ctx = MigrationContext.configure(conn, opts={"version_table": migrations.version_table})
            return ctx.get_current_revision()
    return next(iter(versions), None)


def at_head(engine: Engine, migrations: MigrationSet = DOMAIN) -> bool:
    """Whether the database is at the chain's heads, without importing Alembic."""
    heads = script_heads(migrations.directory)
    return heads is not None and _recorded(engine, migrations) == heads


def upgrade(engine: Engine, migrations: MigrationSet = DOMAIN) -> None:
    """Bring the schema to this version's head; refuse a database newer than the code."""
    if at_head(engine, migrations):
        return
    from alembic import command

    current = current_revision(engine, migrations)
    script = _script_directory(migrations)
    if current is not None and not _known(script, current):
        raise SchemaTooNew(
            f"This database was written by a newer version of Acero (schema {current}); "
            "update Acero to open it."
        )
    command.upgrade(alembic_config(engine, migrations), "head")


def _recorded(engine: Engine, migrations: MigrationSet) -> frozenset[str]:
    table = migrations.version_table
    with engine.connect() as conn:
        if not inspect(conn).has_table(table):
            return frozenset()
        rows = conn.execute(text(f'SELECT version_num FROM "{table}"'))  # our own name
        return frozenset(str(r[0]) for r in rows)


_ASSIGNED = r"^{name}\s*(?::[^=\n]*)?=\s*(.+?)\s*$"
_REVISION = re.compile(_ASSIGNED.format(name="revision"), re.MULTILINE)
_DOWN = re.compile(_ASSIGNED.format(name="down_revision"), re.MULTILINE)
_QUOTED = re.compile(r"""['"]([^'"]+)['"]""")


@cache
def script_heads(directory: Path) -> frozenset[str] | None:
    """The heads of the chain in ``directory``, read from the scripts' text.

    None when a script does not spell its revisions as plain literals: then only Alembic can
    tell (the caller falls back to it).
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in sorted((directory / "versions").glob("*.py")):
        source = script.read_text(encoding="utf-8")
        rev, down = _REVISION.search(source), _DOWN.search(source)
        if rev is None or down is None:
            return None
        names = _QUOTED.findall(rev.group(1))
        if len(names) != 1:
            return None
        revisions.add(names[0])
        value = down.group(1)
        ups = _QUOTED.findall(value)
        if not ups and value != "None":
            return None
        parents.update(ups)
    heads = frozenset(revisions - parents)
    return heads or None


def _known(script: ScriptDirectory, revision: str) -> bool:
    from alembic.util.exc import CommandError

    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False
