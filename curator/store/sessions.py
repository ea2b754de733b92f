"""Sign-in sessions: only a SHA-256 of each random token is stored, never the token."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from curator.models import User, UserRole
from curator.store.dialect import insert_ignore
from curator.store.schema import sessions, settings, users

SECRET_KEY = "session_secret"  # the settings row holding the cookie-signing key


def add(conn: Connection, token_hash: str, user_id: int, *, created_at: datetime, expires_at: datetime) -> None:
    """Store a new session row."""
    conn.execute(sessions.insert().values(token_hash=token_hash, user_id=user_id, created_at=created_at, expires_at=expires_at))


def resolve(conn: Connection, token_hash: str, *, now: datetime) -> User | None:
    """The active user of an unexpired session, or None."""
    stmt = (
        sa.select(users.c.id, users.c.name, users.c.role, users.c.active)
        .join(sessions, sessions.c.user_id == users.c.id)
        .where(sessions.c.token_hash == token_hash, sessions.c.expires_at > now, users.c.active.is_(True))
    )
    row = conn.execute(stmt).mappings().first()
    if row is None:
        return None
    return User(id=row["id"], name=row["name"], role=UserRole(row["role"]), active=row["active"])


def delete(conn: Connection, token_hash: str) -> bool:
    """Remove one session; True if it existed."""
    return bool(conn.execute(sessions.delete().where(sessions.c.token_hash == token_hash)).rowcount)


def delete_for_user(conn: Connection, user_id: int) -> int:
    """Remove every session of a user (deactivation, password change)."""
    return int(conn.execute(sessions.delete().where(sessions.c.user_id == user_id)).rowcount)


def purge_expired(conn: Connection, *, now: datetime) -> int:
    return int(conn.execute(sessions.delete().where(sessions.c.expires_at <= now)).rowcount)


def count_for_user(conn: Connection, user_id: int) -> int:
    return int(conn.scalar(sa.select(sa.func.count()).select_from(sessions).where(sessions.c.user_id == user_id)) or 0)


def ensure_secret(conn: Connection, candidate: str) -> str:
    """The stored cookie-signing key, storing ``candidate`` first if there is none.

    Insert-or-ignore then read back, so concurrent first starts agree on one key.
    """
    conn.execute(insert_ignore(conn, settings).values(key=SECRET_KEY, value=f'"{candidate}"'))
    value = conn.scalar(sa.select(settings.c.value).where(settings.c.key == SECRET_KEY))
    return str(value).strip('"')
