"""The FastAPI application: REST under /api, the sync websocket at /ws.

``create_app(config)`` opens the store (migrating it; a newer schema is refused with
``SchemaTooNew``), starts the hub and mounts the routers. Every error leaves as JSON
``{"error": {"code", "message", "field"}}``; bad input never gives a 500.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from acero_desktop import __version__
from acero_desktop.core.actor import Actor, load_actor
from acero_desktop.core.errors import AceroError
from acero_desktop.models import Channel
from acero_desktop.sync import protocol as p

from .attachments import BlobStore
from .auth import AuthError
from .capture import Change
from .config import ServerConfig
from .db import Store
from .hub import Hub
from .logging import event, request_id_var
from .push import MutationFailed, apply_single
from .served import ServedMark
from .writer import WriteQueue
from .ws import websocket_endpoint

STATUS_OF_CODE = {
    "invalid": 422,
    "invalid_query": 422,
    "not_found": 404,
    "forbidden": 403,
    "invalid_transition": 409,
    "conflict": 409,
    "unknown_mutation": 400,
    "bad_request": 400,
    "internal_error": 500,
}
CODE_OF_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
}


@dataclass
class ServerState:
    config: ServerConfig
    store: Store
    hub: Hub
    blobs: BlobStore
    writer: WriteQueue
    shutting_down: bool = False
    started_at: float = field(default_factory=time.time)

    async def mutate(
        self, user_id: uuid.UUID, name: str, args: dict[str, Any], channel: Channel = Channel.REST
    ) -> list[Change]:
        """Apply one mutation as ``user_id`` (REST), log it and fan it out."""

        def run(session: Any) -> tuple[list[Change], Any]:
            actor = load_actor(session, user_id)
            return apply_single(session, actor=actor, name=name, args=args, channel=channel)

        changes: list[Change] = await self.writer.submit(run)
        return changes

    async def actor(self, user_id: uuid.UUID) -> Actor:
        return await self.store.read(lambda s: load_actor(s, user_id))

    async def shutdown(self) -> None:
        """Finish in-flight mutations, then close every socket with 1001 and a reason."""
        if self.shutting_down:
            return
        self.shutting_down = True
        await self.writer.stop()  # finishes every queued mutation
        async with self.store.write_lock:  # and no other write is half-way
            pass
        await self.hub.drain()
        await self.hub.close_all(p.CLOSE_GOING_AWAY, "The server is shutting down.")
        for _ in range(100):
            if not self.hub.conns:
                break
            await asyncio.sleep(0.02)
        event("server.shutdown", sockets=len(self.hub.conns))


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or CODE_OF_STATUS.get(status, "error")
        self.message = message
        self.field = field
        self.headers = headers


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "field": field}}
    return JSONResponse(body, status_code=status, headers=headers)


def _check_restore(store: Store, config: ServerConfig) -> ServedMark:
    """A store behind the cursors this server already handed out was restored: new identity."""
    served = ServedMark(config.data_dir, store.server_id)
    head = store.head()
    if served.restored(head):
        old = store.server_id
        store.new_server_id()
        event(
            "server.restored",
            head=head,
            served=served.head,
            old_server_id=old,
            server_id=store.server_id,
            note="the store is behind what was served: clients rebuild from a snapshot",
        )
        served.reset(store.server_id, head)
    return served


def create_app(config: ServerConfig, store: Store | None = None) -> FastAPI:
    store = store or Store(config.db_url)
    served = _check_restore(store, config)
    hub = Hub(
        store,
        poll_interval=config.poll_interval,
        served=served,
        listen=config.listen,
        listen_poll_interval=config.listen_poll_interval,
    )
    state = ServerState(
        config, store, hub, BlobStore(config.attachments_dir), WriteQueue(store, hub)
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        state.writer.start()
        event("server.started", db=_safe_url(store.url), server_id=store.server_id)
        try:
            yield
        finally:
            await state.shutdown()
            await hub.stop()
            store.dispose()

    app = FastAPI(
        title="Acero server",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.acero = state
    _install_errors(app)
    _install_request_log(app)

    from .rest import router as api_router

    app.include_router(api_router)

    @app.websocket("/ws")
    async def ws_endpoint(websocket: WebSocket) -> None:
        await websocket_endpoint(websocket, state)

    return app


def _safe_url(url: str) -> str:
    """The database URL without a password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_r: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.field, exc.headers)

    @app.exception_handler(AuthError)
    async def _auth(_r: Request, exc: AuthError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        if exc.status == 401:
            headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
        code = CODE_OF_STATUS.get(exc.status, "unauthorized")
        return error_response(exc.status, code, exc.message, None, headers)

    @app.exception_handler(AceroError)
    async def _acero(_r: Request, exc: AceroError) -> JSONResponse:
        status = STATUS_OF_CODE.get(exc.code, 400)
        return error_response(status, exc.code, exc.message, exc.field)

    @app.exception_handler(MutationFailed)
    async def _failed(_r: Request, exc: MutationFailed) -> JSONResponse:
        err = exc.error
        return error_response(
            STATUS_OF_CODE.get(err["code"], 409), err["code"], err["message"], err.get("field")
        )

    @app.exception_handler(OperationalError)
    async def _busy(_r: Request, _exc: OperationalError) -> JSONResponse:
        return error_response(
            503, "unavailable", "The server is busy; try again.", None, {"Retry-After": "1"}
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_r: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
        loc = [str(x) for x in first.get("loc", ()) if x not in ("body", "query", "path")]
        where = ".".join(loc) or None
        if first.get("type") == "json_invalid":
            return error_response(400, "bad_request", "The body is not valid JSON.", None)
        message = f"{where}: {first.get('msg')}" if where else str(first.get("msg"))
        return error_response(422, "invalid", message, where)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_r: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = CODE_OF_STATUS.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else "Request refused."
        return error_response(exc.status_code, code, message, None, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _crash(_r: Request, exc: Exception) -> JSONResponse:
        import logging

        logging.getLogger("acero.server").error("request failed", exc_info=exc)
        return error_response(500, "internal_error", "The server failed; this was logged.")


def _install_request_log(app: FastAPI) -> None:
    @app.middleware("http")
    async def _log(request: Request, call_next: Any) -> Any:
        rid = request.headers.get("x-request-id") or uuid.uuid4().hex[:16]
        rid = "".join(c for c in rid if c.isalnum() or c in "-_")[:64] or uuid.uuid4().hex[:16]
        token = request_id_var.set(rid)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            request_id_var.reset(token)
        response.headers["X-Request-ID"] = rid
        event(
            "http",
            rid=rid,
            method=request.method,
            path=request.url.path,
            status=response.status_code,
            ms=round((time.perf_counter() - started) * 1000, 1),
            address=request.client.host if request.client else None,
        )
        return response
