"""Demo tickets: a plausible life for each ticket, written as the rows the mutations would leave.

Each ticket first gets its final status (by quota, so small stores still show every status) and
a creation time that suits it (open tickets are recent, closed ones spread over 18 months). Then
a workflow path to that status is drawn, every step timed, and walked: each step writes the
history rows ``core.history`` would write (field, readable old/new values, actor, channel), the
comments that go with it (first reply, questions while waiting, internal notes, the requester's
answers, threaded through ``parent_id``), and moves the SLA pause ledger. Tasks, watchers and
feedback hang off the finished path, so every timestamp falls inside the ticket's life.

Nothing here touches the database: rows are tuples in table column order (``demo_rows``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from acero_desktop.core.fractional import key_between
from acero_desktop.core.history import HistoryField, excerpt

from . import demo_vocab as vocab
from .demo_org import Category, Org, Person
from .demo_rows import Codec, Row
from .demo_schedule import AUTO_CLOSE_DAYS, DAY, HOUR, MINUTE, OPEN, schedule

T = TypeVar("T")

PRIORITY_PACE = {"urgent": 0.25, "high": 0.5, "normal": 1.0, "low": 2.0}
PRIORITIES = ("low", "normal", "high", "urgent")
# Mean hours of each step, by the status it leads to (scaled by the priority's pace).
STEP_HOURS = {
    "assigned": 2.0,
    "take": 2.0,  # new -> in_progress by an agent taking the ticket
    "in_progress": 4.0,
    "waiting": 6.0,
    "resume": 20.0,  # waiting -> in_progress
    "resolved": 20.0,
    "closed": 10.0,
    "reopened": 16.0,
    "cancelled": 10.0,
}
# History fields as plain strings (enum attribute access is measurable in the hot loop).
H_ASSIGNEE = HistoryField.ASSIGNEE.value
H_CANCEL_REASON = HistoryField.CANCEL_REASON.value
H_COMMENT = HistoryField.COMMENT.value
H_CREATED = HistoryField.CREATED.value
H_FEEDBACK = HistoryField.FEEDBACK.value
H_INTERNAL_NOTE = HistoryField.INTERNAL_NOTE.value
H_PRIORITY = HistoryField.PRIORITY.value
H_RESOLUTION = HistoryField.RESOLUTION.value
H_STATUS = HistoryField.STATUS.value
H_TASK = HistoryField.TASK.value
H_WAITING_ON = HistoryField.WAITING_ON.value
H_WATCHER = HistoryField.WATCHER.value
CHANNEL_WEIGHTS = (("desktop", 55), ("email", 35), ("rest", 10))
FEEDBACK_WEIGHTS = (5, 8, 12, 30, 45)  # ratings 1..5


def _fractional_keys(n: int) -> tuple[str, ...]:
    keys: list[str] = []
    last: str | None = None
    for _ in range(n):
        last = key_between(last, None)
        keys.append(last)
    return tuple(keys)


TASK_KEYS = _fractional_keys(8)


TABLES = ("ticket", "ticket_comment", "ticket_history", "ticket_task", "ticket_watcher", "feedback")


@dataclass
class Batch:
    """The rows of a run of consecutive tickets, by table."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: {t: [] for t in TABLES})

    def add(self, table: str, row: Row) -> None:
        self.rows[table].append(row)

    def __len__(self) -> int:
        return len(self.rows["ticket"])


@dataclass
class Notice:
    """Something a demo account might be notified about (picked from at the end)."""

    at: int
    user: str
    ticket_id: Any
    kind: str
    message: str


@dataclass
class KnowledgeSource:
    ticket_id: Any
    label: str
    at: int
    category: Category
    resolution: str
    author: Person


