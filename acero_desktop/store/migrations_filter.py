"""What Alembic compares.

One database holds several migration chains (domain + server, or domain + client) and the FTS5
index, so a chain only ever compares the tables of its own metadata: a reflected table that its
metadata does not know belongs to another chain (or to SQLite) and is left alone.
"""

from __future__ import annotations

from typing import Any

UNMAPPED_PREFIXES = ("fts_", "sqlite_")


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    if type_ == "table" and name is not None and name.startswith(UNMAPPED_PREFIXES):
        return False
    return not (type_ == "table" and reflected and compare_to is None)
