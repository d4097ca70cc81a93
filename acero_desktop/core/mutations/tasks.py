"""``task.add``, ``task.update``, ``task.move``, ``task.delete``: a ticket's kanban of tasks.

Order within a state column is a fractional key (``core.fractional``): a move writes one row,
so concurrent moves never renumber siblings. A neighbour named by a move that has itself moved
or gone meanwhile is ignored (the other neighbour, else the column's end, is used): a drag and
drop should land somewhere sensible rather than fail. ``task.update`` may tick a task done
without moving it, so a checklist does not reorder itself under the person ticking.

The timeline gets a "task" row when a task is added, changes state or is deleted: old and new
value are states ("todo", "done"; none when added or deleted), the note is its title.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from acero_desktop.models import Role, TaskState, Ticket, TicketTask, User

from ..actor import load_actor
from ..errors import Conflict, NotFound, ValidationFailed
from ..fractional import key_between
from ..history import HistoryField, record
from ..permissions import require, why_not_change_task_state, why_not_manage_tasks
from ..visibility import can_see_ticket, require_ticket
from .argtypes import Timestamp, Title
from .base import MutationArgs, MutationContext, mutation

TASK_NOT_FOUND = "That task does not exist, or you do not have access to it."


class AddTask(MutationArgs):
    id: uuid.UUID
    ticket_id: uuid.UUID
    title: Title
    assignee_id: uuid.UUID | None = None
    due_at: Timestamp | None = None
    state: TaskState = TaskState.TODO
    # Insert below this task of the same column; at the column's end when not given.
    after_id: uuid.UUID | None = None


class UpdateTask(MutationArgs):
    """Only given fields change; an explicit null clears the assignee or the due date."""

    id: uuid.UUID
    title: Title | None = None
    assignee_id: uuid.UUID | None = None
    due_at: Timestamp | None = None
    state: TaskState | None = None


class MoveTask(MutationArgs):
    """Drop a task into ``state``'s column, after ``after_id`` and/or before ``before_id``."""

    id: uuid.UUID
    state: TaskState
    before_id: uuid.UUID | None = None
    after_id: uuid.UUID | None = None


class DeleteTask(MutationArgs):
    id: uuid.UUID


@mutation("task.add", AddTask)
def add_task(ctx: MutationContext, args: AddTask) -> None:
    session = ctx.session
    ticket = require_ticket(session, ctx.actor, args.ticket_id)
    require(why_not_manage_tasks(ctx.actor, ticket))
    if session.get(TicketTask, args.id) is not None:
        raise Conflict("This task has already been added.")
    if args.assignee_id is not None:
        _check_task_assignee(ctx, ticket, args.assignee_id)
    column = _column(ctx, ticket.id, args.state)
    after = _find(column, args.after_id)
    if args.after_id is not None and after is None:
        raise ValidationFailed("The task to insert after is not in that column.", field="after_id")
    task = TicketTask(
        id=args.id,
        ticket_id=ticket.id,
        title=args.title,
        assignee_id=args.assignee_id,
        state=args.state,
        position=_after(column, after) if after is not None else _end(column),
        due_at=args.due_at,
        created_at=ctx.at,
        updated_at=ctx.at,
        done_at=ctx.at if args.state is TaskState.DONE else None,
    )
    session.add(task)
    record(ctx, ticket, HistoryField.TASK, None, args.state.value, note=args.title)


@mutation("task.update", UpdateTask)
def update_task(ctx: MutationContext, args: UpdateTask) -> None:
    task, ticket = _require_task(ctx, args.id)
    given = args.model_fields_set
    edits_details = (
        (args.title is not None and args.title != task.title)
        or ("assignee_id" in given and args.assignee_id != task.assignee_id)
        or ("due_at" in given and args.due_at != task.due_at)
    )
    if edits_details:
        require(why_not_manage_tasks(ctx.actor, ticket))
    else:
        require(why_not_change_task_state(ctx.actor, ticket, task))
    if "assignee_id" in given and args.assignee_id not in (None, task.assignee_id):
        assert args.assignee_id is not None
        _check_task_assignee(ctx, ticket, args.assignee_id)
    changed = edits_details
    if args.title is not None:
        task.title = args.title
    if "assignee_id" in given:
        task.assignee_id = args.assignee_id
    if "due_at" in given:
        task.due_at = args.due_at
    if args.state is not None:
        changed |= _set_state(ctx, ticket, task, args.state)
    if changed:
        task.updated_at = ctx.at


