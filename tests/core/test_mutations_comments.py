"""comment.add, comment.edit and comment.delete."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from acero_desktop.core.errors import (
    EntityDeleted,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from acero_desktop.models import Ticket, TicketComment, TicketHistory, TicketStatus

from .conftest import T0, Org, uid

NOTE = uid("comment:note")
REPLY = uid("comment:reply")


def comment(
    org: Org, who: str, ticket: Ticket, body: str = "Any news?", **extra: object
) -> TicketComment:
    comment_id = extra.pop("id", uid(f"comment:{who}:{body}"))
    args = {"id": str(comment_id), "ticket_id": str(ticket.id), "body": body, **extra}
    org.apply(who, "comment.add", args)
    found = org.session.get(TicketComment, comment_id)
    assert found is not None
    return found


def test_a_comment_is_added_with_its_author_and_time(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    added = comment(org, "rita", ticket, "Any news?")
    assert (added.author_id, added.created_at, added.internal) == (org.rita, T0, False)
    assert ticket.updated_at == T0


def test_a_comment_writes_a_history_row(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    added = comment(org, "rita", ticket, "Any news?")
    (row,) = org.session.scalars(select(TicketHistory)).all()
    assert (row.field, row.new_value, row.note) == ("comment", str(added.id), "Any news?")


def test_an_internal_note_writes_an_internal_note_row(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    comment(org, "alice", ticket, "Router is EOL", internal=True)
    (row,) = org.session.scalars(select(TicketHistory)).all()
    assert row.field == "internal_note"


def test_a_blank_comment_is_refused(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    with pytest.raises(ValidationFailed) as refused:
        comment(org, "rita", ticket, " \n\t ")
    assert refused.value.message == "A comment cannot be empty."


def test_a_comment_over_100k_characters_is_refused(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    with pytest.raises(ValidationFailed, match="at most 100,000 characters"):
        comment(org, "rita", ticket, "x" * 100_001)


def test_a_requester_cannot_write_an_internal_note(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    with pytest.raises(PermissionDenied, match="Only support staff"):
        comment(org, "rita", ticket, "psst", internal=True)


def test_a_requester_cannot_reply_under_an_internal_note(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    comment(org, "alice", ticket, "Router is EOL", internal=True, id=NOTE)
    with pytest.raises(NotFound):
        comment(org, "rita", ticket, "What?", parent_id=str(NOTE))


def test_a_public_reply_under_an_internal_note_is_refused(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    comment(org, "alice", ticket, "Router is EOL", internal=True, id=NOTE)
    with pytest.raises(ValidationFailed, match="must be an internal note too"):
        comment(org, "bob", ticket, "Agreed", parent_id=str(NOTE))


def test_staff_reply_in_a_thread(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    comment(org, "alice", ticket, "Router is EOL", internal=True, id=NOTE)
    reply = comment(org, "bob", ticket, "Agreed", parent_id=str(NOTE), internal=True)
    assert reply.parent_id == NOTE


def test_an_agent_of_another_team_watching_may_comment_but_not_write_notes(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    org.apply(
        "alice",
        "watch.add",
        {"id": str(uid("w")), "ticket_id": str(ticket.id), "user_id": str(org.carl)},
    )
    comment(org, "carl", ticket, "Same here")
    with pytest.raises(PermissionDenied):
        comment(org, "carl", ticket, "psst", internal=True)


def test_the_first_public_answer_from_the_team_is_the_first_response(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    comment(org, "alice", ticket, "Router is EOL", internal=True)
    assert ticket.first_responded_at is None
    comment(org, "rita", ticket, "Any news?")
    assert ticket.first_responded_at is None
    org.apply(
        "alice",
        "comment.add",
        {"id": str(REPLY), "ticket_id": str(ticket.id), "body": "Looking into it."},
        at=T0 + timedelta(minutes=5),
    )
    assert ticket.first_responded_at == T0 + timedelta(minutes=5)
    comment(org, "bob", ticket, "Me too.")
    assert ticket.first_responded_at == T0 + timedelta(minutes=5)


def test_the_requester_answering_brings_a_ticket_waiting_on_them_back(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.WAITING)
    comment(org, "rita", ticket, "Here is the log.")
    assert (ticket.status, ticket.waiting_on, ticket.sla_paused_since) == (
        TicketStatus.IN_PROGRESS,
        None,
        None,
    )
    rows = org.session.scalars(select(TicketHistory).where(TicketHistory.field == "status"))
    (row,) = rows.all()
    assert (row.old_value, row.new_value, row.note) == (
        "waiting",
        "in_progress",
        "The requester replied.",
    )


def test_staff_commenting_on_a_waiting_ticket_does_not_resume_it(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.WAITING)
    comment(org, "alice", ticket, "Reminder: please send the log.")
    assert ticket.status is TicketStatus.WAITING


def test_a_closed_ticket_takes_no_more_comments(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.CLOSED)
    with pytest.raises(PermissionDenied, match="open a new ticket to follow it up"):
        comment(org, "rita", ticket)


def test_commenting_on_an_invisible_ticket_says_not_found(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    with pytest.raises(NotFound):
        comment(org, "sam", ticket)


# -- edit and delete ------------------------------------------------------------------------


def test_the_author_edits_a_comment(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    added = comment(org, "rita", ticket, "Any nwes?")
    later = T0 + timedelta(minutes=1)
    org.apply("rita", "comment.edit", {"id": str(added.id), "body": "Any news?"}, at=later)
    assert (added.body, added.edited_at) == ("Any news?", later)


def test_nobody_but_the_author_edits_a_comment(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    added = comment(org, "rita", ticket)
    with pytest.raises(PermissionDenied, match="Only its author can edit a comment"):
        org.apply("ada", "comment.edit", {"id": str(added.id), "body": "Edited"})


def test_deleting_leaves_an_empty_tombstone(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    added = comment(org, "rita", ticket)
    later = T0 + timedelta(minutes=1)
    org.apply("rita", "comment.delete", {"id": str(added.id)}, at=later)
    assert (added.body, added.deleted_at) == ("", later)
    rows = org.session.scalars(select(TicketHistory).order_by(TicketHistory.id)).all()
    assert [(r.field, r.old_value, r.new_value, r.note) for r in rows][-1] == (
        "comment",
        str(added.id),
        None,
        "deleted",
    )


def test_deleting_twice_is_a_successful_no_op(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    added = comment(org, "rita", ticket)
    org.apply("rita", "comment.delete", {"id": str(added.id)})
    assert org.apply("rita", "comment.delete", {"id": str(added.id)}) == []


def test_an_edit_after_a_delete_is_refused_as_entity_deleted(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    added = comment(org, "rita", ticket)
    org.apply("rita", "comment.delete", {"id": str(added.id)})
    with pytest.raises(EntityDeleted) as refused:
        org.apply("rita", "comment.edit", {"id": str(added.id), "body": "back"})
    assert refused.value.code == "entity_deleted"
    assert added.body == ""


def test_the_team_lead_may_delete_someone_elses_comment(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    added = comment(org, "rita", ticket)
    org.apply("nora", "comment.delete", {"id": str(added.id)})
    assert added.deleted_at == T0


def test_an_agent_may_not_delete_someone_elses_comment(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.ASSIGNED)
    added = comment(org, "rita", ticket)
    with pytest.raises(PermissionDenied, match="Only its author or a team lead"):
        org.apply("alice", "comment.delete", {"id": str(added.id)})
