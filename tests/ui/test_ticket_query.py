"""The table's id query: words searched once, rankings joined, views and searches combined."""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import Qt
from sqlalchemy import select

from acero_desktop.core.search import parse_query
from acero_desktop.core.search.compile import compile_search, search_context
from acero_desktop.models import Ticket
from acero_desktop.ui.session import ClientSession
from acero_desktop.ui.tickets.columns import Column
from acero_desktop.ui.tickets.model import TicketTableModel
from acero_desktop.ui.tickets.query import TicketQuery, count, ticket_ids
from acero_desktop.ui.tickets.rows import HEX_ID


def _words(session: ClientSession) -> list[str]:
    """Two words of ticket titles in the seeded cache."""
    with session.read() as s:
        titles = list(s.scalars(select(Ticket.title).order_by(Ticket.number).limit(40)))
    words = {w.casefold() for t in titles for w in re.findall(r"[A-Za-z]{5,}", t)}
    return sorted(words)[:2]


def test_a_word_search_lists_what_the_compiled_search_lists(
    make_session: Callable[[str], ClientSession],
) -> None:
    session = make_session("admin")
    actor = session.actor
    assert actor is not None
    now = session.now()
    first, second = _words(session)
    for text in (first, f"{first} is:open", f"{first} {second}", f"{first} sort:-priority"):
        with session.read() as s:
            got = ticket_ids(s, actor, TicketQuery(text=text), now)
            compiled = compile_search(s, parse_query(text), search_context(actor, now))
            expected = list(s.scalars(compiled.statement(HEX_ID)))
            assert got == expected, text
            assert len(got) == count(s, actor, text, now)


def test_words_in_the_view_or_the_search_bar_combine(
    make_session: Callable[[str], ClientSession],
) -> None:
    session = make_session("admin")
    actor = session.actor
    assert actor is not None
    now = session.now()
    first, second = _words(session)
    with session.read() as s:
        open_ids = set(ticket_ids(s, actor, TicketQuery(base="is:open"), now))
        word_ids = ticket_ids(s, actor, TicketQuery(text=first), now)
        other_ids = set(ticket_ids(s, actor, TicketQuery(text=second), now))
        view_then_word = ticket_ids(s, actor, TicketQuery(base="is:open", text=first), now)
        word_then_view = ticket_ids(s, actor, TicketQuery(base=first, text="is:open"), now)
        both_words = ticket_ids(s, actor, TicketQuery(base=first, text=second), now)
    assert word_ids
    in_order = [t for t in word_ids if t in open_ids]  # relevance order of the word kept
    assert view_then_word == in_order
    assert word_then_view == in_order
    assert set(both_words) == set(word_ids) & other_ids


def test_words_under_or_are_ranked_not_refused(
    make_session: Callable[[str], ClientSession],
) -> None:
    session = make_session("admin")
    model = TicketTableModel(session)
    first, second = _words(session)
    assert model.set_query(TicketQuery(text=f"{first} OR {second}"))
    assert model.error is None
    assert model.rowCount() > 0
    assert model.set_query(TicketQuery(base="is:open", text=f"{first} OR -{second}"))


def test_sorting_reads_keys_of_tickets_it_has_not_seen(
    make_session: Callable[[str], ClientSession],
) -> None:
    session = make_session("admin")
    model = TicketTableModel(session)
    model.set_query(TicketQuery(base="is:open"))
    model.sort(Column.NUMBER, Qt.SortOrder.AscendingOrder)
    with session.read() as s:
        keys = model.sort_keys.load(s, Column.NUMBER)
    forgotten = model.ids[:3]
    for tid in forgotten:  # as if they arrived after the keys were read
        del keys.asc[tid]
    model.sort(Column.NUMBER, Qt.SortOrder.DescendingOrder)
    numbers = [model.ticket_at(r).number for r in range(model.rowCount())]  # type: ignore[union-attr]
    assert numbers == sorted(numbers, reverse=True)  # type: ignore[type-var]
    assert all(tid in keys.asc for tid in forgotten)
