"""How fast is the SLA clock? Prints calls per second; no asserts, nothing written.

Run with ``python bench/bench_sla.py``. "warm" reuses one calendar, as the SLA monitor does;
"cold" builds a calendar nobody used before for every call, so its UTC projection starts empty
(the worst case: an adapter with a new policy, or the first call after start-up).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from functools import partial
from itertools import count

from acero_desktop.core.sla import BusinessCalendar, add_business_time, measure

START = datetime(2025, 3, 27, 14, 37, tzinfo=UTC)  # Thursday before Europe's spring change
HOLIDAYS = (date(2025, 4, 18), date(2025, 4, 21), date(2025, 12, 25), date(2026, 1, 1))
TARGETS = {
    "8h": timedelta(hours=8),
    "5d (120 business h)": timedelta(days=5),
    "1y (8760 business h)": timedelta(days=365),
}
_unique = count(1)


def berlin(extra_holiday: date | None = None) -> BusinessCalendar:
    """A realistic office: Berlin, lunch break, public holidays."""
    day = ((clock_time(9), clock_time(12, 30)), (clock_time(13, 30), clock_time(17, 30)))
    holidays = {*HOLIDAYS, *((extra_holiday,) if extra_holiday else ())}
    return BusinessCalendar("Europe/Berlin", dict.fromkeys(range(5), day), frozenset(holidays))


def fresh_calendars() -> Iterator[BusinessCalendar]:
    """Distinct calendars (an extra holiday far in the past) so no memo is shared."""
    while True:
        yield berlin(date(1900, 1, 1) + timedelta(days=next(_unique)))


def rate(call: Callable[[], object], budget: float = 0.4) -> float:
    """Calls per second, timed in batches until ``budget`` seconds have passed."""
    call()
    calls, batch, elapsed = 0, 1, 0.0
    while elapsed < budget:
        begin = time.perf_counter()
        for _ in range(batch):
            call()
        elapsed += time.perf_counter() - begin
        calls += batch
        batch = min(batch * 2, 1024)
    return calls / elapsed


def main() -> None:
    warm_cal = berlin()
    fresh = fresh_calendars()
    rows: list[tuple[str, float, float]] = []
    for label, duration in TARGETS.items():

        def cold_add(duration: timedelta = duration) -> object:
            return add_business_time(next(fresh), START, duration)

        warm = rate(partial(add_business_time, warm_cal, START, duration))
        rows.append((f"add_business_time {label}", warm, rate(cold_add)))

    def read(cal: BusinessCalendar) -> object:
        return measure(
            cal,
            started_at=START,
            target=timedelta(hours=16),
            paused=timedelta(hours=2),
            paused_since=None,
            done_at=None,
            now=START + timedelta(days=1, hours=3),
        )

    rows.append(
        ("measure (16h target)", rate(lambda: read(warm_cal)), rate(lambda: read(next(fresh))))
    )

    print(f"{'operation':<42}{'warm calls/s':>14}{'cold calls/s':>14}")
    print("-" * 70)
    for name, warm, cold in rows:
        print(f"{name:<42}{warm:>14,.0f}{cold:>14,.0f}")


if __name__ == "__main__":
    main()
