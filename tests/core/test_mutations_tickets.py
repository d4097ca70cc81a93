"""ticket.create, ticket.update and ticket.assign."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from acero_desktop.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from acero_desktop.models import (
    Priority,
    TicketCategory,
    TicketHistory,
    TicketStatus,
    TicketWatcher,
    User,
)

from .conftest import T0, Org, uid

NEW_ID = uid("ticket:new")


def create(org: Org, who: str = "rita", **args: object) -> None:
    org.apply(who, "ticket.create", {"id": str(NEW_ID), "title": "Printer jams", **args})


def history(org: Org, field: str) -> list[TicketHistory]:
    query = select(TicketHistory).where(TicketHistory.field == field).order_by(TicketHistory.id)
    return list(org.session.scalars(query))


# -- ticket.create --------------------------------------------------------------------------


def test_a_new_ticket_is_new_unassigned_and_requested_by_its_author(org: Org) -> None:
    create(org, description="It jams on every page.")
    ticket = org.ticket(NEW_ID)
    assert ticket.status is TicketStatus.NEW
    assert ticket.assignee_id is None
    assert ticket.requester_id == org.rita
    assert ticket.created_by_id == org.rita
    assert ticket.created_at == ticket.updated_at == T0


def test_a_ticket_made_offline_is_pending_until_the_server_numbers_it(org: Org) -> None:
    org.add_ticket(number=41)
    savepoint = org.session.begin_nested()
    create(org)
    assert org.ticket(NEW_ID).number is None
    assert org.ticket(NEW_ID).label == "pending"
    savepoint.rollback()

    org.apply(
        "rita", "ticket.create", {"id": str(NEW_ID), "title": "Printer jams"}, authoritative=True
    )
    assert org.ticket(NEW_ID).number == 42


def test_the_first_ticket_on_the_server_is_number_one(org: Org) -> None:
    org.apply("rita", "ticket.create", {"id": str(NEW_ID), "title": "Hi"}, authoritative=True)
    assert org.ticket(NEW_ID).label == "ACR-1"


def test_creation_writes_one_created_row(org: Org) -> None:
    create(org)
    (row,) = history(org, "created")
    assert (row.actor_id, row.at, row.new_value) == (org.rita, T0, "Printer jams")


def test_the_title_is_stripped(org: Org) -> None:
    org.apply("rita", "ticket.create", {"id": str(NEW_ID), "title": "  Printer jams \n"})
    assert org.ticket(NEW_ID).title == "Printer jams"


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("   ", "A title cannot be empty."),
        ("x" * 301, "A title can be at most 300 characters long."),
    ],
)
def test_a_bad_title_is_refused_in_plain_words(org: Org, title: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        org.apply("rita", "ticket.create", {"id": str(NEW_ID), "title": title})
    assert refused.value.message == message
    assert refused.value.field == "title"


def test_a_missing_title_is_named(org: Org) -> None:
    with pytest.raises(ValidationFailed, match="title is required"):
        org.apply("rita", "ticket.create", {"id": str(NEW_ID)})


def test_the_priority_defaults_to_the_category_default(org: Org) -> None:
    create(org, category_id=str(org.hardware))
    assert org.ticket(NEW_ID).priority is Priority.HIGH


def test_a_given_priority_wins_over_the_category_default(org: Org) -> None:
    create(org, category_id=str(org.hardware), priority="low")
    assert org.ticket(NEW_ID).priority is Priority.LOW


def test_the_category_routes_the_ticket_to_its_team(org: Org) -> None:
    create(org, category_id=str(org.net))
    assert org.ticket(NEW_ID).team_id == org.network


def test_a_subcategory_without_a_team_routes_like_its_parent(org: Org) -> None:
    create(org, category_id=str(org.vpn))
    assert org.ticket(NEW_ID).team_id == org.network


def test_a_category_without_auto_route_leaves_the_ticket_unrouted(org: Org) -> None:
    create(org, category_id=str(org.misc))
    assert org.ticket(NEW_ID).team_id is None


def test_an_unknown_category_is_refused(org: Org) -> None:
    with pytest.raises(ValidationFailed, match="That category does not exist"):
        create(org, category_id=str(uid("nothing")))


def test_sla_targets_come_from_the_default_policy(org: Org) -> None:
    create(org, category_id=str(org.net))
    ticket = org.ticket(NEW_ID)
    assert ticket.sla_policy_id == org.standard
    assert (ticket.first_response_target_minutes, ticket.resolution_target_minutes) == (240, 960)
    # Monday 10:00 + 4 business hours; + 16 business hours (7 Mon, 8 Tue, 1 Wed).
    assert ticket.first_response_due_at == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    assert ticket.resolution_due_at == datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def test_sla_targets_come_from_the_category_policy(org: Org) -> None:
    create(org, category_id=str(org.hardware))
    ticket = org.ticket(NEW_ID)
    assert ticket.sla_policy_id == org.hardware_sla
    assert ticket.first_response_due_at == datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    assert ticket.resolution_due_at == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def test_a_priority_without_a_target_has_no_due_times(org: Org) -> None:
    create(org, category_id=str(org.hardware), priority="low")
    ticket = org.ticket(NEW_ID)
    assert ticket.sla_policy_id == org.hardware_sla
    assert ticket.first_response_due_at is None
    assert ticket.resolution_due_at is None


def test_a_requester_cannot_open_a_ticket_for_someone_else(org: Org) -> None:
    with pytest.raises(PermissionDenied, match="Only support staff"):
        create(org, "rita", requester_id=str(org.sam))


def test_staff_open_a_ticket_for_someone_else(org: Org) -> None:
    create(org, "alice", requester_id=str(org.sam))
    ticket = org.ticket(NEW_ID)
    assert (ticket.requester_id, ticket.created_by_id) == (org.sam, org.alice)


def test_watchers_can_be_named_at_creation(org: Org) -> None:
    create(org, watcher_ids=[str(org.sam), str(org.sam), str(org.rita)])
    watchers = org.session.scalars(select(TicketWatcher.user_id)).all()
    assert watchers == [org.sam]  # once, and never the requester
    assert [row.new_value for row in history(org, "watcher")] == ["Sam Requester"]


def test_creating_the_same_ticket_id_twice_is_a_conflict(org: Org) -> None:
    create(org)
    with pytest.raises(Conflict):
        create(org)


def _auto_assign_network(org: Org) -> None:
    category = org.session.get(TicketCategory, org.net)
    assert category is not None
    category.auto_assign = True


def test_auto_assignment_happens_on_the_server(org: Org) -> None:
    _auto_assign_network(org)
    org.apply(
        "rita",
        "ticket.create",
        {"id": str(NEW_ID), "title": "VPN down", "category_id": str(org.net)},
        authoritative=True,
    )
    ticket = org.ticket(NEW_ID)
    assert ticket.assignee_id in (org.alice, org.bob, org.nora)
    assert ticket.status is TicketStatus.ASSIGNED
    (row,) = history(org, "assignee")
    assert row.note is not None
    assert row.note.startswith("Assigned automatically: ")


def test_auto_assignment_waits_for_the_server(org: Org) -> None:
    _auto_assign_network(org)
    create(org, category_id=str(org.net))
    assert org.ticket(NEW_ID).assignee_id is None


# -- ticket.update --------------------------------------------------------------------------


def test_only_the_given_fields_change(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    org.apply("alice", "ticket.update", {"id": str(ticket.id), "priority": "high"})
    assert ticket.priority is Priority.HIGH
    assert ticket.title == "VPN drops every hour"
    assert ticket.updated_at == T0
    assert [r.field for r in org.session.scalars(select(TicketHistory))] == ["priority"]


def test_a_field_sent_unchanged_needs_no_permission(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    org.apply("rita", "ticket.update", {"id": str(ticket.id), "title": ticket.title})
    assert org.session.scalars(select(TicketHistory)).all() == []


def test_a_title_edit_based_on_an_old_title_is_a_conflict(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    args = {"id": str(ticket.id), "title": "VPN drops hourly", "base_title": "VPN flaky"}
    with pytest.raises(Conflict) as refused:
        org.apply("rita", "ticket.update", args)
    assert refused.value.message == (
        "The title of ACR-12 was changed by someone else while you edited it."
    )


def test_a_description_edit_based_on_an_old_text_is_a_conflict(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    args = {"id": str(ticket.id), "description": "New", "base_description": "Old"}
    with pytest.raises(Conflict, match="description of ACR-12 was changed"):
        org.apply("rita", "ticket.update", args)


def test_an_edit_based_on_the_stored_title_applies(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    args = {"id": str(ticket.id), "title": "VPN drops hourly", "base_title": ticket.title}
    org.apply("rita", "ticket.update", args)
    assert ticket.title == "VPN drops hourly"


def test_the_requester_edits_the_title_while_the_ticket_is_new(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    org.apply("rita", "ticket.update", {"id": str(ticket.id), "title": "VPN drops hourly"})
    assert ticket.title == "VPN drops hourly"


def test_the_requester_cannot_edit_the_title_once_work_started(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    with pytest.raises(PermissionDenied, match="add a comment instead"):
        org.apply("rita", "ticket.update", {"id": str(ticket.id), "title": "Other"})


def test_the_requester_cannot_change_the_priority(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    with pytest.raises(PermissionDenied, match="Only its support team can change the priority"):
        org.apply("rita", "ticket.update", {"id": str(ticket.id), "priority": "urgent"})


def test_a_priority_change_recomputes_the_sla_due_times(org: Org) -> None:
    create(org, category_id=str(org.net))
    org.apply("alice", "ticket.update", {"id": str(NEW_ID), "priority": "urgent"})
    ticket = org.ticket(NEW_ID)
    assert (ticket.first_response_target_minutes, ticket.resolution_target_minutes) == (60, 240)
    assert ticket.first_response_due_at == datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
    assert ticket.resolution_due_at == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def test_a_category_change_recomputes_the_sla_policy(org: Org) -> None:
    create(org, category_id=str(org.net))
    org.apply("alice", "ticket.update", {"id": str(NEW_ID), "category_id": str(org.hardware)})
    ticket = org.ticket(NEW_ID)
    assert ticket.sla_policy_id == org.hardware_sla
    assert ticket.first_response_due_at == datetime(2026, 3, 2, 11, 0, tzinfo=UTC)


def test_the_category_can_be_cleared(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED, category=org.net)
    org.apply("alice", "ticket.update", {"id": str(ticket.id), "category_id": None})
    assert ticket.category_id is None
    (row,) = history(org, "category")
    assert (row.old_value, row.new_value) == ("Network", None)


def test_an_agent_cannot_move_a_ticket_to_another_team(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    with pytest.raises(PermissionDenied, match="Only a lead of its team can move ACR-12"):
        org.apply("alice", "ticket.update", {"id": str(ticket.id), "team_id": str(org.desktop)})


def test_moving_to_a_team_the_assignee_is_not_in_returns_it_to_the_queue(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    org.apply("nora", "ticket.update", {"id": str(ticket.id), "team_id": str(org.desktop)})
    assert (ticket.team_id, ticket.assignee_id, ticket.status) == (
        org.desktop,
        None,
        TicketStatus.NEW,
    )
    assert [r.field for r in history(org, "team")] == ["team"]
    (status,) = history(org, "status")
    assert (status.old_value, status.new_value) == ("in_progress", "new")


def test_a_ticket_cannot_be_taken_out_of_every_team(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    with pytest.raises(ValidationFailed, match="must stay with a team"):
        org.apply("nora", "ticket.update", {"id": str(ticket.id), "team_id": None})


def test_a_closed_ticket_can_no_longer_be_edited(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.CLOSED)
    with pytest.raises(PermissionDenied, match="ACR-12 is closed; it can no longer be changed"):
        org.apply("ada", "ticket.update", {"id": str(ticket.id), "priority": "low"})


def test_editing_a_ticket_one_cannot_see_says_not_found(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    with pytest.raises(NotFound, match="does not exist"):
        org.apply("carl", "ticket.update", {"id": str(ticket.id), "priority": "low"})


# -- ticket.assign --------------------------------------------------------------------------


def assign(org: Org, who: str, ticket_id: object, assignee: object, **extra: object) -> None:
    args = {"id": str(ticket_id), "assignee_id": str(assignee) if assignee else None, **extra}
    org.apply(who, "ticket.assign", args)


def test_assigning_a_new_ticket_moves_it_to_assigned(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    assign(org, "alice", ticket.id, org.alice)
    assert (ticket.assignee_id, ticket.status) == (org.alice, TicketStatus.ASSIGNED)
    assert [(r.field, r.new_value) for r in org.session.scalars(select(TicketHistory))] == [
        ("assignee", "Alice Agent"),
        ("status", "assigned"),
    ]


def test_unassigning_puts_the_ticket_back_to_new(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    assign(org, "alice", ticket.id, None)
    assert (ticket.assignee_id, ticket.status) == (None, TicketStatus.NEW)


def test_unassigning_a_waiting_ticket_restarts_its_sla_clock(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.WAITING)
    assign(org, "nora", ticket.id, None)
    assert ticket.status is TicketStatus.NEW
    assert ticket.sla_paused_since is None
    assert ticket.waiting_on is None


def test_an_agent_gives_an_unassigned_ticket_to_a_teammate(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    assign(org, "alice", ticket.id, org.bob)
    assert ticket.assignee_id == org.bob


def test_an_agent_hands_over_their_own_ticket(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS, assignee=org.alice)
    assign(org, "alice", ticket.id, org.bob)
    assert (ticket.assignee_id, ticket.status) == (org.bob, TicketStatus.IN_PROGRESS)


def test_taking_a_ticket_from_another_agent_is_for_the_lead(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS, assignee=org.bob)
    with pytest.raises(PermissionDenied) as refused:
        assign(org, "alice", ticket.id, org.alice)
    assert refused.value.message == (
        "ACR-12 is assigned to someone else; only a team lead can reassign it."
    )
    assign(org, "nora", ticket.id, org.alice)
    assert ticket.assignee_id == org.alice


def test_the_assignee_must_belong_to_the_team(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    with pytest.raises(ValidationFailed) as refused:
        assign(org, "nora", ticket.id, org.carl)
    assert refused.value.message == (
        "Carl Agent is not a member of Network, so its tickets cannot be assigned to them."
    )


def test_a_disabled_account_cannot_be_assigned(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    with pytest.raises(ValidationFailed, match="account of Olga Gone is disabled"):
        assign(org, "nora", ticket.id, org.olga)


def test_a_requester_cannot_be_assigned(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    with pytest.raises(ValidationFailed, match="Sam Requester is not support staff"):
        assign(org, "nora", ticket.id, org.sam)


def test_assigning_remembers_when_the_assignee_last_got_a_ticket(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    assign(org, "alice", ticket.id, org.bob)
    bob = org.session.get(User, org.bob)
    assert bob is not None
    assert bob.last_assigned_at == T0


def test_a_lead_assigns_into_another_team_in_one_step(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    assign(org, "nora", ticket.id, org.carl, team_id=str(org.desktop))
    assert (ticket.team_id, ticket.assignee_id) == (org.desktop, org.carl)


def test_an_agent_cannot_assign_into_another_team(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    with pytest.raises(PermissionDenied, match="Only a lead of its team"):
        assign(org, "alice", ticket.id, org.carl, team_id=str(org.desktop))


def test_a_resolved_ticket_keeps_its_assignee(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.RESOLVED)
    with pytest.raises(PermissionDenied, match="reopen it before changing its assignee"):
        assign(org, "nora", ticket.id, org.bob)


def test_a_requester_cannot_assign(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.NEW)
    with pytest.raises(PermissionDenied, match="Only its support team can assign ACR-12"):
        assign(org, "rita", ticket.id, org.alice)


def test_assigning_the_current_assignee_again_changes_nothing(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    assign(org, "alice", ticket.id, org.alice)
    assert org.session.scalars(select(TicketHistory)).all() == []
    assert ticket.updated_at == T0 - timedelta(hours=2)


def test_an_unknown_argument_is_refused_by_name(org: Org) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create(org, colour="red")
    assert refused.value.field == "colour"
    assert refused.value.message == "colour: Extra inputs are not permitted."
