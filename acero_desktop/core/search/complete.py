"""Completion for the search bar: field names, then the values a field accepts.

Suggestions are whole terms (``-status:open,waiting``) that replace the text from
:func:`completion_span`'s start to the cursor, which is what a ``QCompleter`` prefix model wants.
Static vocabularies live here; people, teams and categories come from the caller's callback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from acero_desktop.models.enums import Priority

from .format import is_bare_value, quote
from .lexer import COMPARATORS, ESCAPE, QUOTE, is_space
from .nodes import ME, MINE, NONE, Field, HasValue, IsValue, SortField
from .query import ORDERED_FIELDS, STATUS_VALUES

# (field, what was typed so far) -> known values, e.g. usernames starting with the prefix.
ValueSource = Callable[[Field, str], Iterable[str]]

_FIELD_TERM = re.compile(r"([A-Za-z_]+):(.*)", re.DOTALL)
_DURATIONS = ("12h", "1d", "7d", "30d", "2w")

STATIC_VALUES: dict[Field, tuple[str, ...]] = {
    Field.STATUS: tuple(s.value for s in STATUS_VALUES),
    Field.PRIORITY: tuple(p.value for p in Priority),
    Field.ASSIGNEE: (ME, NONE),
    Field.REQUESTER: (ME,),
    Field.TEAM: (MINE, NONE),
    Field.CATEGORY: (NONE,),
    Field.NUMBER: (),
    Field.IS: tuple(v.value for v in IsValue),
    Field.HAS: tuple(v.value for v in HasValue),
    Field.SORT: (*(f.value for f in SortField), *(f"-{f.value}" for f in SortField)),
    **dict.fromkeys(
        (Field.CREATED, Field.UPDATED, Field.DUE, Field.RESOLVED, Field.CLOSED), _DURATIONS
    ),
}


def completion_span(query: str, cursor: int) -> tuple[int, int]:
    """Where the term being typed starts, and the cursor (clamped to the query)."""
    cursor = max(0, min(cursor, len(query)))
    start, in_quote, i = 0, False, 0
    while i < cursor:
        ch = query[i]
        if in_quote and ch == ESCAPE and i + 1 < cursor:
            i += 2
            continue
        if ch == QUOTE:
            in_quote = not in_quote
        elif not in_quote and (is_space(ch) or ch in "()"):
            start = i + 1
        i += 1
    return start, cursor


def complete(query: str, cursor: int, values: ValueSource | None = None) -> list[str]:
    """Whole-term suggestions for the term under the cursor, best first."""
    start, end = completion_span(query, cursor)
    fragment = query[start:end]
    body = fragment.lstrip("-")
    neg = fragment[: len(fragment) - len(body)]
    m = _FIELD_TERM.fullmatch(body)
    if m is None:
        if QUOTE in body:
            return []
        typed = body.lower()
        return [f"{neg}{f.value}:" for f in Field if f.value.startswith(typed)]
    try:
        field = Field(m.group(1).lower())
    except ValueError:
        return []
    return _value_suggestions(neg + m.group(1) + ":", field, m.group(2), values)


def _value_suggestions(head: str, field: Field, rest: str, source: ValueSource | None) -> list[str]:
    op = next((c for c in COMPARATORS if rest.startswith(c)), "")
    if op and field not in ORDERED_FIELDS:
        return []
    *done, partial = _split_values(rest[len(op) :])
    typed = partial.strip(QUOTE).replace(ESCAPE + QUOTE, QUOTE)
    chosen = {_unquote(d).casefold() for d in done}
    candidates = list(STATIC_VALUES[field])
    if source is not None:
        candidates.extend(source(field, typed))
    out: list[str] = []
    seen: set[str] = set()
    prefix = head + op + "".join(d + "," for d in done)
    for cand in candidates:
        key = cand.casefold()
        if key in seen or key in chosen or not key.startswith(typed.casefold()):
            continue
        seen.add(key)
        out.append(prefix + (cand if is_bare_value(cand) else quote(cand)))
    return out


def _split_values(text: str) -> list[str]:
    """Comma-separated values, commas inside quotes excepted; always at least one (maybe "")."""
    parts: list[str] = []
    current: list[str] = []
    in_quote = False
    for ch in text:
        if ch == QUOTE:
            in_quote = not in_quote
        if ch == "," and not in_quote:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == QUOTE:
        return text[1:-1].replace(ESCAPE + QUOTE, QUOTE).replace(ESCAPE * 2, ESCAPE)
    return text
