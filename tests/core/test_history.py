"""The timeline: every change of every tracked field, and every event, writes one row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from acero_desktop.core.history import TRACKED, HistoryField, excerpt, readable
from acero_desktop.models import Channel, Ticket, TicketHistory, TicketStatus

from .conftest import T0, Org, uid

AT = T0 + timedelta(minutes=10)

# field → (status of the ticket before, who acts, mutation, extra args, old, new)
FIELD_CHANGES: dict[
    str, tuple[TicketStatus, str, str, dict[str, object], str | None, str | None]
] = {
    "title": (
        TicketStatus.NEW,
        "rita",
        "ticket.update",
        {"title": "VPN down"},
        "VPN drops every hour",
        "VPN down",
    ),
    "description": (
        TicketStatus.NEW,
        "alice",
        "ticket.update",
        {"description": "Hourly."},
        "Since Monday the VPN disconnects at the top of every hour.",
        "Hourly.",
    ),
    "priority": (
        TicketStatus.NEW,
        "alice",
        "ticket.update",
        {"priority": "urgent"},
        "normal",
        "urgent",
    ),
    "category": (
        TicketStatus.NEW,
        "alice",
        "ticket.update",
        {"category_id": str(Org.vpn)},
        None,
        "VPN",
    ),
    "team": (
        TicketStatus.NEW,
        "nora",
        "ticket.update",
        {"team_id": str(Org.desktop)},
        "Network",
        "Desktop",
    ),
    "assignee": (
        TicketStatus.NEW,
        "alice",
        "ticket.assign",
        {"assignee_id": str(Org.bob)},
        None,
        "Bob Agent",
    ),
    "status": (
        TicketStatus.ASSIGNED,
        "alice",
        "ticket.set_status",
        {"to_status": "in_progress"},
        "assigned",
        "in_progress",
    ),
    "waiting_on": (
        TicketStatus.IN_PROGRESS,
        "alice",
        "ticket.set_status",
        {"to_status": "waiting", "waiting_on": "third_party"},
        None,
        "third_party",
    ),
    "resolution": (
        TicketStatus.IN_PROGRESS,
        "alice",
        "ticket.set_status",
        {"to_status": "resolved", "resolution": "New AP."},
        None,
        "New AP.",
    ),
    "cancel_reason": (
        TicketStatus.IN_PROGRESS,
        "rita",
        "ticket.set_status",
        {"to_status": "cancelled", "cancel_reason": "duplicate"},
        None,
        "duplicate",
    ),
}


def rows(org: Org, field: str | None = None) -> list[TicketHistory]:
    query = select(TicketHistory).order_by(TicketHistory.at, TicketHistory.id)
    if field is not None:
        query = query.where(TicketHistory.field == field)
    return list(org.session.scalars(query))


def test_every_tracked_column_has_a_change_test() -> None:
    assert {field.value for field in TRACKED.values()} == set(FIELD_CHANGES)


@pytest.mark.parametrize("field", sorted(FIELD_CHANGES))
def test_changing_a_field_writes_one_readable_row(org: Org, field: str) -> None:
    status, who, name, extra, old, new = FIELD_CHANGES[field]
    ticket = org.add_ticket(status)
    org.apply(who, name, {"id": str(ticket.id), **extra}, at=AT, channel=Channel.EMAIL)
    (row,) = rows(org, field)
    assert (row.ticket_id, row.actor_id, row.at, row.channel) == (
        ticket.id,
        org.actors[who].user_id,
        AT,
        Channel.EMAIL,
    )
    assert (row.old_value, row.new_value) == (old, new)
    assert ticket.updated_at == AT


def _comment(org: Org, ticket: Ticket, internal: bool) -> None:
    args = {"id": str(uid("c")), "ticket_id": str(ticket.id), "body": "Hi", "internal": internal}
    org.apply("alice", "comment.add", args, at=AT)


def _attach(org: Org, ticket: Ticket, internal: bool) -> None:
    comment_id = None
    if internal:
        _comment(org, ticket, internal=True)
        comment_id = str(uid("c"))
    args = {
        "id": str(uid("a")),
        "ticket_id": str(ticket.id),
        "comment_id": comment_id,
        "sha256": "f" * 64,
        "filename": "trace.pcap",
        "mime_type": "application/octet-stream",
        "size": 10,
    }
    org.apply("alice", "attachment.add", args, at=AT + timedelta(seconds=1))


EVENTS: dict[str, Callable[[Org, Ticket], None]] = {
    "comment": lambda org, t: _comment(org, t, internal=False),
    "internal_note": lambda org, t: _comment(org, t, internal=True),
    "attachment": lambda org, t: _attach(org, t, internal=False),
    "internal_attachment": lambda org, t: _attach(org, t, internal=True),
    "task": lambda org, t: org.apply(
        "alice", "task.add", {"id": str(uid("t")), "ticket_id": str(t.id), "title": "Swap AP"}
    ),
    "watcher": lambda org, t: org.apply(
        "bob", "watch.add", {"id": str(uid("w")), "ticket_id": str(t.id), "user_id": str(org.bob)}
    ),
}


@pytest.mark.parametrize("field", sorted(EVENTS))
def test_events_on_a_ticket_are_on_its_timeline(org: Org, field: str) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    EVENTS[field](org, ticket)
    assert len(rows(org, field)) == 1


def test_creating_a_ticket_is_the_first_row(org: Org) -> None:
    org.apply(
        "rita",
        "ticket.create",
        {"id": str(uid("new")), "title": "Hi", "watcher_ids": [str(org.sam)]},
    )
    assert [r.field for r in rows(org)] == ["created", "watcher"]


def test_rows_of_one_mutation_sort_in_the_order_they_were_written(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    org.apply(
        "alice",
        "ticket.set_status",
        {"id": str(ticket.id), "to_status": "waiting", "waiting_on": "requester"},
    )
    assert [r.field for r in rows(org)] == ["assignee", "status", "waiting_on"]


def test_a_field_set_to_its_current_value_writes_nothing(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    org.apply("alice", "ticket.update", {"id": str(ticket.id), "priority": "normal"})
    assert rows(org) == []


def test_the_system_is_recorded_as_no_actor(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.RESOLVED)
    org.apply("system", "ticket.set_status", {"id": str(ticket.id), "to_status": "closed"})
    (row,) = rows(org)
    assert row.actor_id is None


def test_readable_values_name_people_and_spell_enums(org: Org) -> None:
    assert readable(org.session, "assignee_id", org.alice) == "Alice Agent"
    assert readable(org.session, "team_id", org.network) == "Network"
    assert readable(org.session, "status", TicketStatus.IN_PROGRESS) == "in_progress"
    assert readable(org.session, "assignee_id", uid("gone")) == str(uid("gone"))
    assert readable(org.session, "title", None) is None


def test_an_excerpt_is_one_short_line() -> None:
    assert excerpt("line one\n\nline   two") == "line one line two"
    assert len(excerpt("x" * 500)) == 120


def test_history_field_names_fit_the_column() -> None:
    assert all(len(field.value) <= 50 for field in HistoryField)
