"""The SLA columns mutations keep: policy, targets, due times and the pause ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from acero_desktop.core.sla_fields import calendar_from_row, policy_for
from acero_desktop.models import BusinessCalendar, SlaPolicy, TicketCategory, TicketStatus

from .conftest import T0, Org, uid

TICKET = uid("ticket:sla")


def test_a_calendar_row_becomes_a_business_calendar() -> None:
    row = BusinessCalendar(
        timezone="Europe/Berlin",
        working_hours={"0": [["09:00", "12:30"], ["13:30", "17:00"]], "5": [["22:00", "24:00"]]},
        holidays=["2026-12-25"],
    )
    calendar = calendar_from_row(row)
    assert calendar.timezone == "Europe/Berlin"
    assert calendar.working_hours[0] == ((time(9), time(12, 30)), (time(13, 30), time(17)))
    assert calendar.working_hours[5] == ((time(22), time(0)),)  # 24:00 ends the day
    assert calendar.holidays == {date(2026, 12, 25)}


def test_a_subcategory_without_a_policy_uses_its_parents(org: Org) -> None:
    org.session.add(TicketCategory(id=uid("cat:printers"), name="Printers", parent_id=org.hardware))
    org.session.flush()
    ticket = org.add_ticket(category=uid("cat:printers"))
    policy = policy_for(org.session, ticket)
    assert policy is not None
    assert policy.id == org.hardware_sla


def test_a_ticket_without_category_gets_the_default_policy(org: Org) -> None:
    policy = policy_for(org.session, org.add_ticket())
    assert policy is not None
    assert policy.id == org.standard


def test_due_times_skip_holidays(org: Org) -> None:
    christmas_eve = datetime(2026, 12, 24, 16, 0, tzinfo=UTC)  # Thursday, 1 h before closing
    args = {"id": str(TICKET), "title": "Printer", "category_id": str(org.hardware)}
    org.apply("rita", "ticket.create", args, at=christmas_eve)
    ticket = org.ticket(TICKET)
    # High priority: 30 min first response; resolution 240 min = 1 h Thursday + 3 h Monday.
    assert ticket.first_response_due_at == datetime(2026, 12, 24, 16, 30, tzinfo=UTC)
    assert ticket.resolution_due_at == datetime(2026, 12, 28, 12, 0, tzinfo=UTC)


def _waiting_ticket(org: Org) -> None:
    args = {"id": str(TICKET), "title": "VPN", "category_id": str(org.net)}
    org.apply("rita", "ticket.create", args)
    org.apply("alice", "ticket.assign", {"id": str(TICKET), "assignee_id": str(org.alice)})
    waiting = {"id": str(TICKET), "to_status": "waiting", "waiting_on": "requester"}
    org.apply("alice", "ticket.set_status", waiting, at=T0 + timedelta(hours=1))


def test_the_requesters_reply_banks_the_pause(org: Org) -> None:
    _waiting_ticket(org)
    reply = {"id": str(uid("reply")), "ticket_id": str(TICKET), "body": "Log attached."}
    org.apply("rita", "comment.add", reply, at=T0 + timedelta(hours=3))
    ticket = org.ticket(TICKET)
    assert ticket.status is TicketStatus.IN_PROGRESS
    assert ticket.sla_paused_seconds == 2 * 3600
    assert ticket.first_response_due_at == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)


def test_cancelling_a_waiting_ticket_closes_the_pause(org: Org) -> None:
    _waiting_ticket(org)
    cancel = {"id": str(TICKET), "to_status": "cancelled", "cancel_reason": "withdrawn"}
    org.apply("rita", "ticket.set_status", cancel, at=T0 + timedelta(hours=2))
    ticket = org.ticket(TICKET)
    assert (ticket.sla_paused_since, ticket.sla_paused_seconds) == (None, 3600)


def test_a_priority_change_while_waiting_keeps_the_pause_running(org: Org) -> None:
    _waiting_ticket(org)
    org.apply("alice", "ticket.update", {"id": str(TICKET), "priority": "urgent"})
    ticket = org.ticket(TICKET)
    assert ticket.sla_paused_since == T0 + timedelta(hours=1)
    assert ticket.first_response_due_at == datetime(2026, 3, 2, 11, 0, tzinfo=UTC)


def test_a_ticket_under_no_policy_has_no_sla(org: Org) -> None:
    standard = org.session.get(SlaPolicy, org.standard)
    assert standard is not None
    standard.is_default = False
    org.apply("rita", "ticket.create", {"id": str(TICKET), "title": "No SLA"})
    ticket = org.ticket(TICKET)
    assert (ticket.sla_policy_id, ticket.first_response_target_minutes) == (None, None)
    assert (ticket.first_response_due_at, ticket.resolution_due_at) == (None, None)
