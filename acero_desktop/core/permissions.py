"""Who may do what. Each rule answers with the reason it refuses, or None when it allows.

A sentence rather than a bool, so the UI can grey a control out with a tooltip saying why, and
the server can refuse a mutation with the very same words. The rules assume the actor can see
the row in question: ``visibility`` decides that first (an invisible ticket is "not found",
never "forbidden", so its existence does not leak).

Decisions worth knowing:

- The capacities of the workflow (``workflow.Capacity``) are computed here, per ticket: team
  membership makes an agent of a ticket, ``Team.lead_id`` a lead of it. The system actor holds
  only ``system`` for the workflow, but passes every other rule (it acts like an admin).
- Closed and cancelled tickets are read-only: no edits, assignments, comments, tasks or files.
- Fields: the requester may edit the title and description of their own ticket while it is
  ``new``; staff who work the ticket may edit title, description, priority and category;
  moving a ticket to another team is for the lead of its current team (or an admin).
- Assignment: staff of the ticket may assign an unassigned ticket (to themselves or a
  teammate), and hand over or release their own; taking a ticket away from another agent is a
  reassignment, for its team lead or an admin.
- Internal notes: written (and read) only by staff who work the ticket; a requester never.
- Comments: edited by their author only; deleted by their author, the team lead or an admin.
- Tasks: managed by staff who work the ticket; the task's assignee may also change its state.
- Watchers: anyone who sees a ticket may watch or unwatch it; the requester and staff who work
  the ticket may also add or remove other people.
- Knowledge articles: written by staff; edited by their author, a lead or an admin; published
  or archived by a lead or an admin only, so every published article had a second reader.
- Feedback: by the requester, on a closed ticket.
"""

from __future__ import annotations

import uuid
from typing import Literal

from acero_desktop.models import (
    KnowledgeArticle,
    Role,
    Ticket,
    TicketComment,
    TicketStatus,
    TicketTask,
)

from .actor import Actor
from .errors import PermissionDenied
from .workflow import FINAL, Capacity, is_edge, who_may

EditableField = Literal["title", "description", "priority", "category_id", "team_id"]

_WORKING = frozenset({Capacity.AGENT, Capacity.LEAD, Capacity.ADMIN})
_STATUS_VERBS = {
    TicketStatus.NEW: "move {ref} back to New",
    TicketStatus.ASSIGNED: "mark {ref} as assigned",
    TicketStatus.IN_PROGRESS: "start work on {ref}",
    TicketStatus.WAITING: "put {ref} on hold",
    TicketStatus.RESOLVED: "resolve {ref}",
    TicketStatus.REOPENED: "reopen {ref}",
    TicketStatus.CLOSED: "close {ref}",
    TicketStatus.CANCELLED: "cancel {ref}",
}
_WHO = {
    Capacity.REQUESTER: "the requester",
    Capacity.AGENT: "its support team",
    Capacity.LEAD: "a team lead",
    Capacity.ADMIN: "an admin",
    Capacity.SYSTEM: "the system",
}


def ticket_ref(ticket: Ticket) -> str:
    """How messages name a ticket: its number, or its title while it has none yet."""
    if ticket.number is not None:
        return ticket.label
    title = ticket.title if len(ticket.title) <= 40 else ticket.title[:39] + "…"
    return f'the ticket "{title}"'


def require(reason: str | None) -> None:
    """Turn a refusal into the error the mutation path reports."""
    if reason is not None:
        raise PermissionDenied(reason)


def person(actor: Actor) -> uuid.UUID:
    """The acting user's id; changes that need an author cannot be made by the system."""
    if actor.user_id is None:
        raise PermissionDenied("This change must be made by a person, not by the system.")
    return actor.user_id


# -- capacities -----------------------------------------------------------------------------


