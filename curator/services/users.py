"""Users: creation with argon2id password hashes, sign-in checks, role enforcement."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from curator.errors import InvalidInputError, PermissionDeniedError
from curator.models import User, UserRole
from curator.store import Store
from curator.store import sessions as sessions_repo
from curator.store import users as users_repo

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInputError(f"password too short: use at least {MIN_PASSWORD} characters", field="password")
    return _hasher.hash(password)


def add_user(store: Store, name: str, role: UserRole | str, *, password: str | None = None) -> User:
    """Create a user (ConflictError if the name is taken)."""
    name = name.strip()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise InvalidInputError(f"user name {name!r} must be 1-64 characters without spaces", field="name")
    role = UserRole(role)
    hashed = hash_password(password) if password is not None else None
    with store.write() as conn:
        return users_repo.add(conn, name, role, hashed)


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The user if ``password`` is theirs, else None (same answer for unknown names)."""
    checked = check_password(store, name, password)
    return checked[0] if checked else None


def check_password(store: Store, name: str, password: str) -> tuple[User, str] | None:
    """(user, their stored hash) if ``password`` is theirs, else None, in the same time for
    an unknown name as for a wrong password (one argon2 verification either way)."""
    with store.read() as conn:
        stored = users_repo.password_hash(conn, name)
    if stored is None:
        # Spend the same time as a real check so names cannot be probed by timing.
        try:
            _hasher.verify(_dummy_hash(), password)
        except VerificationError:
            pass
        return None
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    with store.write() as conn:
        user = users_repo.get_by_name(conn, name)
        if _hasher.check_needs_rehash(stored):
            _, current = users_repo.lock(conn, user.id)
            if current == stored:  # not reset meanwhile
                stored = _hasher.hash(password)
                users_repo.set_password_hash(conn, user.id, stored)
        return user, stored


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("curator-timing-equaliser")


def require(user: User | None, role: UserRole) -> User:
    """Raise PermissionDeniedError unless ``user`` is active and has at least ``role``."""
    if user is None or not user.active:
        raise PermissionDeniedError("sign in first")
    if not user.role.at_least(role):
        raise PermissionDeniedError(f"{user.name} is a {user.role.value}; this needs a {role.value} or above")
    return user


def list_users(store: Store) -> list[User]:
    with store.read() as conn:
        return users_repo.list_users(conn)


def update_user(store: Store, actor: User, name: str, *, role: UserRole | None = None, active: bool | None = None, password: str | None = None) -> User:
    """Change a user's role, activity or password (admins only)."""
    require(actor, UserRole.ADMIN)
    hashed = hash_password(password) if password is not None else None
    with store.write() as conn:
        user, _ = users_repo.lock(conn, users_repo.get_by_name(conn, name).id)
        users_repo.update(conn, user.id, role=role, active=active)
        if hashed:
            users_repo.set_password_hash(conn, user.id, hashed)
        if hashed or (active is not None and active != user.active):
            # A reset password or a deactivation ends every session (they last days), so a
            # stolen cookie or an old sign-in does not outlive it, nor come back on reactivation.
            sessions_repo.delete_for_user(conn, user.id)
        return users_repo.get_by_name(conn, name)


SHELL_USER = "cli"


def shell_actor(store: Store) -> User:
    """The person at the shell, as a stored admin without a password (it cannot sign in).

    Commands act for whoever can open the database file or URL; a stored user gives the
    decisions they append (reopen, adjudication) a real author in the log.
    """
    with store.write() as conn:
        return users_repo.ensure(conn, SHELL_USER, UserRole.ADMIN)
