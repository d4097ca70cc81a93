"""The ``/ws`` sync endpoint: hello → welcome → catch-up or snapshot → push / changes / ping.

One reader and one writer task per socket. The reader validates each frame (size, rate,
JSON, schema) and answers a bad one with an ``error`` naming the problem, keeping the socket;
the writer sends the connection's queue in order (``hub.Connection``). A push is applied under
the write lock; its push_result is queued only after the hub has queued the batch's changes to
every socket, so a client holding a result also holds (or is about to get) its changes.

Closing codes (``protocol.CLOSE_*``): 1001 server shutdown, 4000 access changed (resync), 4001
auth (expired / revoked / disabled), 4002 idle, 4003 upgrade required, 4004 no hello.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from fastapi import WebSocket
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.websockets import WebSocketDisconnect

from acero_desktop.core.actor import Actor, load_actor
from acero_desktop.core.errors import AceroError
from acero_desktop.sync import protocol as p

from .audience import Viewer, scope_fingerprint
from .auth import AuthError, TokenInfo, resolve_token
from .changefeed import SyncPlan, catch_up_pages, plan_sync, snapshot_pages
from .hub import Close, Connection, error_text
from .logging import event
from .push import ClientConflict, Committed, PushOutcome, apply_push, lock_client
from .tables import SyncClient

if TYPE_CHECKING:
    from .app import ServerState


class _Bucket:
    """Token bucket: ``rate`` messages a second, bursts up to ``burst``."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


async def websocket_endpoint(ws: WebSocket, state: ServerState) -> None:
    await ws.accept()
    if state.shutting_down:
        await ws.close(p.CLOSE_GOING_AWAY, "The server is shutting down.")
        return
    address = ws.client.host if ws.client else "?"
    conn: Connection | None = None
    try:
        conn = await _handshake(ws, state, address)
        if conn is None:
            return
        await _serve(ws, state, conn)
    except WebSocketDisconnect:
        pass
    except Exception:
        logging.getLogger("acero.server").exception("websocket failed")
        with contextlib.suppress(Exception):
            await ws.close(1011, "Internal server error.")
    finally:
        if conn is not None:
            state.hub.unregister(conn)
            event("ws.closed", user=conn.username, client=conn.client_id)


def _frame_text(msg: Mapping[str, Any]) -> str | bytes | None:
    text = msg.get("text")
    return text if text is not None else msg.get("bytes")


async def _send_error(ws: WebSocket, code: str, message: str, ref: str | None = None) -> None:
    await ws.send_text(error_text(code, message, ref))