@mutation("task.move", MoveTask)
def move_task(ctx: MutationContext, args: MoveTask) -> None:
    task, ticket = _require_task(ctx, args.id)
    require(why_not_change_task_state(ctx.actor, ticket, task))
    column = _column(ctx, ticket.id, args.state, without=task.id)
    after, before = _find(column, args.after_id), _find(column, args.before_id)
    if after is not None:
        position = _after(column, after)
    elif before is not None:
        position = _before(column, before)
    else:
        position = _end(column)
    task.position = position
    _set_state(ctx, ticket, task, args.state)
    task.updated_at = ctx.at


@mutation("task.delete", DeleteTask)
def delete_task(ctx: MutationContext, args: DeleteTask) -> None:
    """Delete a task; one that is already gone is a successful no-op (deletes win)."""
    task = ctx.session.get(TicketTask, args.id)
    if task is None:
        return
    ticket = _ticket_of(ctx, task)
    require(why_not_manage_tasks(ctx.actor, ticket))
    ctx.session.delete(task)
    record(ctx, ticket, HistoryField.TASK, task.state.value, None, note=task.title)


def _set_state(ctx: MutationContext, ticket: Ticket, task: TicketTask, state: TaskState) -> bool:
    old = task.state
    if old is state:
        return False
    task.state = state
    task.done_at = ctx.at if state is TaskState.DONE else None
    record(ctx, ticket, HistoryField.TASK, old.value, state.value, note=task.title)
    return True


def _require_task(ctx: MutationContext, task_id: uuid.UUID) -> tuple[TicketTask, Ticket]:
    task = ctx.session.get(TicketTask, task_id)
    if task is None:
        raise NotFound(TASK_NOT_FOUND)
    return task, _ticket_of(ctx, task)


def _ticket_of(ctx: MutationContext, task: TicketTask) -> Ticket:
    ticket = ctx.session.get(Ticket, task.ticket_id)
    if ticket is None or not can_see_ticket(ctx.session, ctx.actor, ticket):
        raise NotFound(TASK_NOT_FOUND)
    return ticket


def _check_task_assignee(ctx: MutationContext, ticket: Ticket, user_id: uuid.UUID) -> None:
    """A task's assignee must be active staff able to see the ticket (team member or watcher)."""
    user = ctx.session.get(User, user_id)
    if user is None:
        raise NotFound("That person does not exist.")
    if not user.active or user.role is Role.REQUESTER:
        raise ValidationFailed(
            f"{user.name} is not active support staff, so tasks cannot be assigned to them.",
            field="assignee_id",
        )
    if not can_see_ticket(ctx.session, load_actor(ctx.session, user_id), ticket):
        raise ValidationFailed(
            f"{user.name} cannot see this ticket; add them as a watcher before giving them a task.",
            field="assignee_id",
        )


# -- positions ------------------------------------------------------------------------------


def _column(
    ctx: MutationContext,
    ticket_id: uuid.UUID,
    state: TaskState,
    without: uuid.UUID | None = None,
) -> list[TicketTask]:
    """The tasks of one state column in order (ties between equal keys broken by id)."""
    query = select(TicketTask).where(TicketTask.ticket_id == ticket_id, TicketTask.state == state)
    if without is not None:
        query = query.where(TicketTask.id != without)
    tasks = ctx.session.scalars(query).all()
    return sorted(tasks, key=lambda t: (t.position, str(t.id)))


def _find(column: list[TicketTask], task_id: uuid.UUID | None) -> TicketTask | None:
    return next((t for t in column if t.id == task_id), None) if task_id is not None else None


def _after(column: list[TicketTask], after: TicketTask) -> str:
    following = next((t.position for t in column if t.position > after.position), None)
    return key_between(after.position, following)


def _before(column: list[TicketTask], before: TicketTask) -> str:
    preceding = [t.position for t in column if t.position < before.position]
    return key_between(preceding[-1] if preceding else None, before.position)


def _end(column: list[TicketTask]) -> str:
    return key_between(column[-1].position if column else None, None)
