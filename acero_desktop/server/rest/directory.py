"""Users, teams, categories (readable by everyone logged in) and one's saved searches."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from acero_desktop.core import visibility as vis
from acero_desktop.core.errors import NotFound
from acero_desktop.core.ids import uuid7
from acero_desktop.models import Availability, SavedSearch, Team, TeamMember, TicketCategory, User

from .deps import PrincipalDep, StateDep
from .serialize import row_json, user_json

router = APIRouter(prefix="/api", tags=["directory"])


@router.get("/users/me")
async def me(principal: PrincipalDep, state: StateDep) -> dict[str, Any]:
    def run(session: Session) -> dict[str, Any]:
        user = session.get(User, principal.user_id)
        assert user is not None
        data = user_json(user)
        data["team_ids"] = sorted(str(t) for t in principal.actor.team_ids)
        data["lead_team_ids"] = sorted(str(t) for t in principal.actor.lead_team_ids)
        return data

    return await state.store.read(run)


class AvailabilityBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    availability: Availability


@router.put("/users/me/availability")
async def set_availability(
    body: AvailabilityBody, principal: PrincipalDep, state: StateDep
) -> dict[str, Any]:
    await state.mutate(
        principal.user_id, "user.set_availability", {"availability": body.availability.value}
    )
    return await me(principal, state)


@router.get("/users")
async def users(principal: PrincipalDep, state: StateDep) -> dict[str, Any]:
    def run(session: Session) -> dict[str, Any]:
        rows = session.scalars(select(User).order_by(User.username))
        return {"items": [user_json(u) for u in rows]}

    return await state.store.read(run)


@router.get("/teams")
async def teams(principal: PrincipalDep, state: StateDep) -> dict[str, Any]:
    def run(session: Session) -> dict[str, Any]:
        members: dict[uuid.UUID, list[str]] = {}
        for team_id, user_id in session.execute(select(TeamMember.team_id, TeamMember.user_id)):
            members.setdefault(team_id, []).append(str(user_id))
        out = []
        for team in session.scalars(select(Team).order_by(Team.name)):
            data = row_json(team)
            data["member_ids"] = sorted(members.get(team.id, []))
            out.append(data)
        return {"items": out}

    return await state.store.read(run)


@router.get("/categories")
async def categories(principal: PrincipalDep, state: StateDep) -> dict[str, Any]:
    def run(session: Session) -> dict[str, Any]:
        rows = session.scalars(select(TicketCategory).order_by(TicketCategory.name))
        return {"items": [row_json(c) for c in rows]}

    return await state.store.read(run)


class SavedSearchBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    query: str
    position: int | None = None


@router.get("/saved-searches")
async def saved_searches(principal: PrincipalDep, state: StateDep) -> dict[str, Any]:
    def run(session: Session) -> dict[str, Any]:
        rows = session.scalars(
            select(SavedSearch)
            .where(vis.visible_saved_searches_clause(principal.actor))
            .order_by(SavedSearch.position, SavedSearch.name)
        )
        return {"items": [row_json(r) for r in rows]}

    return await state.store.read(run)


@router.post("/saved-searches", status_code=201)
async def create_saved_search(
    body: SavedSearchBody, principal: PrincipalDep, state: StateDep
) -> dict[str, Any]:
    sid = uuid7()
    args = body.model_dump(exclude_unset=True)
    args["id"] = str(sid)
    await state.mutate(principal.user_id, "saved_search.create", args)

    def read(session: Session) -> dict[str, Any]:
        row = session.get(SavedSearch, sid)
        if row is None:
            raise NotFound("That saved search does not exist.")
        return row_json(row)

    return await state.store.read(read)


@router.delete("/saved-searches/{search_id}", status_code=204)
async def delete_saved_search(
    search_id: uuid.UUID, principal: PrincipalDep, state: StateDep
) -> Response:
    await state.mutate(principal.user_id, "saved_search.delete", {"id": str(search_id)})
    return Response(status_code=204)
