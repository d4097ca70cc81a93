"""``python -m acero_desktop.server.cli serve`` as a real process on 127.0.0.1, for any store.

The one way tests start, stop, kill and restart a server, and talk REST to it. The server picks
a free port the first time (``--port 0``, read back from ``--port-file``) and keeps it across
restarts, so clients reconnect to the same address. ``--certfile`` among the extra arguments
makes it HTTPS/WSS (tests accept the self-signed certificate).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


class ServerProcess:
    # The password ``login`` uses when none is given (the seeding of each suite decides it).
    default_password = "demo-password"

    def __init__(
        self,
        db_url: str,
        data_dir: Path,
        *extra: str,
        poll_interval: float = 0.2,
        env: dict[str, str] | None = None,
    ) -> None:
        self.db_url = db_url
        self.data_dir = Path(data_dir)
        self.extra = list(extra)
        self.poll_interval = poll_interval
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.starts = 0
        self.log_path = self.data_dir / "server.log"
        self.scheme = "https" if "--certfile" in self.extra else "http"

    # -- addresses ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"{'wss' if self.scheme == 'https' else 'ws'}://127.0.0.1:{self.port}/ws"

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    # -- life cycle -----------------------------------------------------------------------

    def start(self, timeout: float = 120.0) -> ServerProcess:
        """Start (on the previous port when restarting) and wait for /api/health."""
        assert not self.alive, "already running"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        port_file = self.data_dir / f"port-{uuid.uuid4().hex[:8]}"
        cmd = [
            sys.executable,
            "-m",
            "acero_desktop.server.cli",
            "serve",
            "--db",
            self.db_url,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--port-file",
            str(port_file),
            "--data-dir",
            str(self.data_dir),
            "--poll-interval",
            str(self.poll_interval),
            *self.extra,
        ]
        env = {**os.environ, **(self.env or {})}
        with open(self.log_path, "ab") as log:
            log.write(f"\n--- start #{self.starts + 1}: {' '.join(cmd)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, cwd=REPO, env=env
            )
        self.starts += 1
        deadline = time.monotonic() + timeout
        while not port_file.exists():
            self._check_running()
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"server did not start:\n{self.log()[-3000:]}")
            time.sleep(0.05)
        self.port = int(port_file.read_text())
        port_file.unlink(missing_ok=True)
        while True:
            try:
                r = httpx.get(f"{self.base_url}/api/health", timeout=5, verify=False)
                if r.status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            self._check_running()
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"server did not answer /api/health:\n{self.log()[-3000:]}")
            time.sleep(0.05)

    def _check_running(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            code = self.proc.returncode
            self.proc = None
            raise RuntimeError(f"server exited with {code}:\n{self.log()[-3000:]}")

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM and wait (SIGKILL after ``timeout``); returns the exit code."""
        return self._signal(signal.SIGTERM, timeout)

    def kill(self) -> int | None:
        """SIGKILL: the process dies wherever it is (mid-commit, mid-answer)."""
        return self._signal(signal.SIGKILL, 30.0)

    def _signal(self, sig: int, timeout: float) -> int | None:
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(sig)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return proc.returncode

    def restart(self, *, kill: bool = False, timeout: float = 120.0) -> ServerProcess:
        """Stop (SIGTERM, or SIGKILL with ``kill``), start again on the same store and port."""
        if kill:
            self.kill()
        else:
            self.stop()
        for attempt in range(20):
            try:
                return self.start(timeout)
            except RuntimeError as exc:  # the port may linger a moment after a kill
                if "address already in use" not in str(exc).lower() or attempt == 19:
                    raise
                time.sleep(0.25)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.stop()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # -- REST -----------------------------------------------------------------------------

    def login(self, username: str, password: str | None = None) -> str:
        r = httpx.post(
            f"{self.base_url}/api/auth/login",
            json={"username": username, "password": password or self.default_password},
            timeout=60,
            verify=False,
        )
        assert r.status_code == 200, r.text
        return str(r.json()["token"])

    def logout(self, token: str) -> None:
        r = httpx.post(
            f"{self.base_url}/api/auth/logout",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
            verify=False,
        )
        assert r.status_code == 200, r.text

    def http(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60, verify=False)
