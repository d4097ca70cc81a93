"""Rows as REST JSON: the same encoding as the sync wire (``core.rowcodec``)."""

from __future__ import annotations

from typing import Any

from acero_desktop.core.rowcodec import encode_row
from acero_desktop.models import Base, User


def row_json(obj: Base) -> dict[str, Any]:
    return encode_row(obj)


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "username": user.username,
        "name": user.name,
        "email": user.email,
        "role": user.role.value,
        "availability": user.availability.value,
        "active": user.active,
    }
