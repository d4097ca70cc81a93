"""SLA clock readings: states, due dates with pauses, and the words people see."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acero_desktop.core.sla import (
    BusinessCalendar,
    SlaMeasure,
    SlaState,
    SlaTarget,
    business_time_between,
    due_at,
    format_time_left,
    measure,
    pause_increment,
)

H = timedelta(hours=1)
M = timedelta(minutes=1)
CAL = BusinessCalendar.standard()  # UTC, Monday to Friday 09:00-17:00
MONDAY_9 = datetime(2024, 6, 10, 9, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in the week of Monday 10 June 2024 (day 0 = Monday)."""
    return MONDAY_9.replace(day=10 + day, hour=hour, minute=minute)


def read(
    now: datetime,
    *,
    target: timedelta | None = 8 * H,
    paused: timedelta = timedelta(0),
    paused_since: datetime | None = None,
    done_at: datetime | None = None,
) -> SlaMeasure:
    return measure(
        CAL,
        started_at=MONDAY_9,
        target=target,
        paused=paused,
        paused_since=paused_since,
        done_at=done_at,
        now=now,
    )


def test_ok_with_time_left() -> None:
    reading = read(at(0, 11))
    assert reading == SlaMeasure(SlaState.OK, at(0, 17), 6 * H, 0.25)
    assert format_time_left(6 * H) == "6h left"


def test_at_risk_once_the_share_is_used() -> None:
    assert read(at(0, 14, 59)).state is SlaState.OK
    reading = read(at(0, 15))
    assert reading.state is SlaState.AT_RISK
    assert reading.used_share == 0.75
    custom = measure(
        CAL,
        started_at=MONDAY_9,
        target=8 * H,
        paused=timedelta(0),
        paused_since=None,
        done_at=None,
        now=at(0, 13),
        at_risk_share=0.5,
    )
    assert custom.state is SlaState.AT_RISK


def test_due_at_an_interval_end_is_not_breached_overnight_until_it_passes() -> None:
    assert read(at(0, 17)).state is SlaState.AT_RISK
    reading = read(at(0, 20))
    assert reading.state is SlaState.BREACHED
    assert reading.time_left == timedelta(0)  # no business time has passed since 17:00


def test_breached_counts_business_time_overdue() -> None:
    reading = read(at(1, 10))
    assert reading.state is SlaState.BREACHED
    assert reading.time_left == -H
    assert reading.used_share == 9 / 8
    assert format_time_left(-H) == "overdue by 1h"


def test_paused_freezes_the_clock() -> None:
    reading = read(at(2, 15), paused_since=at(0, 12))
    assert reading.state is SlaState.PAUSED
    assert reading.time_left == 5 * H
    assert reading.due_at == at(0, 17)  # not moved until the pause is over


def test_resuming_moves_the_due_date_by_the_business_time_paused() -> None:
    paused = pause_increment(CAL, at(0, 12), at(1, 12))
    assert paused == 8 * H  # Monday 12-17 and Tuesday 9-12; the night does not count
    reading = read(at(1, 13), paused=paused)
    assert reading == SlaMeasure(SlaState.OK, at(1, 17), 4 * H, 0.5)
    assert due_at(CAL, MONDAY_9, 8 * H, paused) == at(1, 17)


def test_pause_over_a_weekend_costs_nothing() -> None:
    assert pause_increment(CAL, at(4, 17), at(7, 9)) == timedelta(0)


def test_done_before_due_is_met_and_after_is_breached() -> None:
    met = read(at(3, 9), done_at=at(0, 16))
    assert met == SlaMeasure(SlaState.MET, at(0, 17), H, 7 / 8)
    on_the_dot = read(at(3, 9), done_at=at(0, 17))
    assert on_the_dot.state is SlaState.MET
    late = read(at(3, 9), done_at=at(1, 9, 30))
    assert late.state is SlaState.BREACHED
    assert late.time_left == -30 * M


def test_done_wins_over_paused() -> None:
    assert read(at(3, 9), paused_since=at(0, 10), done_at=at(0, 12)).state is SlaState.MET


def test_no_target() -> None:
    assert read(at(0, 10), target=None) == SlaMeasure(SlaState.NONE, None, None, 0.0)


