"""task.add, task.update, task.move and task.delete: the kanban of a ticket."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from acero_desktop.core.errors import NotFound, PermissionDenied, ValidationFailed
from acero_desktop.models import TaskState, Ticket, TicketHistory, TicketStatus, TicketTask

from .conftest import T0, Org, uid


def add(org: Org, ticket: Ticket, title: str, who: str = "alice", **extra: object) -> TicketTask:
    task_id = uid(f"task:{title}")
    args = {"id": str(task_id), "ticket_id": str(ticket.id), "title": title, **extra}
    org.apply(who, "task.add", args)
    task = org.session.get(TicketTask, task_id)
    assert task is not None
    return task


def column(org: Org, ticket: Ticket, state: TaskState) -> list[str]:
    tasks = org.session.scalars(
        select(TicketTask).where(TicketTask.ticket_id == ticket.id, TicketTask.state == state)
    ).all()
    return [t.title for t in sorted(tasks, key=lambda t: (t.position, str(t.id)))]


def move(org: Org, task: TicketTask, state: TaskState, who: str = "alice", **near: object) -> None:
    args = {"id": str(task.id), "state": state.value, **{k: str(v) for k, v in near.items()}}
    org.apply(who, "task.move", args)


def test_tasks_are_added_at_the_end_of_their_column(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    for title in ("Order AP", "Mount AP", "Test"):
        add(org, ticket, title)
    assert column(org, ticket, TaskState.TODO) == ["Order AP", "Mount AP", "Test"]


def test_a_task_can_be_inserted_after_another(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    first, _ = add(org, ticket, "Order AP"), add(org, ticket, "Test")
    add(org, ticket, "Mount AP", after_id=str(first.id))
    assert column(org, ticket, TaskState.TODO) == ["Order AP", "Mount AP", "Test"]


def test_inserting_after_a_task_of_another_column_is_refused(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    done = add(org, ticket, "Order AP", state="done")
    with pytest.raises(ValidationFailed, match="not in that column"):
        add(org, ticket, "Mount AP", after_id=str(done.id))


def test_adding_a_task_writes_a_history_row(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    add(org, ticket, "Order AP")
    (row,) = org.session.scalars(select(TicketHistory)).all()
    assert (row.field, row.old_value, row.new_value, row.note) == (
        "task",
        None,
        "todo",
        "Order AP",
    )


def test_a_task_added_as_done_is_done_now(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    task = add(org, ticket, "Order AP", state="done")
    assert task.done_at == T0


def test_moving_between_neighbours_lands_between_them(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    a, b, c = (add(org, ticket, t, state="doing") for t in ("A", "B", "C"))
    todo = add(org, ticket, "X")
    move(org, todo, TaskState.DOING, after_id=a.id, before_id=b.id)
    assert column(org, ticket, TaskState.DOING) == ["A", "X", "B", "C"]
    move(org, todo, TaskState.DOING, before_id=a.id)
    assert column(org, ticket, TaskState.DOING) == ["X", "A", "B", "C"]
    move(org, todo, TaskState.DOING, after_id=c.id)
    assert column(org, ticket, TaskState.DOING) == ["A", "B", "C", "X"]


def test_moving_to_done_stamps_it_and_moving_out_clears_it(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    task = add(org, ticket, "Order AP")
    move(org, task, TaskState.DONE)
    assert (task.state, task.done_at) == (TaskState.DONE, T0)
    move(org, task, TaskState.DOING)
    assert task.done_at is None


def test_a_move_to_another_column_writes_a_history_row(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    task = add(org, ticket, "Order AP")
    org.apply("alice", "task.move", {"id": str(task.id), "state": "done"}, at=T0 + timedelta(1))
    rows = org.session.scalars(select(TicketHistory).order_by(TicketHistory.id)).all()
    assert [(r.old_value, r.new_value) for r in rows] == [(None, "todo"), ("todo", "done")]


def test_reordering_within_a_column_writes_no_history(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    a, b = add(org, ticket, "A"), add(org, ticket, "B")
    move(org, b, TaskState.TODO, before_id=a.id)
    assert column(org, ticket, TaskState.TODO) == ["B", "A"]
    assert len(org.session.scalars(select(TicketHistory)).all()) == 2


def test_a_neighbour_that_moved_meanwhile_is_ignored(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    a, b = add(org, ticket, "A"), add(org, ticket, "B")
    gone = add(org, ticket, "Gone", state="done")
    move(org, b, TaskState.TODO, after_id=gone.id, before_id=a.id)
    assert column(org, ticket, TaskState.TODO) == ["B", "A"]


def test_tasks_with_equal_positions_still_take_a_task_between(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    a, b, c = add(org, ticket, "A"), add(org, ticket, "B"), add(org, ticket, "C")
    b.position = a.position  # two clients inserted at the same place concurrently
    org.session.flush()
    move(org, c, TaskState.TODO, after_id=a.id)
    titles = column(org, ticket, TaskState.TODO)
    assert titles.index("C") > titles.index("A")


def test_update_changes_only_the_given_fields(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    task = add(org, ticket, "Order AP", due_at=(T0 + timedelta(days=1)).isoformat())
    org.apply("alice", "task.update", {"id": str(task.id), "title": "Order 2 APs"})
    assert (task.title, task.due_at) == ("Order 2 APs", T0 + timedelta(days=1))


def test_update_clears_the_due_date_with_an_explicit_null(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    task = add(org, ticket, "Order AP", due_at=(T0 + timedelta(days=1)).isoformat())
    org.apply("alice", "task.update", {"id": str(task.id), "due_at": None})
    assert task.due_at is None


def test_a_due_date_without_a_time_zone_is_refused(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    with pytest.raises(ValidationFailed, match="due_at"):
        add(org, ticket, "Order AP", due_at="2026-03-03T10:00:00")


def test_ticking_a_task_done_keeps_its_place(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    task = add(org, ticket, "Order AP")
    before = task.position
    org.apply("alice", "task.update", {"id": str(task.id), "state": "done"})
    assert (task.state, task.position, task.done_at) == (TaskState.DONE, before, T0)


def test_a_task_assignee_from_another_team_must_see_the_ticket(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    with pytest.raises(ValidationFailed, match="add them as a watcher"):
        add(org, ticket, "Check the cabling", assignee_id=str(org.carl))
    watch = {"id": str(uid("w")), "ticket_id": str(ticket.id), "user_id": str(org.carl)}
    org.apply("alice", "watch.add", watch)
    task = add(org, ticket, "Check the cabling", assignee_id=str(org.carl))
    assert task.assignee_id == org.carl


def test_the_task_assignee_moves_their_task_but_edits_nothing_else(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    watch = {"id": str(uid("w")), "ticket_id": str(ticket.id), "user_id": str(org.carl)}
    org.apply("alice", "watch.add", watch)
    task = add(org, ticket, "Check the cabling", assignee_id=str(org.carl))
    move(org, task, TaskState.DOING, who="carl")
    assert task.state is TaskState.DOING
    with pytest.raises(PermissionDenied, match="Only its support team can manage the tasks"):
        org.apply("carl", "task.update", {"id": str(task.id), "title": "Recable"})


def test_a_requester_cannot_manage_tasks(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    with pytest.raises(PermissionDenied, match="Only its support team"):
        add(org, ticket, "Order AP", who="rita")


def test_requesters_cannot_see_tasks_of_tickets_they_cannot_see(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    task = add(org, ticket, "Order AP")
    with pytest.raises(NotFound):
        move(org, task, TaskState.DONE, who="sam")


def test_deleting_a_task_removes_it_and_writes_history(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.IN_PROGRESS)
    task = add(org, ticket, "Order AP")
    changes = org.apply("alice", "task.delete", {"id": str(task.id)}, at=T0 + timedelta(1))
    assert {(c.table, c.op) for c in changes} == {
        ("ticket_history", "upsert"),
        ("ticket", "upsert"),
        ("ticket_task", "delete"),
    }
    assert org.session.get(TicketTask, task.id) is None


def test_deleting_a_task_that_is_gone_is_a_successful_no_op(org: Org) -> None:
    assert org.apply("alice", "task.delete", {"id": str(uid("task:none"))}) == []


def test_tasks_of_a_closed_ticket_are_frozen(org: Org) -> None:
    ticket = org.add_ticket(TicketStatus.CLOSED)
    with pytest.raises(PermissionDenied, match="is closed"):
        add(org, ticket, "Order AP")
