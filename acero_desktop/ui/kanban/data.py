"""What a task board shows, read from the cache as plain values, and where a dropped card lands.

Each card carries the permission answers of ``core.permissions`` for this user: None (allowed)
or the sentence that greys a control out. Columns are ordered as the mutators order them
(``position``, ties by id as text), so the order on screen is the order on the server.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from acero_desktop.core import permissions as perm
from acero_desktop.core.actor import Actor
from acero_desktop.core.visibility import can_see_ticket
from acero_desktop.models import Role, TaskState, Ticket, TicketTask, TicketWatcher, ticket_label

from ..directory import Directory, Person

STATE_LABELS: dict[TaskState, str] = {
    TaskState.TODO: "To do",
    TaskState.DOING: "Doing",
    TaskState.DONE: "Done",
}
STATES: tuple[TaskState, ...] = (TaskState.TODO, TaskState.DOING, TaskState.DONE)
SOON = timedelta(days=1)


class Due(Enum):
    NONE = "none"  # no due date, or the task is done
    LATER = "later"
    SOON = "soon"  # within a day: amber
    OVERDUE = "overdue"  # red


@dataclass(frozen=True, slots=True)
class TaskCard:
    id: uuid.UUID
    ticket_id: uuid.UUID
    ticket_label: str
    title: str
    state: TaskState
    position: str
    assignee_id: uuid.UUID | None
    assignee: str  # name; "" when nobody
    due_at: datetime | None
    pending: bool  # changed here, not confirmed by the server yet
    # None: allowed; else why not (the tooltip of the greyed control).
    why_not_edit: str | None  # title, assignee, due date, delete
    why_not_move: str | None  # state (checkbox), order, column
    ticket_title: str = ""

    @property
    def initials(self) -> str:
        return initials(self.assignee)

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.position, str(self.id))


@dataclass(frozen=True)
class BoardData:
    cards: tuple[TaskCard, ...]
    # The ticket of a per-ticket board; None for "My tasks" (cards of many tickets).
    ticket_id: uuid.UUID | None = None
    ticket_label: str = ""
    why_not_add: str | None = None

    def column(self, state: TaskState) -> list[TaskCard]:
        return [c for c in self.cards if c.state is state]


def initials(name: str) -> str:
    parts = [p for p in name.replace("-", " ").split() if p[:1].isalpha()]
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0][:2].upper()
    return (parts[0][0] + parts[-1][0]).upper()


def due_state(card: TaskCard, now: datetime) -> Due:
    if card.due_at is None or card.state is TaskState.DONE:
        return Due.NONE
    if card.due_at < now:
        return Due.OVERDUE
    if card.due_at - now <= SOON:
        return Due.SOON
    return Due.LATER


def due_text(card: TaskCard, now: datetime) -> str:
    """Short, for a card: "today 17:00", "tomorrow", "3 Dec", "overdue 09:30"; "" when none."""
    state = due_state(card, now)
    if state is Due.NONE or card.due_at is None:
        return ""
    local, today = card.due_at.astimezone(), now.astimezone().date()
    day = local.date()
    end_of_day = (local.hour, local.minute) >= (23, 59)
    if day == today:
        when = f"{local:%H:%M}" if state is Due.OVERDUE else "today"
        if not end_of_day and state is not Due.OVERDUE:
            when += f" {local:%H:%M}"
    elif day == today + timedelta(days=1):
        when = "tomorrow"
    elif day == today - timedelta(days=1):
        when = "yesterday"
    else:
        when = f"{day.day} {local:%b}" + (f" {day.year}" if day.year != today.year else "")
    return f"overdue {when}" if state is Due.OVERDUE else when


def end_of_day(day: datetime) -> datetime:
    """A due date picked as a day means "by the end of that (local) day"."""
    local = day.astimezone()
    return local.replace(hour=23, minute=59, second=0, microsecond=0)


# -- loading ------------------------------------------------------------------------------


def _card(
    task: TicketTask,
    ticket: Ticket,
    actor: Actor,
    directory: Directory,
    pending: set[str],
    manage: str | None,
) -> TaskCard:
    return TaskCard(
        id=task.id,
        ticket_id=task.ticket_id,
        ticket_label=ticket_label(ticket.number),
        title=task.title,
        state=task.state,
        position=task.position,
        assignee_id=task.assignee_id,
        assignee=directory.name_of(task.assignee_id),
        due_at=task.due_at,
        pending=task.id.hex in pending,
        why_not_edit=manage,
        why_not_move=perm.why_not_change_task_state(actor, ticket, task),
        ticket_title=ticket.title,
    )


def load_ticket_board(
    session: Session,
    actor: Actor,
    ticket_id: uuid.UUID,
    *,
    directory: Directory,
    pending: set[str],
) -> BoardData | None:
    """The tasks of one ticket; None when the ticket is gone or not visible."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or not can_see_ticket(session, actor, ticket):
        return None
    manage = perm.why_not_manage_tasks(actor, ticket)
    tasks = session.scalars(select(TicketTask).where(TicketTask.ticket_id == ticket_id)).all()
    cards = [_card(t, ticket, actor, directory, pending, manage) for t in tasks]
    cards.sort(key=lambda c: c.sort_key)
    return BoardData(tuple(cards), ticket_id, ticket_label(ticket.number), manage)


