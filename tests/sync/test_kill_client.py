"""kill -9 of a client process at random moments: during its snapshot, its catch-up and its
pushes. After each kill the client is started again (no new changes) and must converge with
nothing lost and nothing applied twice.

Each trial forks a client process (tests/sync/client_proc.py) on the same cache file: it
queues a few comments and tasks on one ticket and syncs; the test kills it with SIGKILL at a
moment chosen from what it logs (right after its n-th change is committed, as it starts
catching up, or after a random delay). Between trials a teammate writes, so there is always
something to catch up with.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from acero_desktop.models import TicketComment, TicketTask
from tests.support.live_server import REPO, LiveServer
from tests.sync.harness import SyncClient, assert_exactly_once, fast_options, new_id, quiesce
from tests.sync.world import demo_world, team_tickets

CLIENT_PROC = Path(__file__).with_name("client_proc.py")
TRIALS = int(os.environ.get("ACERO_KILL_TRIALS", "21"))


class Zygote:
    """The forking client launcher (see client_proc.py)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(CLIENT_PROC)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        ready = self._read()
        assert "ready" in ready, ready

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, "the client launcher died"
        return json.loads(line)  # type: ignore[no-any-return]

    def call(self, **cmd: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def log_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line.split(" ", 1)[1] for line in path.read_text().splitlines() if " " in line]


async def wait_for_line(path: Path, want: Any, timeout: float) -> str | None:
    """The first log line for which ``want(line)`` holds, or None after ``timeout`` or idle."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log_lines(path):
            if want(line):
                return line
            if line == "idle" or line.startswith("failed"):
                return line
        await asyncio.sleep(0.002)
    return None


def next_id_of(cache: Path) -> int:
    if not cache.exists():
        return 1
    conn = sqlite3.connect(cache)
    try:
        row = conn.execute("SELECT next_mutation_id FROM client_sync_meta").fetchone()
    except sqlite3.OperationalError:  # killed before the tables were made
        return 1
    finally:
        conn.close()
    return int(row[0]) if row else 1


def tagged(server: LiveServer, tag: str) -> Counter[str]:
    """How many comments and tasks on the server carry each text of a trial."""
    with server.read() as s:
        texts = list(
            s.scalars(select(TicketComment.body).where(TicketComment.body.like(f"{tag} #%")))
        )
        texts += list(s.scalars(select(TicketTask.title).where(TicketTask.title.like(f"{tag} #%"))))
    return Counter(texts)


@pytest.mark.slow
@pytest.mark.timeout(1200)
async def test_client_killed_at_random_moments_loses_and_duplicates_nothing(
    live_server: LiveServer, tmp_path: Path
) -> None:
    seed = int(os.environ.get("ACERO_KILL_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    world = demo_world(live_server)
    token = live_server.login("agent")
    mate = SyncClient(
        "mate",
        tmp_path / "mate.db",
        live_server.ws_url,
        live_server.login(world.teammate),
        fast_options(),
    )
    mate.start()
    await mate.wait_idle(timeout=90)
    ticket = team_tickets(live_server, 1, title="Kill test")[0][0]
    cache = tmp_path / "killed-client.db"
    zygote = Zygote()
    moments: Counter[str] = Counter()
    try:
        for trial in range(TRIALS):
            kind = ("catch-up", "push", "answer", "random")[trial % 4]
            if trial:  # something to catch up with
                for i in range(rng.randint(1, 4)):
                    await mate.mutate(
                        "comment.add",
                        {"id": new_id(), "ticket_id": ticket, "body": f"mate {trial}.{i}"},
                    )
                await mate.wait_idle(timeout=90)
            started = time.monotonic()
            before = next_id_of(cache)
            n = rng.randint(2, 7)
            tag = f"kill{seed}-{trial}"
            log = tmp_path / f"trial{trial}.log"
            pid = await asyncio.to_thread(
                zygote.call,
                cmd="run",
                cache=str(cache),
                url=live_server.ws_url,
                token=token,
                ticket=ticket,
                n=n,
                tag=tag,
                gap=rng.choice((0.0, 0.01, 0.03)),
                log=str(log),
                hold=0.0 if kind == "random" else 0.15,
            )
            pid = pid["pid"]
            if kind == "push":  # right after its k-th change committed (the push is under way)
                k = rng.randint(1, n)
                await wait_for_line(
                    log, lambda line, k=k, before=before: line == f"queued {before + k - 1}", 60
                )
                await asyncio.sleep(rng.uniform(0, 0.03))
            elif kind == "catch-up":  # inside the transaction of the snapshot / catch-up
                await wait_for_line(
                    log, lambda line: line in ("in batch transaction", "staging snapshot page"), 60
                )
                await asyncio.sleep(rng.uniform(0, 0.1))
            elif kind == "answer":  # an answer came, not yet stored
                await wait_for_line(log, lambda line: line == "storing an answer", 60)
                await asyncio.sleep(rng.uniform(0, 0.1))
            else:
                await asyncio.sleep(rng.uniform(0.05, 1.5))
            await asyncio.to_thread(zygote.call, cmd="kill", pid=pid)
            lines = log_lines(log)
            assert not [x for x in lines if x.startswith("failed")], lines
            moments[f"{kind}: {lines[-1].split(' ')[0] if lines else 'starting'}"] += 1

            # Start it again, without new changes, and let it settle.
            client = SyncClient("agent", cache, live_server.ws_url, token, fast_options())
            try:
                await quiesce([client], live_server, timeout=120)
                assert_exactly_once(client, live_server)
                assert client.cache.issues() == [], [i.message for i in client.cache.issues()]
                queued = client.cache.meta().next_mutation_id - before
                assert 0 <= queued <= n
                expected = Counter(f"{tag} #{k}" for k in range(queued))
                assert tagged(live_server, tag) == expected, f"trial {trial} ({kind}, seed {seed})"
            finally:
                await client.close()
            print(f"trial {trial} {kind}: {time.monotonic() - started:.1f} s, {lines[-1:]}")
        await quiesce([mate], live_server)
    finally:
        zygote.close()
        await mate.close()
    # What the kills hit (shown with -rA / on failure).
    print(f"seed {seed}; kill moments: {dict(moments)}")
    with live_server.read() as s:
        total = s.scalar(
            select(func.count())
            .select_from(TicketComment)
            .where(TicketComment.body.like(f"kill{seed}-%"))
        )
    assert total is not None