def capacities(actor: Actor, ticket: Ticket) -> frozenset[Capacity]:
    """What ``actor`` is to ``ticket`` (see ``workflow``)."""
    if actor.is_system:
        return frozenset({Capacity.SYSTEM})
    held: set[Capacity] = set()
    if actor.user_id == ticket.requester_id:
        held.add(Capacity.REQUESTER)
    if actor.role is Role.ADMIN:
        held.add(Capacity.ADMIN)
    if actor.role in (Role.AGENT, Role.LEAD, Role.ADMIN) and (
        (ticket.team_id is not None and ticket.team_id in actor.team_ids)
        or (ticket.assignee_id is not None and ticket.assignee_id == actor.user_id)
    ):
        held.add(Capacity.AGENT)
    if (
        actor.role is Role.LEAD
        and ticket.team_id is not None
        and ticket.team_id in actor.lead_team_ids
    ):
        held.add(Capacity.LEAD)
    return frozenset(held)


def works_on(actor: Actor, ticket: Ticket) -> bool:
    """Staff who work the ticket: its team, its assignee, admins (and the system)."""
    return actor.is_system or not _WORKING.isdisjoint(capacities(actor, ticket))


def is_lead_of(actor: Actor, ticket: Ticket) -> bool:
    """The lead of the ticket's team, an admin or the system."""
    return actor.is_admin or Capacity.LEAD in capacities(actor, ticket)


def is_any_lead(actor: Actor) -> bool:
    """Leads of some team, admins and the system: the reviewers of shared content."""
    return actor.is_admin or (actor.role is Role.LEAD and bool(actor.lead_team_ids))


def _final(ticket: Ticket) -> str | None:
    if ticket.status in FINAL:
        return (
            f"{ticket_ref(ticket)} is {ticket.status.label.lower()}; it can no longer be changed."
        )
    return None


# -- tickets --------------------------------------------------------------------------------


def why_not_transition(actor: Actor, ticket: Ticket, to: TicketStatus) -> str | None:
    """Whether ``actor`` may move ``ticket`` from its current status to ``to``."""
    ref = ticket_ref(ticket)
    current = ticket.status
    if current is to:
        return None
    if current in FINAL:
        return f"{ref} is {current.label.lower()}; its status can no longer change."
    if not is_edge(current, to):
        return f"{ref} is {current.label}; it cannot move to {to.label} from there."
    allowed = who_may(current, to)
    if allowed & capacities(actor, ticket):
        return None
    return f"Only {_who(allowed)} can {_STATUS_VERBS[to].format(ref=ref)}."


def _who(allowed: frozenset[Capacity]) -> str:
    """ "the requester or a team lead": admins and the system are implied, leads are staff."""
    shown: list[Capacity] = [
        c for c in Capacity if c in allowed and c not in (Capacity.ADMIN, Capacity.SYSTEM)
    ]
    if Capacity.AGENT in allowed and Capacity.LEAD in shown:
        shown.remove(Capacity.LEAD)
    if not shown:
        shown = [Capacity.ADMIN]
    return " or ".join(_WHO[c] for c in shown)


def why_not_edit(actor: Actor, ticket: Ticket, field: EditableField) -> str | None:
    """Whether ``actor`` may change one field of ``ticket`` (``ticket.update``)."""
    if (final := _final(ticket)) is not None:
        return final
    ref = ticket_ref(ticket)
    if field == "team_id":
        if is_lead_of(actor, ticket):
            return None
        return f"Only a lead of its team can move {ref} to another team."
    if works_on(actor, ticket):
        return None
    if field in ("title", "description") and Capacity.REQUESTER in capacities(actor, ticket):
        if ticket.status is TicketStatus.NEW:
            return None
        return f"{ref} is already being handled; add a comment instead of editing its {field}."
    what = "category" if field == "category_id" else field
    return f"Only its support team can change the {what} of {ref}."


def why_not_assign(actor: Actor, ticket: Ticket, assignee_id: uuid.UUID | None) -> str | None:
    """Whether ``actor`` may give ``ticket`` to ``assignee_id`` (None: nobody)."""
    ref = ticket_ref(ticket)
    if (final := _final(ticket)) is not None:
        return final
    if ticket.status is TicketStatus.RESOLVED:
        return f"{ref} is resolved; reopen it before changing its assignee."
    if is_lead_of(actor, ticket):
        return None
    if not works_on(actor, ticket):
        return f"Only its support team can assign {ref}."
    current = ticket.assignee_id
    if current is None or current == actor.user_id or current == assignee_id:
        return None
    return f"{ref} is assigned to someone else; only a team lead can reassign it."