async def _handshake(ws: WebSocket, state: ServerState, address: str) -> Connection | None:
    limits = state.config.limits
    deadline = time.monotonic() + limits.hello_timeout
    hello: p.Hello | None = None
    while hello is None:
        remaining = deadline - time.monotonic()
        try:
            msg = await asyncio.wait_for(ws.receive(), max(0.01, remaining))
        except TimeoutError:
            await _send_error(ws, "hello_required", "No hello received in time.")
            await ws.close(p.CLOSE_HELLO, "No hello received in time.")
            return None
        if msg["type"] == "websocket.disconnect":
            return None
        raw = _frame_text(msg)
        if raw is None:
            continue
        if len(raw) > limits.max_frame_bytes:
            await _send_error(ws, "too_large", f"Frame over {limits.max_frame_bytes} bytes.")
            continue
        try:
            parsed = p.parse_message(raw, types=p.CLIENT_TYPES)
        except p.ProtocolError as exc:
            await _send_error(ws, exc.code, exc.reason, exc.ref)
            continue
        if not isinstance(parsed, p.Hello):
            await _send_error(ws, "hello_required", "Say hello first.", parsed.type)
            continue
        hello = parsed
    if hello.protocol < p.MIN_PROTOCOL_VERSION:
        await _send_error(ws, "upgrade_required", p.UPGRADE_MESSAGE)
        await ws.close(p.CLOSE_UPGRADE, "Update Acero.")
        return None
    try:
        client_id = str(uuid.UUID(hello.client_id))
    except ValueError:
        await _send_error(ws, "bad_frame", "client_id must be a UUID.", "hello")
        await ws.close(p.CLOSE_POLICY, "Bad hello.")
        return None
    try:
        token, actor, client = await state.store.write(
            lambda s: _authenticate(s, hello.token, client_id)
        )
    except AuthError as exc:
        event("ws.auth_failed", address=address, reason=exc.message)
        await _send_error(ws, "auth", exc.message)
        await ws.close(p.CLOSE_AUTH, "Not authenticated.")
        return None
    except ClientConflict:
        await _send_error(
            ws, "client_conflict", "This client id belongs to another user; reset the cache."
        )
        await ws.close(p.CLOSE_POLICY, "Client id of another user.")
        return None
    viewer = Viewer.of(actor)
    scope = scope_fingerprint(actor)
    conn = Connection(
        viewer=viewer,
        user_id=str(token.user_id),
        username=actor.name,
        client_id=client_id,
        token_hash=token.token_hash,
        expires_at=token.expires_at,
        scope=scope,
    )
    state.hub.register(conn)
    stream = _sync_stream(
        state,
        viewer,
        hello,
        scope_changed=client.scope is not None and client.scope != scope,
    )
    plan = await asyncio.to_thread(next, stream)
    assert isinstance(plan, SyncPlan)
    await state.hub.mark_served(plan.head)
    welcome = p.Welcome(
        user=p.UserInfo(
            id=str(actor.user_id),
            username=client.username,
            name=actor.name,
            role=actor.role.value,
            team_ids=sorted(str(t) for t in actor.team_ids),
        ),
        server_id=state.store.server_id,
        cursor=plan.head,
        last_mutation_id=client.last_mutation_id,
        sync=plan.kind,
        limits=p.Limits(
            max_frame_bytes=limits.max_frame_bytes,
            max_batch=limits.max_batch,
            messages_per_second=limits.messages_per_second,
        ),
    )
    await ws.send_text(p.dump(welcome))
    event(
        "ws.welcome",
        user=client.username,
        client=client_id,
        sync=plan.kind,
        cursor=hello.cursor,
        head=plan.head,
        reason=plan.reason or None,
    )
    started = time.monotonic()
    pages = 0
    while True:
        page = await asyncio.to_thread(next, stream, None)
        if page is None:
            break
        await ws.send_text(page)  # type: ignore[arg-type]
        pages += 1
    conn.cursor = plan.head
    if plan.kind == "snapshot" or client.scope != scope:
        await state.store.write(lambda s: _set_scope(s, client_id, scope))
    if pages:
        event("ws.synced", client=client_id, pages=pages, secs=round(time.monotonic() - started, 3))
    return conn


class _ClientInfo:
    def __init__(self, row: SyncClient, username: str) -> None:
        self.last_mutation_id = row.last_mutation_id
        self.scope = row.scope
        self.username = username


def _authenticate(
    session: Session, token: str, client_id: str
) -> tuple[TokenInfo, Actor, _ClientInfo]:
    info = resolve_token(session, token)
    try:
        actor = load_actor(session, info.user_id)
    except AceroError as exc:
        raise AuthError(exc.message, status=403) from None
    row = lock_client(session, client_id, info.user_id)
    from acero_desktop.models import User

    user = session.get(User, info.user_id)
    return info, actor, _ClientInfo(row, user.username if user else "")


def _set_scope(session: Session, client_id: str, scope: str) -> None:
    row = session.get(SyncClient, client_id)
    if row is not None:
        row.scope = scope


def _sync_stream(
    state: ServerState, viewer: Viewer, hello: p.Hello, *, scope_changed: bool
) -> Iterator[SyncPlan | str]:
    """Plan and pages from ONE read transaction (runs step by step in worker threads)."""
    page_rows = state.config.limits.page_rows
    with state.store.read_session() as session:
        plan = plan_sync(
            session,
            cursor=hello.cursor,
            client_server_id=hello.server_id,
            server_id=state.store.server_id,
            scope_changed=scope_changed,
        )
        yield plan
        if plan.kind == "changes":
            assert hello.cursor is not None
            yield from catch_up_pages(session, viewer, hello.cursor, plan.head, page_rows)
        elif plan.kind == "snapshot":
            yield from snapshot_pages(session, viewer, plan.head, page_rows, state.store.server_id)


async def _serve(ws: WebSocket, state: ServerState, conn: Connection) -> None:
    reader = asyncio.create_task(_reader(ws, state, conn))
    writer = asyncio.create_task(_writer(ws, conn))
    done, pending = await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
    if reader in done and conn.closing and writer in pending:
        # The reader asked for a close (idle, auth): let the writer send it.
        await asyncio.wait({writer}, timeout=5)
        pending = {t for t in pending if not t.done()}
        done = {reader, writer} - pending
    for task in pending:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
    for task in done:
        exc = task.exception()
        if exc is not None and not isinstance(exc, WebSocketDisconnect):
            raise exc


