"""Call a function at most once per ``delay_ms``, always with the latest arguments.

The first call goes through at once (typing feels instant); calls inside the window are
collapsed into one that runs when it ends (qutebrowser's ``misc/throttle.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer


class Throttle(QObject):
    def __init__(
        self, func: Callable[..., Any], delay_ms: int, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._func = func
        self._delay_ms = delay_ms
        self._pending: tuple[tuple[Any, ...], dict[str, Any]] | None = None
        self._last_run = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fire)

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        since = (time.monotonic() - self._last_run) * 1000
        if not self._timer.isActive() and since >= self._delay_ms:
            self._run(args, kwargs)
            return
        self._pending = (args, kwargs)
        if not self._timer.isActive():
            self._timer.start(max(0, int(self._delay_ms - since)))

    def flush(self) -> None:
        """Run the pending call now (Enter in the search bar)."""
        if self._pending is not None:
            self._timer.stop()
            self._fire()

    def cancel(self) -> None:
        self._timer.stop()
        self._pending = None

    def _fire(self) -> None:
        if self._pending is None:
            return
        args, kwargs = self._pending
        self._pending = None
        self._run(args, kwargs)

    def _run(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self._last_run = time.monotonic()
        self._func(*args, **kwargs)
