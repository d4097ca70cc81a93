"""The client sync engine: connect, catch up, push the outbox, take live changes, reconnect.

It runs as asyncio tasks (on the Qt loop through qasync in the app, plain asyncio in tests).
All SQLite work goes to ONE database worker thread, so the event loop never waits on the disk
and cache writes never contend with each other. The UI learns what changed through callbacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections import deque
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    ConnectionClosedOK,
    InvalidMessage,
    InvalidStatus,
    InvalidURI,
)

from acero_desktop import __version__

from . import protocol as p
from .cache import (
    Acknowledgement,
    ApplyReport,
    CursorGap,
    LocalCache,
    LocalResult,
    Rejection,
    ServerBatch,
    ServerFrame,
    ServerRow,
)
from .status import Phase, SyncStatus

log = logging.getLogger("acero.sync")
T = TypeVar("T")

TokenProvider = Callable[[], str | None]


class SyncStopped(Exception):
    """The engine stopped for a reason a person must act on (login, update)."""


@dataclass
class SyncCallbacks:
    """How the UI hears from the engine. Every callback runs on the event loop thread."""

    status: Callable[[SyncStatus], None] = lambda _s: None
    changed: Callable[[ApplyReport], None] = lambda _r: None
    issue: Callable[[str], None] = lambda _m: None


@dataclass
class SyncOptions:
    max_frame_bytes: int = 16 * 1024 * 1024
    push_batch: int = 100
    ping_interval: float = 20.0
    ping_timeout: float = 20.0
    # Pause after a session ends abnormally; websockets' own backoff covers failed connects.
    retry_delays: tuple[float, ...] = (0.5, 1, 2, 4, 8, 15, 30)
    open_timeout: float = 10.0
    # How long closing waits for the server's answer (a dead link has none).
    close_timeout: float = 3.0
    # Application-level ping: the server closes a socket it has heard nothing from for a while
    # (websocket keepalive frames do not count), and a pong moves an idle client's cursor up.
    app_ping_interval: float = 30.0
    extra: dict[str, Any] = field(default_factory=dict)


def _jittered(delays: tuple[float, ...]) -> Generator[float]:
    for d in delays:
        yield d * (0.5 + random.random())
    while True:
        yield delays[-1] * (0.5 + random.random())


class SyncEngine:
    def __init__(
        self,
        cache: LocalCache,
        url: str,
        token: TokenProvider,
        callbacks: SyncCallbacks | None = None,
        options: SyncOptions | None = None,
    ) -> None:
        self.cache = cache
        self.url = url
        self._token = token
        self.cb = callbacks or SyncCallbacks()
        self.opts = options or SyncOptions()
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="acero-db")
        self._outbox_event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._ws: ClientConnection | None = None
        self._in_flight: set[int] = set()
        # True once this session has reached the server's head (catch-up or snapshot done).
        self._caught_up = False
        self._status = SyncStatus(Phase.OFFLINE)
        self.stop_reason: str | None = None
        self.connected = asyncio.Event()
        self.idle = asyncio.Event()

    # -- public ---------------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.get_running_loop().create_task(self.run(), name="acero-sync")
        return self._task

    async def stop(self) -> None:
        task = self._task
        if task is not None:
            task.cancel()
            # asyncio.wait: neither raises the task's end nor swallows a cancel of stop().
            await asyncio.wait({task})
            if not task.cancelled():
                task.exception()  # retrieved (run() ends by itself only after handling it)
            self._task = None
        self._set_status(Phase.STOPPED)

    def close(self) -> None:
        self._db.shutdown(wait=True)

    async def mutate(self, name: str, args: dict[str, Any]) -> LocalResult:
        """Apply a change locally at once (through the database worker) and wake the pusher."""
        result = await self._on_db(self.cache.mutate, name, args)
        self._outbox_event.set()
        self.cb.changed(_report_of(result))
        await self._refresh_status()
        return result

    @property
    def status(self) -> SyncStatus:
        return self._status

    async def run(self) -> None:
        """Keep a session with the server going until stopped or told to stop for good."""
        delays = _jittered(self.opts.retry_delays)
        connections = connect(
            self.url,
            max_size=self.opts.max_frame_bytes,
            ping_interval=self.opts.ping_interval,
            ping_timeout=self.opts.ping_timeout,
            open_timeout=self.opts.open_timeout,
            close_timeout=self.opts.close_timeout,
            process_exception=self._connect_failed,
            # Failed connects back off like dropped sessions (websockets' own default
            # starts with up to 5 s and grows to 90 s).
            reconnect_delays=lambda: _jittered(self.opts.retry_delays),
        ).__aiter__()
        try:
            async for ws in connections:
                self._ws = ws
                try:
                    await self._session(ws)
                    delays = _jittered(self.opts.retry_delays)
                except ConnectionClosed as exc:
                    log.info("connection closed: %s", exc)
                    if exc.rcvd is not None:
                        self._handle_close(exc.rcvd.code, exc.rcvd.reason)
                except (OSError, TimeoutError) as exc:
                    log.info("connection lost: %s", exc)
                except (SyncStopped, asyncio.CancelledError):
                    raise
                except Exception:
                    # A bad frame, a cache error: never let the engine die silently (the
                    # outbox would stall for good); start a new session after a pause.
                    log.warning("sync session failed; reconnecting", exc_info=True)
                finally:
                    self._ws = None
                    self._in_flight.clear()
                    self._caught_up = False
                    self.connected.clear()
                    self.idle.clear()
                await self._refresh_status(Phase.OFFLINE)
                await asyncio.sleep(next(delays))
                self._set_status(Phase.CONNECTING)
        except SyncStopped as exc:
            self.stop_reason = str(exc)
            log.info("sync stopped: %s", exc)
        except (InvalidURI, InvalidStatus) as exc:
            self.stop_reason = f"Cannot reach the Acero server at {self.url}: {exc}"
            self._set_status(Phase.STOPPED, self.stop_reason)
        finally:
            # Leaving the loop (stopped, cancelled) must close the open socket now: left to
            # the garbage collector, it stays open (and the server keeps a session) meanwhile.
            with contextlib.suppress(Exception):
                await connections.aclose()  # type: ignore[attr-defined]

    # -- one session ----------------------------------------------------------------------

    async def _session(self, ws: ClientConnection) -> None:
        self._set_status(Phase.CONNECTING)
        token = self._token()
        if not token:
            self._stop(Phase.LOGIN_REQUIRED, "Please log in to Acero again.")
        meta = await self._on_db(self.cache.meta)
        hello = p.Hello(
            protocol=p.PROTOCOL_VERSION,
            token=token or "",
            client_id=str(meta.client_id),
            cursor=meta.cursor,
            server_id=meta.server_id,
            app_version=__version__,
        )
        await ws.send(p.dump(hello))
        welcome = await self._expect_welcome(ws)
        await self._on_db(
            lambda: self.cache.set_identity(
                user_id=uuid.UUID(welcome.user.id), server_id=None, server_url=self.url
            )
        )
        processed = await self._on_db(self.cache.processed_through)
        if welcome.last_mutation_id < processed and welcome.sync != "snapshot":
            # The server has forgotten changes it confirmed to us: the same store restored
            # from a backup. Our cursor counts in a history it no longer has; rebuild from a
            # snapshot (the outbox is kept and renumbered below on the next session).
            log.info(
                "server forgot mutations up to %d (it knows %d): rebuilding the cache",
                processed,
                welcome.last_mutation_id,
            )
            await self._on_db(self.cache.forget_cursor)
            await ws.close(1000, "server restored from a backup; resyncing")
            return
        await self._on_db(self.cache.renumber_outbox, welcome.last_mutation_id)
        self.connected.set()
        pusher = asyncio.create_task(self._pusher(ws), name="acero-push")
        pinger = asyncio.create_task(self._pinger(ws), name="acero-ping")
        try:
            await self._receiver(ws, welcome)
        finally:
            for task in (pusher, pinger):
                task.cancel()
            # Wait for both without swallowing a cancellation of *this* task: stop() may
            # land right here (the connection just dropped), and a suppressed
            # CancelledError would let run() reconnect and stop() wait for ever.
            await asyncio.gather(pusher, pinger, return_exceptions=True)

    async def _pinger(self, ws: ClientConnection) -> None:
        """Say something now and then, so the server knows we are here (see SyncOptions)."""
        interval = self.opts.app_ping_interval
        if interval <= 0:
            return
        nonce = 0
        while True:
            await asyncio.sleep(interval)
            if not self._caught_up:  # nothing until the catch-up is stored (see _pusher)
                continue
            nonce += 1
            await ws.send(p.dump(p.Ping(nonce=nonce)))

    async def _expect_welcome(self, ws: ClientConnection) -> p.Welcome:
        while True:
            message = p.parse_message(await ws.recv(), types=p.SERVER_TYPES)
            if isinstance(message, p.Welcome):
                return message
            if isinstance(message, p.Error):
                self._handle_error(message)

    async def _receiver(self, ws: ClientConnection, welcome: p.Welcome) -> None:
        self._caught_up = welcome.sync == "none"
        if self._caught_up:
            # Up to date, or pushing when changes wait in the outbox (not "up to date").
            await self._refresh_status()
            self._outbox_event.set()
        # Snapshot pages being written by the database worker while the next ones arrive.
        staged: deque[asyncio.Future[None]] = deque()
        try:
            await self._receive(ws, staged)
        finally:
            for future in staged:  # the session ended mid-snapshot: the next one starts over
                future.cancel()
                future.add_done_callback(_retrieve)

    async def _receive(self, ws: ClientConnection, staged: deque[asyncio.Future[None]]) -> None:
        done = 0
        staging = False
        loop = asyncio.get_running_loop()
        # A frame read while gathering answers that is not one (handled next, in order).
        held: deque[Any] = deque()
        while True:
            if held:
                message = held.popleft()
            else:
                try:
                    raw = await ws.recv()
                except ConnectionClosedOK:
                    return
                message = _parse(raw)
                if message is None:
                    continue
            if _coalescible(message):
                # Every answer already waiting goes into the same transaction and rebase:
                # while one rebase replays a big outbox, the server's answers to it pile up,
                # and storing them one by one would replay the outbox once for each.
                answers = [message]
                # (Bounded, so a long catch-up does not hold many parsed pages at once; the
                # rest waits in websockets' buffer as before.)
                gathered = _size(message)
                while gathered < _GATHER_ROWS and _buffered(ws):
                    try:
                        following = _parse(await ws.recv())
                    except ConnectionClosed:
                        break  # store what came; the next receive ends the session
                    if following is None:
                        continue
                    if not _coalescible(following):
                        held.append(following)
                        break
                    answers.append(following)
                    gathered += _size(following)
                done = await self._take_answers(ws, answers, done)
            elif isinstance(message, p.PushResult):  # gap or retry among the results
                await self._take_results(message)
            elif isinstance(message, p.SnapshotPage):
                if message.page == 1 or not staging:
                    while staged:
                        await staged.popleft()
                    await self._on_db(self.cache.begin_snapshot)
                    staging = True
                done += len(message.rows)
                self._set_status(Phase.CATCHING_UP, done=done, total=message.total)
                # Written in order by the one database worker while the next page is received
                # and parsed; a few pages at most are held, so memory stays bounded.
                staged.append(
                    loop.run_in_executor(
                        self._db, self.cache.stage_snapshot_page, message.table, message.rows
                    )
                )
                while len(staged) > _STAGED_PAGES:
                    await staged.popleft()
            elif isinstance(message, p.SnapshotDone):
                while staged:
                    await staged.popleft()
                if not staging:  # a snapshot of nothing at all
                    await self._on_db(self.cache.begin_snapshot)
                staging = False
                report = await self._on_db(
                    self.cache.finish_snapshot, message.cursor, message.server_id
                )
                self._caught_up = True
                done = 0
                self.cb.changed(report)
                self._outbox_event.set()
                await self._refresh_status()
            elif isinstance(message, p.Error):
                self._handle_error(message)

    async def _take_answers(self, ws: ClientConnection, answers: list[Any], done: int) -> int:
        """Store ``changes`` batches and push results (applied, duplicate, rejected) in order,
        in one cache transaction with one rebase. Returns the catch-up progress count."""
        frames: list[ServerFrame] = []
        refused: dict[int, str] = {}
        final = answered = False
        for message in answers:
            if isinstance(message, p.Changes):
                if not message.final or self._status.phase is Phase.CATCHING_UP:
                    done += len(message.rows)
                    self._set_status(Phase.CATCHING_UP, done=done, total=message.total)
                rows = [ServerRow(r.seq or 0, r.table, r.id, r.op, r.row) for r in message.rows]
                frames.append(ServerBatch(message.from_, message.to, rows, message.final))
                final = final or message.final
                continue
            answered = True
            for result in message.results:
                self._in_flight.discard(result.id)
                status = result.status
                if status == "duplicate":
                    status = "rejected" if result.original == "rejected" else "applied"
                if status == "rejected":
                    text = result.message or "The server refused this change."
                    refused[result.id] = text
                    frames.append(Rejection(result.id, result.code or "rejected", text))
                else:
                    # No seq: a duplicate whose first outcome the server no longer has:
                    # processed, with its changes already in the log; it leaves once our
                    # cursor is anywhere.
                    seq = result.seq if result.seq is not None else 0
                    frames.append(Acknowledgement(result.id, seq))
        try:
            report = await self._on_db(self.cache.apply_frames, frames)
        except CursorGap as exc:
            # We missed something (or it came twice): start over from our cursor.
            log.info("resyncing: %s", exc)
            await ws.close(1000, "cursor gap; reconnecting")
            return done
        for mutation_id in report.rejected:  # not when a second answer for it comes
            self.cb.issue(refused[mutation_id])
        self.cb.changed(report)
        if report.cursor_gap is not None:
            log.info("resyncing: %s", report.cursor_gap)
            await ws.close(1000, "cursor gap; reconnecting")
            return done
        if final:
            done = 0
            self._caught_up = True
        if final or answered:
            self._outbox_event.set()
            await self._refresh_status()
        return done

    async def _pusher(self, ws: ClientConnection) -> None:
        """Send the outbox in id order, in pushes of ``push_batch``, whenever it has something
        new."""
        while True:
            self._outbox_event.clear()
            if not self._caught_up:
                # Catch up first. Besides the order the protocol asks for, the server reads
                # nothing while it streams a catch-up or snapshot: a frame sent meanwhile
                # stops it from reading our keepalive pongs too, and it drops the socket
                # after ~40 s, so a long snapshot would restart for ever.
                await self._outbox_event.wait()
                continue
            pending = await self._on_db(self.cache.pending)
            to_send = [
                e for e in pending if e.ack_seq is None and e.mutation_id not in self._in_flight
            ]
            if to_send:
                # Everything unsent goes now, a push per batch, without reading the outbox
                # again in between: that read waits behind the database worker, which may be
                # replaying a big outbox, and pushes trickling out one per replay would make
                # the server answer in as many rounds (each costing the client a replay).
                step = self.opts.push_batch
                for start in range(0, len(to_send), step):
                    batch = to_send[start : start + step]
                    self._in_flight.update(e.mutation_id for e in batch)
                    push = p.Push(
                        mutations=[
                            p.Mutation(id=e.mutation_id, name=e.name, args=e.args, ts=e.ts)
                            for e in batch
                        ]
                    )
                    await ws.send(p.dump(push))
                    if batch[-1].mutation_id not in self._in_flight:
                        break  # a gap or retry answer came meanwhile: start again from it
                await self._refresh_status()
                continue
            if self._caught_up and not self._in_flight and not pending:
                self.idle.set()
            await self._outbox_event.wait()
            self.idle.clear()

    async def _take_results(self, message: p.PushResult) -> None:
        for result in message.results:
            self._in_flight.discard(result.id)
            status = result.status
            if status == "duplicate":
                status = "rejected" if result.original == "rejected" else "applied"
            if status == "applied":
                # A duplicate whose first outcome the server no longer has: processed, with
                # its changes already in the log; it leaves once our cursor is anywhere.
                seq = result.seq if result.seq is not None else 0
                report = await self._on_db(self.cache.acknowledge, result.id, seq)
            elif status == "rejected":
                text = result.message or "The server refused this change."
                report = await self._on_db(
                    self.cache.reject, result.id, result.code or "rejected", text
                )
                if report.rejected:  # not when a second answer for it comes
                    self.cb.issue(text)
            else:  # gap or retry: send again from here (after a short pause for retry)
                self._in_flight.clear()
                if status == "gap" and result.expected is not None:
                    # The server expects another id (it lost our record, or rejections left
                    # holes): renumber what it has not processed, else we stall for ever.
                    await self._on_db(self.cache.renumber_outbox, result.expected - 1)
                if status == "retry":
                    await asyncio.sleep(0.5 + random.random())
                self._outbox_event.set()
                continue
            self.cb.changed(report)
        self._outbox_event.set()
        await self._refresh_status()

    # -- errors and status ----------------------------------------------------------------

    def _handle_error(self, message: p.Error) -> None:
        if message.code == "upgrade_required":
            self._stop(Phase.UPDATE_REQUIRED, "This version of Acero is too old; update Acero.")
        if message.code == "auth":
            self._stop(Phase.LOGIN_REQUIRED, "Your session has ended; please log in again.")
        log.info("server error %s: %s", message.code, message.message)

    def _handle_close(self, code: int, reason: str) -> None:
        if code == p.CLOSE_UPGRADE:
            self._stop(Phase.UPDATE_REQUIRED, "This version of Acero is too old; update Acero.")
        if code == p.CLOSE_AUTH:
            self._stop(Phase.LOGIN_REQUIRED, reason or "Please log in to Acero again.")

    def _stop(self, phase: Phase, message: str) -> None:
        self._set_status(phase, message)
        raise SyncStopped(message)

    def _set_status(self, phase: Phase, message: str = "", **kw: Any) -> None:
        pending = kw.pop("pending", self._status.pending)
        self._status = SyncStatus(
            phase,
            pending=pending,
            last_synced_at=kw.pop("last_synced_at", self._status.last_synced_at),
            message=message,
            **kw,
        )
        self.cb.status(self._status)

    async def _refresh_status(self, phase: Phase | None = None) -> None:
        pending, last_synced_at = await self._on_db(self.cache.status_counts)
        if phase is None:
            phase = Phase.PUSHING if pending else Phase.UP_TO_DATE
            if self._ws is None:
                phase = Phase.OFFLINE
        self._set_status(phase, pending=pending, last_synced_at=last_synced_at)

    def _connect_failed(self, exc: Exception) -> Exception | None:
        """A failed connect: say "offline" while websockets waits to try again.

        websockets retries failed connects inside its iterator without returning to our loop,
        so without this the status stayed "connecting" for a whole outage.
        """
        fatal = _retryable(exc)
        if fatal is None and self._status.phase is Phase.CONNECTING:
            self._set_status(Phase.OFFLINE)
        return fatal

    async def _on_db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db, lambda: fn(*args, **kwargs))


_STAGED_PAGES = 3


def _parse(raw: str | bytes) -> Any:
    try:
        return p.parse_message(raw, types=p.SERVER_TYPES)
    except p.ProtocolError as exc:
        log.warning("ignoring a bad frame from the server: %s", exc.reason)
        return None


def _coalescible(message: Any) -> bool:
    """A frame the cache stores with others in one transaction: a ``changes`` batch, or push
    results that all settle their mutations (a gap or retry is handled on its own)."""
    if isinstance(message, p.Changes):
        return True
    return isinstance(message, p.PushResult) and all(
        r.status in ("applied", "duplicate", "rejected") for r in message.results
    )


# How many rows and results one store of gathered answers takes at most (ten catch-up pages).
_GATHER_ROWS = 20_000


def _size(message: Any) -> int:
    return len(message.rows) if isinstance(message, p.Changes) else len(message.results)


def _buffered(ws: ClientConnection) -> bool:
    """Whether a frame has already arrived (so receiving it does not wait for the network).

    Reads websockets' receive buffer; should that ever move, answers are stored one by one."""
    assembler = getattr(ws, "recv_messages", None)
    frames = getattr(assembler, "frames", None)
    try:
        return frames is not None and len(frames) > 0
    except TypeError:
        return False


def _retrieve(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()


def _retryable(exc: Exception) -> Exception | None:
    """Retry network trouble and server errors; anything else is fatal."""
    if isinstance(exc, OSError | TimeoutError | asyncio.TimeoutError):
        return None
    if isinstance(exc, InvalidStatus) and exc.response.status_code >= 500:
        return None
    if isinstance(exc, InvalidMessage):
        return None
    return exc


def _report_of(result: LocalResult) -> ApplyReport:
    report = ApplyReport()
    for change in result.changes:
        report.touch(change.table, change.id)
    return report
