"""A sync client in a process of its own, to be killed with SIGKILL at any moment.

Run as a "zygote": ``python tests/sync/client_proc.py`` imports everything once, then reads one
JSON command per line on stdin and answers one JSON line on stdout:

- ``{"cmd": "run", "cache": ..., "url": ..., "token": ..., "ticket": ..., "n": 5,
  "tag": "t3", "gap": 0.02, "log": ...}``: fork a client process that opens the cache, starts
  the engine, queues ``n`` changes on ``ticket`` (comments and tasks whose text starts with
  ``tag``), waits until idle and exits 0. It writes what it does to ``log``, one line each:
  ``phase <phase>`` on every status change, ``queued <id>`` after each committed change,
  ``idle`` at the end. With ``"hold": s`` it also pauses ``s`` seconds (and says so) inside
  the write transaction of each server batch and snapshot page, and before storing each push
  answer, so a kill can land there. Answer: ``{"pid": ...}``.
- ``{"cmd": "kill", "pid": ...}``: SIGKILL it and reap it. Answer: ``{"status": ...}``.
- ``{"cmd": "wait", "pid": ..., "timeout": ...}``: reap it. Answer: ``{"status": ...}``
  (``null`` when still running after ``timeout``).

Forking from a process that already imported the client keeps each trial to milliseconds of
start-up instead of seconds of imports on a busy machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import contextlib

from acero_desktop.core.ids import uuid7
from acero_desktop.sync.cache import LocalCache, ServerBatch
from acero_desktop.sync.engine import SyncCallbacks, SyncEngine, SyncOptions


async def client(cmd: dict[str, Any], log: Any) -> None:
    def say(line: str) -> None:
        log.write(f"{time.monotonic():.4f} {line}\n")
        log.flush()

    cache = LocalCache.open(cmd["cache"])
    say("opened")
    hold = float(cmd.get("hold", 0.0))
    if hold:
        # Stretch the moments worth killing in: inside the write transaction of a server
        # batch (catch-up or live) and of a snapshot page, and just before an answer is stored.
        rebase, stage, frames = cache._rebase, cache.stage_snapshot_page, cache.apply_frames

        def slow_rebase(*a: Any, **kw: Any) -> Any:
            say("in batch transaction")
            time.sleep(hold)
            return rebase(*a, **kw)

        def slow_stage(*a: Any, **kw: Any) -> Any:
            say("staging snapshot page")
            time.sleep(hold)
            return stage(*a, **kw)

        def slow_frames(answers: Any) -> Any:
            if any(not isinstance(f, ServerBatch) for f in answers):
                say("storing an answer")
                time.sleep(hold)
            return frames(answers)

        cache._rebase = slow_rebase  # type: ignore[method-assign]
        cache.stage_snapshot_page = slow_stage  # type: ignore[method-assign]
        cache.apply_frames = slow_frames  # type: ignore[method-assign]
    last: list[str] = [""]

    def on_status(status: Any) -> None:
        if status.phase.value != last[0]:
            last[0] = status.phase.value
            say(f"phase {status.phase.value}")

    engine = SyncEngine(
        cache,
        cmd["url"],
        lambda: cmd["token"],
        SyncCallbacks(status=on_status),
        SyncOptions(
            retry_delays=(0.05, 0.1, 0.2, 0.4),
            ping_interval=1.0,
            ping_timeout=5.0,
            app_ping_interval=0.5,
        ),
    )
    engine.start()
    if cache.meta().user_id is None:  # a new cache: wait for the first snapshot (who we are)
        await asyncio.wait_for(engine.idle.wait(), 120)
    for k in range(cmd["n"]):
        if k % 3 == 2:
            name = "task.add"
            args = {"id": str(uuid7()), "ticket_id": cmd["ticket"], "title": f"{cmd['tag']} #{k}"}
        else:
            name = "comment.add"
            args = {"id": str(uuid7()), "ticket_id": cmd["ticket"], "body": f"{cmd['tag']} #{k}"}
        result = await engine.mutate(name, args)
        say(f"queued {result.mutation_id}")
        await asyncio.sleep(cmd.get("gap", 0.02))
    await asyncio.wait_for(engine.idle.wait(), cmd.get("timeout", 120))
    say("idle")
    await engine.stop()
    engine.close()
    cache.close()


def fork_client(cmd: dict[str, Any]) -> int:
    pid = os.fork()
    if pid:
        return pid
    # The child: never return into the command loop.
    code = 1
    try:
        log = open(cmd["log"], "a", buffering=1)  # noqa: SIM115
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        asyncio.run(client(cmd, log))
        code = 0
    except BaseException as exc:
        try:
            log.write(f"{time.monotonic():.4f} failed {exc!r}\n")
            log.flush()
        except Exception:
            pass
    finally:
        os._exit(code)


def reap(pid: int, timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() > deadline:
            return None
        time.sleep(0.01)


def main() -> None:
    out = sys.stdout
    print(json.dumps({"ready": os.getpid()}), file=out, flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        if cmd["cmd"] == "run":
            answer: dict[str, Any] = {"pid": fork_client(cmd)}
        elif cmd["cmd"] == "kill":
            with contextlib.suppress(ProcessLookupError):
                os.kill(cmd["pid"], signal.SIGKILL)
            answer = {"status": reap(cmd["pid"], 30)}
        elif cmd["cmd"] == "wait":
            answer = {"status": reap(cmd["pid"], cmd.get("timeout", 60))}
        else:
            answer = {"error": f"unknown command {cmd['cmd']!r}"}
        print(json.dumps(answer), file=out, flush=True)


if __name__ == "__main__":
    main()
