"""Users and their roles; password hashes are made by the services, stored here."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from curator.errors import ConflictError, NotFoundError
from curator.models import User, UserRole, utcnow
from curator.store.dialect import inserted_id
from curator.store.schema import users


def _user(row: sa.RowMapping) -> User:
    return User(id=row["id"], name=row["name"], role=UserRole(row["role"]), active=row["active"])


def add(conn: Connection, name: str, role: UserRole, password_hash: str | None) -> User:
    """Create a user; ConflictError if the name is taken."""
    try:
        with conn.begin_nested():
            result = conn.execute(
                users.insert().values(name=name, role=role.value, password_hash=password_hash, active=True, created_at=utcnow())
            )
    except IntegrityError as exc:
        raise ConflictError(f"user {name!r} already exists") from exc
    return User(id=inserted_id(result), name=name, role=role, active=True)


def get_by_name(conn: Connection, name: str) -> User:
    row = conn.execute(sa.select(users).where(users.c.name == name)).mappings().first()
    if row is None:
        raise NotFoundError(f"no user {name!r}")
    return _user(row)


def get(conn: Connection, user_id: int) -> User:
    row = conn.execute(sa.select(users).where(users.c.id == user_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"no user with id {user_id}")
    return _user(row)


def lock(conn: Connection, user_id: int) -> tuple[User, str | None]:
    """The user and their password hash, the row held until commit (FOR UPDATE on PostgreSQL;
    SQLite's write transaction already holds the database). Sign-in and a password reset or
    deactivation take this lock, so a session is never opened on credentials just revoked."""
    row = conn.execute(sa.select(users).where(users.c.id == user_id).with_for_update()).mappings().first()
    if row is None:
        raise NotFoundError(f"no user with id {user_id}")
    return _user(row), row["password_hash"]


def serialise(conn: Connection, user_id: int) -> None:
    """Hold the user's row until commit so their own concurrent requests (two tabs, a key
    pressed twice) run one after the other. FOR NO KEY UPDATE on PostgreSQL: rows that only
    reference the user (their decisions and claims) can still be written by others meanwhile;
    SQLite's write transaction already holds the database."""
    conn.execute(sa.select(users.c.id).where(users.c.id == user_id).with_for_update(key_share=True))


def password_hash(conn: Connection, name: str) -> str | None:
    """The stored hash for ``name`` (None if the user has no password or does not exist)."""
    return conn.scalar(sa.select(users.c.password_hash).where(users.c.name == name, users.c.active.is_(True)))


def set_password_hash(conn: Connection, user_id: int, password_hash: str) -> None:
    conn.execute(users.update().where(users.c.id == user_id).values(password_hash=password_hash))


def update(conn: Connection, user_id: int, *, role: UserRole | None = None, active: bool | None = None) -> None:
    values: dict[str, object] = {}
    if role is not None:
        values["role"] = role.value
    if active is not None:
        values["active"] = active
    if values:
        conn.execute(users.update().where(users.c.id == user_id).values(**values))


def list_users(conn: Connection) -> list[User]:
    return [_user(r) for r in conn.execute(sa.select(users).order_by(users.c.name)).mappings()]


def ensure(conn: Connection, name: str, role: UserRole) -> User:
    """The user ``name``, created without a password if missing (for imported decisions)."""
    try:
        return get_by_name(conn, name)
    except NotFoundError:
        return add(conn, name, role, None)
