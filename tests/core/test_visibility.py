"""Who sees what: the Python predicates and the SQL clauses agree, row by row."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from acero_desktop.core import visibility as v
from acero_desktop.core.actor import Actor
from acero_desktop.core.errors import NotFound
from acero_desktop.core.permissions import works_on
from acero_desktop.models import (
    ArticleState,
    Attachment,
    Channel,
    KnowledgeArticle,
    Notification,
    SavedSearch,
    Ticket,
    TicketComment,
    TicketHistory,
    TicketStatus,
    TicketTask,
    TicketWatcher,
)

from .conftest import PEOPLE, T0, Org, uid

EVERYONE = [*PEOPLE, "system"]


@dataclass
class Rows:
    tickets: dict[str, Ticket]


def _comment(org: Org, ticket: Ticket, name: str, author: uuid.UUID, internal: bool) -> None:
    org.session.add(
        TicketComment(
            id=uid(f"comment:{name}"),
            ticket_id=ticket.id,
            author_id=author,
            body=name,
            internal=internal,
            created_at=T0,
        )
    )
    org.session.flush()
    org.session.add(
        Attachment(
            id=uid(f"attachment:{name}"),
            ticket_id=ticket.id,
            comment_id=uid(f"comment:{name}"),
            sha256="0" * 64,
            filename=f"{name}.txt",
            mime_type="text/plain",
            size=1,
            uploaded_by_id=author,
            created_at=T0,
        )
    )
    org.session.add(
        TicketHistory(
            id=uid(f"history:{name}"),
            ticket_id=ticket.id,
            actor_id=author,
            at=T0,
            field="internal_note" if internal else "comment",
            channel=Channel.DESKTOP,
        )
    )


def build(org: Org) -> Rows:
    """Tickets in every relation to every person, each with a reply, a note and files."""
    tickets = {
        "network_new": org.add_ticket(TicketStatus.NEW, name="network_new", number=1),
        "network_alice": org.add_ticket(
            TicketStatus.IN_PROGRESS, name="network_alice", number=2, requester=org.sam
        ),
        "desktop": org.add_ticket(
            TicketStatus.ASSIGNED, name="desktop", number=3, team=org.desktop, assignee=org.carl
        ),
        "requested_by_carl": org.add_ticket(
            TicketStatus.ASSIGNED, name="by_carl", number=4, requester=org.carl, assignee=org.bob
        ),
        "watched_by_sam": org.add_ticket(
            TicketStatus.ASSIGNED, name="watched", number=5, team=org.desktop, assignee=org.carl
        ),
    }
    unrouted = org.add_ticket(TicketStatus.NEW, name="unrouted", number=6, requester=org.sam)
    unrouted.team_id = None
    tickets["unrouted"] = unrouted
    org.session.add(
        TicketWatcher(id=uid("watch"), ticket_id=tickets["watched_by_sam"].id, user_id=org.sam)
    )
    for name, ticket in tickets.items():
        _comment(org, ticket, f"{name}:public", ticket.requester_id, internal=False)
        _comment(org, ticket, f"{name}:note", org.ada, internal=True)
        org.session.add(
            Attachment(
                id=uid(f"attachment:{name}"),
                ticket_id=ticket.id,
                sha256="1" * 64,
                filename="screenshot.png",
                mime_type="image/png",
                size=1,
                uploaded_by_id=ticket.requester_id,
                created_at=T0,
            )
        )
        org.session.add(
            TicketTask(
                id=uid(f"task:{name}"),
                ticket_id=ticket.id,
                title="Check",
                position="a0",
                created_at=T0,
                updated_at=T0,
            )
        )
    for state in ArticleState:
        org.session.add(
            KnowledgeArticle(
                id=uid(f"article:{state}"),
                title=state.value,
                body="...",
                state=state,
                author_id=org.alice,
                created_at=T0,
                updated_at=T0,
            )
        )
    for person in (org.alice, org.rita):
        org.session.add(
            SavedSearch(
                id=uid(f"search:{person}"),
                owner_id=person,
                name="Mine",
                query="status:open",
                created_at=T0,
                updated_at=T0,
            )
        )
        org.session.add(
            Notification(
                id=uid(f"notification:{person}"),
                user_id=person,
                kind="assigned",
                message="...",
                created_at=T0,
            )
        )
    org.session.flush()
    return Rows(tickets)


# Rows of different models go through one loop: typed loosely on purpose.
Predicate = Callable[[Session, Actor, Any], bool]
ClauseOf = Callable[[Actor], ColumnElement[bool]]

CASES: dict[str, tuple[Any, Predicate, ClauseOf]] = {
    "ticket": (Ticket, v.can_see_ticket, v.visible_tickets_clause),
    "comment": (TicketComment, v.can_see_comment, v.visible_comments_clause),
    "attachment": (Attachment, v.can_see_attachment, v.visible_attachments_clause),
    "history": (TicketHistory, v.can_see_history, v.visible_history_clause),
    "task": (
        TicketTask,
        lambda s, a, r: v.can_see_ticket(s, a, s.get_one(Ticket, r.ticket_id)),
        lambda a: v.visible_ticket_rows_clause(a, TicketTask.ticket_id),
    ),
    "article": (
        KnowledgeArticle,
        lambda _s, a, r: v.can_see_article(a, r),
        v.visible_articles_clause,
    ),
    "saved_search": (
        SavedSearch,
        lambda _s, a, r: v.can_see_saved_search(a, r),
        v.visible_saved_searches_clause,
    ),
    "notification": (
        Notification,
        lambda _s, a, r: v.can_see_notification(a, r),
        v.visible_notifications_clause,
    ),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_predicate_and_sql_clause_agree_for_everyone(org: Org, kind: str) -> None:
    build(org)
    model, predicate, clause = CASES[kind]
    rows = org.session.scalars(select(model)).all()
    assert rows
    for who in EVERYONE:
        actor = org.actor(who)
        by_sql = set(org.session.scalars(select(model.id).where(clause(actor))))
        by_python = {row.id for row in rows if predicate(org.session, actor, row)}
        assert by_sql == by_python, who


def visible_tickets(org: Org, who: str) -> set[int | None]:
    query = select(Ticket.number).where(v.visible_tickets_clause(org.actor(who)))
    return set(org.session.scalars(query))


def test_a_requester_sees_what_they_requested_or_watch(org: Org) -> None:
    build(org)
    assert visible_tickets(org, "rita") == {1, 3, 5}
    assert visible_tickets(org, "sam") == {2, 5, 6}


def test_an_agent_sees_their_teams_and_what_they_requested_watch_or_are_assigned(
    org: Org,
) -> None:
    build(org)
    assert visible_tickets(org, "alice") == {1, 2, 4}
    assert visible_tickets(org, "carl") == {3, 4, 5}


def test_unrouted_tickets_are_in_the_admins_triage_queue(org: Org) -> None:
    build(org)
    assert 6 not in visible_tickets(org, "nora")
    assert visible_tickets(org, "ada") == {1, 2, 3, 4, 5, 6}


def _visible_comment_bodies(org: Org, who: str) -> set[str]:
    query = select(TicketComment.body).where(v.visible_comments_clause(org.actor(who)))
    return set(org.session.scalars(query))


@pytest.mark.parametrize("who", ["rita", "sam"])
def test_requesters_never_see_internal_notes(org: Org, who: str) -> None:
    build(org)
    bodies = _visible_comment_bodies(org, who)
    assert bodies
    assert not any(body.endswith(":note") for body in bodies)
    notes = org.session.scalars(select(TicketComment).where(TicketComment.internal)).all()
    assert not any(v.can_see_comment(org.session, org.actor(who), n) for n in notes)


def test_requesters_never_see_files_or_timeline_rows_of_internal_notes(org: Org) -> None:
    build(org)
    actor = org.actor("rita")
    query = select(Attachment.filename).where(v.visible_attachments_clause(actor))
    files = set(org.session.scalars(query))
    assert "network_new:note.txt" not in files
    assert "network_new:public.txt" in files
    fields = org.session.scalars(select(TicketHistory.field).where(v.visible_history_clause(actor)))
    assert "internal_note" not in set(fields)


def test_an_agent_who_requested_another_teams_ticket_does_not_see_its_notes(org: Org) -> None:
    build(org)
    assert "desktop:note" not in _visible_comment_bodies(org, "bob")
    assert "requested_by_carl:note" not in _visible_comment_bodies(org, "carl")
    assert "requested_by_carl:note" in _visible_comment_bodies(org, "bob")  # bob works it


def test_the_assignee_sees_notes_even_outside_the_team(org: Org) -> None:
    rows = build(org)
    ticket = rows.tickets["desktop"]
    ticket.assignee_id = org.alice
    org.session.flush()
    assert works_on(org.actor("alice"), ticket)
    assert "desktop:note" in _visible_comment_bodies(org, "alice")


def test_drafts_are_for_staff_and_published_articles_for_everyone(org: Org) -> None:
    build(org)
    query = select(KnowledgeArticle.title)
    assert set(org.session.scalars(query.where(v.visible_articles_clause(org.actor("rita"))))) == {
        "published"
    }
    assert (
        len(set(org.session.scalars(query.where(v.visible_articles_clause(org.actor("carl"))))))
        == 3
    )


def test_a_missing_and_an_invisible_ticket_look_the_same(org: Org) -> None:
    rows = build(org)
    with pytest.raises(NotFound) as invisible:
        v.require_ticket(org.session, org.actor("sam"), rows.tickets["network_new"].id)
    with pytest.raises(NotFound) as missing:
        v.require_ticket(org.session, org.actor("sam"), uid("no such ticket"))
    assert invisible.value.message == missing.value.message
