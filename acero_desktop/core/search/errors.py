"""The one error a search can raise, with what the search bar needs to point at the problem."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable

from acero_desktop.core.errors import AceroError


class QueryError(AceroError):
    """A search that cannot be understood (or names something that does not exist).

    ``position`` is the 0-based character offset of the problem; messages count columns from 1,
    as people do. ``expected`` says briefly what would have been valid there.
    """

    code = "invalid_query"

    def __init__(self, message: str, position: int, expected: str) -> None:
        super().__init__(message, field="query")
        self.position = position
        self.expected = expected

    def caret_line(self, query: str) -> str:
        """The line of ``query`` holding the problem, with a ``^`` under it."""
        pos = max(0, min(self.position, len(query)))
        start = query.rfind("\n", 0, pos) + 1
        end = query.find("\n", pos)
        line = query[start : end if end >= 0 else len(query)]
        pad = "".join(_pad(ch) for ch in query[start:pos])
        return f"{line}\n{pad}^"

    def to_dict(self) -> dict[str, str | None]:
        return {**super().to_dict(), "position": str(self.position), "expected": self.expected}


def _pad(ch: str) -> str:
    """Blank space as wide as ``ch`` on screen, so the caret lines up under wide characters."""
    if ch == "\t":
        return "\t"
    if unicodedata.combining(ch):
        return ""
    return "  " if unicodedata.east_asian_width(ch) in ("W", "F") else " "


def column(position: int) -> int:
    """The 1-based column people read in messages."""
    return position + 1


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The closest choice to a misspelt ``word``, if one is close enough to suggest."""
    options = list(choices)
    lowered = {c.casefold(): c for c in options}
    hits = difflib.get_close_matches(word.casefold(), list(lowered), n=1, cutoff=0.6)
    return lowered[hits[0]] if hits else None
