"""Times as people read them in a list: "5m ago", "3h ago", "Mon 14:05", "12 Mar 2025"."""

from __future__ import annotations

from datetime import datetime, timedelta


def ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return ""
    delta = now - when
    if delta < timedelta(minutes=1):
        return "just now"
    if delta < timedelta(hours=1):
        return f"{int(delta.total_seconds() // 60)}m ago"
    if delta < timedelta(days=1):
        return f"{int(delta.total_seconds() // 3600)}h ago"
    local = when.astimezone()
    if delta < timedelta(days=7):
        return local.strftime("%a %H:%M")
    if local.year == now.astimezone().year:
        return local.strftime("%d %b")
    return local.strftime("%d %b %Y")


def stamp(when: datetime | None) -> str:
    """A full local date and time for tooltips and the timeline."""
    if when is None:
        return ""
    return when.astimezone().strftime("%a %d %b %Y, %H:%M")
