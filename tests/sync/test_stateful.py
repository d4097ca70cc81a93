"""Stateful property test: three clients against ONE real server process.

Two agents of the same team and a requester make random changes (often to the same tickets,
so titles conflict and status changes cross), go offline and come back, and the server is
restarted (SIGTERM or SIGKILL) on the same store. After every step: each outbox is ordered,
no client's cursor is ahead of the server or goes back, and the server never processed more
of a client's mutations than it queued (nothing applied twice). At the end, with everyone
online, every outbox drains within a bounded time, every cache equals what the server shows
that user, and every queued mutation was applied exactly once or rejected with a sync issue.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from acero_desktop.core.errors import AceroError
from acero_desktop.models import Ticket
from tests.support.live_server import LiveServer
from tests.sync.harness import (
    SyncClient,
    assert_exactly_once,
    fast_options,
    new_id,
    quiesce,
    server_record,
)
from tests.sync.world import DemoWorld, demo_world, team_tickets

STAFF = ("agent", "mate")
NAMES = ("agent", "mate", "requester")
TITLES = ("VPN drops", "VPN drops at night", "Cannot print", "Wi-Fi slow", "Phone dead")
STATUSES = ("assigned", "in_progress", "waiting", "resolved", "cancelled", "reopened", "closed")
_examples = itertools.count()


def status_args(to: str) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if to == "waiting":
        extra["waiting_on"] = "requester"
    elif to == "resolved":
        extra["resolution"] = "Replaced the cable."
    elif to == "cancelled":
        extra["cancel_reason"] = "duplicate"
    elif to == "reopened":
        extra["reason"] = "It happens again."
    return extra


class SyncMachine(RuleBasedStateMachine):
    server: ClassVar[LiveServer]
    tokens: ClassVar[dict[str, str]]
    world: ClassVar[DemoWorld]
    workdir: ClassVar[Path]
    summary: ClassVar[Counter[str]] = Counter()
    shared: ClassVar[list[str]] = []  # tickets all three see, made once for the whole test

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        n = next(_examples)
        self.clients: dict[str, SyncClient] = {}
        for name in NAMES:
            self.clients[name] = SyncClient(
                name,
                self.workdir / f"ex{n}-{name}.db",
                self.server.ws_url,
                self.tokens[name],
                fast_options(),
            )
        self.tickets: list[str] = list(self.shared)
        self.restarts = 0
        self.cursors: dict[str, int] = {}

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    @initialize()
    def connect_everyone(self) -> None:
        async def ready() -> None:
            for c in self.clients.values():
                c.start()
            for c in self.clients.values():
                await c.wait_idle(timeout=90)

        self.run(ready())

    # -- helpers --------------------------------------------------------------------------

    def visible(self, name: str) -> list[Ticket]:
        """The tickets of this run the client shows now (its cache), oldest first."""
        if not self.tickets:
            return []
        ids = [uuid.UUID(t) for t in self.tickets]
        with self.clients[name].cache.session() as s:
            found = {str(t.id): t for t in s.scalars(select(Ticket).where(Ticket.id.in_(ids)))}
        return [found[t] for t in self.tickets if t in found]

    def mutate(self, name: str, mutation: str, args: dict[str, Any]) -> bool:
        """Queue a change; a change the client refuses itself is not queued (that is fine)."""
        try:
            self.run(self.clients[name].mutate(mutation, args))
        except AceroError:
            return False
        return True

    # -- data rules -----------------------------------------------------------------------

    @rule(who=st.sampled_from(NAMES), title=st.sampled_from(TITLES))
    def create_ticket(self, who: str, title: str) -> None:
        tid = new_id()
        args: dict[str, Any] = {
            "id": tid,
            "title": title,
            "description": "Found by the property test.",
            "category_id": str(self.world.category_id),
        }
        if who in STAFF:
            args["requester_id"] = str(self.world.users["requester"])
        if self.mutate(who, "ticket.create", args):
            self.tickets.append(tid)

    @rule(who=st.sampled_from(NAMES), data=st.data(), title=st.sampled_from(TITLES))
    def retitle(self, who: str, data: st.DataObject, title: str) -> None:
        shown = self.visible(who)
        if shown:
            t = data.draw(st.sampled_from(shown), label="ticket")
            self.mutate(
                who, "ticket.update", {"id": str(t.id), "title": title, "base_title": t.title}
            )

    @rule(
        who=st.sampled_from(STAFF),
        data=st.data(),
        priority=st.sampled_from(("low", "normal", "high", "urgent")),
    )
    def set_priority(self, who: str, data: st.DataObject, priority: str) -> None:
        shown = self.visible(who)
        if shown:
            t = data.draw(st.sampled_from(shown), label="ticket")
            self.mutate(who, "ticket.update", {"id": str(t.id), "priority": priority})

    @rule(who=st.sampled_from(NAMES), data=st.data(), to=st.sampled_from(STATUSES))
    def set_status(self, who: str, data: st.DataObject, to: str) -> None:
        shown = self.visible(who)
        if shown:
            t = data.draw(st.sampled_from(shown), label="ticket")
            args = {"id": str(t.id), "from_status": t.status.value, "to_status": to}
            self.mutate(who, "ticket.set_status", {**args, **status_args(to)})

    @rule(who=st.sampled_from(NAMES), data=st.data(), internal=st.booleans())
    def comment(self, who: str, data: st.DataObject, internal: bool) -> None:
        shown = self.visible(who)
        if shown:
            t = data.draw(st.sampled_from(shown), label="ticket")
            args = {"id": new_id(), "ticket_id": str(t.id), "body": f"Note from {who}"}
            if internal and who in STAFF:
                args["internal"] = True
            self.mutate(who, "comment.add", args)

    @rule(who=st.sampled_from(STAFF), data=st.data())
    def add_task(self, who: str, data: st.DataObject) -> None:
        shown = self.visible(who)
        if shown:
            t = data.draw(st.sampled_from(shown), label="ticket")
            self.mutate(
                who, "task.add", {"id": new_id(), "ticket_id": str(t.id), "title": "Check it"}
            )

    @rule(
        pair=st.sampled_from((("agent", "mate"), ("mate", "requester"), ("requester", "agent"))),
        data=st.data(),
        title=st.booleans(),
    )
    def race(self, pair: tuple[str, str], data: st.DataObject, title: bool) -> None:
        """Two people change the same ticket at the same moment, from the same view: a retitle
        each (the second is refused as a conflict) or incompatible status changes."""
        a, b = pair
        seen_a = {str(t.id): t for t in self.visible(a)}
        both = [t for t in self.visible(b) if str(t.id) in seen_a]
        if not both:
            return
        t = data.draw(st.sampled_from(both), label="ticket")
        if title:
            for who in pair:
                self.mutate(
                    who,
                    "ticket.update",
                    {"id": str(t.id), "title": f"{t.title[:40]} ({who})", "base_title": t.title},
                )
        else:
            for who, to in zip(pair, ("cancelled", "resolved"), strict=True):
                args = {"id": str(t.id), "from_status": t.status.value, "to_status": to}
                self.mutate(who, "ticket.set_status", {**args, **status_args(to)})

    # -- network and crashes --------------------------------------------------------------

    @rule(who=st.sampled_from(NAMES))
    def go_offline(self, who: str) -> None:
        self.run(self.clients[who].stop())

    @rule(who=st.sampled_from(NAMES))
    def go_online(self, who: str) -> None:
        self.run(self.clients[who].astart())

    @rule(seconds=st.sampled_from((0.05, 0.3, 1.0)))
    def let_time_pass(self, seconds: float) -> None:
        self.run(asyncio.sleep(seconds))

    @precondition(lambda self: self.restarts < 1)
    @rule(kill=st.booleans())
    def restart_server(self, kill: bool) -> None:
        self.restarts += 1
        self.server.restart(kill=kill)

    # -- invariants -----------------------------------------------------------------------

    @invariant()
    def outboxes_are_ordered_and_nothing_is_applied_twice(self) -> None:
        head = self.server.head() if self.server.alive else None
        for name, c in self.clients.items():
            ids = c.outbox_ids()
            meta = c.cache.meta()
            assert ids == sorted(set(ids)), f"{name}: outbox ids {ids}"
            assert all(i < meta.next_mutation_id for i in ids)
            issued = meta.next_mutation_id - 1
            assert c.issued == list(range(1, issued + 1)), f"{name}: ids handed out {c.issued}"
            record = server_record(self.server, c.client_id)
            assert record.last_mutation_id <= issued, f"{name}: server is ahead of the client"
            assert set(record.results) <= set(range(1, issued + 1)), (
                f"{name}: server processed {sorted(record.results)} but only 1..{issued} exist"
            )
            # Pending entries the server has not processed yet follow its last id, no hole.
            beyond = [i for i in ids if i > record.last_mutation_id]
            assert beyond == list(range(record.last_mutation_id + 1, issued + 1)), (
                f"{name}: unprocessed {beyond}, server at {record.last_mutation_id}"
            )
            cursor = meta.cursor or 0
            assert cursor >= self.cursors.get(name, 0), f"{name}: cursor went back"
            self.cursors[name] = cursor
            if head is not None:
                assert cursor <= head, f"{name}: cursor {cursor} ahead of the server {head}"

    # -- the end ----------------------------------------------------------------------------

    def teardown(self) -> None:
        try:
            if not self.server.alive:
                self.server.start()
            self.run(quiesce(self.clients.values(), self.server, timeout=120))
            rejected = queued = 0
            for c in self.clients.values():
                assert_exactly_once(c, self.server)
                assert c.engine.stop_reason is None
                queued += len(c.issued)
                rejected += len(c.cache.issues(include_dismissed=True))
            # What the runs exercised (printed at the end of the test).
            SyncMachine.summary.update(
                examples=1, restarts=self.restarts, queued=queued, rejected=rejected
            )
        finally:
            for c in self.clients.values():
                self.run(c.close())
            self.loop.close()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_clients_converge_and_apply_each_mutation_once(
    live_server: LiveServer, tmp_path: Path
) -> None:
    world = demo_world(live_server)
    users = {"agent": "agent", "mate": world.teammate, "requester": "requester"}
    SyncMachine.server = live_server
    SyncMachine.tokens = {name: live_server.login(user) for name, user in users.items()}
    SyncMachine.world = world
    SyncMachine.workdir = tmp_path
    SyncMachine.shared = [tid for tid, _title in team_tickets(live_server, 4, title="Shared")]
    run_state_machine_as_test(
        SyncMachine,
        settings=settings(
            max_examples=10,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=False,
        ),
    )
    print(f"stateful runs: {dict(SyncMachine.summary)}")
