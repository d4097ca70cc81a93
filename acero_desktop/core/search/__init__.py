"""Ticket search: the query language (pure Python) and its compilation to SQL.

``parse_query`` turns the search bar's text into a typed :class:`Query`; ``format_query`` writes
it back; ``complete`` feeds the completer. ``compile.compile_search`` (SQLAlchemy) turns a
Query into a statement over the tickets an actor may see; it is not imported here so the
language stays importable without touching the store.
"""

from .complete import ValueSource, complete, completion_span
from .errors import QueryError
from .format import format_query
from .nodes import Query
from .query import parse_query

__all__ = [
    "Query",
    "QueryError",
    "ValueSource",
    "complete",
    "completion_span",
    "format_query",
    "parse_query",
]
