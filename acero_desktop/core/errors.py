"""Errors a user may see. Each carries a stable code for machines and a sentence for people."""

from __future__ import annotations


class AceroError(Exception):
    """A refused operation; ``message`` is written for the person who asked for it."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class ValidationFailed(AceroError):
    code = "invalid"


class NotFound(AceroError):
    code = "not_found"


class PermissionDenied(AceroError):
    code = "forbidden"


class InvalidTransition(AceroError):
    code = "invalid_transition"


class Conflict(AceroError):
    """The value an edit was based on changed meanwhile (title and description)."""

    code = "conflict"


class UnknownMutation(AceroError):
    code = "unknown_mutation"


class EntityDeleted(AceroError):
    """The row was deleted meanwhile; deletes win, so an edit must not bring it back."""

    code = "entity_deleted"
