"""Where the client keeps its files: caches per server and user, attachments, logs, settings.

``ACERO_HOME`` moves everything under one folder (tests, portable installs); otherwise the
platform's own places are used (platformdirs), so nothing lands in the working directory.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import platformdirs

APP = "acero"


def _home() -> Path | None:
    value = os.environ.get("ACERO_HOME")
    return Path(value) if value else None


def data_dir() -> Path:
    home = _home()
    path = home / "data" if home else Path(platformdirs.user_data_dir(APP, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    home = _home()
    path = home / "logs" if home else Path(platformdirs.user_log_dir(APP, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    home = _home()
    path = home / "config" if home else Path(platformdirs.user_config_dir(APP, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def attachments_dir() -> Path:
    """Copies of opened attachments: a cache (the server has them), so ``--reset-cache`` and
    the system's cache cleaners may remove it."""
    home = _home()
    base = home / "cache" if home else Path(platformdirs.user_cache_dir(APP, appauthor=False))
    path = base / "attachments"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_file(server_url: str, username: str) -> Path:
    """One cache per (server, user): switching account never mixes what two people may see."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{username}-{server_url}").strip("-")[:60]
    digest = hashlib.sha256(f"{server_url}\n{username}".encode()).hexdigest()[:10]
    return data_dir() / f"cache-{slug}-{digest}.db"
