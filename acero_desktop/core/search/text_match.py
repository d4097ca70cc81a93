"""Words and phrases as SQL: the FTS5 index on SQLite, an ILIKE fallback on PostgreSQL.

Each text term becomes its own predicate ("this ticket contains the term"), so terms combine
with AND, OR and NOT like any other filter. A term matches the public text of a ticket, or its
internal notes where the ``notes`` clause says the searcher may read them (staff who work the
ticket); with no clause, public text only. Ranking is separate: one bm25 pass over the terms
that are not negated, joined to the tickets by their id.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    case,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.elements import True_

from acero_desktop.models import Ticket, TicketComment
from acero_desktop.store.fts import (
    FTS_INTERNAL,
    FTS_TICKET,
    INTERNAL_WEIGHTS,
    TICKET_WEIGHTS,
    fts_internal,
    fts_key,
    fts_query,
    fts_term,
    fts_ticket,
    has_tokens,
)

from .nodes import TextTerm


@dataclass(frozen=True, slots=True)
class Ranking:
    """An outer join that brings a score, and the ORDER BY expression (best first) it gives."""

    join: tuple[FromClause, ColumnElement[bool]] | None
    order: ColumnElement[Any]


@dataclass(frozen=True, slots=True)
class Required:
    """Inner joins that keep only tickets containing every required term, and their score.

    ``where`` replaces the statement's criteria: it holds them (or they were pushed into the
    joined subquery) plus what completes the joins (the MATCH itself, or the check for words
    spread over public text and notes); ``order`` sorts best first.
    """

    joins: tuple[tuple[FromClause, ColumnElement[bool]], ...]
    where: ColumnElement[bool]
    order: ColumnElement[Any]


class TextMatcher(Protocol):
    def term(self, term: TextTerm) -> ColumnElement[bool] | None:
        """Tickets containing ``term``; None when the term has nothing to search for."""

    def all_of(self, terms: Sequence[TextTerm]) -> ColumnElement[bool] | None:
        """Tickets containing every one of ``terms`` (may be cheaper than one per term)."""

    def ranking(self, terms: Sequence[TextTerm]) -> Ranking | None:
        """Relevance for the (non-negated) ``terms``; None when there is nothing to rank by."""

    def required(self, terms: Sequence[TextTerm], criteria: ColumnElement[bool]) -> Required | None:
        """Filter by ``terms`` and ``criteria`` and rank, in one pass if this matcher can.

        None: it cannot (or no term has anything to search for); use all_of() and ranking().
        """


def text_matcher(dialect: str, *, notes: ColumnElement[bool] | None) -> TextMatcher:
    """The matcher for ``dialect``; ``notes``: whose internal notes count (None: nobody's)."""
    if dialect == "sqlite":
        return Fts5Matcher(notes)
    return IlikeMatcher(notes)


class Fts5Matcher:
    def __init__(self, notes: ColumnElement[bool] | None) -> None:
        self.notes = notes

    def _ids(self, fts: Any, match: str) -> Select[Any]:
        return (
            select(fts_key.c.ticket_id)
            .select_from(fts.join(fts_key, fts_key.c.id == fts.c.rowid))
            .where(fts.c[fts.name].op("MATCH")(match))
        )

    def _match(self, match: str | None) -> ColumnElement[bool] | None:
        if match is None:
            return None
        public = Ticket.id.in_(self._ids(fts_ticket, match))
        if self.notes is None:
            return public
        return or_(public, and_(self.notes, Ticket.id.in_(self._ids(fts_internal, match))))

    def term(self, term: TextTerm) -> ColumnElement[bool] | None:
        return self._match(fts_term(term))

    def all_of(self, terms: Sequence[TextTerm]) -> ColumnElement[bool] | None:
        if self.notes is not None:
            # A word may be in the notes and the next one in the title: one term at a time.
            parts = [p for p in (self.term(t) for t in terms) if p is not None]
            return and_(*parts) if parts else None
        # Public text only: one MATCH with AND over the single per-ticket row is equivalent.
        return self._match(fts_query(terms))

    def required(self, terms: Sequence[TextTerm], criteria: ColumnElement[bool]) -> Required | None:
        match = fts_query(terms)
        if match is None:
            return None
        if self.notes is None:
            # Public text only: join the FTS table itself; bm25 in ORDER BY is then computed
            # only for the hits that pass the other criteria.
            return Required(
                (
                    (fts_key, fts_key.c.ticket_id == Ticket.id),
                    (fts_ticket, fts_ticket.c.rowid == fts_key.c.id),
                ),
                and_(criteria, fts_ticket.c[FTS_TICKET].op("MATCH")(match)),
                func.bm25(literal_column(FTS_TICKET), *TICKET_WEIGHTS),
            )
        # Candidates: every term in the public row, or some term in readable notes; the
        # second kind is then checked term by term (words spread over text and notes). The
        # criteria go inside, so bm25 is computed only for tickets that pass them.
        public = _bm25(fts_ticket, FTS_TICKET, TICKET_WEIGHTS, match, criteria)
        any_match = fts_query(terms, any_of=True) or match
        notes = _bm25(
            fts_internal, FTS_INTERNAL, INTERNAL_WEIGHTS, any_match, and_(criteria, self.notes)
        )
        both = union_all(
            public.add_columns(literal_column("1").label("complete")),
            notes.add_columns(literal_column("0").label("complete")),
        ).subquery("hit_parts")
        hits = (
            select(
                both.c.ticket_id,
                func.sum(both.c.score).label("score"),
                func.max(both.c.complete).label("complete"),
            )
            .group_by(both.c.ticket_id)
            .subquery("hits")
        )
        where: ColumnElement[bool] = true()
        spread = self.all_of(terms)
        if spread is not None and sum(fts_term(t) is not None for t in terms) > 1:
            where = or_(hits.c.complete == 1, spread)
        return Required(((hits, hits.c.ticket_id == Ticket.id),), where, hits.c.score)

    def ranking(self, terms: Sequence[TextTerm]) -> Ranking | None:
        match = fts_query(terms, any_of=True)
        if match is None:
            return None
        scored = [_bm25(fts_ticket, FTS_TICKET, TICKET_WEIGHTS, match)]
        if self.notes is not None:
            # Only notes the searcher may read may move a ticket up.
            readable = None if isinstance(self.notes, True_) else self.notes
            scored.append(_bm25(fts_internal, FTS_INTERNAL, INTERNAL_WEIGHTS, match, readable))
        both = union_all(*scored).subquery("rank_parts") if len(scored) > 1 else None
        if both is not None:
            rank = (
                select(both.c.ticket_id, func.sum(both.c.score).label("score"))
                .group_by(both.c.ticket_id)
                .subquery("search_rank")
            )
        else:
            rank = scored[0].subquery("search_rank")
        # bm25 is negative, better matches more so; tickets without a score come last.
        return Ranking((rank, rank.c.ticket_id == Ticket.id), func.coalesce(rank.c.score, 0.0))


def _bm25(
    fts: Any,
    name: str,
    weights: tuple[float, ...],
    match: str,
    criteria: ColumnElement[bool] | None = None,
) -> Select[Any]:
    """(ticket_id, score) of the rows of ``fts`` matching ``match``, on tickets meeting
    ``criteria`` (a clause on ``Ticket``, which is then joined in)."""
    stmt = (
        select(
            fts_key.c.ticket_id.label("ticket_id"),
            func.bm25(literal_column(name), *weights).label("score"),
        )
        .select_from(fts.join(fts_key, fts_key.c.id == fts.c.rowid))
        .where(fts.c[name].op("MATCH")(match))
    )
    if criteria is None or isinstance(criteria, True_):
        return stmt
    return stmt.join_from(fts_key, Ticket, Ticket.id == fts_key.c.ticket_id).where(criteria)


# -- PostgreSQL -------------------------------------------------------------------------------

_NUMBER_TEXT = re.compile(r"(?i)(?:ACR-)?([0-9]{1,12})")


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class IlikeMatcher:
    """The fallback where there is no FTS5 (PostgreSQL servers): case-insensitive substrings.

    Slower than an index on large stores and without diacritic folding or bm25 (a title match
    ranks first); it keeps search working everywhere until a tsvector index replaces it.
    """

    def __init__(self, notes: ColumnElement[bool] | None) -> None:
        self.notes = notes

    def _text(self, term: TextTerm) -> str | None:
        text = term.text.replace("\x00", " ")
        if not term.phrase:
            text = text.rstrip("*")
        return text if has_tokens(text) else None

    def term(self, term: TextTerm) -> ColumnElement[bool] | None:
        text = self._text(term)
        if text is None:
            return None
        pattern = _like_pattern(text)
        readable: ColumnElement[bool] = TicketComment.internal.is_(False)
        if self.notes is not None:
            readable = or_(readable, self.notes)
        comment = exists().where(
            TicketComment.ticket_id == Ticket.id,
            TicketComment.deleted_at.is_(None),
            TicketComment.body.ilike(pattern, escape="\\"),
            readable,
        )
        number = _NUMBER_TEXT.fullmatch(text.strip())
        return or_(
            Ticket.title.ilike(pattern, escape="\\"),
            Ticket.description.ilike(pattern, escape="\\"),
            comment,
            Ticket.number == int(number.group(1)) if number else false(),
        )

    def all_of(self, terms: Sequence[TextTerm]) -> ColumnElement[bool] | None:
        parts = [p for p in (self.term(t) for t in terms) if p is not None]
        return and_(*parts) if parts else None

    def required(self, terms: Sequence[TextTerm], criteria: ColumnElement[bool]) -> Required | None:
        return None  # no index to join: all_of() filters, ranking() orders

    def ranking(self, terms: Sequence[TextTerm]) -> Ranking | None:
        texts = [t for t in (self._text(term) for term in terms) if t is not None]
        if not texts:
            return None
        in_title = or_(*(Ticket.title.ilike(_like_pattern(t), escape="\\") for t in texts))
        return Ranking(None, case((in_title, 0), else_=1))