async def _writer(ws: WebSocket, conn: Connection) -> None:
    while True:
        item = await conn.next_item()
        if isinstance(item, Close):
            with contextlib.suppress(Exception):
                await ws.close(item.code, item.reason)
            return
        if item:
            await ws.send_text(item)


async def _reader(ws: WebSocket, state: ServerState, conn: Connection) -> None:
    limits = state.config.limits
    bucket = _Bucket(limits.messages_per_second, limits.burst)
    last_rate_error = 0.0
    while not conn.closing:
        try:
            msg = await asyncio.wait_for(ws.receive(), limits.idle_timeout)
        except TimeoutError:
            conn.close(p.CLOSE_IDLE, f"Nothing received for {int(limits.idle_timeout)} s.")
            return
        if msg["type"] == "websocket.disconnect":
            return
        raw = _frame_text(msg)
        if raw is None:
            continue
        if not bucket.take():
            now = time.monotonic()
            if now - last_rate_error >= 1.0:  # one error a second, not one per frame
                last_rate_error = now
                conn.send(error_text("rate_limited", "Too many messages; slow down."))
            continue
        if len(raw) > limits.max_frame_bytes:
            conn.send(error_text("too_large", f"Frame over {limits.max_frame_bytes} bytes."))
            continue
        try:
            message = p.parse_message(raw, types=p.CLIENT_TYPES)
        except p.ProtocolError as exc:
            conn.send(error_text(exc.code, exc.reason, exc.ref))
            continue
        if isinstance(message, p.Ping):
            head = state.hub.last_fanned
            conn.send(p.dump(p.Pong(nonce=message.nonce, cursor=head)))
            conn.live(head, [])  # moves an idle client's cursor up to the head
        elif isinstance(message, p.Push):
            await _push(state, conn, message)
        else:
            conn.send(
                error_text("unexpected", "This connection has already said hello.", message.type)
            )


async def _push(state: ServerState, conn: Connection, message: p.Push) -> None:
    limits = state.config.limits
    if len(message.mutations) > limits.max_batch:
        conn.send(
            error_text(
                "too_large",
                f"A push may carry at most {limits.max_batch} mutations; send smaller batches.",
                "push",
            )
        )
        return
    if not message.mutations:
        conn.send(p.dump(p.PushResult(results=[])))
        return
    uid = uuid.UUID(conn.user_id)

    def job(session: Session) -> tuple[PushOutcome, Committed | None]:
        outcome = apply_push(
            session,
            client_id=conn.client_id,
            user_id=uid,
            mutations=message.mutations,
            actor=conn.viewer.actor,
        )
        return outcome, outcome.committed

    started = time.perf_counter()
    try:
        outcome: PushOutcome = await state.writer.submit(job)
    except OperationalError as exc:
        event("push.retry", level=logging.WARNING, client=conn.client_id, error=str(exc.orig)[:200])
        first = message.mutations[0].id
        result = p.MutationResult(
            id=first, status="retry", code="unavailable", message="The server is busy; retry."
        )
        conn.send(p.dump(p.PushResult(results=[result])))
        return
    except AceroError as exc:  # the user was disabled meanwhile
        conn.close(p.CLOSE_AUTH, exc.message, error_code="auth")
        return
    head = outcome.committed.to_seq if outcome.committed else 0
    seqs = [r.get("seq") or 0 for r in outcome.results]
    head = max([head, *seqs])
    written = time.perf_counter()
    await state.hub.wait_fanned(head)
    conn.send(_push_result_text(outcome.results))
    if state.hub.last_fanned >= head:
        conn.live(head, [])
    # else the fan-out gave up waiting: moving the cursor to ``head`` now would drop the
    # batch it delivers later (not above the cursor) and hand out a cursor not yet recorded
    # as served; the fan-out (or the next pong) moves it when it gets there.
    event(
        "push",
        user=conn.username,
        client=conn.client_id,
        n=len(message.mutations),
        applied=sum(1 for r in outcome.results if r["status"] == "applied"),
        rejected=sum(1 for r in outcome.results if r["status"] == "rejected"),
        head=head,
        write_ms=round((written - started) * 1000, 1),
        fan_ms=round((time.perf_counter() - written) * 1000, 1),
        level=logging.DEBUG,
    )


def _push_result_text(results: list[dict[str, Any]]) -> str:
    import json

    clean = []
    for r in results:
        r = {k: v for k, v in r.items() if k != "field" or v is not None}
        clean.append(r)
    return json.dumps({"type": "push_result", "v": p.PROTOCOL_VERSION, "results": clean})
