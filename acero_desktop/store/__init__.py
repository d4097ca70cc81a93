"""Storage: engines with the right pragmas, sessions, migrations and the full-text index."""

from .engine import make_engine, session_factory
from .migrate import SchemaTooNew, upgrade

__all__ = ["SchemaTooNew", "make_engine", "session_factory", "upgrade"]
