"""The ticket workflow: which status may follow which, and who may move a ticket along an edge.

Who acts is described by the *capacities* the actor holds on one ticket (an agent who opened a
ticket for themselves holds both ``requester`` and ``agent``; the union of their edges applies):

- R  requester — the ticket's requester;
- A  agent     — staff who work the ticket: members of its team, or its assignee;
- L  lead      — the lead of the ticket's team;
- D  admin     — an administrator;
- S  system    — scheduled jobs (auto-close); it holds no other capacity here.

Transitions that ``ticket.set_status`` may make (rows: from, columns: to; · = not an edge)::

    from \\ to     assigned  in_progress  waiting  resolved  reopened  closed  cancelled
    new           A L D *   A L D *      A L D *  A L D *   ·         ·       R L D
    assigned      ·         A L D        A L D    A L D     ·         ·       R L D
    in_progress   ·         ·            A L D    A L D     ·         ·       R L D
    waiting       ·         A L D        ·        A L D     ·         ·       R L D
    resolved      ·         ·            ·        ·         R L D     R D S   ·
    reopened      A L D     A L D        A L D    A L D     ·         ·       R L D
    closed        ·  (final: a follow-up is a new ticket)
    cancelled     ·  (final)

``new`` is never a target of ``set_status``: a ticket is new exactly while nobody is assigned
to it, so it gets there only by being unassigned. ``*``: leaving ``new`` for a status that
needs an owner assigns the ticket to the acting agent ("take it").

Requirements of a target: ``resolved`` a resolution text, ``reopened`` a reason, ``waiting``
whom it waits on, ``cancelled`` a cancel reason. Closing is the requester's acceptance (or the
auto-close job), so agents and leads cannot close on the requester's behalf; reopening a
resolved ticket is the requester's rejection, which a lead may also make after a review.

Implicit transitions, made by other mutations as a consequence (no capacity needed beyond the
mutation's own permission)::

    ticket.assign someone     new                                   → assigned
    ticket.assign nobody      assigned, in_progress, waiting, reopened → new
    ticket.update team        as "assign nobody" when the assignee is not in the new team
    comment.add by requester  waiting (on the requester)            → in_progress
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from acero_desktop.models import CancelReason, TicketStatus, WaitingOn


class Capacity(StrEnum):
    """What an actor is to one ticket; see the module docstring."""

    REQUESTER = "requester"
    AGENT = "agent"
    LEAD = "lead"
    ADMIN = "admin"
    SYSTEM = "system"


_S = TicketStatus
_R, _A, _L, _D, _SYS = (
    Capacity.REQUESTER,
    Capacity.AGENT,
    Capacity.LEAD,
    Capacity.ADMIN,
    Capacity.SYSTEM,
)
_STAFF = frozenset({_A, _L, _D})
_CANCELLERS = frozenset({_R, _L, _D})

TRANSITIONS: Mapping[tuple[TicketStatus, TicketStatus], frozenset[Capacity]] = {
    (_S.NEW, _S.ASSIGNED): _STAFF,
    (_S.NEW, _S.IN_PROGRESS): _STAFF,
    (_S.NEW, _S.WAITING): _STAFF,
    (_S.NEW, _S.RESOLVED): _STAFF,
    (_S.NEW, _S.CANCELLED): _CANCELLERS,
    (_S.ASSIGNED, _S.IN_PROGRESS): _STAFF,
    (_S.ASSIGNED, _S.WAITING): _STAFF,
    (_S.ASSIGNED, _S.RESOLVED): _STAFF,
    (_S.ASSIGNED, _S.CANCELLED): _CANCELLERS,
    (_S.IN_PROGRESS, _S.WAITING): _STAFF,
    (_S.IN_PROGRESS, _S.RESOLVED): _STAFF,
    (_S.IN_PROGRESS, _S.CANCELLED): _CANCELLERS,
    (_S.WAITING, _S.IN_PROGRESS): _STAFF,
    (_S.WAITING, _S.RESOLVED): _STAFF,
    (_S.WAITING, _S.CANCELLED): _CANCELLERS,
    (_S.RESOLVED, _S.REOPENED): frozenset({_R, _L, _D}),
    (_S.RESOLVED, _S.CLOSED): frozenset({_R, _D, _SYS}),
    (_S.REOPENED, _S.ASSIGNED): _STAFF,
    (_S.REOPENED, _S.IN_PROGRESS): _STAFF,
    (_S.REOPENED, _S.WAITING): _STAFF,
    (_S.REOPENED, _S.RESOLVED): _STAFF,
    (_S.REOPENED, _S.CANCELLED): _CANCELLERS,
}

FINAL: frozenset[TicketStatus] = frozenset({_S.CLOSED, _S.CANCELLED})
"""No way out: a follow-up to a closed or cancelled ticket is a new ticket."""

OWNED: frozenset[TicketStatus] = frozenset({_S.ASSIGNED, _S.IN_PROGRESS, _S.WAITING, _S.RESOLVED})
"""Statuses a ticket may only enter with an assignee; from ``new`` the actor takes it."""

_UNASSIGN_TO_NEW = frozenset({_S.ASSIGNED, _S.IN_PROGRESS, _S.WAITING, _S.REOPENED})


def is_edge(current: TicketStatus, to: TicketStatus) -> bool:
    """Whether the workflow has the edge at all, whoever asks."""
    return (current, to) in TRANSITIONS


def who_may(current: TicketStatus, to: TicketStatus) -> frozenset[Capacity]:
    """The capacities allowed to move a ticket from ``current`` to ``to`` (empty: no edge)."""
    return TRANSITIONS.get((current, to), frozenset())


def may_transition(current: TicketStatus, to: TicketStatus, capacities: Iterable[Capacity]) -> bool:
    return not who_may(current, to).isdisjoint(capacities)


def targets(current: TicketStatus, capacities: Iterable[Capacity]) -> frozenset[TicketStatus]:
    """Where an actor holding ``capacities`` may move a ticket now (the UI's status menu)."""
    held = frozenset(capacities)
    return frozenset(
        to for (src, to), allowed in TRANSITIONS.items() if src is current and allowed & held
    )


def status_after_assign(current: TicketStatus) -> TicketStatus:
    """Giving a ticket an owner takes it out of the ``new`` queue; nothing else changes."""
    return _S.ASSIGNED if current is _S.NEW else current


def status_after_unassign(current: TicketStatus) -> TicketStatus:
    """An open ticket nobody owns is back in the team's queue, i.e. ``new``."""
    return _S.NEW if current in _UNASSIGN_TO_NEW else current


def missing_requirement(
    to: TicketStatus,
    *,
    resolution: str | None = None,
    reason: str | None = None,
    waiting_on: WaitingOn | None = None,
    cancel_reason: CancelReason | None = None,
) -> str | None:
    """What entering ``to`` still needs, as a sentence; None when nothing is missing."""
    if to is _S.RESOLVED and not (resolution and resolution.strip()):
        return "A resolution text is required to resolve a ticket."
    if to is _S.REOPENED and not (reason and reason.strip()):
        return "A reason is required to reopen a ticket: say what is still wrong."
    if to is _S.WAITING and waiting_on is None:
        return "Say whom the ticket is waiting on: the requester or a third party."
    if to is _S.CANCELLED and cancel_reason is None:
        return "Choose why the ticket is cancelled: duplicate, withdrawn or other."
    return None
