"""Where session tokens live: the system keyring, or memory only — never a plaintext file.

Without a desktop session keyring has only its ``fail`` backend (every call raises), and a
frozen build often falls back to it (jaraco/keyring#591). We check once at start-up and, when
no usable backend exists, keep tokens for this run only and say so in plain words.
"""

from __future__ import annotations

import contextlib
import logging

import keyring
from keyring.errors import KeyringError

log = logging.getLogger("acero.ui.tokens")
SERVICE = "acero-desktop"

NO_KEYRING_MESSAGE = (
    "This computer has no password store that Acero can use, so your sign-in is kept only "
    "while Acero runs; you will be asked to sign in again next time."
)


def _account(server_url: str, username: str) -> str:
    return f"{username}@{server_url.rstrip('/')}"


def keyring_usable() -> bool:
    """Whether the active backend can store secrets (the fail and null backends cannot)."""
    try:
        backend = keyring.get_keyring()
        priority = float(getattr(backend, "priority", 0))
    except Exception:
        return False
    module = type(backend).__module__
    return priority > 0 and not module.startswith(
        ("keyring.backends.fail", "keyring.backends.null")
    )


class TokenStore:
    """Tokens by (server, user): in the keyring when ``remember`` and usable, else in memory."""

    def __init__(self, *, use_keyring: bool | None = None) -> None:
        self.persistent = keyring_usable() if use_keyring is None else use_keyring
        self._memory: dict[str, str] = {}

    @property
    def message(self) -> str | None:
        """The one sentence to show when tokens cannot outlive this run."""
        return None if self.persistent else NO_KEYRING_MESSAGE

    def get(self, server_url: str, username: str) -> str | None:
        account = _account(server_url, username)
        if account in self._memory:
            return self._memory[account]
        if not self.persistent:
            return None
        try:
            return keyring.get_password(SERVICE, account)
        except KeyringError as exc:
            self._give_up(exc)
            return None

    def put(self, server_url: str, username: str, token: str, *, remember: bool) -> None:
        account = _account(server_url, username)
        self._memory[account] = token
        if not (remember and self.persistent):
            return
        try:
            keyring.set_password(SERVICE, account, token)
        except KeyringError as exc:
            self._give_up(exc)

    def forget(self, server_url: str, username: str) -> None:
        account = _account(server_url, username)
        self._memory.pop(account, None)
        if not self.persistent:
            return
        with contextlib.suppress(KeyringError):
            keyring.delete_password(SERVICE, account)

    def _give_up(self, exc: Exception) -> None:
        log.info("keyring unusable, keeping tokens in memory: %s", exc)
        self.persistent = False