# -- comments and files ---------------------------------------------------------------------


def why_not_comment(actor: Actor, ticket: Ticket, *, internal: bool) -> str | None:
    """Whether ``actor`` may add a public comment or an internal note to ``ticket``."""
    if ticket.status in FINAL:
        return (
            f"{ticket_ref(ticket)} is {ticket.status.label.lower()}; "
            "open a new ticket to follow it up."
        )
    if internal and not works_on(actor, ticket):
        return "Only support staff working on the ticket can write internal notes."
    return None


def why_not_edit_comment(actor: Actor, comment: TicketComment) -> str | None:
    if comment.author_id != actor.user_id:
        return "Only its author can edit a comment."
    return None


def why_not_delete_comment(actor: Actor, ticket: Ticket, comment: TicketComment) -> str | None:
    if comment.author_id == actor.user_id or is_lead_of(actor, ticket):
        return None
    return "Only its author or a team lead can delete a comment."


def why_not_attach(
    actor: Actor, ticket: Ticket, comment: TicketComment | None = None
) -> str | None:
    """Whether ``actor`` may attach a file to ``ticket`` (or to one of their comments on it)."""
    if comment is not None:
        if comment.author_id != actor.user_id:
            return "Files can only be attached to your own comments."
        if comment.deleted_at is not None:
            return "That comment was deleted; attach the file to the ticket instead."
    internal = comment is not None and comment.internal
    return why_not_comment(actor, ticket, internal=internal)


# -- tasks ----------------------------------------------------------------------------------


def why_not_manage_tasks(actor: Actor, ticket: Ticket) -> str | None:
    """Adding, editing, reordering and deleting the tasks of ``ticket``."""
    if (final := _final(ticket)) is not None:
        return final
    if works_on(actor, ticket):
        return None
    return f"Only its support team can manage the tasks of {ticket_ref(ticket)}."


def why_not_change_task_state(actor: Actor, ticket: Ticket, task: TicketTask) -> str | None:
    """Moving a task between todo, doing and done: its assignee may, even from another team."""
    if task.assignee_id is not None and task.assignee_id == actor.user_id:
        return _final(ticket)
    return why_not_manage_tasks(actor, ticket)


# -- watchers and feedback ------------------------------------------------------------------


def why_not_watch(actor: Actor, ticket: Ticket, user_id: uuid.UUID) -> str | None:
    """Adding or removing ``user_id`` as a watcher of ``ticket``."""
    if user_id == actor.user_id:
        return None
    if actor.is_admin or not capacities(actor, ticket).isdisjoint({Capacity.REQUESTER, *_WORKING}):
        return None
    return (
        f"Only the requester or its support team can change who else watches {ticket_ref(ticket)}."
    )


def why_not_give_feedback(actor: Actor, ticket: Ticket) -> str | None:
    ref = ticket_ref(ticket)
    if actor.user_id != ticket.requester_id:
        return f"Only the requester of {ref} can rate how it was handled."
    if ticket.status is not TicketStatus.CLOSED:
        return f"Feedback can be given once {ref} is closed."
    return None


# -- knowledge articles ---------------------------------------------------------------------


def why_not_write_articles(actor: Actor) -> str | None:
    if actor.is_staff:
        return None
    return "Only support staff can write knowledge articles."


def why_not_edit_article(actor: Actor, article: KnowledgeArticle) -> str | None:
    if article.author_id == actor.user_id or is_any_lead(actor):
        return None
    return "Only its author, a team lead or an admin can edit this article."


def why_not_publish_article(actor: Actor, article: KnowledgeArticle) -> str | None:
    """Publishing and archiving: a lead or an admin, so a second reader approves every article."""
    if is_any_lead(actor):
        return None
    return "Only a team lead or an admin can publish or archive an article."
