"""Who may see a row: the per-user filter of fan-out, catch-up and snapshots.

Every row falls in one of four scopes:

- ``ticket``: the ticket itself and what hangs off it (comments, tasks, history, watchers,
  attachments, feedback). Visible when the ticket is (``core.visibility`` rules, evaluated here
  on plain facts so a fan-out to hundreds of sockets costs no query per socket), and then:
  internal comments, attachments on them and history about them only to staff.
- ``owner``: saved searches and notifications, to their owner only.
- ``article``: knowledge articles, published ones to everyone, drafts to staff.
- ``global``: users, teams, categories, SLA policies, calendars: to everyone.

A decision compares the row's facts before and after a change: visible after → upsert; visible
before but not after → delete (and a ticket that becomes visible is sent with its whole subtree
by the hub). Facts "before" come from ``change_log.old`` (captured at flush, see ``capture.py``).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from acero_desktop.core.actor import Actor
from acero_desktop.core.history import STAFF_ONLY_FIELDS
from acero_desktop.models import ArticleState, Ticket, TicketComment, TicketWatcher

TICKET_CHILDREN = (
    "ticket_comment",
    "ticket_task",
    "ticket_history",
    "ticket_watcher",
    "attachment",
    "feedback",
)
OWNER_FIELD = {"saved_search": "owner_id", "notification": "user_id"}
# The fields of each table that decide who sees a row; kept as ``old`` in the change log.
AUDIENCE_FIELDS: dict[str, tuple[str, ...]] = {
    "ticket": ("team_id", "requester_id", "assignee_id", "created_by_id"),
    "ticket_comment": ("ticket_id", "internal"),
    "ticket_history": ("ticket_id", "field"),
    "attachment": ("ticket_id", "comment_id"),
    "ticket_watcher": ("ticket_id", "user_id"),
    "ticket_task": ("ticket_id",),
    "feedback": ("ticket_id",),
    "knowledge_article": ("state", "author_id"),
    "saved_search": ("owner_id",),
    # Not a visibility rule of the row itself: a change of these is a change of someone's
    # access, which the hub answers by re-checking that user's sockets.
    "user": ("role", "active"),
    "notification": ("user_id",),
}
# Tables that never leave the server.
PRIVATE_TABLES: frozenset[str] = frozenset()


def scope_of(table: str) -> str:
    if table == "ticket" or table in TICKET_CHILDREN:
        return "ticket"
    if table in OWNER_FIELD:
        return "owner"
    if table == "knowledge_article":
        return "article"
    return "global"


def ticket_id_of(table: str, row: Mapping[str, Any] | None, row_id: str) -> str | None:
    if table == "ticket":
        return row_id
    if table in TICKET_CHILDREN and row is not None:
        value = row.get("ticket_id")
        return None if value is None else str(value)
    return None


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What decides who sees a ticket."""

    id: str
    team_id: str | None
    requester_id: str | None
    assignee_id: str | None
    created_by_id: str | None
    watchers: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_row(cls, row: Mapping[str, Any], watchers: Iterable[str] = ()) -> TicketFacts:
        return cls(
            id=str(row["id"]),
            team_id=_s(row.get("team_id")),
            requester_id=_s(row.get("requester_id")),
            assignee_id=_s(row.get("assignee_id")),
            created_by_id=_s(row.get("created_by_id")),
            watchers=frozenset(watchers),
        )

    def with_fields(self, old: Mapping[str, Any]) -> TicketFacts:
        return TicketFacts(
            id=self.id,
            team_id=_s(old.get("team_id", self.team_id)),
            requester_id=_s(old.get("requester_id", self.requester_id)),
            assignee_id=_s(old.get("assignee_id", self.assignee_id)),
            created_by_id=_s(old.get("created_by_id", self.created_by_id)),
            watchers=self.watchers,
        )


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Viewer:
    """An actor as the filter needs it: ids as strings, precomputed once per connection."""

    actor: Actor
    user_id: str | None
    team_ids: frozenset[str]
    staff: bool
    admin: bool

    @classmethod
    def of(cls, actor: Actor) -> Viewer:
        return cls(
            actor=actor,
            user_id=_s(actor.user_id),
            team_ids=frozenset(str(t) for t in actor.team_ids),
            staff=actor.is_staff,
            admin=actor.is_admin,
        )


def sees_ticket(viewer: Viewer, facts: TicketFacts | None) -> bool:
    """``core.visibility.can_see_ticket``: own, watched, assigned, or of one's teams."""
    if facts is None:
        return False
    if viewer.admin:
        return True
    uid = viewer.user_id
    if uid is not None and (
        uid == facts.requester_id or uid == facts.assignee_id or uid in facts.watchers
    ):
        return True
    return viewer.staff and facts.team_id is not None and facts.team_id in viewer.team_ids


