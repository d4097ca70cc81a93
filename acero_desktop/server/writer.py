"""Group commit: the mutation writes of concurrent pushes and REST calls share a transaction.

Every write job (one push, one REST mutation) is queued; one writer task takes everything
queued, runs the jobs in order in ONE worker-thread hop and ONE transaction (each job in its
own SAVEPOINT, so one failing job leaves the others intact), commits once, hands each job's
committed changes to the hub in order, and only then answers each caller.

Why: a push costs a thread hop, a commit and several event-loop wake-ups; on a busy two-core
machine each wake-up can wait tens of milliseconds for a CPU, and with a plain lock around
every push those waits serialise all clients. Batching amortises them over every job that
arrived meanwhile; a lone client still gets its answer after one round. Sequence numbers stay
in commit order: jobs of a batch take them in order inside the one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from acero_desktop.core.mutations.base import keep_rows_alive

from .db import Store
from .hub import Hub
from .push import Committed, deferred_log

T = TypeVar("T")
# Most jobs in one transaction (bounds the latency of the first job of a large batch).
MAX_JOBS = 64

WriteFn = Callable[[Session], tuple[Any, Committed | None]]


@dataclass
class _Job:
    fn: WriteFn
    future: asyncio.Future[Any]


class WriteQueue:
    def __init__(self, store: Store, hub: Hub) -> None:
        self.store = store
        self.hub = hub
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.jobs = 0
        self._busy = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="acero-writer")

    async def stop(self) -> None:
        """Finish what is queued and the batch in flight, then stop."""
        while not self._queue.empty() or self._busy:
            await asyncio.sleep(0.01)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def submit(self, fn: WriteFn) -> Any:
        """Run ``fn(session)`` in the next batch; returns its value (first item of its tuple)."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Job(fn, future))
        return await future

    async def _run(self) -> None:
        while True:
            jobs = [await self._queue.get()]
            while len(jobs) < MAX_JOBS and not self._queue.empty():
                jobs.append(self._queue.get_nowait())
            self._busy = True
            try:
                await self._run_jobs(jobs)
            finally:
                self._busy = False

    async def _run_jobs(self, jobs: list[_Job]) -> None:
        try:
            async with self.store.write_lock:
                outcomes = await asyncio.to_thread(self._batch, jobs)
                for ok, value in outcomes:
                    if ok:
                        self.hub.submit(value[1])
        except Exception as exc:  # the commit itself failed: every job failed
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(exc)
            return
        self.batches += 1
        self.jobs += len(jobs)
        for job, (ok, value) in zip(jobs, outcomes, strict=True):
            if job.future.done():
                continue
            if ok:
                job.future.set_result(value[0])
            else:
                job.future.set_exception(value)

    def _batch(self, jobs: list[_Job]) -> list[tuple[bool, Any]]:
        outcomes: list[tuple[bool, Any]] = []
        # On SQLite, rows read by one job stay in the identity map for the next (pushes of one
        # batch usually touch the same few tickets): no re-read of a ticket per comment. Safe
        # there because the batch holds the only write lock; with several PostgreSQL writers a
        # job must still read what another process committed meanwhile, so not there. The
        # jobs' changes are numbered and logged together at the end (one counter update, one
        # insert per table), in job order, so sequence numbers still follow the jobs' order.
        with (
            self.store.write_session() as session,
            keep_rows_alive(session) if self.store.is_sqlite else contextlib.nullcontext(),
            deferred_log(session) as log,
        ):
            for job in jobs:
                log.begin_job()
                savepoint = session.begin_nested()
                try:
                    value = job.fn(session)
                except Exception as exc:
                    savepoint.rollback()
                    log.rollback_job()  # its log entries name rows that were rolled back
                    if not _expected(exc):
                        logging.getLogger("acero.server").exception("write job failed")
                    outcomes.append((False, exc))
                    continue
                savepoint.commit()
                outcomes.append((True, value))
        return outcomes


def _expected(exc: Exception) -> bool:
    from acero_desktop.core.errors import AceroError

    from .push import ClientConflict, MutationFailed

    return isinstance(exc, AceroError | ClientConflict | MutationFailed)
