"""The client chain reuses the shared Alembic environment."""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).parents[2] / "store" / "migrations" / "env.py"))
