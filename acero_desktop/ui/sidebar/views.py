"""Built-in views are searches in the query language, so counting and listing share one path."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from acero_desktop.core.actor import Actor
from acero_desktop.models import SavedSearch


@dataclass(frozen=True, slots=True)
class ViewItem:
    key: str  # "view:mine", "saved:<uuid>"
    title: str
    query: str
    saved_id: uuid.UUID | None = None

    @property
    def is_saved(self) -> bool:
        return self.saved_id is not None


def builtin_views(actor: Actor | None) -> list[ViewItem]:
    """The views this user has: staff work queues, a requester their own tickets."""
    if actor is None or not actor.is_staff:
        return [
            ViewItem("view:mine", "My tickets", "requester:me is:open"),
            ViewItem("view:approval", "Awaiting my approval", "requester:me status:resolved"),
            ViewItem("view:open", "All open", "is:open"),
            ViewItem("view:closed", "Recently closed", "status:done updated:30d"),
        ]
    views = [
        ViewItem("view:mine", "My tickets", "assignee:me is:open"),
        ViewItem("view:team", "My team", "team:mine is:open"),
        ViewItem("view:unassigned", "Unassigned", "is:unassigned is:open"),
        ViewItem("view:approval", "Awaiting my approval", "requester:me status:resolved"),
        ViewItem("view:open", "All open", "is:open"),
        ViewItem("view:closed", "Recently closed", "status:done updated:30d"),
    ]
    if not actor.team_ids and not actor.is_admin:
        views = [v for v in views if v.key != "view:team"]
    return views


def saved_searches(session: Session, actor: Actor | None) -> list[ViewItem]:
    if actor is None or actor.user_id is None:
        return []
    rows = session.execute(
        select(SavedSearch.id, SavedSearch.name, SavedSearch.query)
        .where(SavedSearch.owner_id == actor.user_id)
        .order_by(SavedSearch.position, SavedSearch.name)
    )
    return [ViewItem(f"saved:{r.id}", r.name, r.query, r.id) for r in rows]
