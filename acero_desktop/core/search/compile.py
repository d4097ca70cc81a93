"""Compiles a parsed search into SQL over the tickets an actor may see.

Names (people, teams, categories) are resolved here, against the database, so an unknown
name is a :class:`QueryError` pointing at its value rather than a silently empty result. Who
sees what is not decided here: the :class:`SearchContext` carries the visibility clauses
(:func:`search_context` takes them from ``core.visibility``), so search can never widen them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    FromClause,
    Select,
    and_,
    case,
    exists,
    extract,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import False_

from acero_desktop.core.actor import Actor
from acero_desktop.models import (
    OPEN_STATUSES,
    Attachment,
    Feedback,
    Priority,
    SlaPolicy,
    Team,
    Ticket,
    TicketCategory,
    TicketComment,
    TicketStatus,
    TicketTask,
    TicketWatcher,
    User,
    UTCDateTime,
)

from .errors import QueryError, column, did_you_mean
from .nodes import (
    ME,
    MINE,
    NONE,
    And,
    CategoryFilter,
    Comparison,
    DateField,
    DateFilter,
    Duration,
    HasFilter,
    HasValue,
    IsFilter,
    IsValue,
    Node,
    Not,
    NumberFilter,
    Or,
    PersonField,
    PersonFilter,
    PriorityFilter,
    Query,
    SortField,
    SortKey,
    StatusFilter,
    StatusGroup,
    TeamFilter,
    TextTerm,
    text_terms,
    value_position,
)
from .query import parse_query
from .text_match import TextMatcher, text_matcher

DEFAULT_AT_RISK_SHARE = 0.75
_NEVER = datetime(9999, 1, 1, tzinfo=UTC)
OPEN_SHARE_HINT = 0.05  # SQLite likelihood() of "status is open": a planner hint only

_DATE_COLUMNS: dict[DateField, InstrumentedAttribute[Any]] = {
    DateField.CREATED: Ticket.created_at,
    DateField.UPDATED: Ticket.updated_at,
    DateField.DUE: Ticket.resolution_due_at,
    DateField.RESOLVED: Ticket.resolved_at,
    DateField.CLOSED: Ticket.closed_at,
}
_PRIORITY_RANK = {p: p.rank for p in Priority}


@dataclass(frozen=True)
class SearchContext:
    """Who searches, when, and what they may see.

    ``visibility`` (the tickets the actor may see) has no default on purpose: a caller must
    say it, ``true()`` for an admin. ``notes_visibility`` says on which tickets the actor may
    read internal notes (``visibility.works_on_clause``); without it only an admin's search
    reads notes. ``tz`` is how absolute dates are read: ``created:2026-01-31`` is that day in
    the searcher's time zone.
    """

    actor: Actor
    now: datetime
    visibility: ColumnElement[bool]
    notes_visibility: ColumnElement[bool] | None = None
    tz: tzinfo = UTC

    @property
    def notes(self) -> ColumnElement[bool] | None:
        """Where internal notes may be read; None when nowhere (so none are even searched)."""
        clause = self.notes_visibility
        if clause is None:
            return true() if self.actor.is_admin else None
        return None if isinstance(clause, False_) else clause

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("SearchContext.now must be timezone-aware")


Join = tuple[FromClause, ColumnElement[bool]]


@dataclass(frozen=True)
class CompiledSearch:
    """The filter and the order of a search; :meth:`statement` puts them on a SELECT.

    ``criteria`` holds only together with the inner ``joins`` (the full-text index); use
    :attr:`where` for the whole filter as one clause, e.g. to combine with other queries.
    ``outer_joins`` only bring what ``order_by`` needs.
    """

    criteria: ColumnElement[bool]
    order_by: tuple[ColumnElement[Any], ...]
    joins: tuple[Join, ...] = field(default=())
    outer_joins: tuple[Join, ...] = field(default=())

    def statement(self, *columns: Any) -> Select[Any]:
        """``SELECT columns FROM ticket ... WHERE ... ORDER BY ...`` (default: ticket ids)."""
        stmt = self._filtered(select(*(columns or (Ticket.id,))).select_from(Ticket))
        for target, onclause in self.outer_joins:
            stmt = stmt.outerjoin(target, onclause)
        return stmt.order_by(*self.order_by)

    def ids(self) -> Select[uuid.UUID]:
        stmt: Select[uuid.UUID] = self.statement(Ticket.id)
        return stmt

    def count(self) -> Select[int]:
        return self._filtered(select(func.count()).select_from(Ticket))

    @property
    def where(self) -> ColumnElement[bool]:
        """The whole filter as one self-contained clause on ``Ticket``."""
        if not self.joins:
            return self.criteria
        inner = self._filtered(select(Ticket.id).select_from(Ticket)).correlate(None)
        return Ticket.id.in_(inner)

    def _filtered(self, stmt: Select[Any]) -> Select[Any]:
        for target, onclause in self.joins:
            stmt = stmt.join(target, onclause)
        return stmt.where(self.criteria)


def search_context(actor: Actor, now: datetime, tz: tzinfo = UTC) -> SearchContext:
    """The context with the store's own visibility rules (``core.visibility``)."""
    from acero_desktop.core.visibility import visible_tickets_clause, works_on_clause

    return SearchContext(actor, now, visible_tickets_clause(actor), works_on_clause(actor), tz)


