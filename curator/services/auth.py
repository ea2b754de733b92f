"""Sign-in sessions: random tokens, stored only as SHA-256, carried in a signed cookie."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from curator.errors import PermissionDeniedError
from curator.models import User, utcnow
from curator.services import throttle
from curator.services.users import check_password
from curator.store import Store
from curator.store import sessions as sessions_repo
from curator.store import tickets as tickets_repo
from curator.store import users as users_repo

SESSION_TTL = timedelta(days=7)
COOKIE_NAME = "curator_session"
TICKET_TTL = timedelta(seconds=60)


def new_token() -> str:
    """A fresh, unguessable session token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 (hex) that the sessions table stores instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_session(
    store: Store,
    user: User,
    *,
    ttl: timedelta = SESSION_TTL,
    now: datetime | None = None,
    password_hash: str | None = None,
) -> str:
    """Start a session for ``user``; returns the token (the only copy).

    With ``password_hash`` (the hash the password was checked against), the session opens only
    if that is still the user's password: a reset or deactivation between the check and this
    moment wins. PermissionDeniedError otherwise.
    """
    now = now or utcnow()
    token = new_token()
    with store.write() as conn:
        current, stored = users_repo.lock(conn, user.id)
        if not current.active or (password_hash is not None and stored != password_hash):
            raise PermissionDeniedError("sign in again: this account changed while signing in")
        sessions_repo.purge_expired(conn, now=now)
        sessions_repo.add(conn, hash_token(token), user.id, created_at=now, expires_at=now + ttl)
    return token


def sign_in(
    store: Store,
    name: str,
    password: str,
    *,
    client: str | None = None,
    ttl: timedelta = SESSION_TTL,
    now: datetime | None = None,
) -> tuple[User, str] | None:
    """Check the password and open a session: (user, token), or None for a wrong name/password.

    ``client`` is the address the attempt came from, when known. TooManyAttemptsError while the
    name or the address is locked after repeated failures (see services.throttle).
    """
    now = now or utcnow()
    name = name.strip()
    attempt = throttle.begin(store, name, client, now=now)
    checked = check_password(store, name, password)
    if checked is None:
        return None
    user, verified = checked
    token = create_session(store, user, ttl=ttl, now=now, password_hash=verified)
    throttle.succeeded(store, attempt)
    return user, token


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


def _pad(ticket: str) -> bytes:
    # A one-time key only the ticket's holder can derive (the table holds the ticket's SHA-256).
    return hmac.new(ticket.encode("utf-8"), b"curator cookie ticket", hashlib.sha512).digest()


def _seal(token: str, ticket: str) -> str:
    raw = token.encode("ascii")
    pad = _pad(ticket)
    if len(raw) > len(pad):
        raise ValueError("session token longer than the ticket pad")
    return bytes(a ^ b for a, b in zip(raw, pad, strict=False)).hex()


def _unseal(sealed: str, ticket: str) -> str:
    return bytes(a ^ b for a, b in zip(bytes.fromhex(sealed), _pad(ticket), strict=False)).decode("ascii")


def issue_ticket(store: Store, token: str, *, ttl: timedelta = TICKET_TTL, now: datetime | None = None) -> str:
    """A one-time ticket the browser exchanges for the cookie carrying ``token``.

    A script cannot set an HttpOnly cookie, so the browser POSTs this ticket to the app's
    session endpoint, which may be served by any app process: the ticket lives in the
    database, stored as its SHA-256, with the token sealed under a key derived from the ticket.
    """
    now = now or utcnow()
    ticket = secrets.token_urlsafe(24)
    with store.write() as conn:
        tickets_repo.purge_expired(conn, now=now)
        tickets_repo.add(conn, hash_token(ticket), _seal(token, ticket), expires_at=now + ttl)
    return ticket


def redeem_ticket(store: Store, ticket: str, *, now: datetime | None = None) -> str | None:
    """The session token behind a live ticket, once (it is deleted as it is read); else None."""
    if not ticket:
        return None
    with store.write() as conn:
        sealed = tickets_repo.take(conn, hash_token(ticket), now=now or utcnow())
    return _unseal(sealed, ticket) if sealed else None


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
