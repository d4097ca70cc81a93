"""The typed syntax tree of a search and the closed vocabularies the language knows.

Every node is a frozen dataclass, so two searches compare equal when they mean the same thing.
``position`` (the character offset a term started at, for error messages) takes no part in
equality: ``parse(format(q)) == q`` holds although formatting may move terms around.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from acero_desktop.models.enums import Priority, TicketStatus


class Field(StrEnum):
    """The names before the colon, in the order the completion menu offers them."""

    STATUS = "status"
    PRIORITY = "priority"
    ASSIGNEE = "assignee"
    REQUESTER = "requester"
    TEAM = "team"
    CATEGORY = "category"
    NUMBER = "number"
    IS = "is"
    HAS = "has"
    CREATED = "created"
    UPDATED = "updated"
    DUE = "due"
    RESOLVED = "resolved"
    CLOSED = "closed"
    SORT = "sort"


class Comparison(StrEnum):
    """How an ordered field compares; ``EQ`` is spelled as no operator at all."""

    EQ = ""
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


class StatusGroup(StrEnum):
    """Pseudo statuses that stand for several real ones."""

    OPEN = "open"  # new, assigned, in_progress, waiting, reopened
    DONE = "done"  # resolved, closed, cancelled


StatusValue = TicketStatus | StatusGroup


class DateField(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DUE = "due"
    RESOLVED = "resolved"
    CLOSED = "closed"


class PersonField(StrEnum):
    ASSIGNEE = "assignee"
    REQUESTER = "requester"


class IsValue(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # not open: resolved, closed or cancelled
    BREACHED = "breached"
    AT_RISK = "at_risk"
    UNASSIGNED = "unassigned"
    MINE = "mine"  # assigned to me
    PENDING = "pending"  # made offline, no number from the server yet
    WATCHING = "watching"


class HasValue(StrEnum):
    ATTACHMENT = "attachment"
    TASKS = "tasks"
    COMMENTS = "comments"
    FEEDBACK = "feedback"


class SortField(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    PRIORITY = "priority"
    DUE = "due"
    NUMBER = "number"


class DurationUnit(StrEnum):
    HOURS = "h"
    DAYS = "d"
    WEEKS = "w"


# Reserved words inside person/team/category values (compared case-insensitively).
ME = "me"
NONE = "none"
MINE = "mine"


@dataclass(frozen=True, slots=True)
class Duration:
    """A relative date such as ``7d``: that long ago (or, for ``due``, that long from now)."""

    amount: int
    unit: DurationUnit

    @property
    def delta(self) -> timedelta:
        hours = {DurationUnit.HOURS: 1, DurationUnit.DAYS: 24, DurationUnit.WEEKS: 168}[self.unit]
        return timedelta(hours=self.amount * hours)

    def __str__(self) -> str:
        return f"{self.amount}{self.unit.value}"


DateValue = date | Duration


def _pos() -> int:
    return field(default=0, compare=False, repr=False)


def _positions() -> tuple[int, ...]:
    """Where each value started: name lookups point their errors at the very value."""
    return field(default=(), compare=False, repr=False)


def value_position(node: PersonFilter | TeamFilter | CategoryFilter, index: int) -> int:
    """Where the ``index``-th value of ``node`` started (the term's start if unknown)."""
    if index < len(node.value_positions):
        return node.value_positions[index]
    return node.position


@dataclass(frozen=True, slots=True)
class TextTerm:
    """A word (``printer``) or a quoted phrase (``"paper jam"``) searched in the ticket text."""

    text: str
    phrase: bool = False
    position: int = _pos()


@dataclass(frozen=True, slots=True)
class StatusFilter:
    values: tuple[StatusValue, ...]
    position: int = _pos()


@dataclass(frozen=True, slots=True)
class PriorityFilter:
    """``priority:high,urgent`` or, with a comparison, exactly one value: ``priority:>=high``."""

    values: tuple[Priority, ...]
    op: Comparison = Comparison.EQ
    position: int = _pos()


@dataclass(frozen=True, slots=True)
class PersonFilter:
    """Assignee or requester: ``me``, ``none`` (assignee only) or a username / name prefix."""

    field: PersonField
    values: tuple[str, ...]
    position: int = _pos()
    value_positions: tuple[int, ...] = _positions()


@dataclass(frozen=True, slots=True)
class TeamFilter:
    """A team name, ``mine`` (any of my teams) or ``none``."""

    values: tuple[str, ...]
    position: int = _pos()
    value_positions: tuple[int, ...] = _positions()


@dataclass(frozen=True, slots=True)
class CategoryFilter:
    """A category name (its whole subtree matches) or ``none``."""

    values: tuple[str, ...]
    position: int = _pos()
    value_positions: tuple[int, ...] = _positions()


@dataclass(frozen=True, slots=True)
class NumberFilter:
    values: tuple[int, ...]
    op: Comparison = Comparison.EQ
    position: int = _pos()


@dataclass(frozen=True, slots=True)
class DateFilter:
    field: DateField
    value: DateValue
    op: Comparison = Comparison.EQ
    position: int = _pos()


@dataclass(frozen=True, slots=True)
class IsFilter:
    values: tuple[IsValue, ...]
    position: int = _pos()


@dataclass(frozen=True, slots=True)
class HasFilter:
    values: tuple[HasValue, ...]
    position: int = _pos()


Term = (
    TextTerm
    | StatusFilter
    | PriorityFilter
    | PersonFilter
    | TeamFilter
    | CategoryFilter
    | NumberFilter
    | DateFilter
    | IsFilter
    | HasFilter
)


@dataclass(frozen=True, slots=True)
class Not:
    item: Node


@dataclass(frozen=True, slots=True)
class And:
    """Two or more conditions that must all hold; never directly holds another ``And``."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Two or more alternatives; never directly holds another ``Or``."""

    items: tuple[Node, ...]


Node = Term | Not | And | Or


@dataclass(frozen=True, slots=True)
class SortKey:
    field: SortField
    descending: bool = False


@dataclass(frozen=True, slots=True)
class Query:
    """A whole search: the condition (None = everything visible) and the explicit sort keys."""

    where: Node | None = None
    sort: tuple[SortKey, ...] = ()


def text_terms(node: Node | None, *, positive_only: bool = False) -> list[TextTerm]:
    """The text terms of a tree, in order; ``positive_only`` skips those under a negation."""
    found: list[TextTerm] = []

    def walk(n: Node, negated: bool) -> None:
        match n:
            case TextTerm():
                if not (positive_only and negated):
                    found.append(n)
            case Not(item):
                walk(item, not negated)
            case And(items) | Or(items):
                for item in items:
                    walk(item, negated)
            case _:
                pass

    if node is not None:
        walk(node, False)
    return found
