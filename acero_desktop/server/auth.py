"""Passwords, tokens and login throttling.

- Passwords: argon2id (argon2-cffi's defaults), rehashed on login when the parameters change.
- Tokens: 32 random bytes, URL-safe; only their sha256 is stored, so a database leak gives no
  usable token. Each has an expiry and can be revoked (logout). Disabling a user, changing
  their password or role, and every logout bump ``server_info.auth_epoch``; serving processes
  hear of it at commit (NOTIFY on PostgreSQL, see ``notify.py``; else by polling) and re-check
  the sockets they hold (see ``hub.py``).
- Throttling: failures are rows in ``login_failure`` (shared by every server process). More than
  ``user_failures`` for one user name, or ``address_failures`` from one address, inside the
  window answers 429 with the seconds until the oldest failure leaves it. A success clears the
  user name's failures.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from acero_desktop.models import User

from .config import AuthSettings
from .db import bump_auth_epoch, utcnow
from .tables import AuthToken, Credential, LoginFailure


def _make_hasher() -> PasswordHasher:
    """argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile).

    ``ACERO_SERVER_ARGON2=fast`` selects a cheap profile (still argon2id) for test suites that
    create and log in hundreds of users; never set it on a real server.
    """
    if os.environ.get("ACERO_SERVER_ARGON2") == "fast":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


_hashers: dict[str | None, PasswordHasher] = {}


def _hasher() -> PasswordHasher:
    key = os.environ.get("ACERO_SERVER_ARGON2")
    if key not in _hashers:
        _hashers[key] = _make_hasher()
    return _hashers[key]


_dummy: list[str] = []


def _dummy_hash() -> str:
    """Verified against when the user name is unknown, so both paths take the same time."""
    if not _dummy:
        _dummy.append(_hasher().hash("not a password of anyone"))
    return _dummy[-1]


class AuthError(Exception):
    """Login or token refused; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, *, status: int = 401, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    user_id: uuid.UUID
    token_hash: str
    expires_at: datetime


def set_password(session: Session, user_id: uuid.UUID, password: str) -> None:
    if len(password) < 8:
        raise ValueError("A password needs at least 8 characters.")
    cred = session.get(Credential, user_id)
    hashed = hash_password(password)
    if cred is None:
        session.add(Credential(user_id=user_id, password_hash=hashed, changed_at=utcnow()))
    else:
        cred.password_hash = hashed
        cred.changed_at = utcnow()
        revoke_all(session, user_id)


def revoke_all(session: Session, user_id: uuid.UUID) -> None:
    now = utcnow()
    session.execute(
        update(AuthToken)
        .where(AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    bump_auth_epoch(session)


def check_throttle(session: Session, username: str, address: str, cfg: AuthSettings) -> None:
    now = utcnow()
    since = now - timedelta(seconds=cfg.window_seconds)
    for column, value, allowed in (
        (LoginFailure.username, username.lower(), cfg.user_failures),
        (LoginFailure.address, address, cfg.address_failures),
    ):
        count, oldest = session.execute(
            select(func.count(), func.min(LoginFailure.at)).where(
                column == value, LoginFailure.at > since
            )
        ).one()
        if count >= allowed:
            wait = cfg.window_seconds - int((now - oldest).total_seconds())
            raise AuthError(
                "Too many failed logins; wait a few minutes and try again.",
                status=429,
                retry_after=max(1, wait),
            )


def login(
    session: Session, username: str, password: str, address: str, cfg: AuthSettings
) -> tuple[str, TokenInfo, User]:
    """Check a password and issue a token; raise AuthError (401, 403 or 429)."""
    check_throttle(session, username, address, cfg)
    user = session.scalars(select(User).where(User.username == username)).first()
    cred = session.get(Credential, user.id) if user is not None else None
    ok = False
    try:
        ok = _hasher().verify(cred.password_hash if cred else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or cred is None:
        # Committed before raising: the caller's transaction rolls back on the exception.
        session.add(LoginFailure(username=username.lower(), address=address, at=utcnow()))
        session.commit()
        raise AuthError("Wrong user name or password.")
    if not user.active:
        raise AuthError("This account is disabled; ask an administrator.", status=403)
    if _hasher().check_needs_rehash(cred.password_hash):
        cred.password_hash = hash_password(password)
    session.execute(delete(LoginFailure).where(LoginFailure.username == username.lower()))
    token = new_token()
    now = utcnow()
    info = TokenInfo(user.id, token_hash(token), now + timedelta(seconds=cfg.token_ttl_seconds))
    session.add(
        AuthToken(
            token_hash=info.token_hash,
            user_id=user.id,
            created_at=now,
            expires_at=info.expires_at,
            address=address[:64],
        )
    )
    return token, info, user


def resolve_token(session: Session, token: str) -> TokenInfo:
    """The live token's user; AuthError when unknown, expired, revoked or the user disabled."""
    hashed = token_hash(token)
    row = session.execute(
        select(AuthToken, User.active)
        .join(User, User.id == AuthToken.user_id)
        .where(AuthToken.token_hash == hashed)
    ).first()
    if row is None:
        raise AuthError("You are not logged in (unknown token).")
    tok, active = row
    if tok.revoked_at is not None:
        raise AuthError("Your session was ended; please log in again.")
    if tok.expires_at <= utcnow():
        raise AuthError("Your session has expired; please log in again.")
    if not active:
        raise AuthError("This account is disabled; ask an administrator.", status=403)
    return TokenInfo(tok.user_id, hashed, tok.expires_at)


def logout(session: Session, token: str) -> None:
    session.execute(
        update(AuthToken)
        .where(AuthToken.token_hash == token_hash(token), AuthToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    bump_auth_epoch(session)


def live_token_hashes(session: Session, hashes: set[str]) -> set[str]:
    """Of ``hashes``, those still valid (not revoked, not expired, user active)."""
    if not hashes:
        return set()
    rows = session.execute(
        select(AuthToken.token_hash)
        .join(User, User.id == AuthToken.user_id)
        .where(
            AuthToken.token_hash.in_(hashes),
            AuthToken.revoked_at.is_(None),
            AuthToken.expires_at > utcnow(),
            User.active.is_(True),
        )
    )
    return {r[0] for r in rows}
