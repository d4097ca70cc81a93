"""The search language: a recursive-descent parser from text to a typed :class:`Query`.

Grammar (EBNF; terms without an operator between them must all match)::

    query      = [ conjunction ] ;
    conjunction= { disjunction | sort_term | "AND" } ;   (* implicit AND; AND is optional *)
    disjunction= unary , { "OR" , unary } ;              (* OR binds tighter than AND *)
    unary      = "-" , unary | primary ;                 (* "-" glued to what it negates *)
    primary    = "(" , conjunction , ")" | term ;
    term       = field_term | ticket_ref | phrase | word ;
    field_term = field , ":" , [ comparator ] , value , { "," , value } ;
    sort_term  = "sort:" , [ "-" ] , sort_key , { "," , [ "-" ] , sort_key } ;
    comparator = "<" | "<=" | ">" | ">=" ;               (* priority, number and dates *)
    value      = phrase | bare_value ;
    phrase     = '"' , { any char but '"' and '\\' | '\\"' | '\\\\' | '\\' } , '"' ;
    ticket_ref = "ACR-" , digit , { digit } ;            (* same as number:12 *)
    word       = any run of characters but space, '"', "(" and ")", not starting with "-" ;
    bare_value = the same, without ",".

So ``printer status:open OR status:waiting`` is ``printer AND (open OR waiting)``, as in mail
search boxes. ``sort:`` applies to the whole search and so may appear only at the top level.
Dates are ISO (``2026-01-31``, read in the searcher's time zone) or durations (``12h``, ``7d``,
``2w``): "that long ago", and for ``due`` "that long from now" (``due:<2d`` = due within two
days). A duration without comparison means "within": ``updated:7d`` = updated in the last week.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from enum import StrEnum
from typing import TypeVar

from acero_desktop.models.enums import Priority, TicketStatus

from .errors import QueryError, column, did_you_mean
from .lexer import Kind, Token, Value, tokenize
from .nodes import (
    ME,
    MINE,
    NONE,
    And,
    CategoryFilter,
    Comparison,
    DateField,
    DateFilter,
    DateValue,
    Duration,
    DurationUnit,
    Field,
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
    StatusValue,
    TeamFilter,
    TextTerm,
)

MAX_DEPTH = 40  # nested parentheses and negations; deeper is a paste accident
MAX_NUMBER = 10**12
MAX_DURATION = 99_999
MIN_DATE = date(1000, 1, 1)
MAX_DATE = date(9998, 12, 31)

TICKET_REF = re.compile(r"(?i)ACR-([0-9]{1,12})")
NUMBER_VALUE = re.compile(r"(?i)(?:ACR-)?([0-9]{1,13})")
DURATION = re.compile(r"(?i)([0-9]{1,5})([hdw])")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

ORDERED_FIELDS = frozenset({Field.PRIORITY, Field.NUMBER, *(Field(f.value) for f in DateField)})
SINGLE_VALUE_FIELDS = frozenset(Field(f.value) for f in DateField)

STATUS_VALUES: tuple[StatusValue, ...] = (*StatusGroup, *TicketStatus)
E = TypeVar("E", bound=StrEnum)


def parse_query(text: str) -> Query:
    """The query ``text`` means; raises :class:`QueryError` (and nothing else) when it cannot."""
    return _Parser(text, tokenize(text)).parse()


class _Parser:
    def __init__(self, text: str, tokens: Sequence[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def kind(self) -> Kind:
        """The current token's kind (a call, so type checkers do not narrow it across advances)."""
        return self.tokens[self.i].kind

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def parse(self) -> Query:
        sort: list[SortKey] = []
        where = self.conjunction(sort)
        if self.tok.kind is Kind.RPAREN:
            raise QueryError(
                f'Unexpected ")" at {column(self.tok.position)} — no "(" is open; '
                "put text with parentheses in quotes",
                self.tok.position,
                "a term",
            )
        return Query(where, tuple(sort))

    # -- structure ---------------------------------------------------------------------------

    def conjunction(self, sort: list[SortKey] | None) -> Node | None:
        """Terms until ``)`` or the end; ``sort`` collects sort terms (None: not allowed here)."""
        items: list[Node] = []
        while self.tok.kind not in (Kind.END, Kind.RPAREN):
            if self.tok.kind is Kind.AND:
                self.advance()
                continue
            if self.tok.kind is Kind.OR:
                raise self.expected_term_before(self.tok)
            if self.tok.kind is Kind.FIELD and self.tok.text == Field.SORT and sort is not None:
                sort.extend(self.sort_keys(self.advance()))
                if self.kind() is Kind.OR:
                    raise self.sort_misplaced(self.tok.position)
                continue
            items.append(self.disjunction())
        return _join(And, items)

    def disjunction(self) -> Node:
        items = [self.unary()]
        while self.tok.kind is Kind.OR:
            self.advance()
            if self.tok.kind in (Kind.END, Kind.RPAREN, Kind.OR, Kind.AND):
                raise QueryError(
                    f"Expected a term after OR at {column(self.tok.position)}",
                    self.tok.position,
                    "a term after OR",
                )
            items.append(self.unary())
        node = _join(Or, items)
        assert node is not None
        return node

    def unary(self) -> Node:
        if self.tok.kind is not Kind.MINUS:
            return self.primary()
        minus = self.advance()
        if self.tok.spaced or self.tok.kind in (Kind.END, Kind.RPAREN):
            raise QueryError(
                f'Expected a term right after "-" at {column(minus.position + 1)} '
                "(write -word to exclude a word)",
                minus.position + 1,
                'a term glued to "-"',
            )
        if self.kind() is Kind.FIELD and self.tok.text == Field.SORT:
            raise QueryError(
                f'"sort:" cannot be negated at {column(minus.position)} — '
                "write sort:-updated for a descending sort",
                minus.position,
                "a filter",
            )
        with _Nesting(self, minus.position):
            return Not(self.unary())

    def primary(self) -> Node:
        tok = self.tok
        if tok.kind is Kind.LPAREN:
            self.advance()
            with _Nesting(self, tok.position):
                inner = self.conjunction(None)
            if self.tok.kind is not Kind.RPAREN:
                raise QueryError(
                    f'Missing ")" to close the "(" at {column(tok.position)}',
                    self.tok.position,
                    'a ")"',
                )
            self.advance()
            if inner is None:
                raise QueryError(
                    f"Expected a term inside the parentheses at {column(tok.position + 1)}",
                    tok.position + 1,
                    "a term",
                )
            return inner
        if tok.kind in (Kind.OR, Kind.AND, Kind.END, Kind.RPAREN):
            raise self.expected_term_before(tok)
        self.advance()
        if tok.kind is Kind.PHRASE:
            return TextTerm(tok.text, phrase=True, position=tok.position)
        if tok.kind is Kind.FIELD:
            if tok.text == Field.SORT:
                raise self.sort_misplaced(tok.position)
            return _field_term(tok)
        ref = TICKET_REF.fullmatch(tok.text)
        if ref:
            return NumberFilter((int(ref.group(1)),), position=tok.position)
        return TextTerm(tok.text, position=tok.position)

    # -- errors and sort -----------------------------------------------------------------------

    def expected_term_before(self, tok: Token) -> QueryError:
        where = "OR" if tok.kind is Kind.OR else "AND" if tok.kind is Kind.AND else ""
        if where:
            return QueryError(
                f"Expected a term before {where} at {column(tok.position)}", tok.position, "a term"
            )
        return QueryError(f"Expected a term at {column(tok.position)}", tok.position, "a term")

    def sort_misplaced(self, position: int) -> QueryError:
        return QueryError(
            f'"sort:" applies to the whole search at {column(position)} — '
            "use it on its own, outside parentheses and OR",
            position,
            "a filter",
        )

    def sort_keys(self, tok: Token) -> list[SortKey]:
        if tok.op:
            raise _no_comparison(tok)
        keys: list[SortKey] = []
        for value in tok.values:
            descending = value.text.startswith("-")
            name = value.text[1:] if descending else value.text
            key = _enum_value(SortField, name, value, "sort key", Field.SORT)
            keys.append(SortKey(key, descending))
        return keys


