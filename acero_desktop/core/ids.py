"""UUIDv7: time-ordered ids made by the client, so rows sort by creation and never collide."""

from __future__ import annotations

import os
import time
import uuid


def uuid7(unix_ms: int | None = None, rand: bytes | None = None) -> uuid.UUID:
    """A version 7 UUID (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits."""
    ms = time.time_ns() // 1_000_000 if unix_ms is None else unix_ms
    tail = os.urandom(10) if rand is None else rand
    if len(tail) != 10:
        raise ValueError("uuid7 needs 10 random bytes")
    value = (ms & 0xFFFF_FFFF_FFFF) << 80 | int.from_bytes(tail, "big")
    value &= ~(0xF << 76)
    value |= 0x7 << 76  # version
    value &= ~(0x3 << 62)
    value |= 0x2 << 62  # RFC 4122 variant
    return uuid.UUID(int=value)
