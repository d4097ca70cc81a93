"""Draining a big outbox to a real server (issue 4): the server's answers pile up while the
cache replays the outbox, and are stored together, so the replays stay far below N²/2."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from acero_desktop.sync.cache import ApplyReport
from tests.support.live_server import LiveServer
from tests.sync.harness import SyncClient, assert_exactly_once, converged, new_id, quiesce
from tests.sync.world import team_tickets

BACKLOG = 300


async def test_offline_backlog_drains_with_few_replays(
    live_server: LiveServer, tokens: dict[str, str], make_client: Callable[..., SyncClient]
) -> None:
    tickets = [tid for tid, _ in team_tickets(live_server, 3, title="Backlog ticket")]
    # Small pushes: the server answers in many frames (two per push), as with a slow link.
    agent = make_client("agent", live_server.ws_url, tokens["agent"], push_batch=10)
    agent.start()
    await agent.wait_idle()
    await agent.stop()

    # 300 changes made offline: comments, tasks and priority edits on three tickets.
    for k in range(BACKLOG):
        tid = tickets[k % 3]
        if k % 3 == 0:
            await agent.mutate("comment.add", {"id": new_id(), "ticket_id": tid, "body": f"b{k}"})
        elif k % 3 == 1:
            await agent.mutate("task.add", {"id": new_id(), "ticket_id": tid, "title": f"t{k}"})
        else:
            priority = ("low", "normal", "high", "urgent")[k % 4]
            await agent.mutate("ticket.update", {"id": tid, "priority": priority})
    assert len(agent.outbox_ids()) == BACKLOG

    # Count the replays: every rebase replays the outbox entries still pending.
    reports: list[ApplyReport] = []
    apply = agent.cache.apply_frames

    def counted(*a: Any, **kw: Any) -> ApplyReport:
        report = apply(*a, **kw)
        reports.append(report)
        return report

    agent.cache.apply_frames = counted  # type: ignore[method-assign]
    await quiesce([agent], live_server, timeout=240)
    await agent.wait_idle(timeout=60)
    assert_exactly_once(agent, live_server)
    assert agent.cache.issues() == []
    assert converged(agent, live_server) == []
    replayed = sum(r.replayed for r in reports)
    rebases = sum(r.rebases for r in reports)
    # One answer at a time, each rebase would replay what is left: two rebases per push of
    # 10, ~N²/10 (9,000) replays in all; N²/2 (45,000) at one frame per mutation.
    assert replayed < BACKLOG * 4, (rebases, replayed)
    print(f"{len(reports)} transactions, {rebases} rebases, {replayed} mutations replayed")