class _Nesting:
    """Counts nesting so a pathological query is refused before Python's recursion limit."""

    def __init__(self, parser: _Parser, position: int) -> None:
        self.parser = parser
        self.position = position

    def __enter__(self) -> None:
        self.parser.depth += 1
        if self.parser.depth > MAX_DEPTH:
            raise QueryError(
                f"Too many nested parentheses or negations at {column(self.position)}",
                self.position,
                "at most 40 levels",
            )

    def __exit__(self, *exc: object) -> None:
        self.parser.depth -= 1


def _join(kind: type[And] | type[Or], items: list[Node]) -> Node | None:
    """One node for ``items``, flattening nested nodes of the same kind (the canonical form)."""
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, kind) else (item,))
    if not flat:
        return None
    if len(flat) == 1:
        return flat[0]
    return kind(tuple(flat))


# -- field terms -------------------------------------------------------------------------------


def _field_term(tok: Token) -> Node:
    name = _field_name(tok)
    op = Comparison(tok.op) if tok.op in ("<", "<=", ">", ">=") else Comparison.EQ
    if op is not Comparison.EQ and name not in ORDERED_FIELDS:
        raise _no_comparison(tok)
    if len(tok.values) > 1 and (op is not Comparison.EQ or name in SINGLE_VALUE_FIELDS):
        second = tok.values[1]
        what = "A comparison" if op is not Comparison.EQ else f'"{name}:"'
        raise QueryError(
            f"{what} takes a single value at {column(second.position)}",
            second.position,
            "one value",
        )
    builder = _BUILDERS.get(name)
    if builder is not None:
        return builder(tok, op)
    return _date_filter(tok, DateField(name), op)


