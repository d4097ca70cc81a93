"""Writes a :class:`Query` back as text: saved searches, chips turned back into text, tests.

The output is canonical (sort terms last, one space between terms, quotes only where needed),
and ``parse_query(format_query(q)) == q`` for every query the parser can produce.
"""

from __future__ import annotations

import re

from .lexer import ESCAPE, QUOTE, VALUE_STOP, WORD_STOP, is_space
from .nodes import (
    And,
    CategoryFilter,
    DateFilter,
    HasFilter,
    IsFilter,
    Node,
    Not,
    NumberFilter,
    Or,
    PersonFilter,
    PriorityFilter,
    Query,
    SortKey,
    StatusFilter,
    TeamFilter,
    TextTerm,
)
from .query import TICKET_REF

_FIELD_START = re.compile(r"[A-Za-z_]+:")
_KEYWORDS = frozenset({"OR", "AND"})


def format_query(query: Query) -> str:
    parts = [] if query.where is None else [format_node(query.where)]
    if query.sort:
        parts.append("sort:" + ",".join(_sort_key(k) for k in query.sort))
    return " ".join(parts)


def format_node(node: Node) -> str:
    match node:
        case And(items):
            return " ".join(format_node(i) for i in items)
        case Or(items):
            return " OR ".join(
                f"({format_node(i)})" if isinstance(i, And) else format_node(i) for i in items
            )
        case Not(item):
            inner = format_node(item)
            return f"-({inner})" if isinstance(item, And | Or) else f"-{inner}"
        case _:
            return format_term(node)


def format_term(node: Node) -> str:
    match node:
        case TextTerm(text, phrase):
            return quote(text) if phrase or not is_bare_word(text) else text
        case StatusFilter(values):
            return "status:" + ",".join(v.value for v in values)
        case PriorityFilter(values, op):
            return f"priority:{op.value}" + ",".join(v.value for v in values)
        case PersonFilter(field, values):
            return f"{field.value}:" + ",".join(_value(v) for v in values)
        case TeamFilter(values):
            return "team:" + ",".join(_value(v) for v in values)
        case CategoryFilter(values):
            return "category:" + ",".join(_value(v) for v in values)
        case NumberFilter(values, op):
            return f"number:{op.value}" + ",".join(str(v) for v in values)
        case DateFilter(field, value, op):
            return f"{field.value}:{op.value}{value}"
        case IsFilter(values):
            return "is:" + ",".join(v.value for v in values)
        case HasFilter(values):
            return "has:" + ",".join(v.value for v in values)
    raise TypeError(f"not a search term: {node!r}")


def quote(text: str) -> str:
    return QUOTE + text.replace(ESCAPE, ESCAPE * 2).replace(QUOTE, ESCAPE + QUOTE) + QUOTE


def is_bare_word(text: str) -> bool:
    """Whether ``text`` reads back as the same plain word without quotes."""
    return bool(
        text
        and not text.startswith("-")
        and text not in _KEYWORDS
        and not any(is_space(c) or c in WORD_STOP for c in text)
        and not _FIELD_START.match(text)
        and not TICKET_REF.fullmatch(text)
    )


def is_bare_value(text: str) -> bool:
    """Whether ``text`` reads back as the same field value without quotes."""
    return bool(
        text
        and text[0] not in "<>="
        and not any(is_space(c) or c in VALUE_STOP or c == ESCAPE for c in text)
    )


def _value(text: str) -> str:
    return text if is_bare_value(text) else quote(text)


def _sort_key(key: SortKey) -> str:
    return ("-" if key.descending else "") + key.field.value


__all__ = ["format_node", "format_query", "format_term", "is_bare_word", "quote"]
