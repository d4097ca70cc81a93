"""What the sync engine tells the UI about itself, as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Phase(StrEnum):
    OFFLINE = "offline"
    CONNECTING = "connecting"
    CATCHING_UP = "catching_up"
    PUSHING = "pushing"
    UP_TO_DATE = "up_to_date"
    LOGIN_REQUIRED = "login_required"
    UPDATE_REQUIRED = "update_required"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class SyncStatus:
    phase: Phase
    pending: int = 0
    done: int = 0  # catching up: rows stored so far
    total: int = 0  # catching up: rows in the whole catch-up
    last_synced_at: datetime | None = None
    message: str = ""

    def describe(self) -> str:
        """The status bar's words."""
        if self.phase is Phase.CATCHING_UP:
            text = f"Catching up {self.done:,} of {self.total:,}"
        elif self.phase is Phase.PUSHING:
            text = f"Sending {self.pending} change{'s' if self.pending != 1 else ''}"
        elif self.phase is Phase.UP_TO_DATE:
            text = "Up to date"
        elif self.phase is Phase.OFFLINE:
            text = "Offline"
            if self.pending:
                text += f" · {self.pending} change{'s' if self.pending != 1 else ''} waiting"
        else:
            text = self.message or self.phase.value.replace("_", " ").capitalize()
        return text
