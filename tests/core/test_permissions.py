"""Who may do what, as the UI asks it: None, or the sentence its tooltip shows."""

from __future__ import annotations

import pytest

from acero_desktop.core import permissions as p
from acero_desktop.core.actor import SYSTEM, Actor
from acero_desktop.core.errors import PermissionDenied
from acero_desktop.core.workflow import Capacity
from acero_desktop.models import (
    ArticleState,
    KnowledgeArticle,
    Role,
    TicketComment,
    TicketStatus,
    TicketTask,
)
from acero_desktop.models import Ticket as TicketRow

from .conftest import uid

NETWORK, DESKTOP = uid("team:network"), uid("team:desktop")
REQUESTER = Actor(uid("rita"), Role.REQUESTER, name="Rita")
OTHER_REQUESTER = Actor(uid("sam"), Role.REQUESTER, name="Sam")
AGENT = Actor(uid("alice"), Role.AGENT, frozenset({NETWORK}), name="Alice")
TEAMMATE = Actor(uid("bob"), Role.AGENT, frozenset({NETWORK}), name="Bob")
OUTSIDER = Actor(uid("carl"), Role.AGENT, frozenset({DESKTOP}), name="Carl")
LEAD = Actor(uid("nora"), Role.LEAD, frozenset({NETWORK}), frozenset({NETWORK}), name="Nora")
OTHER_LEAD = Actor(uid("dan"), Role.LEAD, frozenset({DESKTOP}), frozenset({DESKTOP}), name="Dan")
ADMIN = Actor(uid("ada"), Role.ADMIN, name="Ada")


def ticket(
    status: TicketStatus = TicketStatus.IN_PROGRESS, assignee: Actor | None = AGENT
) -> TicketRow:
    return TicketRow(
        id=uid("ticket"),
        number=12,
        title="VPN drops",
        status=status,
        requester_id=REQUESTER.user_id,
        assignee_id=assignee.user_id if assignee else None,
        team_id=NETWORK,
    )


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        (REQUESTER, {Capacity.REQUESTER}),
        (OTHER_REQUESTER, set()),
        (AGENT, {Capacity.AGENT}),
        (TEAMMATE, {Capacity.AGENT}),
        (OUTSIDER, set()),
        (LEAD, {Capacity.AGENT, Capacity.LEAD}),
        (OTHER_LEAD, set()),
        (ADMIN, {Capacity.ADMIN}),
        (SYSTEM, {Capacity.SYSTEM}),
    ],
    ids=lambda v: getattr(v, "name", ""),
)
def test_capacities_follow_from_the_people_and_the_ticket(
    actor: Actor, expected: set[Capacity]
) -> None:
    assert p.capacities(actor, ticket()) == expected


def test_the_assignee_works_the_ticket_even_from_another_team() -> None:
    assert p.capacities(OUTSIDER, ticket(assignee=OUTSIDER)) == {Capacity.AGENT}


def test_a_requester_role_in_a_team_row_is_still_no_agent() -> None:
    odd = Actor(uid("odd"), Role.REQUESTER, frozenset({NETWORK}))
    assert p.capacities(odd, ticket()) == frozenset()


def test_require_turns_a_reason_into_permission_denied() -> None:
    p.require(None)
    with pytest.raises(PermissionDenied, match="Nope"):
        p.require("Nope.")


# -- status ---------------------------------------------------------------------------------


def test_the_status_menu_explains_each_refusal() -> None:
    t = ticket()
    assert p.why_not_transition(AGENT, t, TicketStatus.RESOLVED) is None
    assert p.why_not_transition(AGENT, t, TicketStatus.CANCELLED) == (
        "Only the requester or a team lead can cancel ACR-12."
    )
    assert p.why_not_transition(REQUESTER, t, TicketStatus.WAITING) == (
        "Only its support team can put ACR-12 on hold."
    )
    assert p.why_not_transition(AGENT, t, TicketStatus.CLOSED) == (
        "ACR-12 is In progress; it cannot move to Closed from there."
    )


# -- fields ---------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["title", "description"])
def test_the_requester_edits_the_text_only_while_the_ticket_is_new(field: p.EditableField) -> None:
    assert p.why_not_edit(REQUESTER, ticket(TicketStatus.NEW, None), field) is None
    reason = p.why_not_edit(REQUESTER, ticket(TicketStatus.ASSIGNED), field)
    assert (
        reason == f"ACR-12 is already being handled; add a comment instead of editing its {field}."
    )


@pytest.mark.parametrize("field", ["title", "description", "priority", "category_id"])
def test_staff_working_the_ticket_edit_its_fields(field: p.EditableField) -> None:
    for actor in (AGENT, TEAMMATE, LEAD, ADMIN):
        assert p.why_not_edit(actor, ticket(), field) is None


def test_the_requester_never_sets_the_category() -> None:
    reason = p.why_not_edit(REQUESTER, ticket(TicketStatus.NEW, None), "category_id")
    assert reason == "Only its support team can change the category of ACR-12."


def test_only_the_teams_lead_or_an_admin_moves_a_ticket_to_another_team() -> None:
    assert p.why_not_edit(LEAD, ticket(), "team_id") is None
    assert p.why_not_edit(ADMIN, ticket(), "team_id") is None
    assert p.why_not_edit(AGENT, ticket(), "team_id") is not None
    assert p.why_not_edit(OTHER_LEAD, ticket(), "team_id") is not None


def test_closed_and_cancelled_tickets_are_read_only() -> None:
    for status in (TicketStatus.CLOSED, TicketStatus.CANCELLED):
        reason = p.why_not_edit(ADMIN, ticket(status), "priority")
        assert reason == f"ACR-12 is {status.value}; it can no longer be changed."


