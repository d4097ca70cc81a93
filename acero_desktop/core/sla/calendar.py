"""Business calendars: when a team works, and how much working time lies between two instants.

SLA targets are promises in *working* time ("8 business hours"), so due dates must skip nights,
weekends and holidays in the team's own time zone. Working hours are wall-clock rules ("09:00 to
17:00, Monday to Friday") but what elapses is real time, so every local interval is projected onto
UTC through zoneinfo; DST changes then shorten or lengthen an interval exactly as they do in life.

All functions take timezone-aware datetimes (a naive one is a bug upstream: ValueError) and
return UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "BusinessCalendar",
    "add_business_time",
    "business_time_between",
    "next_working_instant",
]

Interval = tuple[time, time]
"""A working interval in local wall-clock time; an end of 00:00 means midnight at day's end."""

DayHours = tuple[Interval, ...]

_Span = tuple[datetime, datetime]  # [start, end) in UTC
_DayPlan = tuple[tuple[_Span, ...], timedelta]  # a local date's spans and their total

_ZERO = timedelta(0)
_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)
_SECOND = timedelta(seconds=1)
_MICROSECOND = timedelta(microseconds=1)
_MIDNIGHT = time(0)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAYS = tuple(timedelta(days=i) for i in range(8))
_CACHE_LIMIT = 20_000  # memoised dates per calendar before starting afresh (bounds memory)

_K = TypeVar("_K")
_V = TypeVar("_V")