class _Slots(dict[str, str]):
    """Template values of one ticket: picked on first use, the same on every later use."""

    def __init__(self, factory: TicketFactory, number: int) -> None:
        super().__init__()
        self.f = factory
        self.number = number

    def __missing__(self, key: str) -> str:
        rng = self.f.rng
        pool = vocab.SLOTS.get(key)
        if pool is not None:
            value = self.f.pick(pool)
        elif key == "case":
            value = str(rng.randrange(10_000, 99_999))
        elif key == "other":
            value = str(rng.randrange(1, self.number) if self.number > 1 else 1)
        elif key == "invoice":
            value = f"INV-{rng.randrange(100_000, 999_999)}"
        else:
            raise KeyError(key)
        self[key] = value
        return value

    def fill(self, template: str) -> str:
        return template.format_map(self)


class TicketFactory:
    """Makes tickets one at a time, in creation order, into :class:`Batch` objects."""

    def __init__(self, org: Org, codec: Codec, *, tickets: int, now: int) -> None:
        self.org = org
        self.codec = codec
        self.rng = codec.rng
        self._random = codec.rng.random
        self.n = tickets
        self.now = now
        self.knowledge: dict[str, list[KnowledgeSource]] = {}
        self.notices: list[Notice] = []
        self.demo_ids = {p.id: name for name, p in org.people.items()}
        self.requester_share = max(0.01, min(0.15, 12 / max(tickets, 1)))
        self.service_desk = org.teams["Service Desk"].members
        # A weighted choice as a plain choice from a list: rng.choices is slow in a hot loop.
        self.channels = [name for name, weight in CHANNEL_WEIGHTS for _ in range(weight)]
        self.ratings = [r for r, weight in enumerate(FEEDBACK_WEIGHTS, 1) for _ in range(weight)]

    def pick(self, seq: Sequence[T]) -> T:
        """``rng.choice`` minus its rejection sampling: choices are the inner loop of seeding."""
        return seq[int(self._random() * len(seq))]

    # --- one ticket -------------------------------------------------------------------------

    def make(self, batch: Batch, number: int, created: int, final: str) -> None:
        _Ticket(self, batch, number, created, final).build()

    def pick_category(self) -> Category:
        weights = self.org.category_weights
        i = bisect_left(weights, self.rng.random() * weights[-1])
        return self.org.categories[min(i, len(weights) - 1)]

    def pick_requester(self) -> Person:
        if self.rng.random() < self.requester_share:
            return self.org.people["requester"]
        return self.pick(self.org.requesters)

    def pick_assignee(self, cat: Category, exclude: Person | None = None) -> Person:
        for _ in range(4):
            i = bisect_left(cat.cum_weights, self.rng.random() * cat.cum_weights[-1])
            person = cat.assignees[min(i, len(cat.assignees) - 1)]
            if person is not exclude:
                return person
        return next((p for p in cat.assignees if p is not exclude), cat.assignees[0])

    def channel(self) -> str:
        return self.pick(self.channels)

    def notice(self, at: int, person: Person, ticket_id: Any, kind: str, message: str) -> None:
        who = self.demo_ids.get(person.id)
        if who is not None and at > self.now - 45 * DAY:
            self.notices.append(Notice(at, who, ticket_id, kind, message))


