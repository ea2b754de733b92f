"""Sign-in sessions: random tokens, stored only as SHA-256, carried in a signed cookie."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from curator.models import User, utcnow
from curator.services.users import authenticate
from curator.store import Store
from curator.store import sessions as sessions_repo

SESSION_TTL = timedelta(days=7)
COOKIE_NAME = "curator_session"


def new_token() -> str:
    """A fresh, unguessable session token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 (hex) that the sessions table stores instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_session(store: Store, user: User, *, ttl: timedelta = SESSION_TTL, now: datetime | None = None) -> str:
    """Start a session for ``user``; returns the token (the only copy)."""
    now = now or utcnow()
    token = new_token()
    with store.write() as conn:
        sessions_repo.purge_expired(conn, now=now)
        sessions_repo.add(conn, hash_token(token), user.id, created_at=now, expires_at=now + ttl)
    return token


def sign_in(store: Store, name: str, password: str, *, ttl: timedelta = SESSION_TTL) -> tuple[User, str] | None:
    """Check the password and open a session: (user, token), or None for a wrong name/password."""
    user = authenticate(store, name.strip(), password)
    if user is None or not user.active:
        return None
    return user, create_session(store, user, ttl=ttl)


def resolve_session(store: Store, token: str | None, *, now: datetime | None = None) -> User | None:
    """The active user behind a live session token, else None."""
    if not token:
        return None
    with store.read() as conn:
        return sessions_repo.resolve(conn, hash_token(token), now=now or utcnow())


def sign_out(store: Store, token: str | None) -> bool:
    """End a session (its row is deleted, so any copy of the cookie stops working)."""
    if not token:
        return False
    with store.write() as conn:
        return sessions_repo.delete(conn, hash_token(token))


def cookie_secret(store: Store) -> bytes:
    """The key that signs session cookies, created once and shared by every app process."""
    with store.write() as conn:
        return sessions_repo.ensure_secret(conn, secrets.token_hex(32)).encode("ascii")


def _mac(token: str, secret: bytes) -> str:
    return hmac.new(secret, token.encode("utf-8"), hashlib.sha256).hexdigest()


def sign_cookie(token: str, secret: bytes) -> str:
    """The cookie value: the token and its HMAC-SHA256."""
    return f"{token}.{_mac(token, secret)}"


def unsign_cookie(value: str | None, secret: bytes) -> str | None:
    """The token of a correctly signed cookie value, else None."""
    if not value or "." not in value:
        return None
    token, _, mac = value.rpartition(".")
    if not token or not hmac.compare_digest(mac, _mac(token, secret)):
        return None
    return token
