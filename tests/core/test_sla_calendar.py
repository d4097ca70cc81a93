"""Business calendars: fixed cases people can check by hand, then properties over random ones."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acero_desktop.core.sla import (
    BusinessCalendar,
    add_business_time,
    business_time_between,
    next_working_instant,
)
from acero_desktop.core.sla.calendar import DayHours

H = timedelta(hours=1)
MIN = timedelta(minutes=1)
US = timedelta(microseconds=1)
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HAVANA = ZoneInfo("America/Havana")

# Zones chosen for awkward DST: Lord Howe shifts by 30 minutes, Chatham at 02:45, Havana and
# Santiago at midnight (Santiago's clock runs back across the date line of the day).
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Havana",
    "America/Santiago",
    "Asia/Kolkata",
]

PROPERTY = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def every_day(*intervals: tuple[time, time]) -> dict[int, DayHours]:
    return dict.fromkeys(range(7), intervals)


# --- fixed cases -------------------------------------------------------------------------------


def test_friday_afternoon_plus_two_hours_is_monday_ten() -> None:
    cal = BusinessCalendar.standard()
    assert add_business_time(cal, utc(2024, 6, 7, 16), 2 * H) == utc(2024, 6, 10, 10)


def test_holiday_is_skipped() -> None:
    cal = BusinessCalendar.standard(holidays=[date(2024, 6, 10)])
    assert add_business_time(cal, utc(2024, 6, 7, 16), 2 * H) == utc(2024, 6, 11, 10)
    assert business_time_between(cal, utc(2024, 6, 7), utc(2024, 6, 12)) == 16 * H


def test_lunch_break() -> None:
    cal = BusinessCalendar(
        "UTC", dict.fromkeys(range(5), ((time(9), time(12, 30)), (time(13, 30), time(17, 30))))
    )
    monday = (2024, 6, 10)
    assert add_business_time(cal, utc(*monday, 11, 30), 2 * H) == utc(*monday, 14, 30)
    assert business_time_between(cal, utc(*monday, 9), utc(*monday, 17, 30)) == 7.5 * H
    # Running out exactly at the break gives the break's start, not the afternoon's.
    assert add_business_time(cal, utc(*monday, 11, 30), H) == utc(*monday, 12, 30)
    assert next_working_instant(cal, utc(*monday, 12, 30)) == utc(*monday, 13, 30)
    assert next_working_instant(cal, utc(*monday, 13)) == utc(*monday, 13, 30)


def test_start_on_saturday() -> None:
    cal = BusinessCalendar.standard()
    saturday = utc(2024, 6, 8, 10)
    assert add_business_time(cal, saturday, H) == utc(2024, 6, 10, 10)
    assert add_business_time(cal, saturday, timedelta(0)) == utc(2024, 6, 10, 9)
    assert next_working_instant(cal, saturday) == utc(2024, 6, 10, 9)
    assert business_time_between(cal, saturday, utc(2024, 6, 10, 9)) == timedelta(0)


def test_duration_zero_inside_hours_is_start_itself_in_utc() -> None:
    cal = BusinessCalendar.standard("Europe/Berlin")
    start = datetime(2024, 6, 10, 10, 15, tzinfo=BERLIN)
    result = add_business_time(cal, start, timedelta(0))
    assert result == start
    assert result.tzinfo is UTC


def test_interval_end_is_not_working_time() -> None:
    cal = BusinessCalendar.standard()
    assert next_working_instant(cal, utc(2024, 6, 10, 17)) == utc(2024, 6, 11, 9)
    assert business_time_between(cal, utc(2024, 6, 10, 16), utc(2024, 6, 10, 18)) == H


def test_berlin_weekend_dst_changes_keep_wall_clock_hours() -> None:
    cal = BusinessCalendar.standard("Europe/Berlin")
    # Spring forward on Sunday 31 March 2024: Friday is UTC+1, Monday UTC+2.
    friday = datetime(2024, 3, 29, 16, tzinfo=BERLIN)
    assert add_business_time(cal, friday, 2 * H) == utc(2024, 4, 1, 8)
    assert business_time_between(cal, friday, utc(2024, 4, 1, 15)) == 9 * H
    # Fall back on Sunday 27 October 2024: Friday is UTC+2, Monday UTC+1.
    friday = datetime(2024, 10, 25, 16, tzinfo=BERLIN)
    assert add_business_time(cal, friday, 2 * H) == utc(2024, 10, 28, 9)


@pytest.mark.parametrize("day", [date(2024, 3, 31), date(2024, 10, 27)])
def test_berlin_nine_to_five_on_a_dst_day_is_eight_hours(day: date) -> None:
    cal = BusinessCalendar("Europe/Berlin", every_day((time(9), time(17))))
    midnight = datetime.combine(day, time(0), BERLIN)
    assert business_time_between(cal, midnight, midnight + 2 * 12 * H) == 8 * H
    nine = datetime.combine(day, time(9), BERLIN)
    assert add_business_time(cal, nine, 8 * H) == datetime.combine(day, time(17), BERLIN)


def test_berlin_interval_across_the_spring_gap_is_shorter() -> None:
    cal = BusinessCalendar("Europe/Berlin", every_day((time(1), time(4))))
    # 01:00 CET is 00:00 UTC, 04:00 CEST is 02:00 UTC: two real hours.
    assert business_time_between(cal, utc(2024, 3, 30, 12), utc(2024, 3, 31, 12)) == 2 * H
    one = datetime(2024, 3, 31, 1, tzinfo=BERLIN)
    assert add_business_time(cal, one, H) == utc(2024, 3, 31, 1)  # 03:00 CEST
    assert add_business_time(cal, one, 2 * H) == utc(2024, 3, 31, 2)  # 04:00 CEST
    assert add_business_time(cal, one, 3 * H) == utc(2024, 4, 1, 0)  # 02:00 CEST next day


def test_berlin_interval_across_the_autumn_repeat_is_longer() -> None:
    cal = BusinessCalendar("Europe/Berlin", every_day((time(1), time(4))))
    # 01:00 CEST is 23:00 UTC the day before, 04:00 CET is 03:00 UTC: four real hours.
    assert business_time_between(cal, utc(2024, 10, 26, 12), utc(2024, 10, 27, 12)) == 4 * H


def test_interval_starting_inside_the_gap_starts_when_the_clock_jumps() -> None:
    cal = BusinessCalendar("Europe/Berlin", every_day((time(2, 30), time(5))))
    day_start = datetime(2024, 3, 31, 0, tzinfo=BERLIN)
    assert next_working_instant(cal, day_start) == utc(2024, 3, 31, 1)  # 03:00 CEST
    assert business_time_between(cal, day_start, day_start + 12 * H) == 2 * H


def test_interval_entirely_inside_the_gap_is_empty() -> None:
    cal = BusinessCalendar("Europe/Berlin", every_day((time(2, 10), time(2, 50))))
    day_start = datetime(2024, 3, 31, 0, tzinfo=BERLIN)
    assert business_time_between(cal, day_start, day_start + 20 * H) == timedelta(0)
    assert next_working_instant(cal, day_start) == datetime(2024, 4, 1, 2, 10, tzinfo=BERLIN)


def test_havana_midnight_gap() -> None:
    # Cuba springs forward at midnight: 10 March 2024 starts at 01:00 (05:00 UTC).
    cal = BusinessCalendar("America/Havana", every_day((time(0), time(2))))
    assert next_working_instant(cal, utc(2024, 3, 10, 0)) == utc(2024, 3, 10, 5)
    assert business_time_between(cal, utc(2024, 3, 10, 0), utc(2024, 3, 10, 12)) == H


def test_a_day_the_zone_skipped_has_no_working_time() -> None:
    # Samoa jumped over Friday 30 December 2011 when it moved across the date line.
    apia = ZoneInfo("Pacific/Apia")
    cal = BusinessCalendar.standard("Pacific/Apia", days=range(7))
    start = datetime(2011, 12, 29, tzinfo=apia)
    assert business_time_between(cal, start, datetime(2012, 1, 1, tzinfo=apia)) == 16 * H
    thursday_four = datetime(2011, 12, 29, 16, tzinfo=apia)
    assert add_business_time(cal, thursday_four, 2 * H) == datetime(2011, 12, 31, 10, tzinfo=apia)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Spring forward on Sunday 10 March 2024.
        (datetime(2024, 3, 8, 16, tzinfo=NEW_YORK), utc(2024, 3, 11, 14)),
        # Fall back on Sunday 3 November 2024.
        (datetime(2024, 11, 1, 16, tzinfo=NEW_YORK), utc(2024, 11, 4, 15)),
    ],
)
def test_new_york_across_dst(start: datetime, expected: datetime) -> None:
    cal = BusinessCalendar.standard("America/New_York")
    assert add_business_time(cal, start, 2 * H) == expected
    assert business_time_between(cal, start, expected) == 2 * H


def test_new_york_sunday_shift_on_dst_day_is_eight_hours() -> None:
    cal = BusinessCalendar.standard("America/New_York", days=[6])
    midnight = datetime(2024, 3, 10, tzinfo=NEW_YORK)
    assert business_time_between(cal, midnight, midnight + 23 * H) == 8 * H


def test_around_the_clock_calendar_counts_real_time() -> None:
    cal = BusinessCalendar("Europe/Berlin", every_day((time(0), time(0))))
    # Aware arithmetic in one zone is wall-clock arithmetic in Python: add in UTC for real time.
    start = datetime(2024, 3, 30, 15, 7, tzinfo=BERLIN).astimezone(UTC)
    assert add_business_time(cal, start, 24 * H) == start + 24 * H
    assert business_time_between(cal, start, start + 400 * H) == 400 * H


def test_night_shift_runs_through_midnight() -> None:
    hours = {0: ((time(22), time(0)),), 1: ((time(0), time(6)),)}
    cal = BusinessCalendar("UTC", hours)
    assert add_business_time(cal, utc(2024, 6, 10, 23), 2 * H) == utc(2024, 6, 11, 1)


def test_one_year_target_round_trips() -> None:
    cal = BusinessCalendar.standard(
        "Europe/Berlin", holidays=[date(2025, 1, 1), date(2025, 12, 25)]
    )
    start = datetime(2024, 11, 4, 11, 11, tzinfo=BERLIN)
    due = add_business_time(cal, start, timedelta(days=365))
    assert business_time_between(cal, start, due) == timedelta(days=365)
    # 365 days of 8-hour business days: 1095 working days, about four and a quarter years.
    assert due.year == 2029


def test_calendar_without_working_hours_raises() -> None:
    for cal in (BusinessCalendar("UTC", {}), BusinessCalendar("UTC", {0: (), 3: ()})):
        assert cal.working_hours == {}
        with pytest.raises(ValueError, match="calendar has no working hours"):
            add_business_time(cal, utc(2024, 1, 1), H)
        with pytest.raises(ValueError, match="calendar has no working hours"):
            next_working_instant(cal, utc(2024, 1, 1))
        assert business_time_between(cal, utc(2024, 1, 1), utc(2025, 1, 1)) == timedelta(0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "unknown time zone"),
        ({"timezone": "../etc/passwd"}, "unknown time zone"),
        ({"timezone": "Europe"}, "unknown time zone"),
        ({"working_hours": {7: ((time(9), time(17)),)}}, "weekday must be"),
        ({"working_hours": {0: ((time(17), time(9)),)}}, "must start before it ends"),
        ({"working_hours": {0: ((time(9), time(9)),)}}, "must start before it ends"),
        ({"working_hours": {0: ((time(9), time(13)), (time(12), time(17)))}}, "overlap"),
        ({"working_hours": {0: ((time(13), time(17)), (time(9), time(12)))}}, "in order"),
        ({"working_hours": {0: ((time(0), time(0)), (time(1), time(2)))}}, "overlap"),
        ({"working_hours": {0: ((time(9, tzinfo=UTC), time(17)),)}}, "tzinfo"),
        ({"working_hours": {0: ((time(9),),)}}, "pair"),
        ({"holidays": frozenset({datetime(2024, 1, 1)})}, "holidays must be dates"),
    ],
)
def test_invalid_calendars_are_refused(kwargs: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {"timezone": "UTC", "working_hours": {0: ((time(9), time(17)),)}}
    fields.update(kwargs)
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(**fields)  # type: ignore[arg-type]


def test_adjacent_intervals_are_allowed() -> None:
    cal = BusinessCalendar("UTC", {0: ((time(9), time(12)), (time(12), time(17)))})
    assert business_time_between(cal, utc(2024, 6, 10), utc(2024, 6, 11)) == 8 * H


def test_naive_datetimes_and_negative_durations_are_refused() -> None:
    cal = BusinessCalendar.standard()
    naive = datetime(2024, 6, 10, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(cal, naive, H)
    with pytest.raises(ValueError, match="timezone-aware"):
        business_time_between(cal, utc(2024, 6, 10), naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        next_working_instant(cal, naive)
    with pytest.raises(ValueError, match="negative"):
        add_business_time(cal, utc(2024, 6, 10), -H)


def test_calendars_are_values() -> None:
    a = BusinessCalendar.standard("Europe/Berlin", holidays=[date(2024, 12, 25)])
    hours: dict[int, object] = {day: ((time(9), time(17)),) for day in (3, 2, 1, 0)}
    hours[4] = [(time(9), time(17))]  # a list is accepted and normalised
    hours[6] = ()  # a day without intervals is dropped
    b = BusinessCalendar("Europe/Berlin", hours, frozenset({date(2024, 12, 25)}))  # type: ignore[arg-type]
    assert a == b
    assert hash(a) == hash(b)
    assert pickle.loads(pickle.dumps(a)) == a
    assert a != BusinessCalendar.standard("Europe/Berlin")
    with pytest.raises(TypeError):
        a.working_hours[5] = ((time(9), time(17)),)  # type: ignore[index]


@pytest.mark.parametrize(
    ("zone", "first_monday", "weeks"),
    [(zone, date(2022, 1, 3), 3 * 52) for zone in ZONES]
    # Brazil's one-week summer time of October 2000: two changes seven days apart.
    + [("America/Noronha", date(2000, 9, 4), 8)],
)
def test_week_skipping_matches_a_day_by_day_reference(
    zone: str, first_monday: date, weeks: int
) -> None:
    """Whole weeks are skipped arithmetically; check every week across the DST changes."""
    cal = BusinessCalendar(zone, every_day((time(0), time(2, 30)), (time(9), time(17))))
    tz = ZoneInfo(zone)
    for week in range(weeks):
        monday = first_monday + timedelta(weeks=week)
        begin = _reference_passage(tz, monday, time(0))
        end = _reference_passage(tz, monday + timedelta(days=7), time(0))
        assert business_time_between(cal, begin, end) == _reference_between(cal, begin, end)


def test_tzdata_never_changes_an_offset_twice_within_two_days() -> None:
    """The week fast path samples offsets once a day; this is the tzdata fact it relies on."""
    zoneinfo_module = pytest.importorskip("zoneinfo._zoneinfo")
    shortest = timedelta.max
    for name in available_timezones():
        try:
            zone = zoneinfo_module.ZoneInfo.no_cache(name)
        except (ValueError, OSError):
            continue
        offsets = [info.utcoff for info in zone._ttinfos]
        changes = [t for i, t in enumerate(zone._trans_utc) if i and offsets[i] != offsets[i - 1]]
        for first, second in pairwise(changes):
            shortest = min(shortest, timedelta(seconds=second - first))
    assert shortest > timedelta(days=2)


# --- properties --------------------------------------------------------------------------------


def _slot(index: int) -> time:
    """Quarter-hour grid; index 96 is midnight at the end of the day."""
    return time(0) if index == 96 else time(index // 4, 15 * (index % 4))


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    zone = draw(st.sampled_from(ZONES))
    if draw(st.booleans()):
        return BusinessCalendar.standard(
            zone,
            holidays=draw(
                st.frozensets(st.dates(date(2019, 1, 1), date(2028, 12, 31)), max_size=20)
            ),
        )
    hours: dict[int, DayHours] = {}
    for day in range(7):
        marks = sorted(draw(st.lists(st.integers(0, 96), unique=True, max_size=5)))
        hours[day] = tuple(
            (_slot(marks[i]), _slot(marks[i + 1])) for i in range(0, len(marks) - 1, 2)
        )
    if not any(hours.values()):
        hours[0] = ((time(9), time(17)),)
    holidays = draw(st.frozensets(st.dates(date(2019, 1, 1), date(2028, 12, 31)), max_size=20))
    return BusinessCalendar(zone, hours, holidays)


instants = st.datetimes(
    min_value=datetime(2019, 1, 1),
    max_value=datetime(2027, 12, 31),
    timezones=st.sampled_from([ZoneInfo(zone) for zone in ZONES]),
)
durations = st.one_of(
    st.just(timedelta(0)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=12)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)),
)


def _reference_passage(zone: ZoneInfo, day: date, at: time) -> datetime:
    """First instant the clock shows ``day at`` or later, by brute force in gaps."""
    naive = datetime.combine(day, at)
    instant = naive.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == naive:
        return instant
    probe = naive.replace(tzinfo=zone, fold=1).astimezone(UTC).replace(second=0, microsecond=0)
    while probe.astimezone(zone).replace(tzinfo=None) < naive:
        probe += MIN
    return probe


def _reference_between(cal: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """Day by day, interval by interval, no week skipping and no memo."""
    zone = ZoneInfo(cal.timezone)
    total = timedelta(0)
    day = a.astimezone(zone).date() - timedelta(days=3)
    while day <= b.astimezone(zone).date() + timedelta(days=3):
        if day not in cal.holidays:
            for start, end in cal.working_hours.get(day.weekday(), ()):
                low = _reference_passage(zone, day, start)
                if end == time(0):
                    high = _reference_passage(zone, day + timedelta(days=1), end)
                else:
                    high = _reference_passage(zone, day, end)
                overlap = min(high, b) - max(low, a)
                if overlap > timedelta(0):
                    total += overlap
        day += timedelta(days=1)
    return total


@PROPERTY
@given(
    cal=calendars(),
    a=instants,
    span=st.timedeltas(min_value=-timedelta(days=1), max_value=timedelta(days=45)),
)
def test_between_matches_a_day_by_day_reference(
    cal: BusinessCalendar, a: datetime, span: timedelta
) -> None:
    b = a + span
    expected = _reference_between(cal, a, b) if span > timedelta(0) else timedelta(0)
    assert business_time_between(cal, a, b) == expected


@PROPERTY
@given(cal=calendars(), start=instants, duration=durations)
def test_add_lands_on_working_time_and_round_trips(
    cal: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    result = add_business_time(cal, start, duration)
    assert result.tzinfo is UTC
    snapped = next_working_instant(cal, start)
    assert snapped >= start
    assert business_time_between(cal, start, snapped) == timedelta(0)
    if duration:
        # Inside a working interval or exactly at its end: the microsecond before is working.
        assert business_time_between(cal, result - US, result) == US
    else:
        assert result == snapped
        assert next_working_instant(cal, result) == result
    assert business_time_between(cal, snapped, result) == duration
    assert business_time_between(cal, start, result) == duration


@PROPERTY
@given(cal=calendars(), start=instants, first=durations, second=durations)
def test_add_is_monotonic_and_additive(
    cal: BusinessCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    short, long = sorted((first, second))
    assert add_business_time(cal, start, short) <= add_business_time(cal, start, long)
    step = add_business_time(cal, start, first)
    if second:
        assert add_business_time(cal, step, second) == add_business_time(cal, start, first + second)
    else:
        assert add_business_time(cal, step, second) == next_working_instant(cal, step)