class _Ticket:
    """The life of one ticket; ``build`` appends all its rows to the batch."""

    def __init__(self, f: TicketFactory, batch: Batch, number: int, created: int, final: str):
        self.f = f
        self.rng = f.rng
        self.pick = f.pick
        self.c = f.codec
        self.batch = batch
        self.history_rows = batch.rows["ticket_history"]
        self.comment_rows = batch.rows["ticket_comment"]
        self.number = number
        self.label = f"ACR-{number}"
        self.created = created
        self.final = final
        self.cat = f.pick_category()
        self.leaf = self.cat.leaf or self.pick(self.cat.root.leaves)
        self.team = self.cat.team
        self.requester = f.pick_requester()
        self.slots = _Slots(f, number)
        self.id = self.c.new_id(created)
        self.comment_seq = 0
        self.last_public: Any = None  # the comment a reply threads under
        self.last_at = created

    # --- orchestration ----------------------------------------------------------------------

    def build(self) -> None:
        rng = self.rng
        self.priority = self.cat.priority
        initial_priority = self.priority
        if rng.random() < 0.22:
            step = 1 if rng.random() < 0.6 else -1
            rank = min(3, max(0, PRIORITIES.index(self.priority) + step))
            self.priority = PRIORITIES[rank]
            if rng.random() >= 0.3:
                initial_priority = self.priority  # set like this at creation
        self.slots["team"] = self.team.name
        self.slots["req_first"] = self.requester.first
        self.slots["agent_first"] = self.team.lead.first
        title = self.slots.fill(self.pick(self.leaf.titles))
        description = self._description()

        path = self._path()
        times = self._times(path)
        self.created_by = self.requester
        channel = self.f.channel()
        if channel == "desktop" and rng.random() < 0.12:
            self.created_by = self.pick(self.f.service_desk)  # a phone call typed in
        self._history(self.created, self.created_by, channel, H_CREATED, None, None)
        if initial_priority != self.priority:
            at = self.created + max(1, (times[0] - self.created) // 3) if times else self.created
            at = min(at, self.f.now)
            self._history(
                at,
                self.team.lead,
                "desktop",
                H_PRIORITY,
                initial_priority,
                self.priority,
            )
        self._walk(path, times)
        self._extras()
        self._ticket_row(title, description)

    def _description(self) -> str:
        rng = self.rng
        fill = self.slots.fill
        parts = [fill(self.pick(self.leaf.details))]
        if rng.random() < 0.6:
            parts.append(fill(self.pick(vocab.SINCE)))
        if rng.random() < 0.6:
            parts.append(fill(self.pick(vocab.ATTEMPTS)))
        if rng.random() < 0.5:
            parts.append(fill(self.pick(vocab.IMPACTS)))
        opener = self.pick(vocab.OPENERS)
        body = " ".join(parts)
        closing = f"{self.pick(vocab.CLOSINGS)}\n{self.requester.first}"
        return f"{opener}\n\n{body}\n\n{closing}" if opener else f"{body}\n\n{closing}"

    # --- the path and its timing ------------------------------------------------------------

    def _path(self) -> list[str]:
        """The statuses after ``new``, ending in the final status."""
        rng = self.rng
        final = self.final
        if final == "new":
            return []
        if final == "assigned":
            return ["assigned"]
        if final == "cancelled":
            r = rng.random()
            prefix = [] if r < 0.5 else ["assigned"] if r < 0.7 else self._start()
            return [*prefix, "cancelled"]
        if final in ("resolved", "closed", "reopened") and rng.random() < 0.06:
            work = ["resolved"]  # a quick fix: an agent takes and resolves it at once
        else:
            work = [*self._start(), *self._loops(2 if final != "in_progress" else 1)]
            if final == "waiting":
                return [*work, "waiting"]
            if final == "in_progress":
                return work
            if rng.random() < 0.1:
                work.append("waiting")  # resolved straight from waiting
            work.append("resolved")
        if final == "resolved":
            return work
        if final == "reopened":
            return [*work, "reopened"]
        if rng.random() < 0.12:
            work += ["reopened", "in_progress", "resolved"]
        return [*work, "closed"]

    def _start(self) -> list[str]:
        """Someone assigns the ticket first, or an agent takes it straight into progress."""
        if self.cat.auto_assign or self.rng.random() < 0.6:
            return ["assigned", "in_progress"]
        return ["in_progress"]

    def _loops(self, most: int) -> list[str]:
        out: list[str] = []
        for _ in range(most):
            if self.rng.random() < 0.2:
                out += ["waiting", "in_progress"]
        return out

    def _times(self, path: list[str]) -> list[int]:
        """When each step happened: strictly increasing, before now."""
        rng = self.rng
        pace = PRIORITY_PACE[self.priority]
        gaps: list[float] = []
        prev = "new"
        for status in path:
            if status == "assigned" and prev == "new" and self.cat.auto_assign:
                gaps.append(1.0)
            elif status == "closed" and rng.random() < 0.5:
                gaps.append(AUTO_CLOSE_DAYS * DAY)  # auto-close
            else:
                key = (
                    "take"
                    if prev == "new" and status == "in_progress"
                    else "resume"
                    if prev == "waiting" and status == "in_progress"
                    else status
                )
                hours = STEP_HOURS[key] * (pace if key not in ("closed", "resume") else 1.0)
                if key == "resolved" and rng.random() < 0.12:
                    hours *= 6  # the long tail that breaches SLAs
                gaps.append(rng.expovariate(1 / (hours * HOUR)) + MINUTE)
            prev = status
        room = self.f.now - self.created - MINUTE
        total = sum(gaps)
        if total > room:
            factor = room / total
            gaps = [g * factor for g in gaps]
        out: list[int] = []
        t = self.created
        for g in gaps:
            t = min(max(t + 1, t + int(g)), self.f.now - 1)
            out.append(t)
        return out

    # --- walking the path -------------------------------------------------------------------

    def _walk(self, path: list[str], times: list[int]) -> None:
        rng = self.rng
        f = self.f
        self.assignee: Person | None = None
        self.status = "new"
        self.waiting_on: str | None = None
        self.paused_since: int | None = None
        self.paused_seconds = 0
        self.first_response: int | None = None
        self.resolved_at: int | None = None
        self.closed_at: int | None = None
        self.cancelled_at: int | None = None
        self.resolution: str | None = None
        self.cancel_reason: str | None = None
        self.reopens = 0
        question: Any = None
        last_end = f.now if self.final in OPEN or self.final == "resolved" else None
        ends = [*times[1:], last_end] if times else []
        for status, at, seg_end in zip(path, times, ends, strict=True):
            prev = self.status
            if status == "assigned":
                self._assign(at, prev)
            elif status == "in_progress":
                if self.assignee is None:
                    self._take(at)
                elif prev == "waiting" and self.waiting_on == "requester":
                    # The requester's answer moves the ticket back (comment.add's implicit step).
                    self._comment(at, self.requester, vocab.REQUESTER_REPLIES, question)
                    self._status(at, self.requester, status, channel=None)
                else:
                    self._status(at, self._actor(), status)
                if prev == "waiting":
                    self._resume(at)
                if self.first_response is None:
                    self.first_response = at
                    self._comment(at, self._actor(), vocab.FIRST_REPLIES)
            elif status == "waiting":
                self.waiting_on = "requester" if rng.random() < 0.7 else "third_party"
                question = self._comment(at, self._actor(), self.leaf.questions)
                self._history(at, self._actor(), "desktop", H_WAITING_ON, None, self.waiting_on)
                self._status(at, self._actor(), status)
                self.paused_since = at
            elif status == "resolved":
                self._resolve(at, prev)
            elif status == "reopened":
                self._reopen(at)
            elif status == "closed":
                self._close(at)
            elif status == "cancelled":
                self._cancel(at)
            if seg_end is not None and seg_end > at + 2:
                self._chatter(status, at, seg_end)
        if self.final == "new" and rng.random() < 0.25:
            self._comment(self._between(self.created, f.now), self.requester, vocab.FOLLOW_UPS)

    def _actor(self) -> Person:
        return self.assignee or self.team.lead

    def _assign(self, at: int, prev: str) -> None:
        f = self.f
        person = f.pick_assignee(self.cat)
        if self.cat.auto_assign and prev == "new":
            actor, channel = None, "system"
        else:
            actor = self.team.lead if self.rng.random() < 0.5 else person
            channel = "desktop"
        if self.assignee is not person:
            self._history(
                at,
                actor,
                channel,
                H_ASSIGNEE,
                self.assignee.name if self.assignee else None,
                person.name,
            )
            self._set_assignee(person, at)
        self._status(at, actor, "assigned", channel=channel)
        f.notice(at, person, self.id, "assigned", f"{self.label} was assigned to you")

    def _take(self, at: int) -> None:
        person = self.f.pick_assignee(self.cat)
        self._history(at, person, "desktop", H_ASSIGNEE, None, person.name)
        self._set_assignee(person, at)
        self._status(at, person, "in_progress")

    def _set_assignee(self, person: Person, at: int) -> None:
        self.assignee = person
        if person.last_assigned_at is None or at > person.last_assigned_at:
            person.last_assigned_at = at

    def _resume(self, at: int) -> None:
        if self.paused_since is not None:
            self.paused_seconds += self.f.org.clock.between(self.paused_since, at)
        self.paused_since = None
        self.waiting_on = None

    def _resolve(self, at: int, prev: str) -> None:
        text = self.slots.fill(self.pick(self.leaf.resolutions))
        if self.assignee is None:  # the quick fix: take and resolve
            person = self.f.pick_assignee(self.cat)
            self._history(at, person, "desktop", H_ASSIGNEE, None, person.name)
            self._set_assignee(person, at)
        actor = self._actor()
        if prev == "waiting":
            self._resume(at)
        self._history(at, actor, "desktop", H_RESOLUTION, None, text)
        self._status(at, actor, "resolved")
        self.resolution = text
        self.resolved_at = at
        if self.first_response is None:
            self.first_response = at
        if self.rng.random() < 0.35 or self.comment_seq == 0:
            self.slots["resolution"] = text
            self._comment(at, actor, vocab.RESOLVE_NOTES)
        self.f.notice(at, self.requester, self.id, "resolved", f"{self.label} was resolved")
        sources = self.f.knowledge.setdefault(self.cat.name, [])
        if len(sources) < 4 and self.final == "closed":
            sources.append(KnowledgeSource(self.id, self.label, at, self.cat, text, actor))

    def _reopen(self, at: int) -> None:
        reason = self.pick(vocab.REOPEN_REASONS)
        self._comment(at, self.requester, (reason,), self.last_public)
        self._history(at, self.requester, "desktop", H_RESOLUTION, self.resolution, None)
        self._status(at, self.requester, "reopened", note=reason)
        self.resolution = None
        self.resolved_at = None
        self.reopens += 1
        if self.assignee is not None:
            self.f.notice(at, self.assignee, self.id, "reopened", f"{self.label} was reopened")

    def _close(self, at: int) -> None:
        if at - (self.resolved_at or at) >= AUTO_CLOSE_DAYS * DAY:
            self._status(
                at,
                None,
                "closed",
                channel="system",
                note=f"Closed automatically after {AUTO_CLOSE_DAYS} days",
            )
        else:
            if self.rng.random() < 0.25:
                self._comment(at, self.requester, ("Thanks, all good now!", "Works, thank you."))
            self._status(at, self.requester, "closed")
        self.closed_at = at

    def _cancel(self, at: int) -> None:
        rng = self.rng
        if rng.random() < 0.6:
            reason, actor = "withdrawn", self.requester
        else:
            reason = "duplicate" if rng.random() < 0.8 else "other"
            actor = self.team.lead
        note = self.slots.fill(self.pick(vocab.CANCEL_NOTES[reason]))
        if self.status == "waiting":
            self._resume(at)
        self._history(at, actor, "desktop", H_CANCEL_REASON, None, reason)
        self._status(at, actor, "cancelled", note=note)
        self.cancel_reason = reason
        self.cancelled_at = at

    def _chatter(self, status: str, start: int, end: int) -> None:
        """Conversation inside a stretch of work: replies, internal notes, reminders."""
        rng = self.rng
        if status == "in_progress":
            if rng.random() < 0.25 and self.last_public is not None:
                at = self._between(start, end)
                self._comment(at, self.requester, vocab.REQUESTER_REPLIES, self.last_public)
            if rng.random() < 0.25:
                self._internal_note(self._between(start, end))
            if rng.random() < 0.1:
                at = self._between(start, end)
                asked = self._comment(at, self._actor(), self.leaf.questions)
                self._comment(
                    self._between(at, end), self.requester, vocab.REQUESTER_REPLIES, asked
                )
            if rng.random() < 0.06 and len(self.team.members) > 1:
                self._reassign(self._between(start, end))
        elif status == "waiting" and self.waiting_on == "third_party" and rng.random() < 0.5:
            self._internal_note(self._between(start, end))
        elif status == "assigned" and rng.random() < 0.2:
            self._comment(self._between(start, end), self.requester, vocab.FOLLOW_UPS)

    def _reassign(self, at: int) -> None:
        person = self.f.pick_assignee(self.cat, exclude=self.assignee)
        if person is self.assignee:
            return
        old = self.assignee.name if self.assignee else None
        self._history(at, self.team.lead, "desktop", H_ASSIGNEE, old, person.name)
        self._set_assignee(person, at)
        self.f.notice(at, person, self.id, "assigned", f"{self.label} was assigned to you")

    def _internal_note(self, at: int) -> None:
        author = self._actor()
        if self.rng.random() < 0.3:
            author = self.pick(self.team.members)
        colleague = self.pick(self.team.members)
        self.slots["colleague_first"] = colleague.first
        self._comment(at, author, vocab.INTERNAL_NOTES, internal=True)

    def _between(self, start: int, end: int) -> int:
        return start + 1 + int(self.rng.random() * max(0, end - start - 2))

    # --- rows ---------------------------------------------------------------------------------

    def _status(
        self,
        at: int,
        actor: Person | None,
        to: str,
        *,
        channel: str | None = "desktop",
        note: str | None = None,
    ) -> None:
        if channel is None:
            channel = self.f.channel() if actor is self.requester else "desktop"
        self._history(at, actor, channel, H_STATUS, self.status, to, note=note)
        self.status = to

    def _history(
        self,
        at: int,
        actor: Person | None,
        channel: str,
        field: str,
        old: str | None,
        new: str | None,
        *,
        note: str | None = None,
    ) -> None:
        c = self.c
        self.history_rows.append(
            (
                c.new_id(at),
                self.id,
                actor.id if actor else None,
                c.ts(at),
                field,
                old,
                new,
                channel,
                note,
            ),
        )
        if at > self.last_at:
            self.last_at = at

    def _comment(
        self,
        at: int,
        author: Person,
        templates: tuple[str, ...],
        parent: Any = None,
        *,
        internal: bool = False,
    ) -> Any:
        rng = self.rng
        c = self.c
        if author is not self.requester:
            self.slots["agent_first"] = author.first
        body = self.slots.fill(self.pick(templates))
        self.comment_seq += 1
        comment_id = c.new_id(at)
        edited = at + rng.randrange(60, 900) if rng.random() < 0.03 else None
        deleted = at + rng.randrange(60, 3600) if rng.random() < 0.005 else None
        if edited is not None and edited >= self.f.now:
            edited = None
        if deleted is not None and deleted >= self.f.now:
            deleted = None
        self.comment_rows.append(
            (
                comment_id,
                self.id,
                parent,
                author.id,
                body,
                c.flag(internal),
                c.ts(at),
                c.ts(edited),
                c.ts(deleted),
            ),
        )
        if not internal:
            self.last_public = comment_id
        field = H_INTERNAL_NOTE if internal else H_COMMENT
        channel = self.f.channel() if author is self.requester else "desktop"
        self._history(at, author, channel, field, None, None, note=excerpt(body))
        if not internal and author is self.requester and self.assignee is not None:
            self.f.notice(
                at, self.assignee, self.id, "comment", f"{author.name} replied on {self.label}"
            )
        elif not internal and author is not self.requester:
            self.f.notice(
                at, self.requester, self.id, "comment", f"{author.name} replied on {self.label}"
            )
        return comment_id

    def _extras(self) -> None:
        """Tasks, watchers and feedback, all inside the ticket's life so far."""
        rng = self.rng
        c = self.c
        end = self.closed_at or self.cancelled_at or self.f.now
        if self.first_response is not None and rng.random() < 0.2:
            titles = list(self.leaf.tasks)
            rng.shuffle(titles)
            for i, title in enumerate(titles[: rng.randint(1, min(4, len(titles)))]):
                made = self._between(self.first_response, max(self.first_response + 2, end))
                owner = self.assignee if rng.random() < 0.7 else self.pick(self.team.members)
                state, done = self._task_state(made, end)
                due = made + rng.randint(1, 7) * DAY
                self.batch.add(
                    "ticket_task",
                    (
                        c.new_id(made),
                        self.id,
                        title,
                        owner.id if owner else None,
                        state,
                        TASK_KEYS[i],
                        c.ts(due),
                        c.ts(made),
                        c.ts(done or made),
                        c.ts(done),
                    ),
                )
                self._history(made, self._actor(), "desktop", H_TASK, None, title)
        if rng.random() < 0.15:
            seen = {self.requester.id}
            for _ in range(rng.randint(1, 2)):
                who = self.pick(self.f.org.requesters) if rng.random() < 0.6 else self.team.lead
                if who.id in seen:
                    continue
                seen.add(who.id)
                at = self._between(self.created, end)
                self.batch.add("ticket_watcher", (c.new_id(at), self.id, who.id))
                self._history(at, who, "desktop", H_WATCHER, None, who.name)
        if self.closed_at is not None and rng.random() < 0.6:
            rating = self.pick(self.f.ratings)
            comment = self.pick(("", *vocab.FEEDBACK_COMMENTS[rating]))
            at = max(
                self.closed_at, min(self.closed_at + rng.randrange(60, 6 * HOUR), self.f.now - 1)
            )
            self.batch.add(
                "feedback", (c.new_id(at), self.id, self.requester.id, rating, comment, c.ts(at))
            )
            self._history(
                at,
                self.requester,
                "desktop",
                H_FEEDBACK,
                None,
                str(rating),
                note=excerpt(comment) if comment else None,
            )

    def _task_state(self, made: int, end: int) -> tuple[str, int | None]:
        rng = self.rng
        finished = self.final in ("resolved", "closed")
        if finished or (self.final != "cancelled" and rng.random() < 0.4):
            return "done", self._between(made, max(made + 2, self.resolved_at or end))
        return ("doing" if rng.random() < 0.5 else "todo"), None

    def _ticket_row(self, title: str, description: str) -> None:
        c = self.c
        org = self.f.org
        policy = self.cat.policy
        first_minutes, resolution_minutes = org.targets[(policy, self.priority)]
        clock = org.clock
        paused = self.paused_seconds
        first_due = clock.add(self.created, first_minutes * MINUTE + paused)
        resolution_due = clock.add(self.created, resolution_minutes * MINUTE + paused)
        self._sla_notices(resolution_due)
        self.batch.add(
            "ticket",
            (
                self.id,
                self.number,
                title,
                description,
                self.status,
                self.priority,
                self.cat.id,
                self.requester.id,
                self.assignee.id if self.assignee else None,
                self.team.id,
                self.created_by.id,
                self.waiting_on,
                org.policy_ids[policy],
                first_minutes,
                resolution_minutes,
                c.ts(first_due),
                c.ts(resolution_due),
                c.ts(self.paused_since),
                paused,
                c.ts(self.created),
                c.ts(self.last_at),
                c.ts(self.first_response),
                c.ts(self.resolved_at),
                c.ts(self.closed_at),
                c.ts(self.cancelled_at),
                self.resolution,
                self.cancel_reason,
                self.reopens,
            ),
        )

    def _sla_notices(self, due: int) -> None:
        f = self.f
        if self.final not in OPEN or self.paused_since is not None:
            return
        if due < f.now:
            f.notice(
                due,
                self.team.lead,
                self.id,
                "sla_breach",
                f"{self.label} breached its resolution target",
            )
            if self.assignee is not None:
                f.notice(
                    due,
                    self.assignee,
                    self.id,
                    "sla_breach",
                    f"{self.label} breached its resolution target",
                )
        elif self.assignee is not None and due - 2 * HOUR < f.now:
            f.notice(
                due - 2 * HOUR,
                self.assignee,
                self.id,
                "sla_warning",
                f"{self.label} is due in less than 2 hours",
            )


def batches(factory: TicketFactory, size: int) -> Iterator[tuple[int, Batch]]:
    """Tickets in creation order, ``size`` at a time: (tickets made so far, their rows)."""
    batch = Batch()
    made = 0
    for number, (created, final) in enumerate(schedule(factory.rng, factory.n, factory.now), 1):
        factory.make(batch, number, created, final)
        made = number
        if number % size == 0:
            yield made, batch
            batch = Batch()
    if len(batch):
        yield made, batch
