"""What every REST handler needs: the server state and the authenticated user."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from acero_desktop.core.actor import Actor, load_actor
from acero_desktop.core.errors import AceroError

from ..auth import AuthError, resolve_token

if TYPE_CHECKING:
    from ..app import ServerState


def get_state(request: Request) -> ServerState:
    return request.app.state.acero  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Principal:
    actor: Actor
    user_id: uuid.UUID
    token: str


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("Log in first: send 'Authorization: Bearer TOKEN'.")
    return token.strip()


async def get_principal(request: Request) -> Principal:
    state = get_state(request)
    token = bearer(request)

    def check(session: Session) -> Actor:
        info = resolve_token(session, token)
        try:
            return load_actor(session, info.user_id)
        except AceroError as exc:
            raise AuthError(exc.message, status=403) from None

    actor = await state.store.read(check)
    assert actor.user_id is not None
    return Principal(actor, actor.user_id, token)


StateDep = Annotated["ServerState", Depends(get_state)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
