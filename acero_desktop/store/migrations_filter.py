"""What Alembic compares: mapped tables only, not the FTS5 index and SQLite's own tables."""

from __future__ import annotations

from typing import Any

UNMAPPED_PREFIXES = ("fts_", "sqlite_")


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (type_ == "table" and name is not None and name.startswith(UNMAPPED_PREFIXES))
