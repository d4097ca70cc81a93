"""Business time for the demo generator: an hourly table instead of a calendar walk per ticket.

Seeding 100k tickets needs a few hundred thousand "add N business minutes" and "business time
between" answers. ``core.sla`` answers them exactly for any calendar (about 15 µs each); the demo
calendar's intervals start and end on whole hours, so one pass over the seeded period records for
every UTC hour whether it is working time, and each answer becomes a bisection (about 1 µs). For
whole-hour calendars the results are identical to ``core.sla`` — a test checks that.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

HOUR = 3600


class HourlyBusinessClock:
    """Working time over ``[start, end)`` (Unix seconds, UTC), resolved to whole UTC hours.

    ``working_hours`` maps a weekday (0 = Monday) to ``(start, end)`` local times that fall on
    whole hours; ``holidays`` are local dates.
    """

    def __init__(
        self,
        timezone: str,
        working_hours: dict[int, tuple[tuple[time, time], ...]],
        holidays: frozenset[date],
        start: int,
        end: int,
    ) -> None:
        for intervals in working_hours.values():
            for a, b in intervals:
                if a.minute or a.second or b.minute or b.second:
                    raise ValueError("the hourly clock needs intervals on whole hours")
        zone = ZoneInfo(timezone)
        self._base = start - start % HOUR
        hours = (end - self._base) // HOUR + 1
        # _cum[i]: working seconds in [base, base + i hours).
        self._cum = [0] * (hours + 1)
        self._working = [False] * hours
        total = 0
        for i in range(hours):
            local = datetime.fromtimestamp(self._base + i * HOUR, UTC).astimezone(zone)
            day = local.date()
            if day not in holidays:
                clock = local.time().replace(tzinfo=None)
                for a, b in working_hours.get(local.weekday(), ()):
                    if a <= clock < b or (b == time(0) and a <= clock):
                        self._working[i] = True
                        break
            if self._working[i]:
                total += HOUR
            self._cum[i + 1] = total
        self._end = self._base + hours * HOUR

    def _position(self, t: int) -> int:
        """Working seconds from the table's start up to ``t``."""
        if not self._base <= t < self._end:
            raise ValueError("instant outside the business clock's table")
        i, within = divmod(t - self._base, HOUR)
        return self._cum[i] + (within if self._working[i] else 0)

    def add(self, start: int, seconds: int) -> int:
        """The instant ``seconds`` of working time after ``start`` (an interval's end, not the
        next start, when it runs out exactly at a boundary — as ``core.sla`` does)."""
        if seconds <= 0:
            raise ValueError("add a positive amount of working time")
        target = self._position(start) + seconds
        k = bisect_left(self._cum, target)
        if k >= len(self._cum):
            raise ValueError("due time beyond the business clock's table")
        return self._base + (k - 1) * HOUR + (target - self._cum[k - 1])

    def between(self, a: int, b: int) -> int:
        """Working seconds in ``[a, b)``; zero when ``b <= a``."""
        if b <= a:
            return 0
        return self._position(b) - self._position(a)
