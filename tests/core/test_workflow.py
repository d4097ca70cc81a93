"""The workflow table, checked cell by cell against the table written out here once more."""

from __future__ import annotations

import itertools

import pytest

from acero_desktop.core.workflow import (
    FINAL,
    Capacity,
    is_edge,
    may_transition,
    missing_requirement,
    status_after_assign,
    status_after_unassign,
    targets,
)
from acero_desktop.models import CancelReason, TicketStatus, WaitingOn

S = TicketStatus
C = Capacity

# The documented table, one line per edge: from, to, who ("R A L D S" letters).
EXPECTED_TABLE = """
new          assigned     ALD
new          in_progress  ALD
new          waiting      ALD
new          resolved     ALD
new          cancelled    RLD
assigned     in_progress  ALD
assigned     waiting      ALD
assigned     resolved     ALD
assigned     cancelled    RLD
in_progress  waiting      ALD
in_progress  resolved     ALD
in_progress  cancelled    RLD
waiting      in_progress  ALD
waiting      resolved     ALD
waiting      cancelled    RLD
resolved     reopened     RLD
resolved     closed       RDS
reopened     assigned     ALD
reopened     in_progress  ALD
reopened     waiting      ALD
reopened     resolved     ALD
reopened     cancelled    RLD
"""
LETTERS = {"R": C.REQUESTER, "A": C.AGENT, "L": C.LEAD, "D": C.ADMIN, "S": C.SYSTEM}


def _expected() -> dict[tuple[S, S], frozenset[C]]:
    table = {}
    for line in EXPECTED_TABLE.strip().splitlines():
        src, dst, who = line.split()
        table[S(src), S(dst)] = frozenset(LETTERS[letter] for letter in who)
    return table


EXPECTED = _expected()


@pytest.mark.parametrize(
    ("current", "to", "capacity"),
    list(itertools.product(S, S, C)),
    ids=lambda v: str(v),
)
def test_transition_matrix_matches_the_documented_table(current: S, to: S, capacity: C) -> None:
    allowed = capacity in EXPECTED.get((current, to), frozenset())
    assert may_transition(current, to, {capacity}) is allowed


def test_edges_are_exactly_the_documented_ones() -> None:
    assert {pair for pair in itertools.product(S, S) if is_edge(*pair)} == set(EXPECTED)


def test_closed_and_cancelled_are_final_for_everyone() -> None:
    assert {S.CLOSED, S.CANCELLED} == FINAL
    for status in FINAL:
        assert targets(status, set(C)) == frozenset()


def test_nothing_leads_back_to_new() -> None:
    assert not any(is_edge(src, S.NEW) for src in S)


def test_capacities_combine() -> None:
    # An agent who opened their own ticket may both cancel it and work it.
    assert targets(S.ASSIGNED, {C.REQUESTER, C.AGENT}) == {
        S.IN_PROGRESS,
        S.WAITING,
        S.RESOLVED,
        S.CANCELLED,
    }


def test_requester_menu_on_a_resolved_ticket_is_accept_or_reject() -> None:
    assert targets(S.RESOLVED, {C.REQUESTER}) == {S.CLOSED, S.REOPENED}


def test_assigning_takes_a_ticket_out_of_new_only() -> None:
    assert status_after_assign(S.NEW) is S.ASSIGNED
    for status in set(S) - {S.NEW}:
        assert status_after_assign(status) is status


@pytest.mark.parametrize("status", [S.ASSIGNED, S.IN_PROGRESS, S.WAITING, S.REOPENED])
def test_unassigning_an_open_ticket_puts_it_back_to_new(status: S) -> None:
    assert status_after_unassign(status) is S.NEW


@pytest.mark.parametrize("status", [S.NEW, S.RESOLVED, S.CLOSED, S.CANCELLED])
def test_unassigning_leaves_other_statuses_alone(status: S) -> None:
    assert status_after_unassign(status) is status


def test_resolving_needs_a_resolution_text() -> None:
    assert missing_requirement(S.RESOLVED, resolution="  ") == (
        "A resolution text is required to resolve a ticket."
    )
    assert missing_requirement(S.RESOLVED, resolution="Rebooted the switch.") is None


def test_reopening_needs_a_reason() -> None:
    assert missing_requirement(S.REOPENED) is not None
    assert missing_requirement(S.REOPENED, reason="Still broken") is None


def test_waiting_needs_to_know_on_whom() -> None:
    assert missing_requirement(S.WAITING) is not None
    assert missing_requirement(S.WAITING, waiting_on=WaitingOn.THIRD_PARTY) is None


def test_cancelling_needs_a_cancel_reason() -> None:
    assert missing_requirement(S.CANCELLED) is not None
    assert missing_requirement(S.CANCELLED, cancel_reason=CancelReason.DUPLICATE) is None
