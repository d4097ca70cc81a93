"""Helpers of the GUI tests: run coroutines on the qasync loop, wait for things to settle."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

from pytestqt.qtbot import QtBot

from acero_desktop.ui.tasks import spawn

T = TypeVar("T")


def run(qtbot: QtBot, coro: Coroutine[Any, Any, T], timeout: float = 20.0) -> T:
    """Run a coroutine on the qasync loop, driving Qt until it is done."""
    task = spawn(coro)
    qtbot.waitUntil(task.done, timeout=int(timeout * 1000))
    return task.result()


def settle(qtbot: QtBot, ms: int = 50) -> None:
    """Let queued callbacks (mutations, refresh timers) run."""
    qtbot.wait(ms)
