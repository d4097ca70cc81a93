"""Login, logout and health."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text

from acero_desktop import __version__
from acero_desktop.sync.protocol import MIN_PROTOCOL_VERSION, PROTOCOL_VERSION

from .. import auth
from ..db import head_seq
from ..logging import event
from .deps import PrincipalDep, StateDep, get_state
from .serialize import user_json

router = APIRouter(prefix="/api", tags=["auth"])


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)


@router.get("/health")
async def health(state: StateDep) -> dict[str, Any]:
    head = await state.store.read(lambda s: (s.execute(text("SELECT 1")), head_seq(s))[1])
    fanout = sorted(state.hub.deliver_seconds)

    def ms(q: float) -> float | None:
        return round(fanout[int(q * (len(fanout) - 1))] * 1000, 2) if fanout else None

    return {
        "status": "ok",
        "version": __version__,
        "protocol": PROTOCOL_VERSION,
        "min_protocol": MIN_PROTOCOL_VERSION,
        "server_id": state.store.server_id,
        "head": head,
        "connections": len(state.hub.conns),
        "fanout_ms": {"p50": ms(0.5), "p99": ms(0.99), "batches": len(fanout)},
    }


@router.post("/auth/login")
async def login(body: LoginBody, request: Request) -> dict[str, Any]:
    state = get_state(request)
    address = request.client.host if request.client else "?"

    def run(session: Any) -> dict[str, Any]:
        token, info, user = auth.login(
            session, body.username, body.password, address, state.config.auth
        )
        return {
            "token": token,
            "expires_at": info.expires_at.isoformat(),
            "user": user_json(user),
        }

    try:
        result = await state.store.write(run)
    except auth.AuthError as exc:
        event("login.failed", user=body.username, address=address, status=exc.status)
        raise
    event("login", user=body.username, address=address)
    return result


@router.post("/auth/logout")
async def logout(principal: PrincipalDep, state: StateDep) -> dict[str, Any]:
    await state.store.write(lambda s: auth.logout(s, principal.token))
    event("logout", user=str(principal.user_id))
    return {"ok": True}