def _field_name(tok: Token) -> Field:
    try:
        return Field(tok.text)
    except ValueError:
        pass
    typed = tok.text
    hint = did_you_mean(typed, [f.value for f in Field])
    tail = f'did you mean "{hint}"?' if hint else "to search for this text, put it in quotes"
    raise QueryError(
        f'Unknown field "{typed}" at {column(tok.position)} — {tail}',
        tok.position,
        "one of: " + ", ".join(f.value for f in Field),
    )


def _no_comparison(tok: Token) -> QueryError:
    at = tok.values[0].position - len(tok.op)
    return QueryError(
        f'"{tok.text}:" does not take "{tok.op}" at {column(at)} — '
        "comparisons work for priority, number and dates",
        at,
        f"a value for {tok.text}:",
    )


def _norm(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_")


def _enum_value(enum: type[E], text: str, value: Value, what: str, field: Field) -> E:
    try:
        return enum(_norm(text))
    except ValueError:
        pass
    raise _unknown(what, value, [m.value for m in enum], field)


def _unknown(what: str, value: Value, choices: Sequence[str], field: Field) -> QueryError:
    return QueryError(
        f'Unknown {what} "{value.text}" at {column(value.position)} — '
        f"expected one of: {', '.join(choices)}",
        value.position,
        f"a {field.value}: value",
    )


def _status(tok: Token, op: Comparison) -> Node:
    values: list[StatusValue] = []
    choices = [s.value for s in STATUS_VALUES]
    for value in tok.values:
        norm = _norm(value.text)
        match = next((s for s in STATUS_VALUES if s.value == norm), None)
        if match is None:
            raise _unknown("status", value, choices, Field.STATUS)
        values.append(match)
    return StatusFilter(tuple(values), position=tok.position)


def _priority(tok: Token, op: Comparison) -> Node:
    values = tuple(_enum_value(Priority, v.text, v, "priority", Field.PRIORITY) for v in tok.values)
    return PriorityFilter(values, op, position=tok.position)


def _names(tok: Token, reserved: Sequence[str]) -> tuple[str, ...]:
    """Values as typed, except the reserved words (``me``, ``none``...) which are lower-cased."""
    out: list[str] = []
    for value in tok.values:
        text = value.text.strip()
        if not text:
            raise QueryError(
                f'Expected a value after "{tok.text}:" at {column(value.position)}',
                value.position,
                f"a value for {tok.text}:",
            )
        out.append(text.lower() if text.lower() in reserved else text)
    return tuple(out)


def _value_positions(tok: Token) -> tuple[int, ...]:
    """Where each value's text starts (inside its quotes, if quoted)."""
    return tuple(v.position + v.quoted for v in tok.values)


def _person(tok: Token, op: Comparison) -> Node:
    field = PersonField(tok.text)
    reserved = (ME, NONE) if field is PersonField.ASSIGNEE else (ME,)
    return PersonFilter(field, _names(tok, reserved), tok.position, _value_positions(tok))


def _team(tok: Token, op: Comparison) -> Node:
    return TeamFilter(_names(tok, (MINE, NONE)), tok.position, _value_positions(tok))


def _category(tok: Token, op: Comparison) -> Node:
    return CategoryFilter(_names(tok, (NONE,)), tok.position, _value_positions(tok))


def _number(tok: Token, op: Comparison) -> Node:
    numbers: list[int] = []
    for value in tok.values:
        m = NUMBER_VALUE.fullmatch(value.text.strip())
        if m is None or int(m.group(1)) > MAX_NUMBER:
            raise QueryError(
                f"Expected a ticket number like ACR-12 or 12 at {column(value.position)}, "
                f'not "{value.text}"',
                value.position,
                "a ticket number",
            )
        numbers.append(int(m.group(1)))
    return NumberFilter(tuple(numbers), op, position=tok.position)


def _is(tok: Token, op: Comparison) -> Node:
    values = tuple(_enum_value(IsValue, v.text, v, "is: value", Field.IS) for v in tok.values)
    return IsFilter(values, position=tok.position)


def _has(tok: Token, op: Comparison) -> Node:
    values = tuple(_enum_value(HasValue, v.text, v, "has: value", Field.HAS) for v in tok.values)
    return HasFilter(values, position=tok.position)


def _date_filter(tok: Token, field: DateField, op: Comparison) -> Node:
    value = tok.values[0]
    return DateFilter(field, parse_date_value(value, field), op, position=tok.position)


def parse_date_value(value: Value, field: DateField) -> DateValue:
    text = value.text.strip()
    rel = DURATION.fullmatch(text)
    if rel:
        amount = int(rel.group(1))
        if amount <= MAX_DURATION:
            return Duration(amount, DurationUnit(rel.group(2).lower()))
    if ISO_DATE.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise QueryError(
                f'"{text}" at {column(value.position)} is not a real date',
                value.position,
                "a date like 2026-01-31",
            ) from None
        if MIN_DATE <= day <= MAX_DATE:
            return day
    raise QueryError(
        f'Expected a date like 2026-01-31 or a duration like 7d, 12h or 2w after "{field}:" '
        f"at {column(value.position)}",
        value.position,
        "a date or a duration",
    )


_BUILDERS: dict[Field, Callable[[Token, Comparison], Node]] = {
    Field.STATUS: _status,
    Field.PRIORITY: _priority,
    Field.ASSIGNEE: _person,
    Field.REQUESTER: _person,
    Field.TEAM: _team,
    Field.CATEGORY: _category,
    Field.NUMBER: _number,
    Field.IS: _is,
    Field.HAS: _has,
}
