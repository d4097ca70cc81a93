"""Which demo tickets exist: how many end in each status, and when each was filed.

Statuses are handed out by quota rather than drawn one by one, so even a 300-ticket demo shows
every status; the creation time then suits the status (a ticket still ``new`` was filed hours
ago, a closed one any time in the last 18 months). Sorting by creation time gives the ticket
numbers, 1..N in filing order.
"""

from __future__ import annotations

import random

MINUTE = 60
HOUR = 3600
DAY = 86400
PERIOD_DAYS = 548  # 18 months
AUTO_CLOSE_DAYS = 5

OPEN = ("new", "assigned", "in_progress", "waiting", "reopened")
# Shares of the final status in a small store. Open and resolved tickets shrink as the store
# grows (a help desk has a few hundred open tickets against years of closed ones, not 30 %),
# closed takes the rest.
BASE_SHARES = {
    "new": 0.06,
    "assigned": 0.06,
    "in_progress": 0.10,
    "waiting": 0.06,
    "reopened": 0.02,
    "resolved": 0.07,
    "cancelled": 0.05,
}
# The order statuses are kept in when a store is too small to hold all of them.
_TINY_ORDER = ("closed", "new", "in_progress", "resolved", "waiting", "assigned", "cancelled")
# Mean age in days of a ticket still open in a status (most; the rest are backlog).
MEAN_AGE_DAYS = {"new": 0.8, "assigned": 2.0, "in_progress": 4.0, "waiting": 6.0, "reopened": 8.0}


def status_quota(tickets: int) -> list[tuple[str, int]]:
    """How many of ``tickets`` end in each status: they add up, and from 8 tickets every status
    gets at least one."""
    if tickets < len(BASE_SHARES) + 1:
        return [(status, 1) for status in (*_TINY_ORDER, "reopened")[:tickets]]
    shrink = min(1.0, (1000 / tickets) ** 0.25)  # 1 up to 1,000 tickets, 0.32 at 100,000
    counts: dict[str, int] = {}
    for status, share in BASE_SHARES.items():
        if status in OPEN or status == "resolved":
            share *= max(shrink, 0.2)
        counts[status] = max(1, int(tickets * share))
    counts["closed"] = tickets - sum(counts.values())
    return list(counts.items())


def schedule(rng: random.Random, tickets: int, now: int) -> list[tuple[int, str]]:
    """(created_at, final status) of every ticket, oldest first: numbers follow this order."""
    statuses = [status for status, count in status_quota(tickets) for _ in range(count)]
    rng.shuffle(statuses)
    out = []
    for status in statuses:
        if status in OPEN:
            if rng.random() < 0.85:
                age = rng.expovariate(1 / (MEAN_AGE_DAYS[status] * DAY))
            else:
                age = rng.uniform(0, 30 * DAY)  # the backlog nobody gets to
        elif status == "resolved":
            age = rng.uniform(0.3 * DAY, (AUTO_CLOSE_DAYS + 2) * DAY)
        else:
            age = rng.uniform(7 * DAY, PERIOD_DAYS * DAY)
        age = min(age, PERIOD_DAYS * DAY)
        out.append((_office_hours(rng, now - int(age) - 15 * MINUTE, now), status))
    out.sort()
    return out


def _office_hours(rng: random.Random, t: int, now: int) -> int:
    """Most tickets are filed on working days between 06:00 and 16:00 UTC."""
    day = t - t % DAY
    if rng.random() < 0.85:
        weekday = (day // DAY + 3) % 7  # 1970-01-01 was a Thursday
        if weekday >= 5:
            day -= (weekday - 4) * DAY
        candidate = day + rng.randrange(6 * HOUR, 16 * HOUR)
        if candidate < now - 10 * MINUTE:
            return candidate
    return t
