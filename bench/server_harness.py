"""Shared by the bench_server_* scripts: a real ``acero-server serve`` and raw sync clients.

The server runs as its own process (as in production); the clients run in this process on one
asyncio loop, so the figures include the cost of a Python client reading every frame.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import websockets

OUT = Path(__file__).with_name("out")
PASSWORD = "bench password 1"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cli(db_url: str, *args: str, stdin: str | None = None) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "acero_desktop.server.cli", *args, "--db", db_url],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout


def make_users(db_url: str, users: list[tuple[str, str, str | None]]) -> None:
    """(username, role, team) — teams are created on first mention."""
    teams = sorted({t for _u, _r, t in users if t})
    for team in teams:
        cli(db_url, "team", "add", team)
    for name, role, team in users:
        extra = ["--team", team] if team else []
        cli(
            db_url,
            "user",
            "add",
            name,
            "--email",
            f"{name}@bench.example",
            "--role",
            role,
            *extra,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )


class Server:
    def __init__(self, db_url: str, data_dir: Path, *extra: str) -> None:
        self.db_url = db_url
        self.data_dir = data_dir
        self.extra = extra
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def __enter__(self) -> Server:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        port_file = self.data_dir / "port"
        port_file.unlink(missing_ok=True)
        log = open(self.data_dir / "server.log", "ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "acero_desktop.server.cli",
                "serve",
                "--db",
                self.db_url,
                "--port",
                "0",
                "--port-file",
                str(port_file),
                "--data-dir",
                str(self.data_dir),
                "--log-level",
                "WARNING",
                "--rate",
                "100000",
                *self.extra,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while not port_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((self.data_dir / "server.log").read_text()[-2000:])
            time.sleep(0.05)
        self.port = int(port_file.read_text())
        while True:
            try:
                if httpx.get(f"{self.url}/api/health").status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)

    def __exit__(self, *_exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def login(self, username: str, password: str = PASSWORD) -> str:
        r = httpx.post(
            f"{self.url}/api/auth/login",
            json={"username": username, "password": password},
            timeout=60,
        )
        r.raise_for_status()
        return str(r.json()["token"])

    def rss_kib(self) -> int:
        assert self.proc is not None
        return rss_kib(self.proc.pid)

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks


class Client:
    """A sync client that counts what it receives and timestamps rows it waits for."""

    def __init__(self, server: Server, token: str) -> None:
        self.server = server
        self.token = token
        self.client_id = str(uuid.uuid4())
        self.ws: Any = None
        self.next_id = 1
        self.rows_received = 0
        self.bytes_received = 0
        # id -> when it was pushed; ``got`` id -> seconds until it arrived here.
        self.watch: dict[str, float] = {}
        self.got: dict[str, float] = {}
        self.results: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.reader: asyncio.Task[None] | None = None
        self.welcome: dict[str, Any] = {}

    async def connect(self, cursor: int | None = None, server_id: str | None = None) -> float:
        """Hello and full sync; returns the seconds the sync took."""
        started = time.perf_counter()
        self.ws = await websockets.connect(self.server.ws_url, max_size=None, compression=None)
        await self.ws.send(
            json.dumps(
                {
                    "type": "hello",
                    "v": 1,
                    "protocol": 1,
                    "token": self.token,
                    "client_id": self.client_id,
                    "cursor": cursor,
                    "server_id": server_id,
                }
            )
        )
        self.welcome = json.loads(await self.ws.recv())
        if self.welcome.get("type") != "welcome":
            raise RuntimeError(self.welcome)
        if self.welcome["sync"] != "none":
            while True:
                raw = await self.ws.recv()
                self.bytes_received += len(raw)
                m = json.loads(raw)
                self.rows_received += len(m.get("rows", ()))
                if m["type"] == "snapshot_done" or (m["type"] == "changes" and m["final"]):
                    break
        took = time.perf_counter() - started
        self.reader = asyncio.create_task(self._read())
        return took

    async def _read(self) -> None:
        async for raw in self.ws:
            now = time.perf_counter()
            self.bytes_received += len(raw)
            if raw.startswith('{"type":"changes"'):
                m = json.loads(raw)
                self.rows_received += len(m["rows"])
                if self.watch:
                    for r in m["rows"]:
                        if r["id"] in self.watch and r["id"] not in self.got:
                            self.got[r["id"]] = now - self.watch[r["id"]]
                continue
            m = json.loads(raw)
            if m["type"] == "push_result":
                await self.results.put(m)

    async def push(self, mutations: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
        muts = []
        for name, args in mutations:
            muts.append({"id": self.next_id, "name": name, "args": args})
            self.next_id += 1
        await self.ws.send(json.dumps({"type": "push", "v": 1, "mutations": muts}))
        return await self.results.get()

    async def close(self) -> None:
        if self.reader:
            self.reader.cancel()
        if self.ws:
            await self.ws.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


def table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [headers, *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)), line]
    out += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells[1:]]
    return "\n".join(out)
