"""Argument types shared by the mutation schemas, each refusing bad input with a sentence.

The validators raise ValueError with words for the person who typed the value; ``parse_args``
shows them unchanged. Texts are stripped, so "   " counts as empty everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

MAX_TITLE = 300
MAX_TEXT = 100_000
MAX_NAME = 200
MAX_QUERY = 10_000


def _text(
    what: str, *, limit: int, required: bool = True, strip: bool = True
) -> Callable[[str], str]:
    def check(value: str) -> str:
        if strip:
            value = value.strip()
        if required and not value.strip():
            raise ValueError(f"{what} cannot be empty.")
        if len(value) > limit:
            raise ValueError(f"{what} can be at most {limit:,} characters long.")
        return value

    return check


def _optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise ValueError(f"A text can be at most {MAX_TEXT:,} characters long.")
    return value or None


Title = Annotated[str, AfterValidator(_text("A title", limit=MAX_TITLE))]
Description = Annotated[str, AfterValidator(_text("A description", limit=MAX_TEXT, required=False))]
# Comment bodies are Markdown: keep their leading indentation, refuse only the blank ones.
CommentBody = Annotated[str, AfterValidator(_text("A comment", limit=MAX_TEXT, strip=False))]
ArticleBody = Annotated[str, AfterValidator(_text("An article", limit=MAX_TEXT, strip=False))]
Name = Annotated[str, AfterValidator(_text("A name", limit=MAX_NAME))]
Query = Annotated[str, AfterValidator(_text("A search", limit=MAX_QUERY))]
FeedbackComment = Annotated[
    str, AfterValidator(_text("A feedback comment", limit=MAX_TEXT, required=False))
]
OptionalText = Annotated[str | None, AfterValidator(_optional_text)]
"""Free text that may be left out; blank counts as left out."""

Timestamp = AwareDatetime
"""Every instant on the wire carries its offset; a naive one is refused."""