def test_other_time_zones_read_the_same_instant() -> None:
    berlin_now = at(0, 11).astimezone(ZoneInfo("Europe/Berlin"))
    reading = read(berlin_now)
    assert reading == read(at(0, 11))
    assert reading.due_at is not None
    assert reading.due_at.tzinfo is UTC


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        read(datetime(2024, 6, 10, 11))
    with pytest.raises(ValueError, match="timezone-aware"):
        read(at(0, 11), done_at=datetime(2024, 6, 10, 11))
    with pytest.raises(ValueError, match="target must be positive"):
        read(at(0, 11), target=timedelta(0))
    with pytest.raises(ValueError, match="paused must not be negative"):
        read(at(0, 11), paused=-H)
    with pytest.raises(ValueError, match="at_risk_share"):
        measure(
            CAL,
            started_at=MONDAY_9,
            target=H,
            paused=timedelta(0),
            paused_since=None,
            done_at=None,
            now=at(0, 11),
            at_risk_share=0,
        )


def test_sla_target() -> None:
    target = SlaTarget(first_response=H, resolution=None)
    assert target.resolution is None
    with pytest.raises(ValueError, match="resolution target must be positive"):
        SlaTarget(first_response=H, resolution=timedelta(0))


def test_states_are_strings_for_storage() -> None:
    assert [state.value for state in SlaState] == [
        "ok",
        "at_risk",
        "breached",
        "paused",
        "met",
        "none",
    ]
    assert SlaState("at_risk") is SlaState.AT_RISK
    assert f"{SlaState.BREACHED}" == "breached"


@pytest.mark.parametrize(
    ("time_left", "text"),
    [
        (2 * H + 15 * M, "2h 15m left"),
        (19 * H + 30 * M, "19h 30m left"),
        (76 * H, "76h left"),  # business hours: never "3d 4h"
        (45 * M, "45m left"),
        (45 * M + timedelta(seconds=59), "45m left"),  # time left rounds down
        (timedelta(seconds=20), "<1m left"),
        (timedelta(0), "0m left"),
        (-45 * M, "overdue by 45m"),
        (-timedelta(seconds=20), "overdue by 1m"),  # overdue rounds up
        (-(26 * H + 5 * M), "overdue by 26h 5m"),
    ],
)
def test_format_time_left(time_left: timedelta, text: str) -> None:
    assert format_time_left(time_left) == text


# --- properties --------------------------------------------------------------------------------

CALENDARS = [
    BusinessCalendar.standard(),
    BusinessCalendar.standard("Europe/Berlin", holidays=[date(2025, 12, 25), date(2026, 1, 1)]),
    BusinessCalendar.standard("America/New_York", days=range(7)),
]


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    cal=st.sampled_from(CALENDARS),
    started_at=st.datetimes(datetime(2025, 1, 1), datetime(2026, 12, 31), timezones=st.just(UTC)),
    target=st.timedeltas(min_value=M, max_value=60 * H),
    offsets=st.lists(
        st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)), min_size=4, max_size=4
    ),
    paused_now=st.booleans(),
    done=st.booleans(),
)
def test_states_agree_with_time_left(
    cal: BusinessCalendar,
    started_at: datetime,
    target: timedelta,
    offsets: list[timedelta],
    paused_now: bool,
    done: bool,
) -> None:
    pause_start, pause_end, current_pause, now = (started_at + o for o in sorted(offsets))
    paused = pause_increment(cal, pause_start, pause_end)
    done_at = current_pause if done else None
    reading = measure(
        cal,
        started_at=started_at,
        target=target,
        paused=paused,
        paused_since=current_pause if paused_now else None,
        done_at=done_at,
        now=now,
    )
    assert reading.due_at is not None
    assert reading.time_left is not None
    assert reading.due_at == due_at(cal, started_at, target, paused)
    assert business_time_between(cal, started_at, reading.due_at) == target + paused
    reading_at = current_pause if done or paused_now else now
    overdue = business_time_between(cal, reading.due_at, reading_at)
    left = business_time_between(cal, reading_at, reading.due_at)
    assert reading.time_left == left - overdue
    assert reading.used_share == (target - reading.time_left) / target
    if done:
        met = current_pause <= reading.due_at
        assert reading.state is (SlaState.MET if met else SlaState.BREACHED)
    elif paused_now:
        assert reading.state is SlaState.PAUSED
    else:
        assert reading.state is not SlaState.PAUSED
        assert (reading.state is SlaState.BREACHED) == (now > reading.due_at)
    if reading.state is SlaState.BREACHED:
        assert reading.time_left <= timedelta(0)
    if reading.state in (SlaState.OK, SlaState.AT_RISK, SlaState.MET):
        assert reading.time_left >= timedelta(0)
    if reading.state is SlaState.AT_RISK:
        assert reading.used_share >= 0.75
    if reading.state is SlaState.OK:
        assert reading.used_share < 0.75
