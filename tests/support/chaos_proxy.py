"""An asyncio TCP proxy that misbehaves on purpose, between a sync client and the server.

It forwards bytes both ways and, as told (every knob may change while it runs):

- ``delay`` / ``jitter``: hold each chunk that long before forwarding it (order is kept);
- ``fragment``: forward in pieces of at most that many bytes (frames arrive in bits);
- ``stall()`` / ``resume()``: stop forwarding in one or both directions while keeping the
  connections open (a half-open link: nothing arrives, nothing closes);
- ``cut_probability``: for each chunk, with that probability forward only a random part of it
  and then reset both connections (a cut in the middle of a websocket frame);
- ``cut_all()``: reset every open connection now, mid-frame if a frame is under way;
- ``refuse``: accept new connections and reset them at once (the server "goes away");
- ``on_chunk``: a hook ``(direction, data) -> None`` called for each chunk before it is
  forwarded, e.g. to stall the answer once a ``push`` went up.

Directions are ``"up"`` (client to server) and ``"down"`` (server to client).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field

UP = "up"
DOWN = "down"


@dataclass(eq=False)
class _Link:
    client: asyncio.StreamWriter
    server: asyncio.StreamWriter
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    closed: bool = False

    def abort(self) -> None:
        if self.closed:
            return
        self.closed = True
        for writer in (self.client, self.server):
            with contextlib.suppress(Exception):
                writer.transport.abort()


@dataclass
class ProxyStats:
    connections: int = 0
    refused: int = 0
    cuts: int = 0
    bytes_up: int = 0
    bytes_down: int = 0


class ChaosProxy:
    def __init__(
        self,
        target_port: int,
        *,
        target_host: str = "127.0.0.1",
        seed: int | None = None,
    ) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.rng = random.Random(seed)
        self.port = 0
        self.delay = 0.0
        self.jitter = 0.0
        self.fragment: int | None = None
        self.cut_probability = 0.0
        self.refuse = False
        self.on_chunk: Callable[[str, bytes], None] | None = None
        self.stats = ProxyStats()
        # Exceptions raised by ``on_chunk``; close() raises the first one.
        self.errors: list[Exception] = []
        self._open = {UP: asyncio.Event(), DOWN: asyncio.Event()}
        for ev in self._open.values():
            ev.set()
        self._links: set[_Link] = set()
        self._server: asyncio.base_events.Server | None = None

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    async def start(self) -> ChaosProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        await self.cut_all(count=False)
        if self.errors:
            raise RuntimeError(f"the on_chunk hook failed: {self.errors[0]!r}") from self.errors[0]

    async def __aenter__(self) -> ChaosProxy:
        return await self.start()

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    # -- knobs ----------------------------------------------------------------------------

    def stall(self, direction: str | None = None) -> None:
        for d in (UP, DOWN) if direction is None else (direction,):
            self._open[d].clear()

    def resume(self, direction: str | None = None) -> None:
        for d in (UP, DOWN) if direction is None else (direction,):
            self._open[d].set()

    def calm(self) -> None:
        """Back to a well-behaved proxy (open connections stay)."""
        self.delay = self.jitter = self.cut_probability = 0.0
        self.fragment = None
        self.refuse = False
        self.on_chunk = None
        self.resume()

    async def cut_all(self, *, count: bool = True) -> int:
        links = list(self._links)
        for link in links:
            link.abort()
        if count:
            self.stats.cuts += len(links)
        for link in links:
            for task in link.tasks:
                task.cancel()
        for link in links:
            for task in link.tasks:
                with contextlib.suppress(BaseException):
                    await task
        return len(links)

    @property
    def open_connections(self) -> int:
        return len(self._links)

    # -- forwarding -----------------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refuse:
            self.stats.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            self.stats.refused += 1
            writer.transport.abort()
            return
        self.stats.connections += 1
        link = _Link(writer, up_writer)
        self._links.add(link)
        link.tasks = [
            asyncio.create_task(self._pipe(link, reader, up_writer, UP)),
            asyncio.create_task(self._pipe(link, up_reader, writer, DOWN)),
        ]
        try:
            await asyncio.gather(*link.tasks, return_exceptions=True)
        finally:
            link.abort()
            self._links.discard(link)

    async def _pipe(
        self,
        link: _Link,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        direction: str,
    ) -> None:
        try:
            while not link.closed:
                data = await reader.read(65536)
                if not data:
                    # An orderly close on one side closes the other (after what is queued).
                    await self._open[direction].wait()
                    with contextlib.suppress(Exception):
                        writer.write_eof()
                        await writer.drain()
                    break
                if self.on_chunk is not None:
                    try:
                        self.on_chunk(direction, data)
                    except Exception as exc:  # a broken hook must not look like a dead link
                        self.errors.append(exc)
                        link.abort()
                        return
                await self._open[direction].wait()
                if self.delay or self.jitter:
                    await asyncio.sleep(self.delay + self.rng.random() * self.jitter)
                    await self._open[direction].wait()
                if self.cut_probability and self.rng.random() < self.cut_probability:
                    cut_at = self.rng.randrange(0, len(data)) if len(data) > 1 else 0
                    if cut_at:
                        writer.write(data[:cut_at])
                        with contextlib.suppress(Exception):
                            await writer.drain()
                    self.stats.cuts += 1
                    link.abort()
                    return
                await self._forward(writer, data, direction)
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        finally:
            if direction == DOWN or link.closed:
                link.abort()

    async def _forward(self, writer: asyncio.StreamWriter, data: bytes, direction: str) -> None:
        if direction == UP:
            self.stats.bytes_up += len(data)
        else:
            self.stats.bytes_down += len(data)
        step = self.fragment or len(data)
        for i in range(0, len(data), step):
            writer.write(data[i : i + step])
            await writer.drain()
            if self.fragment:
                await asyncio.sleep(0)