def works_on(viewer: Viewer, facts: TicketFacts) -> bool:
    """``core.permissions.works_on``: its team, its assignee, admins (who read internal notes)."""
    if viewer.admin:
        return True
    if not viewer.staff:
        return False
    if facts.team_id is not None and facts.team_id in viewer.team_ids:
        return True
    return facts.assignee_id is not None and facts.assignee_id == viewer.user_id


def sees_row(
    viewer: Viewer,
    table: str,
    row: Mapping[str, Any] | None,
    ticket: TicketFacts | None,
    internal_comments: frozenset[str] = frozenset(),
) -> bool:
    """May ``viewer`` see this row (its facts in ``row``; ``ticket`` = its ticket's facts)?"""
    if row is None:
        return False
    if table in PRIVATE_TABLES:
        return False
    scope = scope_of(table)
    if scope == "global":
        return True
    if scope == "owner":
        return viewer.user_id is not None and _s(row.get(OWNER_FIELD[table])) == viewer.user_id
    if scope == "article":
        if viewer.staff or row.get("state") == ArticleState.PUBLISHED.value:
            return True
        return viewer.user_id is not None and _s(row.get("author_id")) == viewer.user_id
    if ticket is None or not sees_ticket(viewer, ticket):
        return False
    if table == "ticket_comment":
        staff_only = bool(row.get("internal"))
    elif table == "attachment":
        cid = _s(row.get("comment_id"))
        staff_only = cid is not None and cid in internal_comments
    elif table == "ticket_history":
        staff_only = str(row.get("field") or "") in STAFF_ONLY_FIELDS
    else:
        staff_only = False
    return not staff_only or works_on(viewer, ticket)


def load_ticket_facts(
    session: Session, ticket_ids: Iterable[str], *, use_identity_map: bool = False
) -> dict[str, TicketFacts]:
    """Facts of the given tickets (two queries whatever their number).

    ``use_identity_map``: inside the writing transaction, tickets the mutation loaded are
    taken from the session (they are flushed and current) instead of queried again.
    """
    ids = [uuid.UUID(t) for t in set(ticket_ids)]
    if not ids:
        return {}
    out: dict[str, TicketFacts] = {}
    watchers: dict[str, set[str]] = {}
    known: dict[uuid.UUID, Ticket] = {}
    if use_identity_map:
        for tid in ids:
            obj = session.identity_map.get(session.identity_key(Ticket, tid))
            if isinstance(obj, Ticket):
                known[tid] = obj
    for chunk in _chunks(ids, 500):
        for tid, uid in session.execute(
            select(TicketWatcher.ticket_id, TicketWatcher.user_id).where(
                TicketWatcher.ticket_id.in_(chunk)
            )
        ):
            watchers.setdefault(str(tid), set()).add(str(uid))
        for tid in chunk:
            if (t := known.get(tid)) is not None:
                key = str(tid)
                out[key] = TicketFacts(
                    key,
                    _s(t.team_id),
                    _s(t.requester_id),
                    _s(t.assignee_id),
                    _s(t.created_by_id),
                    frozenset(watchers.get(key, ())),
                )
        missing = [tid for tid in chunk if tid not in known]
        if not missing:
            continue
        for row in session.execute(
            select(
                Ticket.id,
                Ticket.team_id,
                Ticket.requester_id,
                Ticket.assignee_id,
                Ticket.created_by_id,
            ).where(Ticket.id.in_(missing))
        ):
            key = str(row[0])
            out[key] = TicketFacts(
                key,
                _s(row[1]),
                _s(row[2]),
                _s(row[3]),
                _s(row[4]),
                frozenset(watchers.get(key, ())),
            )
    return out


def load_internal_comments(session: Session, comment_ids: Iterable[str]) -> frozenset[str]:
    ids = [uuid.UUID(c) for c in set(comment_ids) if c]
    if not ids:
        return frozenset()
    found: set[str] = set()
    for chunk in _chunks(ids, 500):
        found.update(
            str(r)
            for r in session.scalars(
                select(TicketComment.id).where(
                    TicketComment.id.in_(chunk), TicketComment.internal.is_(True)
                )
            )
        )
    return frozenset(found)


def _chunks(items: list[uuid.UUID], size: int) -> Iterable[list[uuid.UUID]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def scope_fingerprint(actor: Actor) -> str:
    """Changes when what the user may see changes (role, teams joined or led)."""
    teams = ",".join(sorted(str(t) for t in actor.team_ids))
    leads = ",".join(sorted(str(t) for t in actor.lead_team_ids))
    return hashlib.sha256(f"{actor.role.value}|{teams}|{leads}".encode()).hexdigest()
