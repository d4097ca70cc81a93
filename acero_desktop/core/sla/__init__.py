"""The SLA clock: business calendars and SLA state, pure Python (no ORM, Qt or network).

The ORM adapter builds a :class:`BusinessCalendar` from a policy's rows and calls these functions;
equal calendars share their memoised UTC projection, so rebuilding one per request is cheap.
"""

from __future__ import annotations

from .calendar import (
    BusinessCalendar,
    add_business_time,
    business_time_between,
    next_working_instant,
)
from .clock import (
    SlaMeasure,
    SlaState,
    SlaTarget,
    due_at,
    format_time_left,
    measure,
    pause_increment,
)

__all__ = [
    "BusinessCalendar",
    "SlaMeasure",
    "SlaState",
    "SlaTarget",
    "add_business_time",
    "business_time_between",
    "due_at",
    "format_time_left",
    "measure",
    "next_working_instant",
    "pause_increment",
]