# -- assignment -----------------------------------------------------------------------------


def test_an_agent_takes_or_hands_out_an_unassigned_ticket() -> None:
    unassigned = ticket(TicketStatus.NEW, None)
    assert p.why_not_assign(AGENT, unassigned, AGENT.user_id) is None
    assert p.why_not_assign(AGENT, unassigned, TEAMMATE.user_id) is None


def test_an_agent_releases_or_hands_over_their_own_ticket() -> None:
    assert p.why_not_assign(AGENT, ticket(), None) is None
    assert p.why_not_assign(AGENT, ticket(), TEAMMATE.user_id) is None


def test_reassigning_someone_elses_ticket_is_for_the_lead() -> None:
    assert p.why_not_assign(TEAMMATE, ticket(), TEAMMATE.user_id) is not None
    assert p.why_not_assign(LEAD, ticket(), TEAMMATE.user_id) is None
    assert p.why_not_assign(ADMIN, ticket(), TEAMMATE.user_id) is None


def test_people_outside_the_team_do_not_assign() -> None:
    for actor in (REQUESTER, OUTSIDER, OTHER_LEAD):
        assert p.why_not_assign(actor, ticket(TicketStatus.NEW, None), actor.user_id) == (
            "Only its support team can assign ACR-12."
        )


# -- comments, tasks, files -----------------------------------------------------------------


def comment(author: Actor, internal: bool = False) -> TicketComment:
    return TicketComment(id=uid("c"), author_id=author.user_id, internal=internal, body="x")


def test_internal_notes_are_for_staff_working_the_ticket() -> None:
    t = ticket()
    assert p.why_not_comment(AGENT, t, internal=True) is None
    assert p.why_not_comment(ADMIN, t, internal=True) is None
    for actor in (REQUESTER, OUTSIDER):
        assert p.why_not_comment(actor, t, internal=True) == (
            "Only support staff working on the ticket can write internal notes."
        )
        assert p.why_not_comment(actor, t, internal=False) is None


def test_comments_are_edited_by_their_author_and_deleted_by_the_author_or_lead() -> None:
    t, mine = ticket(), comment(REQUESTER)
    assert p.why_not_edit_comment(REQUESTER, mine) is None
    assert p.why_not_edit_comment(LEAD, mine) is not None
    assert p.why_not_delete_comment(LEAD, t, mine) is None
    assert p.why_not_delete_comment(AGENT, t, mine) is not None


def test_files_go_on_the_ticket_or_on_ones_own_live_comment() -> None:
    t = ticket()
    assert p.why_not_attach(REQUESTER, t) is None
    assert p.why_not_attach(REQUESTER, t, comment(REQUESTER)) is None
    assert p.why_not_attach(REQUESTER, t, comment(AGENT)) is not None


def test_the_task_assignee_may_move_a_task_others_outside_may_not() -> None:
    t = ticket()
    task = TicketTask(id=uid("task"), assignee_id=OUTSIDER.user_id)
    assert p.why_not_change_task_state(OUTSIDER, t, task) is None
    assert p.why_not_manage_tasks(OUTSIDER, t) is not None
    assert p.why_not_manage_tasks(TEAMMATE, t) is None


# -- watchers, feedback, articles -----------------------------------------------------------


def test_anyone_watches_for_themselves_but_only_the_ticket_people_add_others() -> None:
    t = ticket()
    assert p.why_not_watch(OUTSIDER, t, uid("carl")) is None
    assert p.why_not_watch(REQUESTER, t, uid("sam")) is None
    assert p.why_not_watch(AGENT, t, uid("carl")) is None
    assert p.why_not_watch(OUTSIDER, t, uid("sam")) is not None


def test_feedback_is_the_requesters_on_a_closed_ticket() -> None:
    assert p.why_not_give_feedback(REQUESTER, ticket(TicketStatus.CLOSED)) is None
    assert p.why_not_give_feedback(REQUESTER, ticket(TicketStatus.RESOLVED)) is not None
    assert p.why_not_give_feedback(AGENT, ticket(TicketStatus.CLOSED)) is not None


def test_articles_are_written_by_staff_and_published_by_leads() -> None:
    draft = KnowledgeArticle(id=uid("a"), author_id=AGENT.user_id, state=ArticleState.DRAFT)
    assert p.why_not_write_articles(REQUESTER) is not None
    assert p.why_not_write_articles(AGENT) is None
    assert p.why_not_edit_article(AGENT, draft) is None
    assert p.why_not_edit_article(TEAMMATE, draft) is not None
    assert p.why_not_edit_article(OTHER_LEAD, draft) is None
    assert p.why_not_publish_article(AGENT, draft) is not None
    assert p.why_not_publish_article(OTHER_LEAD, draft) is None


def test_a_ticket_without_a_number_is_named_by_its_title() -> None:
    t = ticket()
    t.number = None
    t.title = "A very long title that goes on and on about the VPN"
    assert p.ticket_ref(t) == 'the ticket "A very long title that goes on and on a…"'


def test_every_refusal_is_a_sentence() -> None:
    t = ticket(TicketStatus.NEW, None)
    reasons = [
        p.why_not_transition(REQUESTER, t, TicketStatus.IN_PROGRESS),
        p.why_not_edit(OUTSIDER, t, "priority"),
        p.why_not_assign(OUTSIDER, t, None),
        p.why_not_comment(REQUESTER, t, internal=True),
        p.why_not_manage_tasks(REQUESTER, t),
        p.why_not_watch(OUTSIDER, t, uid("rita")),
        p.why_not_give_feedback(OUTSIDER, t),
    ]
    for reason in reasons:
        assert reason is not None
        assert reason[0].isupper()
        assert reason.endswith(".")