def compile_search(session: Session, query: Query, ctx: SearchContext) -> CompiledSearch:
    """SQL for ``query`` as ``ctx.actor`` sees it; raises QueryError for unknown names."""
    return _Compiler(session, ctx).compile(query)


def search_ticket_ids(
    session: Session, text: str, ctx: SearchContext, *, limit: int | None = None
) -> list[uuid.UUID]:
    """Parse, compile and run a search: the ids of the matching tickets, best first."""
    stmt = compile_search(session, parse_query(text), ctx).ids()
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


class _Compiler:
    def __init__(self, session: Session, ctx: SearchContext) -> None:
        self.session = session
        self.ctx = ctx
        self.actor = ctx.actor
        self.dialect = session.get_bind().dialect.name
        self.notes = ctx.notes
        self.text: TextMatcher = text_matcher(self.dialect, notes=self.notes)
        self._users: list[tuple[uuid.UUID, str, str]] | None = None
        self._teams: list[tuple[uuid.UUID, str]] | None = None
        self._categories: list[tuple[uuid.UUID, str, uuid.UUID | None]] | None = None

    def compile(self, query: Query) -> CompiledSearch:
        required, rest = _split_required(query.where)
        criteria = [self.ctx.visibility]
        if rest is not None and (cond := self.node(rest)) is not None:
            criteria.append(cond)
        joins: tuple[Join, ...] = ()
        outer: tuple[Join, ...] = ()
        relevance: ColumnElement[Any] | None = None
        found = self.text.required(required, and_(*criteria)) if required else None
        if found is not None:
            joins, relevance, criteria = found.joins, found.order, [found.where]
        elif required and (cond := self.text.all_of(required)) is not None:
            criteria.append(cond)
        order: list[ColumnElement[Any]] = [_sort(key) for key in query.sort]
        if not query.sort:
            if relevance is None and (
                ranking := self.text.ranking(text_terms(query.where, positive_only=True))
            ):
                relevance = ranking.order
                outer = () if ranking.join is None else (ranking.join,)
            if relevance is not None:
                order.append(relevance.asc())
        order += [Ticket.updated_at.desc(), Ticket.id.desc()]
        return CompiledSearch(and_(*criteria), tuple(order), joins, outer)

    # -- boolean structure ---------------------------------------------------------------------

    def node(self, node: Node) -> ColumnElement[bool] | None:
        """The condition of ``node``; None when it constrains nothing (a term like ``***``)."""
        match node:
            case And(items):
                words = [i for i in items if isinstance(i, TextTerm)]
                parts = [self.node(i) for i in items if not isinstance(i, TextTerm)]
                if words:
                    parts.append(self.text.all_of(words))
                kept = [p for p in parts if p is not None]
                return and_(*kept) if kept else None
            case Or(items):
                kept = [p for p in (self.node(i) for i in items) if p is not None]
                return or_(*kept) if kept else None
            case Not(item):
                inner = self.node(item)
                # NULL-safe: "-assignee:dana" must keep the unassigned tickets.
                return None if inner is None else not_(func.coalesce(inner, false(), type_=Boolean))
            case TextTerm():
                return self.text.term(node)
            case _:
                return self.term(node)

    def term(self, node: Node) -> ColumnElement[bool]:
        match node:
            case StatusFilter(values):
                return self.statuses(_statuses(values))
            case PriorityFilter(values, op):
                return Ticket.priority.in_(_priorities(values, op))
            case NumberFilter(values, op):
                return _compare(Ticket.number, op, values)
            case DateFilter(field_, value, op):
                return self.date(field_, value, op)
            case PersonFilter(field_, values):
                return or_(
                    *(self.person(field_, v, value_position(node, i)) for i, v in enumerate(values))
                )
            case TeamFilter(values):
                return or_(*(self.team(v, value_position(node, i)) for i, v in enumerate(values)))
            case CategoryFilter(values):
                return or_(
                    *(self.category(v, value_position(node, i)) for i, v in enumerate(values))
                )
            case IsFilter(values):
                return or_(*(self.is_(v) for v in values))
            case HasFilter(values):
                return or_(*(self.has(v) for v in values))
        raise TypeError(f"not a search term: {node!r}")

    # -- fields ----------------------------------------------------------------------------

    def date(
        self, field_: DateField, value: date | Duration, op: Comparison
    ) -> ColumnElement[bool]:
        col = _DATE_COLUMNS[field_]
        if isinstance(value, Duration):
            return _relative(col, op, self.ctx.now, value.delta, future=field_ is DateField.DUE)
        start = datetime.combine(value, time(), self.ctx.tz)
        end = datetime.combine(value + timedelta(days=1), time(), self.ctx.tz)
        return {
            Comparison.EQ: and_(col >= start, col < end),
            Comparison.LT: col < start,
            Comparison.LE: col < end,
            Comparison.GT: col >= end,
            Comparison.GE: col >= start,
        }[op]

    def me(self, col: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
        uid = self.actor.user_id
        return false() if uid is None else col == uid

    def person(self, field_: PersonField, value: str, position: int) -> ColumnElement[bool]:
        col = Ticket.assignee_id if field_ is PersonField.ASSIGNEE else Ticket.requester_id
        if value == ME:
            return self.me(col)
        if value == NONE:
            return col.is_(None)
        return col.in_(self.user_ids(value, position))

    def team(self, value: str, position: int) -> ColumnElement[bool]:
        if value == MINE:
            ids = sorted(self.actor.team_ids)
            return Ticket.team_id.in_(ids) if ids else false()
        if value == NONE:
            return Ticket.team_id.is_(None)
        teams = self.teams()
        found = [tid for tid, name in teams if name.casefold() == value.casefold()]
        if not found:
            raise _unknown("team", value, position, [name for _, name in teams])
        return Ticket.team_id.in_(found)

    def category(self, value: str, position: int) -> ColumnElement[bool]:
        if value == NONE:
            return Ticket.category_id.is_(None)
        cats = self.categories()
        roots = [cid for cid, name, _ in cats if name.casefold() == value.casefold()]
        if not roots:
            raise _unknown("category", value, position, [name for _, name, _ in cats])
        return Ticket.category_id.in_(sorted(_subtree(roots, cats)))

    def user_ids(self, value: str, position: int) -> list[uuid.UUID]:
        """A username (exact), else a full name, else every name or username with that prefix."""
        users = self.users()
        key = value.casefold()
        tests: tuple[Callable[[str, str], bool], ...] = (
            lambda u, n: u == key,
            lambda u, n: n == key,
            lambda u, n: u.startswith(key) or any(w.startswith(key) for w in [n, *n.split()]),
        )
        for test in tests:
            found = [uid for uid, u, n in users if test(u.casefold(), n.casefold())]
            if found:
                return found
        raise _unknown("user", value, position, [u for _, u, _ in users])

    def statuses(self, statuses: set[TicketStatus]) -> ColumnElement[bool]:
        cond = Ticket.status.in_(sorted(statuses))
        if self.dialect == "sqlite" and statuses <= OPEN_STATUSES:
            # Open tickets are a small share of a store that has lived a while; SQLite's
            # statistics only know the average status, and without this hint it prefers
            # scanning a date index in sort order over reading the few open tickets.
            hint: ColumnElement[Any] = literal_column(repr(OPEN_SHARE_HINT))  # a constant
            # Untyped on purpose: a Boolean-typed function would be rendered "... = 1", which
            # hides the IN from the planner.
            hinted: ColumnElement[bool] = func.likelihood(cond, hint)
            return hinted
        return cond

    def is_(self, value: IsValue) -> ColumnElement[bool]:
        is_open = self.statuses(set(OPEN_STATUSES))
        if value is IsValue.OPEN:
            return is_open
        if value is IsValue.CLOSED:
            return Ticket.status.not_in(sorted(OPEN_STATUSES))
        if value in (IsValue.BREACHED, IsValue.AT_RISK):
            return and_(is_open, self.sla(value))
        if value is IsValue.UNASSIGNED:
            return Ticket.assignee_id.is_(None)
        if value is IsValue.MINE:
            return self.me(Ticket.assignee_id)
        if value is IsValue.PENDING:
            return Ticket.number.is_(None)
        # IsValue.WATCHING
        uid = self.actor.user_id
        if uid is None:
            return false()
        return exists().where(TicketWatcher.ticket_id == Ticket.id, TicketWatcher.user_id == uid)

    def sla(self, value: IsValue) -> ColumnElement[bool]:
        """The SLA clock's red and amber states (core/sla/clock.py), read from stored columns.

        A paused clock (``waiting``) is neither, as on the ticket itself. "At risk" compares
        the wall-clock share of created→due that has passed with the policy's share: the
        business-time share the clock uses needs the calendar, and this is its close proxy.
        """
        now = literal(self.ctx.now, UTCDateTime())
        due = Ticket.resolution_due_at
        if value is IsValue.BREACHED:
            # Not "due < now": SQLite would scan the due-date index over every old ticket;
            # breached tickets are open ones, which the status index finds.
            overdue = func.coalesce(due, literal(_NEVER, UTCDateTime())) < now
            return and_(Ticket.sla_paused_since.is_(None), overdue)
        running = and_(due.is_not(None), Ticket.sla_paused_since.is_(None))
        share = func.coalesce(
            select(SlaPolicy.at_risk_share)
            .where(SlaPolicy.id == Ticket.sla_policy_id)
            .scalar_subquery(),
            DEFAULT_AT_RISK_SHARE,
        )
        start, end, at = (extract("epoch", c) for c in (Ticket.created_at, due, now))
        return and_(running, due >= now, at >= start + share * (end - start))

    def has(self, value: HasValue) -> ColumnElement[bool]:
        # Internal notes, and files on them, count only where the searcher may read them.
        readable: ColumnElement[bool] = TicketComment.internal.is_(False)
        if self.notes is not None:
            readable = or_(readable, self.notes)
        if value is HasValue.ATTACHMENT:
            on_public_comment = exists().where(
                TicketComment.id == Attachment.comment_id, TicketComment.internal.is_(False)
            )
            readable_file = or_(
                Attachment.comment_id.is_(None),
                on_public_comment,
                *(() if self.notes is None else (self.notes,)),
            )
            return exists().where(Attachment.ticket_id == Ticket.id, readable_file)
        if value is HasValue.TASKS:
            return exists().where(TicketTask.ticket_id == Ticket.id)
        if value is HasValue.COMMENTS:
            return exists().where(
                TicketComment.ticket_id == Ticket.id, TicketComment.deleted_at.is_(None), readable
            )
        return exists().where(Feedback.ticket_id == Ticket.id)

    # -- name lookups (each table read once per search) ----------------------------------------

    def users(self) -> list[tuple[uuid.UUID, str, str]]:
        if self._users is None:
            rows = self.session.execute(select(User.id, User.username, User.name))
            self._users = [(r[0], r[1], r[2]) for r in rows]
        return self._users

    def teams(self) -> list[tuple[uuid.UUID, str]]:
        if self._teams is None:
            self._teams = [(r[0], r[1]) for r in self.session.execute(select(Team.id, Team.name))]
        return self._teams

    def categories(self) -> list[tuple[uuid.UUID, str, uuid.UUID | None]]:
        if self._categories is None:
            rows = self.session.execute(
                select(TicketCategory.id, TicketCategory.name, TicketCategory.parent_id)
            )
            self._categories = [(r[0], r[1], r[2]) for r in rows]
        return self._categories


# -- helpers --------------------------------------------------------------------------------


def _split_required(node: Node | None) -> tuple[list[TextTerm], Node | None]:
    """The words and phrases every result must contain (top level, not negated), and the rest.

    Those go to the index in one pass that also ranks; terms under OR or NOT stay predicates.
    """
    if isinstance(node, TextTerm):
        return [node], None
    if not isinstance(node, And):
        return [], node
    words = [i for i in node.items if isinstance(i, TextTerm)]
    others = [i for i in node.items if not isinstance(i, TextTerm)]
    rest = None if not others else others[0] if len(others) == 1 else And(tuple(others))
    return words, rest


def _unknown(what: str, value: str, position: int, known: Iterable[str]) -> QueryError:
    hint = did_you_mean(value, known)
    tail = f' — did you mean "{hint}"?' if hint else ""
    return QueryError(
        f'Unknown {what} "{value}" at {column(position)}{tail}', position, f"the name of a {what}"
    )


def _statuses(values: Sequence[TicketStatus | StatusGroup]) -> set[TicketStatus]:
    out: set[TicketStatus] = set()
    for value in values:
        if value is StatusGroup.OPEN:
            out |= OPEN_STATUSES
        elif value is StatusGroup.DONE:
            out |= set(TicketStatus) - OPEN_STATUSES
        else:
            out.add(TicketStatus(value))
    return out


_RANK_TESTS: dict[Comparison, Callable[[int, int], bool]] = {
    Comparison.LT: lambda a, b: a < b,
    Comparison.LE: lambda a, b: a <= b,
    Comparison.GT: lambda a, b: a > b,
    Comparison.GE: lambda a, b: a >= b,
}


def _priorities(values: Sequence[Priority], op: Comparison) -> list[Priority]:
    """The priorities selected; comparisons follow low < normal < high < urgent."""
    if op is Comparison.EQ:
        return list(values)
    test, pivot = _RANK_TESTS[op], values[0].rank
    return [p for p in Priority if test(p.rank, pivot)]


def _compare(col: Any, op: Comparison, values: Sequence[Any]) -> ColumnElement[bool]:
    if op is Comparison.EQ:
        return col.in_(list(values))  # type: ignore[no-any-return]
    value = values[0]
    return {  # type: ignore[no-any-return]
        Comparison.LT: col < value,
        Comparison.LE: col <= value,
        Comparison.GT: col > value,
        Comparison.GE: col >= value,
    }[op]


def _relative(
    col: InstrumentedAttribute[Any],
    op: Comparison,
    now: datetime,
    delta: timedelta,
    *,
    future: bool,
) -> ColumnElement[bool]:
    """A duration compared with an age ("updated:<7d": less than 7 days ago) or, for ``due``,
    with the time left ("due:<2d": due in less than 2 days, overdue included)."""
    if future:
        mark = now + delta
        return {
            Comparison.EQ: and_(col >= now, col <= mark),
            Comparison.LT: col < mark,
            Comparison.LE: col <= mark,
            Comparison.GT: col > mark,
            Comparison.GE: col >= mark,
        }[op]
    mark = now - delta
    return {
        Comparison.EQ: col >= mark,
        Comparison.LT: col > mark,
        Comparison.LE: col >= mark,
        Comparison.GT: col < mark,
        Comparison.GE: col <= mark,
    }[op]


def _sort(key: SortKey) -> ColumnElement[Any]:
    expr: Any
    if key.field is SortField.PRIORITY:
        expr = case(_PRIORITY_RANK, value=Ticket.priority)
    else:
        expr = {
            SortField.CREATED: Ticket.created_at,
            SortField.UPDATED: Ticket.updated_at,
            SortField.DUE: Ticket.resolution_due_at,
            SortField.NUMBER: Ticket.number,
        }[key.field]
    ordered = expr.desc() if key.descending else expr.asc()
    return ordered.nulls_last()  # type: ignore[no-any-return]


def _subtree(
    roots: Iterable[uuid.UUID], cats: Sequence[tuple[uuid.UUID, str, uuid.UUID | None]]
) -> set[uuid.UUID]:
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for cid, _, parent in cats:
        children.setdefault(parent, []).append(cid)
    found: set[uuid.UUID] = set()
    stack = list(roots)
    while stack:
        cid = stack.pop()
        if cid not in found:
            found.add(cid)
            stack.extend(children.get(cid, ()))
    return found


__all__ = [
    "CompiledSearch",
    "SearchContext",
    "compile_search",
    "search_context",
    "search_ticket_ids",
]