@dataclass(frozen=True)
class BusinessCalendar:
    """When working time runs: local working intervals per weekday, minus holidays.

    ``working_hours`` maps a weekday (0 = Monday) to its ordered, non-overlapping intervals in
    local time; a missing weekday is not worked. An interval ending at ``time(0)`` runs to
    midnight, so ``{d: ((time(0), time(0)),) for d in range(7)}`` is a 24/7 calendar. Holidays are
    local dates. The value is validated and normalised on construction (days without intervals
    are dropped), is hashable, and calendars that are equal share their memoised UTC projection.
    """

    timezone: str
    working_hours: Mapping[int, DayHours] = field(hash=False)
    holidays: frozenset[date] = frozenset()
    _schedule: _Schedule = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.timezone, str):
            raise ValueError(f"time zone must be an IANA name, got {self.timezone!r}")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a directory
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc
        hours = {
            day: intervals for day, intervals in _validated_hours(self.working_hours) if intervals
        }
        holidays = frozenset(self.holidays)
        for holiday in holidays:
            if not isinstance(holiday, date) or isinstance(holiday, datetime):
                raise ValueError(f"holidays must be dates, got {holiday!r}")
        object.__setattr__(self, "working_hours", MappingProxyType(hours))
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(
            self, "_schedule", _schedule_for(self.timezone, tuple(hours.items()), holidays)
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuild from the public fields: the memo is not worth shipping (and mappingproxy
        # cannot be pickled).
        return (type(self), (self.timezone, dict(self.working_hours), self.holidays))

    @classmethod
    def standard(
        cls,
        timezone: str = "UTC",
        start: time = time(9),
        end: time = time(17),
        days: Iterable[int] = range(5),
        holidays: Iterable[date] = (),
    ) -> BusinessCalendar:
        """The common case: one interval on the given weekdays (default Monday to Friday 9-17)."""
        return cls(timezone, dict.fromkeys(days, ((start, end),)), frozenset(holidays))


def add_business_time(cal: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """The instant at which ``duration`` of working time has elapsed after ``start``.

    Counting begins at the next working instant when ``start`` is outside working hours. When
    the duration runs out exactly at the end of an interval, that end is returned (a due date of
    "Friday 17:00" rather than "Monday 09:00"). A zero duration returns the next working instant.
    """
    if duration < _ZERO:
        raise ValueError(f"duration must not be negative, got {duration}")
    return cal._schedule.add(_as_utc(start, "start"), duration)


def business_time_between(cal: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """Working time within ``[a, b)``; zero when ``b <= a``."""
    return cal._schedule.between(_as_utc(a, "a"), _as_utc(b, "b"))


def next_working_instant(cal: BusinessCalendar, t: datetime) -> datetime:
    """``t`` itself if working time runs at ``t``, else the start of the next working interval."""
    return cal._schedule.add(_as_utc(t, "t"), _ZERO)


def _as_utc(value: datetime, name: str) -> datetime:
    """Refuse naive datetimes: guessing their zone is how SLA clocks end up an hour off."""
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def _end_offset(end: time) -> int:
    """Microseconds into the day of an interval end; 00:00 as an end means 24:00."""
    if end == _MIDNIGHT:
        return _DAY // _MICROSECOND
    return _start_offset(end)


def _start_offset(start: time) -> int:
    """Microseconds into the day (integers: building calendars per request must stay cheap)."""
    return ((start.hour * 60 + start.minute) * 60 + start.second) * 1_000_000 + start.microsecond


def _validated_hours(working_hours: Mapping[int, DayHours]) -> list[tuple[int, DayHours]]:
    """Check the weekday rules and return them sorted by weekday, intervals as tuples."""
    if not isinstance(working_hours, Mapping):
        raise ValueError(f"working_hours must map weekdays to intervals, got {working_hours!r}")
    result: list[tuple[int, DayHours]] = []
    for day, raw_intervals in working_hours.items():
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
            raise ValueError(f"weekday must be an int from 0 (Monday) to 6 (Sunday), got {day!r}")
        intervals: list[Interval] = []
        previous_end: int | None = None
        for raw in raw_intervals:
            try:
                start, end = raw
            except (TypeError, ValueError):
                raise ValueError(
                    f"weekday {day}: an interval must be a (start, end) pair, got {raw!r}"
                ) from None
            if not isinstance(start, time) or not isinstance(end, time):
                raise ValueError(f"weekday {day}: interval bounds must be times, got {raw!r}")
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError(
                    f"weekday {day}: interval bounds are local wall-clock times and must not "
                    f"carry a tzinfo (the calendar's time zone applies)"
                )
            if _start_offset(start) >= _end_offset(end):
                raise ValueError(
                    f"weekday {day}: interval {start}-{end} must start before it ends "
                    f"(an end of 00:00 means midnight)"
                )
            if previous_end is not None and _start_offset(start) < previous_end:
                raise ValueError(
                    f"weekday {day}: intervals must be in order and must not overlap "
                    f"({start}-{end} begins before the previous interval ends)"
                )
            previous_end = _end_offset(end)
            if start.fold or end.fold:  # fold would pick a DST side: first passage rules here
                start, end = start.replace(fold=0), end.replace(fold=0)
            intervals.append((start, end))
        result.append((day, tuple(intervals)))
    return sorted(result)


@lru_cache(maxsize=256)
def _schedule_for(
    timezone: str, hours: tuple[tuple[int, DayHours], ...], holidays: frozenset[date]
) -> _Schedule:
    """One memo per distinct calendar, so adapters may rebuild calendars per request cheaply."""
    return _Schedule(timezone, hours, holidays)


class _Schedule:
    """A calendar projected onto UTC, memoised per local date and per week.

    The memo dicts are filled lazily; a race between threads can only compute an entry twice.
    """

    __slots__ = (
        "_days",
        "_holidays",
        "_hours",
        "_midnights",
        "_nominal_week",
        "_offsets",
        "_weeks",
        "_zone",
    )

    def __init__(
        self, timezone: str, hours: tuple[tuple[int, DayHours], ...], holidays: frozenset[date]
    ) -> None:
        self._zone = ZoneInfo(timezone)
        self._hours = dict(hours)
        self._holidays = holidays
        self._nominal_week = _MICROSECOND * sum(
            _end_offset(end) - _start_offset(start)
            for intervals in self._hours.values()
            for start, end in intervals
        )
        self._days: dict[date, _DayPlan] = {}
        self._midnights: dict[date, datetime] = {}
        self._offsets: dict[date, timedelta] = {}
        self._weeks: dict[date, timedelta] = {}

    def add(self, start: datetime, duration: timedelta) -> datetime:
        if not self._hours:
            raise ValueError("calendar has no working hours")
        remaining = duration
        position = start
        day = self._local_date(start)  # earlier dates' intervals all end by `start`
        while True:
            if day.weekday() == 0 and position <= self._midnight(day):
                week = self._week_total(day)
                if week < remaining:
                    remaining -= week
                    day += _WEEK
                    continue
            for span_start, span_end in self._day(day)[0]:
                if span_end <= position:
                    continue
                begin = max(span_start, position)
                available = span_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
                position = span_end
            day += _DAY

    def between(self, a: datetime, b: datetime) -> timedelta:
        if b <= a:
            return _ZERO
        total = _ZERO
        day = self._local_date(a)
        # The wall clock can run backwards (autumn) by less than two days, so dates up to two
        # past b's local date may still hold instants before b.
        last = self._local_date(b) + 2 * _DAY
        while day <= last:
            if day.weekday() == 0 and a <= self._midnight(day) and self._midnight(day + _WEEK) <= b:
                total += self._week_total(day)
                day += _WEEK
                continue
            for span_start, span_end in self._day(day)[0]:
                low, high = max(span_start, a), min(span_end, b)
                if high > low:
                    total += high - low
            day += _DAY
        return total

    def _local_date(self, instant: datetime) -> date:
        return instant.astimezone(self._zone).date()

    def _week_total(self, monday: date) -> timedelta:
        """Working time in the week starting on local date ``monday`` (memoised)."""
        total = self._weeks.get(monday)
        if total is None:
            if self._is_regular_week(monday):
                total = self._nominal_week
            else:
                total = sum((self._day(monday + offset)[1] for offset in _DAYS[:7]), _ZERO)
            _remember(self._weeks, monday, total)
        return total

    def _is_regular_week(self, monday: date) -> bool:
        """True when the week's real working time equals its wall-clock hours.

        That holds without a holiday on a worked day and without a UTC offset change; one
        offset at all eight local midnights means none (see ``_plan_day``).
        """
        if self._holidays and any(monday + _DAYS[day] in self._holidays for day in self._hours):
            return False
        offset = self._midnight_offset(monday)
        return all(self._midnight_offset(monday + _DAYS[i]) == offset for i in range(1, 8))

    def _day(self, day: date) -> _DayPlan:
        plan = self._days.get(day)
        if plan is None:
            plan = self._plan_day(day)
            _remember(self._days, day, plan)
        return plan

    def _plan_day(self, day: date) -> _DayPlan:
        """Project a local date's intervals onto UTC.

        When both local midnights around the date have the same offset, the whole date has it
        and plain arithmetic suffices: no zone changes its offset twice within two days (the
        shortest gap in tzdata is over three days, checked by the test suite). Otherwise each
        bound goes through ``_first_passage``.
        """
        intervals = self._hours.get(day.weekday())
        if not intervals or day in self._holidays:
            return (), _ZERO
        next_day = day + _DAY
        offset = self._midnight_offset(day)
        steady = offset == self._midnight_offset(next_day)
        spans: list[_Span] = []
        total = _ZERO
        for wall_start, wall_end in intervals:
            end_day = next_day if wall_end == _MIDNIGHT else day
            if steady:
                start = (datetime.combine(day, wall_start) - offset).replace(tzinfo=UTC)
                end = (datetime.combine(end_day, wall_end) - offset).replace(tzinfo=UTC)
            else:
                start = self._first_passage(day, wall_start)
                end = self._first_passage(end_day, wall_end)
                if end <= start:
                    continue  # swallowed whole by a spring-forward gap
            total += end - start
            if spans and spans[-1][1] == start:
                start = spans.pop()[0]  # contiguous: one span is faster to walk
            spans.append((start, end))
        return tuple(spans), total

    def _midnight(self, day: date) -> datetime:
        instant = self._midnights.get(day)
        if instant is None:
            instant = self._first_passage(day, _MIDNIGHT)
            _remember(self._midnights, day, instant)
        return instant

    def _midnight_offset(self, day: date) -> timedelta:
        """The UTC offset as a date begins (before the jump if midnight itself is skipped)."""
        offset = self._offsets.get(day)
        if offset is None:
            offset = _utcoffset(self._zone, datetime.combine(day, _MIDNIGHT))
            _remember(self._offsets, day, offset)
        return offset

    def _first_passage(self, day: date, at: time) -> datetime:
        """The first UTC instant at which the local clock shows ``day at`` or later.

        An ambiguous autumn time is its first occurrence (when a clock-watcher stops); a time
        skipped by a spring-forward gap is the transition itself (the clock jumps past it).
        The mapping is monotonic, so ordered wall intervals stay ordered and disjoint in UTC.
        """
        naive = datetime.combine(day, at)
        # fold=0 applies the offset in force before a transition, fold=1 the one after; they
        # agree for ordinary times, and only a spring-forward gap has "before" < "after".
        before = _utcoffset(self._zone, naive)
        after = _utcoffset(self._zone, naive.replace(fold=1))
        if before >= after:
            return (naive - before).replace(tzinfo=UTC)
        # In the gap: ``naive - after`` lies just before the jump, ``naive - before`` just after.
        # Transitions fall on whole seconds, so bisect in seconds.
        low = (naive - after).replace(tzinfo=UTC)
        high = (naive - before).replace(tzinfo=UTC)
        low_s = (low - _EPOCH) // _SECOND
        high_s = -((_EPOCH - high) // _SECOND)
        while high_s - low_s > 1:  # local(low_s) < naive <= local(high_s)
            middle = (low_s + high_s) // 2
            if (_EPOCH + middle * _SECOND).astimezone(self._zone).replace(tzinfo=None) >= naive:
                high_s = middle
            else:
                low_s = middle
        return _EPOCH + high_s * _SECOND


def _utcoffset(zone: ZoneInfo, naive: datetime) -> timedelta:
    """The zone's offset for a wall-clock time (``fold`` picks the side of a transition)."""
    offset = zone.utcoffset(naive)
    if offset is None:  # pragma: no cover - a ZoneInfo always knows its offset
        raise ValueError(f"time zone {zone.key!r} has no offset for {naive}")
    return offset


def _remember(memo: dict[_K, _V], key: _K, value: _V) -> None:
    if len(memo) >= _CACHE_LIMIT:
        memo.clear()
    memo[key] = value
