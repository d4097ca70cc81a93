"""feedback.give: the requester rates a closed ticket, once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from acero_desktop.core.errors import Conflict, PermissionDenied, ValidationFailed
from acero_desktop.models import Feedback, Ticket, TicketHistory, TicketStatus

from .conftest import Org, uid


def rate(org: Org, who: str, ticket: Ticket, rating: object = 4, name: str = "f") -> None:
    args = {
        "id": str(uid(f"feedback:{name}")),
        "ticket_id": str(ticket.id),
        "rating": rating,
        "comment": "Quick and friendly.",
    }
    org.apply(who, "feedback.give", args)


def test_the_requester_rates_a_closed_ticket(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.CLOSED)
    rate(org, "rita", ticket, 5)
    (feedback,) = org.session.scalars(select(Feedback)).all()
    assert (feedback.user_id, feedback.rating, feedback.comment) == (
        org.rita,
        5,
        "Quick and friendly.",
    )
    (row,) = org.session.scalars(select(TicketHistory)).all()
    assert (row.field, row.new_value) == ("feedback", "5/5")


def test_feedback_is_given_once(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.CLOSED)
    rate(org, "rita", ticket, 5, "first")
    with pytest.raises(Conflict, match="already been given"):
        rate(org, "rita", ticket, 1, "second")


def test_feedback_waits_until_the_ticket_is_closed(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.RESOLVED)
    with pytest.raises(PermissionDenied, match="once ACR-12 is closed"):
        rate(org, "rita", ticket)


def test_only_the_requester_gives_feedback(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.CLOSED)
    with pytest.raises(PermissionDenied, match="Only the requester of ACR-12"):
        rate(org, "nora", ticket)


@pytest.mark.parametrize("rating", [0, 6])
def test_a_rating_is_one_to_five(org: Org, rating: int) -> None:
    ticket = org.add_ticket(TicketStatus.CLOSED)
    with pytest.raises(ValidationFailed) as refused:
        rate(org, "rita", ticket, rating)
    assert refused.value.message == "A rating is a whole number from 1 (poor) to 5 (excellent)."
