"""Starting asyncio work from slots: keep a reference, and never lose an exception.

A bare ``asyncio.ensure_future`` whose task nobody awaits can be garbage-collected mid-flight
and swallows its exception until then; :func:`spawn` keeps the task alive and hands an
unexpected exception to the loop's exception handler (the crash reporter in the app).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from shiboken6 import isValid

T = TypeVar("T")

_running: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, T], *, name: str | None = None) -> asyncio.Task[T]:
    task = asyncio.ensure_future(coro)
    if name:
        task.set_name(name)
    _running.add(task)
    task.add_done_callback(_finished)
    return task


def _finished(task: asyncio.Task[Any]) -> None:
    _running.discard(task)
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        task.get_loop().call_exception_handler(
            {"message": f"Unexpected error in {task.get_name()}", "exception": exc, "task": task}
        )


def running() -> frozenset[asyncio.Task[Any]]:
    """Tasks still in flight (tests wait for them; shutdown cancels them)."""
    return frozenset(_running)


def alive(*objects: object) -> bool:
    """Whether the Qt objects still exist: a task may finish after its window was closed."""
    return all(isValid(o) for o in objects)