def load_my_tasks(
    session: Session, actor: Actor, *, directory: Directory, pending: set[str]
) -> BoardData:
    """Every task assigned to ``actor``, grouped by ticket (oldest ticket first), in order."""
    if actor.user_id is None:
        return BoardData(())
    rows = session.execute(
        select(TicketTask, Ticket)
        .join(Ticket, Ticket.id == TicketTask.ticket_id)
        .where(TicketTask.assignee_id == actor.user_id)
    ).all()
    cards: list[TaskCard] = []
    tickets: dict[uuid.UUID, tuple[Ticket, str | None]] = {}
    hidden: set[uuid.UUID] = set()
    for task, ticket in rows:
        if ticket.id in hidden:
            continue
        if ticket.id not in tickets:
            if not can_see_ticket(session, actor, ticket):
                hidden.add(ticket.id)
                continue
            tickets[ticket.id] = (ticket, perm.why_not_manage_tasks(actor, ticket))
        _, manage = tickets[ticket.id]
        cards.append(_card(task, ticket, actor, directory, pending, manage))

    def key(c: TaskCard) -> tuple[int, str, str, str]:
        number = tickets[c.ticket_id][0].number
        # Pending tickets (no number yet) last: they are the newest.
        return (number if number is not None else 1 << 62, str(c.ticket_id), *c.sort_key)

    cards.sort(key=key)
    return BoardData(tuple(cards), None, "", "Tasks are added on a ticket's own board.")


def assignable_people(session: Session, directory: Directory, ticket_id: uuid.UUID) -> list[Person]:
    """Who may be given a task of the ticket: active staff of its team, and staff watching it."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        return []
    people = {p.id: p for p in directory.members(ticket.team_id)}
    watchers = session.scalars(
        select(TicketWatcher.user_id).where(TicketWatcher.ticket_id == ticket_id)
    )
    for user_id in [*watchers, ticket.assignee_id]:
        person = directory.people.get(user_id) if user_id is not None else None
        if person is not None and person.active and person.role is not Role.REQUESTER:
            people[person.id] = person
    return sorted(people.values(), key=lambda p: p.name.casefold())


# -- where a dropped card lands -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Landing:
    """The ``task.move`` neighbours: the card lands after ``after_id`` / before ``before_id``."""

    after_id: uuid.UUID | None
    before_id: uuid.UUID | None


def landing(column: Sequence[TaskCard], moving: TaskCard, row: int) -> Landing:
    """The neighbours of ``moving`` inserted at ``row`` of ``column`` (as shown, before the move).

    ``row`` counts the column as it was shown, so a card dropped below itself in its own column
    skips itself. Neighbours are looked for among cards of the same ticket: on "My tasks" a
    column mixes tickets, and a position only orders the tasks of one ticket.
    """
    others = list(column)
    if any(c.id == moving.id for c in others):
        at = next(i for i, c in enumerate(others) if c.id == moving.id)
        if at < row:
            row -= 1
        others.pop(at)
    row = max(0, min(row, len(others)))
    above = [c for c in others[:row] if c.ticket_id == moving.ticket_id]
    below = [c for c in others[row:] if c.ticket_id == moving.ticket_id]
    return Landing(
        above[-1].id if above else None,
        below[0].id if below else None,
    )
