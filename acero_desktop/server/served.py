"""The highest cursor this server ever handed out, kept outside the store to notice a restore.

A store restored from a backup keeps its ``server_id`` and goes back in history: sequence
numbers it hands out next were already given to different changes before the restore. A client
that had read those lost changes would catch up from a cursor in a history the server no longer
has and keep rows that no longer exist. Nothing inside the store can tell (the backup holds the
same rows), so the server writes, before any cursor leaves it, the highest one served to a small
file in its data directory. At start, a store whose head is below that mark for the same
``server_id`` was restored: it takes a new ``server_id``, so every client rebuilds from a
snapshot and replays its pending changes.

The file maps server ids to marks, so several stores may share one data directory. It is
written without fsync (a power cut may lose the last write: the check then misses a restore
only if one also happens before the next change is served); ``acero-server new-id`` covers
restores this file cannot see (a store moved to another machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

try:  # several server processes may share a data directory
    import fcntl
except ImportError:  # pragma: no cover - Windows: one process per data directory
    fcntl = None  # type: ignore[assignment]

FILE_NAME = "served-heads.json"
_KEEP = 32  # server ids remembered (the most recently served first)


class ServedMark:
    def __init__(self, data_dir: Path, server_id: str) -> None:
        self.path = data_dir / FILE_NAME
        self.server_id = server_id
        self.head = self.read().get(server_id, 0)
        self._lock = asyncio.Lock()

    def read(self) -> dict[str, int]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): int(v) for k, v in data.items() if isinstance(v, int)}

    def restored(self, store_head: int) -> bool:
        """The store is behind what this server already handed out: it came from a backup."""
        return store_head < self.head

    def reset(self, server_id: str, head: int) -> None:
        """Start over for a (new) server id at ``head``."""
        self.server_id = server_id
        self.head = 0
        self._write(head)

    async def ensure(self, seq: int) -> None:
        """Record ``seq`` as served before it is sent; cheap when already recorded."""
        if seq <= self.head:
            return
        async with self._lock:
            if seq > self.head:
                await asyncio.to_thread(self._write, seq)

    def _write(self, seq: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._locked():
            marks = self.read()
            marks[self.server_id] = max(seq, marks.get(self.server_id, 0))
            ordered = [(self.server_id, marks.pop(self.server_id)), *marks.items()][:_KEEP]
            tmp = self.path.with_name(f"{FILE_NAME}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(dict(ordered)), encoding="utf-8")
            os.replace(tmp, self.path)
        self.head = max(self.head, seq)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        if fcntl is None:
            yield
            return
        with open(self.path.with_name(f"{FILE_NAME}.lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
