"""Unsent comments per ticket, kept in the settings file so closing the window loses nothing."""

from __future__ import annotations

from dataclasses import dataclass

from ..settings import settings

_GROUP = "drafts"


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    internal: bool = False
    parent_id: str | None = None


class DraftStore:
    def load(self, ticket_id: str) -> Draft | None:
        s = settings()
        key = f"{_GROUP}/{ticket_id}"
        text = s.value(f"{key}/text")
        if not isinstance(text, str) or not text:
            return None
        internal = str(s.value(f"{key}/internal", "false")).lower() == "true"
        parent = s.value(f"{key}/parent")
        return Draft(text, internal, parent if isinstance(parent, str) and parent else None)

    def save(self, ticket_id: str, draft: Draft) -> None:
        if not draft.text.strip():
            self.clear(ticket_id)
            return
        s = settings()
        key = f"{_GROUP}/{ticket_id}"
        s.setValue(f"{key}/text", draft.text)
        s.setValue(f"{key}/internal", "true" if draft.internal else "false")
        s.setValue(f"{key}/parent", draft.parent_id or "")
        s.sync()

    def clear(self, ticket_id: str) -> None:
        s = settings()
        s.remove(f"{_GROUP}/{ticket_id}")
        s.sync()
