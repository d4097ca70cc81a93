"""SLA clocks: when a ticket is due, how much of its target is used, and how to say so.

The clock runs in business time only and stops while a ticket is ``waiting`` (on the requester
or a third party): the time spent waiting is business time too, accumulated in ``paused`` with
:func:`pause_increment` and added to the target, so the due date moves out by exactly as much.
Everything here is a pure function of its arguments; the caller persists ``paused``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .calendar import BusinessCalendar, _as_utc, add_business_time, business_time_between

__all__ = [
    "SlaMeasure",
    "SlaState",
    "SlaTarget",
    "due_at",
    "format_time_left",
    "measure",
    "pause_increment",
]

_ZERO = timedelta(0)
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class SlaTarget:
    """The promises of an SLA policy, in business time; None means no promise of that kind."""

    first_response: timedelta | None
    resolution: timedelta | None

    def __post_init__(self) -> None:
        for name in ("first_response", "resolution"):
            value = getattr(self, name)
            if value is not None and value <= _ZERO:
                raise ValueError(f"{name} target must be positive, got {value}")


class SlaState(StrEnum):
    """What a ticket's SLA clock shows; the values are stable for storage and the wire."""

    OK = "ok"
    AT_RISK = "at_risk"  # amber: the configured share of the target is used
    BREACHED = "breached"  # red: due date passed (or done after it)
    PAUSED = "paused"  # waiting on someone else: the clock is stopped
    MET = "met"  # done before the due date
    NONE = "none"  # no target of this kind


@dataclass(frozen=True, slots=True)
class SlaMeasure:
    """One reading of an SLA clock.

    ``time_left`` is business time (negative = business time overdue); ``used_share`` is
    business time used over the target, pauses excluded. ``due_at`` and ``time_left`` are None
    only when the state is ``none``.
    """

    state: SlaState
    due_at: datetime | None
    time_left: timedelta | None
    used_share: float


def due_at(
    cal: BusinessCalendar, started_at: datetime, target: timedelta, paused: timedelta
) -> datetime:
    """The due instant: pauses push it out by the business time they lasted."""
    return add_business_time(cal, started_at, target + paused)


def measure(
    cal: BusinessCalendar,
    *,
    started_at: datetime,
    target: timedelta | None,
    paused: timedelta,
    paused_since: datetime | None,
    done_at: datetime | None,
    now: datetime,
    at_risk_share: float = 0.75,
) -> SlaMeasure:
    """Read the clock at ``now``.

    ``paused`` is the business time of finished pauses; ``paused_since`` the start of the current
    one, if any (the clock reads as frozen there: that pause is not counted as used). A set
    ``done_at`` wins over everything: met when done by the due date, breached otherwise, with the
    time left as it stood when done. Otherwise the clock is paused, breached once ``now`` is past
    the due date, at risk once ``at_risk_share`` of the target is used, else ok.
    """
    if not 0 < at_risk_share <= 1:
        raise ValueError(f"at_risk_share must be in (0, 1], got {at_risk_share}")
    if paused < _ZERO:
        raise ValueError(f"paused must not be negative, got {paused}")
    now = _as_utc(now, "now")
    if target is None:
        return SlaMeasure(SlaState.NONE, None, None, 0.0)
    if target <= _ZERO:
        raise ValueError(f"target must be positive, got {target}")
    due = due_at(cal, started_at, target, paused)
    if done_at is not None:
        reading_at = _as_utc(done_at, "done_at")
    elif paused_since is not None:
        reading_at = _as_utc(paused_since, "paused_since")
    else:
        reading_at = now
    # time_left == business_time_between(reading_at, due), signed, since the due date is
    # exactly target + paused of business time after started_at.
    used = business_time_between(cal, started_at, reading_at) - paused
    time_left = target - used
    used_share = used / target
    if done_at is not None:
        state = SlaState.MET if reading_at <= due else SlaState.BREACHED
    elif paused_since is not None:
        state = SlaState.PAUSED
    elif now > due:
        state = SlaState.BREACHED
    elif used_share >= at_risk_share:
        state = SlaState.AT_RISK
    else:
        state = SlaState.OK
    return SlaMeasure(state, due, time_left, used_share)


def pause_increment(
    cal: BusinessCalendar, paused_since: datetime, resumed_at: datetime
) -> timedelta:
    """What to add to ``paused`` when a ticket leaves ``waiting``: only business time counts."""
    return business_time_between(cal, paused_since, resumed_at)


def format_time_left(time_left: timedelta) -> str:
    """Say it for people: "2h 15m left", "19h 30m left", "overdue by 45m".

    Hours are business hours, so there are no days: "3d" would read as 72 hours of clock time.
    Time left rounds down and overdue time rounds up, so the clock never flatters.
    """
    if time_left >= _ZERO:
        minutes = time_left // _MINUTE
        if minutes == 0 and time_left > _ZERO:
            return "<1m left"
        return f"{_hours_minutes(minutes)} left"
    return f"overdue by {_hours_minutes(-(time_left // _MINUTE))}"


def _hours_minutes(minutes: int) -> str:
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours}h {minutes}m"
    if hours:
        return f"{hours}h"
    return f"{minutes}m"
