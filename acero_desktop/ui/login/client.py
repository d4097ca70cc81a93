"""The REST login call, awaited on the qasync loop (never in the GUI thread)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any


class LoginFailed(Exception):
    """A sentence for the login dialog."""


@dataclass(frozen=True, slots=True)
class LoginResult:
    token: str
    user_id: uuid.UUID
    name: str
    role: str


def normalise_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if url and "://" not in url:
        url = "http://" + url
    return url


async def login(
    server_url: str, username: str, password: str, *, timeout: float = 15.0
) -> LoginResult:
    import httpx  # here, not at the top: it costs ~0.2 s at start-up and is needed later

    url = normalise_url(server_url) + "/api/auth/login"
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.post(url, json={"username": username, "password": password})
    except httpx.HTTPError as exc:
        raise LoginFailed(f"Cannot reach the Acero server at {server_url}: {exc}") from None
    body: dict[str, Any] = {}
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code in (401, 403):
        raise LoginFailed(_message(body) or "The user name or password is not right.")
    if response.status_code >= 400:
        raise LoginFailed(_message(body) or f"The server answered {response.status_code}.")
    user = body.get("user") or {}
    try:
        return LoginResult(
            token=str(body["token"]),
            user_id=uuid.UUID(str(user["id"])),
            name=str(user.get("name", username)),
            role=str(user.get("role", "")),
        )
    except (KeyError, ValueError):
        raise LoginFailed(
            "The server's answer was not understood; is this an Acero server?"
        ) from None


def _message(body: dict[str, Any]) -> str | None:
    detail = body.get("error") or body.get("message") or body.get("detail")
    if isinstance(detail, dict):
        detail = detail.get("message")
    return str(detail) if detail else None
