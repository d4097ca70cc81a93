"""Similar resolved tickets and published articles for what the requester is typing.

Tickets come from the FTS5 index of the cache (any of the words, best bm25 first, only
resolved or closed tickets this user may see); articles — a few hundred rows, not indexed —
by counting which of the words their title and body contain. Both work offline.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from functools import reduce

from sqlalchemy import ColumnElement, String, case, func, literal_column, or_, select, type_coerce
from sqlalchemy.orm import Session

from acero_desktop.core.actor import Actor
from acero_desktop.core.search.nodes import TextTerm
from acero_desktop.core.visibility import visible_articles_clause, visible_tickets_clause
from acero_desktop.models import ArticleState, KnowledgeArticle, Ticket, TicketStatus
from acero_desktop.store.fts import FTS_TICKET, TICKET_WEIGHTS, fts_key, fts_query, fts_ticket

_WORD = re.compile(r"[^\W_]{3,}", re.UNICODE)
_STOP = frozenset(
    {
        "the",
        "and",
        "for",
        "with",
        "not",
        "but",
        "from",
        "this",
        "that",
        "have",
        "has",
        "are",
        "was",
        "were",
        "can",
        "cannot",
        "does",
        "doesn",
        "when",
        "what",
        "why",
        "how",
        "our",
        "your",
        "you",
        "please",
        "help",
        "need",
        "any",
        "all",
        "into",
        "out",
        "after",
        "before",
        "since",
        "bei",
        "und",
        "der",
        "die",
        "das",
        "ist",
        "nicht",
    }
)
MAX_WORDS = 8


@dataclass(frozen=True, slots=True)
class Suggestion:
    kind: str  # "ticket" | "article"
    id: str  # hex for tickets, str(uuid) for articles
    title: str
    detail: str


def keywords(text: str) -> list[str]:
    """The longest distinct meaningful words, which carry most of the meaning."""
    seen: dict[str, str] = {}
    for word in _WORD.findall(text):
        key = word.casefold()
        if key not in _STOP and key not in seen:
            seen[key] = word
    return sorted(seen.values(), key=len, reverse=True)[:MAX_WORDS]


def suggest(session: Session, actor: Actor, text: str, limit: int = 5) -> list[Suggestion]:
    words = keywords(text)
    if not words:
        return []
    return [*_tickets(session, actor, words, limit), *_articles(session, actor, words, limit)]


def _tickets(session: Session, actor: Actor, words: list[str], limit: int) -> list[Suggestion]:
    match = fts_query([TextTerm(w) for w in words], any_of=True)
    if match is None:
        return []
    score = func.bm25(literal_column(FTS_TICKET), *TICKET_WEIGHTS)
    ranked = (
        select(fts_key.c.ticket_id.label("ticket_id"), score.label("score"))
        .select_from(fts_ticket.join(fts_key, fts_key.c.id == fts_ticket.c.rowid))
        .where(fts_ticket.c[FTS_TICKET].op("MATCH")(match))
        .subquery()
    )
    rows = session.execute(
        select(type_coerce(Ticket.id, String), Ticket.number, Ticket.title, Ticket.resolution)
        .join(ranked, ranked.c.ticket_id == Ticket.id)
        .where(
            Ticket.status.in_([TicketStatus.RESOLVED, TicketStatus.CLOSED]),
            visible_tickets_clause(actor),
        )
        .order_by(ranked.c.score, Ticket.updated_at.desc())
        .limit(limit)
    )
    out = []
    for hex_id, number, title, resolution in rows:
        label = f"ACR-{number}" if number is not None else "pending"
        detail = (resolution or "").strip().splitlines()[0][:140] if resolution else ""
        out.append(Suggestion("ticket", hex_id, f"{label} · {title}", detail))
    return out


def _articles(session: Session, actor: Actor, words: list[str], limit: int) -> list[Suggestion]:
    hits: list[ColumnElement[int]] = []
    for word in words:
        pattern = f"%{_like(word)}%"
        found = or_(
            KnowledgeArticle.title.ilike(pattern, escape="\\"),
            KnowledgeArticle.body.ilike(pattern, escape="\\"),
        )
        hits.append(case((found, 1), else_=0))
    score = reduce(operator.add, hits).label("score")
    rows = session.execute(
        select(KnowledgeArticle.id, KnowledgeArticle.title, KnowledgeArticle.body, score)
        .where(KnowledgeArticle.state == ArticleState.PUBLISHED, visible_articles_clause(actor))
        .order_by(score.desc(), KnowledgeArticle.updated_at.desc())
        .limit(limit)
    )
    return [
        Suggestion("article", str(aid), title, _first_line(body, skip=title))
        for aid, title, body, n in rows
        if n
    ]


def _like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _first_line(text: str, *, skip: str = "") -> str:
    """The first line of prose, not the heading that repeats the title."""
    for line in text.splitlines():
        line = line.strip(" #*-")
        if line and line.casefold() != skip.casefold():
            return line[:140]
    return ""
