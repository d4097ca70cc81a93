"""Alembic environment of the server's migration chain: the domain chain's env.py, reused.

``config.attributes["migration_set"]`` (set by ``store.migrate.alembic_config``) names this
chain's version table (``alembic_version_server``) and metadata, which is all that differs.
"""

from __future__ import annotations

import runpy

from acero_desktop.store.migrate import DOMAIN

runpy.run_path(str(DOMAIN.directory / "env.py"), run_name="acero_server_migrations_env")
