"""Tickets and what hangs off them: list/search, create, read, edit, status, assignment,
history, comments, tasks.

Reads filter with ``core.visibility`` clauses; a ticket the user may not see is a 404 exactly
like one that does not exist. Writes are named mutations (channel REST) through
``ServerState.mutate``: they land in the change log and reach every websocket client.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from acero_desktop.core import visibility as vis
from acero_desktop.core.actor import Actor
from acero_desktop.core.assignment import rank_candidates
from acero_desktop.core.errors import NotFound, ValidationFailed
from acero_desktop.core.ids import uuid7
from acero_desktop.core.search import parse_query
from acero_desktop.core.search.compile import SearchContext, compile_search
from acero_desktop.models import (
    OPEN_STATUSES,
    Priority,
    Team,
    Ticket,
    TicketCategory,
    TicketComment,
    TicketHistory,
    TicketStatus,
    TicketTask,
    User,
)

from ..app import ApiError
from .deps import PrincipalDep, StateDep
from .serialize import row_json

router = APIRouter(prefix="/api", tags=["tickets"])

_ACR = re.compile(r"^(?:ACR-)?(\d{1,10})$", re.IGNORECASE)


def resolve_ticket(session: Session, actor: Actor, ref: str) -> Ticket:
    """A ticket by UUID or human number (``ACR-12`` or ``12``), if the actor may see it."""
    ticket: Ticket | None = None
    match = _ACR.match(ref.strip())
    if match:
        ticket = session.scalars(select(Ticket).where(Ticket.number == int(match.group(1)))).first()
    else:
        try:
            ticket = session.get(Ticket, uuid.UUID(ref))
        except ValueError:
            raise NotFound(vis.TICKET_NOT_FOUND) from None
    if ticket is None or not vis.can_see_ticket(session, actor, ticket):
        raise NotFound(vis.TICKET_NOT_FOUND)
    return ticket


# --- listing --------------------------------------------------------------------------------


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded))
        offset = int(data["o"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ApiError(400, "That page cursor is not valid.", field="cursor") from None
    if offset < 0:
        raise ApiError(400, "That page cursor is not valid.", field="cursor")
    return offset


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _people(session: Session, actor: Actor, values: list[str], field: str) -> list[Any]:
    ids: list[Any] = []
    for v in values:
        if v.lower() == "me":
            ids.append(actor.user_id)
        elif v.lower() in ("none", "nobody"):
            ids.append(None)
        elif (u := _uuid_or_none(v)) is not None:
            ids.append(u)
        else:
            found = session.scalar(select(User.id).where(User.username == v))
            if found is None:
                raise ValidationFailed(f"No user named {v!r}.", field=field)
            ids.append(found)
    return ids


def _named(session: Session, model: Any, values: list[str], field: str) -> list[uuid.UUID]:
    ids: list[uuid.UUID] = []
    for v in values:
        u = _uuid_or_none(v)
        if u is None:
            u = session.scalar(select(model.id).where(model.name == v))
            if u is None:
                raise ValidationFailed(f"Nothing named {v!r}.", field=field)
        ids.append(u)
    return ids


def _in_or_null(column: Any, values: list[Any]) -> Any:
    real = [v for v in values if v is not None]
    parts = []
    if real:
        parts.append(column.in_(real))
    if len(real) != len(values):
        parts.append(column.is_(None))
    return or_(*parts)


def _filters(session: Session, actor: Actor, params: dict[str, str | None]) -> list[Any]:
    conds: list[Any] = []
    if statuses := _split(params.get("status")):
        wanted: set[TicketStatus] = set()
        for s in statuses:
            if s == "open":
                wanted |= OPEN_STATUSES
                continue
            try:
                wanted.add(TicketStatus(s))
            except ValueError:
                raise ValidationFailed(f"Unknown status {s!r}.", field="status") from None
        conds.append(Ticket.status.in_(sorted(wanted)))
    if priorities := _split(params.get("priority")):
        try:
            conds.append(Ticket.priority.in_([Priority(p) for p in priorities]))
        except ValueError:
            raise ValidationFailed("Unknown priority.", field="priority") from None
    for name, column in (("assignee", Ticket.assignee_id), ("requester", Ticket.requester_id)):
        if values := _split(params.get(name)):
            conds.append(_in_or_null(column, _people(session, actor, values, name)))
    if values := _split(params.get("team")):
        conds.append(Ticket.team_id.in_(_named(session, Team, values, "team")))
    if values := _split(params.get("category")):
        conds.append(Ticket.category_id.in_(_named(session, TicketCategory, values, "category")))
    return conds


_SORTS = {"created", "updated", "priority", "due", "number"}


def list_tickets(
    session: Session, actor: Actor, params: dict[str, str | None], limit: int, offset: int
) -> dict[str, Any]:
    text = params.get("q") or ""
    if sort := params.get("sort"):
        keys = _split(sort)
        for key in keys:
            if key.lstrip("-") not in _SORTS:
                raise ValidationFailed(
                    f"Cannot sort by {key!r}; use one of {', '.join(sorted(_SORTS))}.",
                    field="sort",
                )
        text = f"{text} sort:{','.join(keys)}".strip()
    query = parse_query(text)
    ctx = SearchContext(
        actor=actor, now=datetime.now(UTC), visibility=vis.visible_tickets_clause(actor)
    )
    compiled = compile_search(session, query, ctx)
    stmt: Select[Any] = compiled.statement(Ticket)
    conds = _filters(session, actor, params)
    if conds:
        stmt = stmt.where(and_(*conds))
    if not query.sort and not any(t for t in [params.get("q")] if t):
        stmt = stmt.order_by(None).order_by(Ticket.updated_at.desc(), Ticket.id)
    else:
        stmt = stmt.order_by(Ticket.id)  # tie-break after the query's own order
    rows = list(session.scalars(stmt.offset(offset).limit(limit + 1)).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [row_json(t) for t in rows],
        "next_cursor": _encode_cursor(offset + limit) if more else None,
    }


@router.get("/tickets")
async def get_tickets(
    principal: PrincipalDep,
    state: StateDep,
    status: str | None = None,
    priority: str | None = None,
    category: str | None = None,
    assignee: str | None = None,
    team: str | None = None,
    requester: str | None = None,
    q: str | None = Query(default=None, max_length=2000),
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = Query(default=50, ge=1, le=500),
) -> dict[str, Any]:
    offset = _decode_cursor(cursor)
    params = {
        "status": status,
        "priority": priority,
        "category": category,
        "assignee": assignee,
        "team": team,
        "requester": requester,
        "q": q,
        "sort": sort,
    }
    return await state.store.read(lambda s: list_tickets(s, principal.actor, params, limit, offset))


# --- one ticket -------------------------------------------------------------------------------


class TicketCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(max_length=300)
    description: str = ""
    priority: Priority | None = None
    category_id: uuid.UUID | None = None
    requester_id: uuid.UUID | None = None
    watcher_ids: list[uuid.UUID] = []


class TicketUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = None
    description: str | None = None
    priority: Priority | None = None
    category_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    base_title: str | None = None
    base_description: str | None = None


def _args(body: BaseModel, **extra: Any) -> dict[str, Any]:
    data = body.model_dump(mode="json", exclude_unset=True)
    data.update({k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in extra.items()})
    return data


async def _ticket_json(state: Any, actor: Actor, ref: str) -> dict[str, Any]:
    return await state.store.read(lambda s: row_json(resolve_ticket(s, actor, ref)))  # type: ignore[no-any-return]


async def _ticket_id(state: Any, actor: Actor, ref: str) -> uuid.UUID:
    return await state.store.read(lambda s: resolve_ticket(s, actor, ref).id)  # type: ignore[no-any-return]


@router.post("/tickets", status_code=201)
async def create_ticket(
    body: TicketCreate, principal: PrincipalDep, state: StateDep
) -> dict[str, Any]:
    tid = uuid7()
    await state.mutate(principal.user_id, "ticket.create", _args(body, id=tid))
    return await _ticket_json(state, principal.actor, str(tid))


@router.get("/tickets/{ref}")
async def get_ticket(ref: str, principal: PrincipalDep, state: StateDep) -> dict[str, Any]:
    return await _ticket_json(state, principal.actor, ref)


@router.put("/tickets/{ref}")
async def update_ticket(
    ref: str, body: TicketUpdate, principal: PrincipalDep, state: StateDep
) -> dict[str, Any]:
    tid = await _ticket_id(state, principal.actor, ref)
    await state.mutate(principal.user_id, "ticket.update", _args(body, id=tid))
    return await _ticket_json(state, principal.actor, str(tid))


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to_status: TicketStatus
    from_status: TicketStatus | None = None
    resolution: str | None = None
    reason: str | None = None
    waiting_on: str | None = None
    cancel_reason: str | None = None


@router.post("/tickets/{ref}/status")
async def set_status(
    ref: str, body: StatusChange, principal: PrincipalDep, state: StateDep
) -> dict[str, Any]:
    tid = await _ticket_id(state, principal.actor, ref)
    await state.mutate(principal.user_id, "ticket.set_status", _args(body, id=tid))
    return await _ticket_json(state, principal.actor, str(tid))


class Assignment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee_id: uuid.UUID | None
    team_id: uuid.UUID | None = None


@router.post("/tickets/{ref}/assign")
async def assign(
    ref: str, body: Assignment, principal: PrincipalDep, state: StateDep
) -> dict[str, Any]:
    tid = await _ticket_id(state, principal.actor, ref)
    args = _args(body, id=tid)
    args.setdefault("assignee_id", None)
    await state.mutate(principal.user_id, "ticket.assign", args)
    return await _ticket_json(state, principal.actor, str(tid))


@router.get("/tickets/{ref}/assignees")
async def assignees(ref: str, principal: PrincipalDep, state: StateDep) -> dict[str, Any]:
    """Smart-assignment suggestions for the ticket, best first, each with its explanation."""

    def run(session: Session) -> dict[str, Any]:
        ticket = resolve_ticket(session, principal.actor, ref)
        if not principal.actor.is_staff:
            raise ApiError(403, "Only support staff can see assignment suggestions.")
        ranked = rank_candidates(
            session, category_id=ticket.category_id, team_id=ticket.team_id, now=datetime.now(UTC)
        )
        return {
            "items": [
                {
                    "user_id": str(c.user_id),
                    "name": c.name,
                    "score": c.score,
                    "skill_level": c.skill_level,
                    "open_load": c.open_load,
                    "availability": c.availability.value,
                    "explanation": c.explanation,
                }
                for c in ranked
            ]
        }

    return await state.store.read(run)


@router.get("/tickets/{ref}/history")
async def history(ref: str, principal: PrincipalDep, state: StateDep) -> dict[str, Any]:
    def run(session: Session) -> dict[str, Any]:
        ticket = resolve_ticket(session, principal.actor, ref)
        rows = session.scalars(
            select(TicketHistory)
            .where(
                TicketHistory.ticket_id == ticket.id, vis.visible_history_clause(principal.actor)
            )
            .order_by(TicketHistory.at, TicketHistory.id)
        )
        return {"items": [row_json(r) for r in rows]}

    return await state.store.read(run)


# --- comments and tasks -------------------------------------------------------------------


class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str
    internal: bool = False
    parent_id: uuid.UUID | None = None


async def list_children(
    state: Any,
    principal: Any,
    ref: str,
    model: Any,
    *order_by: Any,
    visible: Any = None,
) -> dict[str, Any]:
    """The rows of ``model`` hanging off a ticket the principal may see, filtered by ``visible``."""

    def run(session: Session) -> dict[str, Any]:
        ticket = resolve_ticket(session, principal.actor, ref)
        query = select(model).where(model.ticket_id == ticket.id)
        if visible is not None:
            query = query.where(visible)
        return {"items": [row_json(r) for r in session.scalars(query.order_by(*order_by))]}

    return dict(await state.store.read(run))


async def read_created(state: Any, model: Any, row_id: uuid.UUID, missing: str) -> dict[str, Any]:
    """The row a write just made, as the API returns it."""

    def read(session: Session) -> dict[str, Any]:
        row = session.get(model, row_id)
        if row is None:
            raise NotFound(missing)
        return row_json(row)

    return dict(await state.store.read(read))


@router.get("/tickets/{ref}/comments")
async def comments(ref: str, principal: PrincipalDep, state: StateDep) -> dict[str, Any]:
    return await list_children(
        state,
        principal,
        ref,
        TicketComment,
        TicketComment.created_at,
        TicketComment.id,
        visible=vis.visible_comments_clause(principal.actor),
    )


@router.post("/tickets/{ref}/comments", status_code=201)
async def add_comment(
    ref: str, body: CommentCreate, principal: PrincipalDep, state: StateDep
) -> dict[str, Any]:
    tid = await _ticket_id(state, principal.actor, ref)
    cid = uuid7()
    await state.mutate(principal.user_id, "comment.add", _args(body, id=cid, ticket_id=tid))
    return await read_created(state, TicketComment, cid, vis.COMMENT_NOT_FOUND)


class TaskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    assignee_id: uuid.UUID | None = None
    due_at: datetime | None = None
    state: str | None = None


@router.get("/tickets/{ref}/tasks")
async def tasks(ref: str, principal: PrincipalDep, state: StateDep) -> dict[str, Any]:
    return await list_children(
        state, principal, ref, TicketTask, TicketTask.state, TicketTask.position, TicketTask.id
    )


@router.post("/tickets/{ref}/tasks", status_code=201)
async def add_task(
    ref: str, body: TaskCreate, principal: PrincipalDep, state: StateDep
) -> dict[str, Any]:
    tid = await _ticket_id(state, principal.actor, ref)
    task_id = uuid7()
    await state.mutate(principal.user_id, "task.add", _args(body, id=task_id, ticket_id=tid))
    return await read_created(state, TicketTask, task_id, "That task does not exist.")
