"""ticket.set_status: the workflow applied to real tickets, its intent semantics and effects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from acero_desktop.core.errors import (
    AceroError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from acero_desktop.core.workflow import OWNED, TRANSITIONS, Capacity
from acero_desktop.models import (
    CancelReason,
    Channel,
    TicketHistory,
    TicketStatus,
    WaitingOn,
)

from .conftest import T0, Org, uid

S = TicketStatus
ALL_REQUIREMENTS = {
    "resolution": "Replaced the access point.",
    "reason": "It happened again this morning.",
    "waiting_on": "requester",
    "cancel_reason": "withdrawn",
}

# Who each person of the org is to a Network ticket requested by Rita and assigned to Alice.
CAPACITIES: dict[str, frozenset[Capacity]] = {
    "rita": frozenset({Capacity.REQUESTER}),
    "alice": frozenset({Capacity.AGENT}),
    "bob": frozenset({Capacity.AGENT}),
    "nora": frozenset({Capacity.AGENT, Capacity.LEAD}),
    "ada": frozenset({Capacity.ADMIN}),
    "system": frozenset({Capacity.SYSTEM}),
}
# May become the assignee of a Network ticket (taking a new ticket needs it).
CAN_OWN = {"alice", "bob", "nora"}


def set_status(org: Org, who: str, ticket_id: object, to: S, **extra: object) -> None:
    args = {"id": str(ticket_id), "to_status": to.value, **extra}
    org.apply(who, "ticket.set_status", args)


def expected_targets(current: S, who: str) -> set[S]:
    allowed = {
        to for (src, to), caps in TRANSITIONS.items() if src is current and caps & CAPACITIES[who]
    }
    if current is S.NEW and who not in CAN_OWN:
        allowed -= OWNED  # nobody to own the ticket: it must be assigned first
    return allowed


@pytest.mark.parametrize("who", sorted(CAPACITIES))
@pytest.mark.parametrize("current", list(S), ids=str)
def test_every_role_reaches_exactly_the_documented_statuses(org: Org, current: S, who: str) -> None:
    ticket = org.add_ticket(current)
    reached = set()
    for to in set(S) - {current}:
        savepoint = org.session.begin_nested()
        try:
            set_status(org, who, ticket.id, to, **ALL_REQUIREMENTS)
        except (InvalidTransition, PermissionDenied, ValidationFailed):
            pass
        else:
            assert ticket.status is to
            reached.add(to)
        finally:
            savepoint.rollback()
    assert reached == expected_targets(current, who)


@pytest.mark.parametrize("who", ["carl", "sam"])
def test_people_who_cannot_see_the_ticket_get_not_found(org: Org, who: str) -> None:
    ticket = org.add_ticket(S.ASSIGNED)
    with pytest.raises(NotFound):
        set_status(org, who, ticket.id, S.CANCELLED, cancel_reason="withdrawn")


# -- intent semantics -----------------------------------------------------------------------


def status_rows(org: Org) -> list[TicketHistory]:
    query = select(TicketHistory).where(TicketHistory.field == "status").order_by(TicketHistory.id)
    return list(org.session.scalars(query))


def test_a_change_to_the_current_status_is_a_successful_no_op(org: Org) -> None:
    ticket = org.add_ticket(S.IN_PROGRESS)
    set_status(org, "alice", ticket.id, S.IN_PROGRESS, from_status="assigned")
    assert status_rows(org) == []
    assert ticket.updated_at == T0 - timedelta(hours=2)


def test_a_change_from_the_current_status_applies_without_a_note(org: Org) -> None:
    ticket = org.add_ticket(S.ASSIGNED)
    set_status(org, "alice", ticket.id, S.IN_PROGRESS, from_status="assigned")
    (row,) = status_rows(org)
    assert (row.old_value, row.new_value, row.note) == ("assigned", "in_progress", None)


def test_a_change_from_another_status_that_is_still_allowed_applies_with_a_note(
    org: Org,
) -> None:
    ticket = org.add_ticket(S.WAITING)
    set_status(org, "alice", ticket.id, S.RESOLVED, from_status="in_progress", resolution="Fixed.")
    assert ticket.status is S.RESOLVED
    (row,) = status_rows(org)
    assert row.old_value == "waiting"
    assert row.note is not None
    assert row.note.startswith("concurrent status change")


def test_a_change_from_another_status_that_is_no_longer_allowed_is_refused(org: Org) -> None:
    ticket = org.add_ticket(S.RESOLVED)
    set_status(org, "rita", ticket.id, S.CLOSED, from_status="resolved")
    with pytest.raises(InvalidTransition) as refused:
        set_status(org, "alice", ticket.id, S.IN_PROGRESS, from_status="waiting")
    assert refused.value.message == (
        "ACR-12 is now Closed (Rita Requester changed it); your change to In progress was not "
        "applied."
    )
    assert refused.value.code == "invalid_transition"


def test_a_refused_change_names_the_system_when_it_closed_the_ticket(org: Org) -> None:
    ticket = org.add_ticket(S.RESOLVED)
    set_status(org, "system", ticket.id, S.CLOSED)
    with pytest.raises(InvalidTransition, match=r"now Closed \(the system changed it\)"):
        set_status(org, "rita", ticket.id, S.REOPENED, from_status="resolved", reason="No")


def test_a_transition_that_is_not_an_edge_says_so(org: Org) -> None:
    ticket = org.add_ticket(S.RESOLVED)
    with pytest.raises(InvalidTransition) as refused:
        set_status(org, "alice", ticket.id, S.IN_PROGRESS)
    assert refused.value.message == "ACR-12 is Resolved; it cannot move to In progress from there."


def test_an_edge_the_actor_may_not_take_is_forbidden_with_who_may(org: Org) -> None:
    ticket = org.add_ticket(S.IN_PROGRESS)
    with pytest.raises(PermissionDenied) as refused:
        set_status(org, "alice", ticket.id, S.CANCELLED, cancel_reason="duplicate")
    assert refused.value.message == "Only the requester or a team lead can cancel ACR-12."


def test_only_the_requester_accepts_a_resolution(org: Org) -> None:
    ticket = org.add_ticket(S.RESOLVED)
    with pytest.raises(PermissionDenied, match="Only the requester can close ACR-12"):
        set_status(org, "nora", ticket.id, S.CLOSED)


def test_a_ticket_made_offline_is_named_by_its_title(org: Org) -> None:
    ticket = org.add_ticket(S.IN_PROGRESS, number=None)
    with pytest.raises(PermissionDenied, match='cancel the ticket "VPN drops every hour"'):
        set_status(org, "alice", ticket.id, S.CANCELLED, cancel_reason="duplicate")


# -- requirements and effects ---------------------------------------------------------------


def test_resolving_without_a_resolution_is_refused(org: Org) -> None:
    ticket = org.add_ticket(S.IN_PROGRESS)
    with pytest.raises(ValidationFailed) as refused:
        set_status(org, "alice", ticket.id, S.RESOLVED, resolution="   ")
    assert refused.value.message == "A resolution text is required to resolve a ticket."


def test_resolving_records_the_resolution_and_when(org: Org) -> None:
    ticket = org.add_ticket(S.IN_PROGRESS)
    set_status(org, "alice", ticket.id, S.RESOLVED, resolution="  Replaced the AP. ")
    assert (ticket.resolution, ticket.resolved_at) == ("Replaced the AP.", T0)
    assert ticket.updated_at == T0


def test_a_resolution_counts_as_the_first_response(org: Org) -> None:
    ticket = org.add_ticket(S.IN_PROGRESS)
    set_status(org, "alice", ticket.id, S.RESOLVED, resolution="Done.")
    assert ticket.first_responded_at == T0


def test_closing_records_when_and_keeps_the_resolution(org: Org) -> None:
    ticket = org.add_ticket(S.RESOLVED)
    set_status(org, "rita", ticket.id, S.CLOSED)
    assert ticket.closed_at == T0
    assert ticket.resolution == "Replaced the router."


def test_rejecting_a_resolution_reopens_with_the_reason(org: Org) -> None:
    ticket = org.add_ticket(S.RESOLVED)
    set_status(org, "rita", ticket.id, S.REOPENED, reason="Still drops at noon.")
    assert ticket.status is S.REOPENED
    assert (ticket.resolution, ticket.resolved_at, ticket.reopen_count) == (None, None, 1)
    (row,) = status_rows(org)
    assert row.note == "Still drops at noon."


def test_reopening_without_a_reason_is_refused(org: Org) -> None:
    ticket = org.add_ticket(S.RESOLVED)
    with pytest.raises(ValidationFailed, match="A reason is required to reopen"):
        set_status(org, "rita", ticket.id, S.REOPENED)


def test_cancelling_records_the_reason_and_when(org: Org) -> None:
    ticket = org.add_ticket(S.NEW)
    set_status(org, "rita", ticket.id, S.CANCELLED, cancel_reason="duplicate")
    assert (ticket.cancel_reason, ticket.cancelled_at) == (CancelReason.DUPLICATE, T0)


def test_taking_a_new_ticket_straight_to_work_assigns_it_to_the_agent(org: Org) -> None:
    ticket = org.add_ticket(S.NEW)
    set_status(org, "bob", ticket.id, S.IN_PROGRESS, from_status="new")
    assert (ticket.assignee_id, ticket.status) == (org.bob, S.IN_PROGRESS)
    rows = org.session.scalars(select(TicketHistory).order_by(TicketHistory.id)).all()
    assert [(r.field, r.old_value, r.new_value) for r in rows] == [
        ("assignee", None, "Bob Agent"),
        ("status", "new", "in_progress"),
    ]


def test_someone_outside_the_team_cannot_take_a_new_ticket(org: Org) -> None:
    ticket = org.add_ticket(S.NEW)
    with pytest.raises(ValidationFailed) as refused:
        set_status(org, "ada", ticket.id, S.IN_PROGRESS)
    assert refused.value.message == (
        "ACR-12 has no assignee; assign it to someone before moving it to In progress."
    )


def test_the_system_closes_a_resolved_ticket_in_its_own_name(org: Org) -> None:
    ticket = org.add_ticket(S.RESOLVED)
    org.apply(
        "system",
        "ticket.set_status",
        {"id": str(ticket.id), "to_status": "closed", "reason": "No answer for 7 days."},
        channel=Channel.SYSTEM,
    )
    (row,) = status_rows(org)
    assert (row.actor_id, row.channel, row.note) == (None, Channel.SYSTEM, "No answer for 7 days.")


# -- waiting and the SLA clock --------------------------------------------------------------

TICKET = uid("ticket:sla")


def _sla_ticket(org: Org) -> None:
    args = {"id": str(TICKET), "title": "VPN", "category_id": str(org.net)}
    org.apply("rita", "ticket.create", args)
    org.apply("alice", "ticket.assign", {"id": str(TICKET), "assignee_id": str(org.alice)})


def test_waiting_records_on_whom_and_pauses_the_sla_clock(org: Org) -> None:
    _sla_ticket(org)
    at = T0 + timedelta(hours=1)
    org.apply(
        "alice",
        "ticket.set_status",
        {"id": str(TICKET), "to_status": "waiting", "waiting_on": "third_party"},
        at=at,
    )
    ticket = org.ticket(TICKET)
    assert (ticket.waiting_on, ticket.sla_paused_since) == (WaitingOn.THIRD_PARTY, at)


def test_leaving_waiting_moves_the_due_times_by_the_business_time_paused(org: Org) -> None:
    _sla_ticket(org)
    waiting = {"id": str(TICKET), "to_status": "waiting", "waiting_on": "requester"}
    org.apply("alice", "ticket.set_status", waiting, at=T0 + timedelta(hours=1))  # Mon 11:00
    back = {"id": str(TICKET), "to_status": "in_progress"}
    org.apply("alice", "ticket.set_status", back, at=T0 + timedelta(hours=24))  # Tue 10:00
    ticket = org.ticket(TICKET)
    assert ticket.sla_paused_since is None
    assert ticket.waiting_on is None
    assert ticket.sla_paused_seconds == 7 * 3600  # Mon 11-17 and Tue 9-10
    assert ticket.first_response_due_at == datetime(2026, 3, 3, 13, 0, tzinfo=UTC)
    assert ticket.resolution_due_at == datetime(2026, 3, 4, 17, 0, tzinfo=UTC)


def test_every_refusal_is_an_acero_error_with_a_sentence(org: Org) -> None:
    ticket = org.add_ticket(S.CLOSED)
    with pytest.raises(AceroError) as refused:
        set_status(org, "ada", ticket.id, S.IN_PROGRESS)
    assert refused.value.message == "ACR-12 is closed; its status can no longer change."
