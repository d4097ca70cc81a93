"""Which tickets, in which order: a view's query AND the search bar's, compiled to one SELECT.

Both texts use the search language (``core.search``); a built-in view is just a query
("assignee:me is:open"). SQL gives the order of the search: a ``sort:`` term, else relevance
for words, else most recently updated. A clicked column re-orders that list in the model
(``sortkeys.py``), which keeps the search's order among equal keys.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from acero_desktop.core.actor import Actor
from acero_desktop.core.search import QueryError, parse_query
from acero_desktop.core.search.compile import CompiledSearch, SearchContext, compile_search
from acero_desktop.core.visibility import visible_tickets_clause
from acero_desktop.models import Ticket

from .columns import Column
from .rows import HEX_ID


@dataclass(frozen=True, slots=True)
class ColumnSort:
    column: Column
    order: Qt.SortOrder = Qt.SortOrder.AscendingOrder


@dataclass(frozen=True, slots=True)
class TicketQuery:
    base: str = ""  # the sidebar view's query
    text: str = ""  # what the search bar holds
    sort: ColumnSort | None = None

    def with_text(self, text: str) -> TicketQuery:
        return replace(self, text=text)


class SearchFailed(Exception):
    """The search bar's text (``in_base`` False) or the view's own query cannot be run."""

    def __init__(self, error: QueryError, text: str, *, in_base: bool) -> None:
        super().__init__(error.message)
        self.error = error
        self.text = text
        self.in_base = in_base


def compile_part(session: Session, actor: Actor, text: str, now: datetime) -> CompiledSearch:
    ctx = SearchContext(actor=actor, now=now, visibility=visible_tickets_clause(actor))
    return compile_search(session, parse_query(text), ctx)


def ticket_ids(session: Session, actor: Actor, query: TicketQuery, now: datetime) -> list[str]:
    """The ids (hex) of the matching tickets in the search's order (``query.sort`` is the
    model's business). Raises SearchFailed."""
    # Core, not the ORM: 100k plain strings come back without building ORM rows around them,
    # and all at once (iterating a result fetches row by row). Interned, so the model's lists
    # and the sort keys share one string per ticket.
    rows = session.connection().execute(ids_statement(session, actor, query, now))
    return list(map(sys.intern, rows.scalars().all()))


def ids_statement(session: Session, actor: Actor, query: TicketQuery, now: datetime) -> Select[Any]:
    """The SELECT behind :func:`ticket_ids`. Raises SearchFailed."""
    base = _compiled(session, actor, query.base, now, in_base=True)
    typed = _compiled(session, actor, query.text, now, in_base=False)
    ordered_by = typed if _has_sort(query.text) or not _has_sort(query.base) else base
    # The side searching words joins its full-text hits once, as its own statement would (its
    # ``where`` would run the same search a second time as ``id IN (...)``); the other side
    # comes in as its self-contained ``where``. Both searching words: the ordering side joins.
    words = ordered_by if ordered_by.joins else typed if typed.joins else base
    other = base if words is typed else typed
    stmt = select(HEX_ID).select_from(Ticket)
    for target, onclause in words.joins:
        stmt = stmt.join(target, onclause)
    where = and_(words.criteria, other.where)
    for target, onclause in ordered_by.outer_joins:  # a ranking of words under OR / NOT
        stmt = stmt.outerjoin(target, onclause)
    return stmt.where(where).order_by(*ordered_by.order_by)


def count(session: Session, actor: Actor, text: str, now: datetime) -> int:
    compiled = compile_part(session, actor, text, now)
    return int(session.scalar(compiled.count()) or 0)


def _compiled(
    session: Session, actor: Actor, text: str, now: datetime, *, in_base: bool
) -> CompiledSearch:
    try:
        return compile_part(session, actor, text, now)
    except QueryError as exc:
        raise SearchFailed(exc, text, in_base=in_base) from None


def _has_sort(text: str) -> bool:
    try:
        return bool(parse_query(text).sort)
    except QueryError:
        return False
