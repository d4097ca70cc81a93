"""Reading SLA clocks for display: the policies' calendars loaded once, measured per row."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from acero_desktop.core import sla
from acero_desktop.core.sla_fields import calendar_from_row
from acero_desktop.models import BusinessCalendar, SlaPolicy

SlaState = sla.SlaState


@dataclass(frozen=True, slots=True)
class SlaCell:
    """What the table's SLA column shows: words and the state that colours them."""

    state: SlaState
    text: str
    due_at: datetime | None = None

    @property
    def tooltip(self) -> str:
        if self.due_at is None:
            return "No resolution target"
        due = self.due_at.astimezone().strftime("%a %d %b %H:%M")
        return f"Resolution due {due} ({self.text}, business hours)"


NO_SLA = SlaCell(SlaState.NONE, "—")


class SlaCalendars:
    """Every policy's calendar and amber share (a handful of rows), read once per refresh."""

    def __init__(self) -> None:
        self._policies: dict[uuid.UUID, tuple[sla.BusinessCalendar, float]] = {}

    def load(self, session: Session) -> None:
        calendars = {c.id: calendar_from_row(c) for c in session.scalars(select(BusinessCalendar))}
        self._policies = {
            p.id: (calendars[p.calendar_id], p.at_risk_share)
            for p in session.scalars(select(SlaPolicy))
            if p.calendar_id in calendars
        }

    def measure(
        self,
        policy_id: uuid.UUID | None,
        *,
        started_at: datetime,
        target_minutes: int | None,
        paused_seconds: int,
        paused_since: datetime | None,
        done_at: datetime | None,
        now: datetime,
    ) -> sla.SlaMeasure | None:
        entry = self._policies.get(policy_id) if policy_id is not None else None
        if entry is None or target_minutes is None or target_minutes <= 0:
            return None
        calendar, share = entry
        return sla.measure(
            calendar,
            started_at=started_at,
            target=timedelta(minutes=target_minutes),
            paused=timedelta(seconds=max(0, paused_seconds)),
            paused_since=paused_since,
            done_at=done_at,
            now=now,
            at_risk_share=share if 0 < share <= 1 else 0.75,
        )


def cell(measure: sla.SlaMeasure | None, *, done: bool = False) -> SlaCell:
    """Words for one clock; ``done``: the clock stopped (answered, resolved, cancelled)."""
    if measure is None or measure.state is SlaState.NONE or measure.time_left is None:
        return NO_SLA
    if measure.state is SlaState.PAUSED:
        return SlaCell(SlaState.PAUSED, "paused", measure.due_at)
    if measure.state is SlaState.MET:
        return SlaCell(SlaState.MET, "met", measure.due_at)
    if measure.state is SlaState.BREACHED and done:
        late = sla.format_time_left(measure.time_left).removeprefix("overdue by ")
        text = f"missed by {late}" if measure.time_left < timedelta(0) else "missed"
        return SlaCell(SlaState.BREACHED, text, measure.due_at)
    return SlaCell(measure.state, sla.format_time_left(measure.time_left), measure.due_at)
