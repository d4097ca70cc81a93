"""watch.add and watch.remove: set operations on who follows a ticket."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from acero_desktop.core.errors import NotFound, PermissionDenied, ValidationFailed
from acero_desktop.core.visibility import can_see_ticket
from acero_desktop.models import Ticket, TicketHistory, TicketStatus, TicketWatcher

from .conftest import Org, uid


def watch(org: Org, who: str, ticket: Ticket, user: object, name: str = "w") -> None:
    args = {"id": str(uid(f"watch:{name}")), "ticket_id": str(ticket.id), "user_id": str(user)}
    org.apply(who, "watch.add", args)


def unwatch(org: Org, who: str, ticket: Ticket, user: object) -> None:
    org.apply(who, "watch.remove", {"ticket_id": str(ticket.id), "user_id": str(user)})


def watchers(org: Org) -> list[object]:
    return list(org.session.scalars(select(TicketWatcher.user_id)))


def test_anyone_who_sees_a_ticket_may_watch_it(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    watch(org, "bob", ticket, org.bob)
    assert watchers(org) == [org.bob]


def test_watching_twice_is_a_successful_no_op(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    watch(org, "bob", ticket, org.bob, "first")
    watch(org, "bob", ticket, org.bob, "second")
    assert watchers(org) == [org.bob]


def test_watching_grants_visibility(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    assert not can_see_ticket(org.session, org.actor("sam"), ticket)
    watch(org, "rita", ticket, org.sam)  # the requester copies a colleague in
    assert can_see_ticket(org.session, org.actor("sam"), ticket)


def test_staff_working_the_ticket_may_add_others(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    watch(org, "alice", ticket, org.carl)
    assert watchers(org) == [org.carl]


def test_a_watcher_may_not_add_someone_else(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    watch(org, "rita", ticket, org.sam)
    with pytest.raises(PermissionDenied, match="change who else watches ACR-12"):
        watch(org, "sam", ticket, org.carl, "carl")


def test_one_cannot_watch_a_ticket_one_cannot_see(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    with pytest.raises(NotFound):
        watch(org, "sam", ticket, org.sam)


def test_a_disabled_account_cannot_watch(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    with pytest.raises(ValidationFailed, match="Olga Gone is disabled"):
        watch(org, "alice", ticket, org.olga)


def test_a_watcher_removes_themselves(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    watch(org, "rita", ticket, org.sam)
    unwatch(org, "sam", ticket, org.sam)
    assert watchers(org) == []


def test_removing_someone_who_does_not_watch_is_a_successful_no_op(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    assert (
        org.apply("bob", "watch.remove", {"ticket_id": str(ticket.id), "user_id": str(org.bob)})
        == []
    )


def test_watchers_coming_and_going_are_on_the_timeline(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    watch(org, "alice", ticket, org.carl)
    unwatch(org, "alice", ticket, org.carl)
    rows = org.session.scalars(select(TicketHistory).order_by(TicketHistory.id)).all()
    pairs = {(r.field, r.old_value, r.new_value) for r in rows}
    assert pairs == {("watcher", None, "Carl Agent"), ("watcher", "Carl Agent", None)}
