"""Server settings: where the store lives and the limits every connection is held to."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

DEFAULT_PORT = 8765


def default_data_dir() -> Path:
    """The platform's data dir for the server (overridable with ACERO_SERVER_DATA_DIR)."""
    env = os.environ.get("ACERO_SERVER_DATA_DIR")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("acero-server", "Acero"))


def default_db_url(data_dir: Path | None = None) -> str:
    """ACERO_SERVER_DB if set, else a SQLite file in the data dir (what ``serve`` uses)."""
    env = os.environ.get("ACERO_SERVER_DB")
    if env:
        return env
    return f"sqlite:///{(data_dir or default_data_dir()) / 'acero-server.db'}"


@dataclass
class Limits:
    """Per-connection limits; the websocket answers breaches with an ``error``, not a close."""

    # Largest websocket frame accepted (bigger ones get ``too_large``); uvicorn's own cap is
    # set well above so the app can answer instead of the transport closing the socket.
    max_frame_bytes: int = 1 << 20
    # Most mutations in one ``push``.
    max_batch: int = 500
    # Token bucket per connection: sustained messages per second and burst.
    messages_per_second: float = 200.0
    burst: int = 400
    # A client that sends nothing (not even a ping) for this long is closed.
    idle_timeout: float = 120.0
    # Time allowed between connecting and a valid hello.
    hello_timeout: float = 15.0
    # Rows per catch-up / snapshot page.
    page_rows: int = 2000
    # Largest attachment accepted, in bytes.
    max_attachment_bytes: int = 25 << 20
    # REST page size cap.
    max_page_size: int = 500


@dataclass
class AuthSettings:
    token_ttl_seconds: int = 30 * 24 * 3600
    # Throttling: failures allowed per window, per user name and per address.
    user_failures: int = 5
    address_failures: int = 20
    window_seconds: int = 300


@dataclass
class ServerConfig:
    db_url: str
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    certfile: str | None = None
    keyfile: str | None = None
    log_json: bool = False
    log_level: str = "INFO"
    limits: Limits = field(default_factory=Limits)
    auth: AuthSettings = field(default_factory=AuthSettings)
    # How often the server re-reads the auth epoch and the change-log head written by others
    # (the admin CLI, other server processes) when nothing notifies it: SQLite, or PostgreSQL
    # while the LISTEN connection is down.
    poll_interval: float = 1.0
    # PostgreSQL: LISTEN for other processes' commits (NOTIFY acero_sync) ...
    listen: bool = True
    # ... and, while listening, poll only as a fallback this often (at least poll_interval).
    listen_poll_interval: float = 5.0

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"
