"""Files chosen for a ticket made offline wait here until the server knows the ticket.

The upload endpoint needs the ticket on the server, so a file attached in the new-ticket form
is sent once the ticket has its number (sync confirmed it). Until then it waits in memory;
the form says so.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from sqlalchemy import select

from acero_desktop.models import Ticket
from acero_desktop.sync.cache import ApplyReport

from .detail.files import FileClient, FileError
from .session import ClientSession
from .tasks import spawn

log = logging.getLogger("acero.ui.uploads")


@dataclass(frozen=True, slots=True)
class QueuedFile:
    ticket_id: uuid.UUID
    path: Path


class UploadQueue(QObject):
    message = Signal(str)

    def __init__(self, session: ClientSession, files: FileClient) -> None:
        super().__init__()
        self.session = session
        self.files = files
        self.waiting: list[QueuedFile] = []
        self._busy: set[QueuedFile] = set()
        session.data_changed.connect(self._on_changed)

    def add(self, ticket_id: uuid.UUID, paths: list[Path]) -> None:
        self.waiting.extend(QueuedFile(ticket_id, p) for p in paths)
        self.try_send()

    def _on_changed(self, _report: ApplyReport) -> None:
        if self.waiting:
            self.try_send()

    def try_send(self) -> None:
        ready = [q for q in self.waiting if q not in self._busy and self._confirmed(q.ticket_id)]
        for item in ready:
            self._busy.add(item)
            spawn(self._send(item), name=f"upload {item.path.name}")

    def _confirmed(self, ticket_id: uuid.UUID) -> bool:
        with self.session.read() as s:
            number = s.scalar(select(Ticket.number).where(Ticket.id == ticket_id))
        return number is not None

    async def _send(self, item: QueuedFile) -> None:
        try:
            await self.files.upload(item.ticket_id, item.path)
        except FileError as exc:
            self.message.emit(str(exc))
            log.info("upload failed: %s", exc)
        else:
            self.message.emit(f"{item.path.name} attached.")
        finally:
            self._busy.discard(item)
            if item in self.waiting:
                self.waiting.remove(item)
