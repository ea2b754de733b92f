"""Users: argon2id hashes, sign-in checks, taken names, role order."""

from __future__ import annotations

import pytest

from curator.errors import ConflictError, InvalidInputError, PermissionDeniedError
from curator.models import UserRole
from curator.services import users as svc
from curator.store import Store
from curator.store import users as users_repo


def test_password_is_stored_as_argon2id_and_checked(store: Store) -> None:
    svc.add_user(store, "ana", "reviewer", password="correct-horse")
    with store.read() as conn:
        assert users_repo.password_hash(conn, "ana").startswith("$argon2id$")
    assert svc.authenticate(store, "ana", "correct-horse").name == "ana"
    assert svc.authenticate(store, "ana", "wrong-horse") is None
    assert svc.authenticate(store, "nobody", "correct-horse") is None


def test_names_are_unique_and_checked(store: Store) -> None:
    svc.add_user(store, "ana", "reviewer")
    with pytest.raises(ConflictError):
        svc.add_user(store, "ana", "lead")
    with pytest.raises(InvalidInputError):
        svc.add_user(store, "two words", "lead")
    with pytest.raises(InvalidInputError, match="too short"):
        svc.add_user(store, "bo", "lead", password="short")


def test_deactivated_users_cannot_sign_in(store: Store) -> None:
    admin = svc.add_user(store, "root", "admin")
    svc.add_user(store, "ana", "reviewer", password="correct-horse")
    svc.update_user(store, admin, "ana", active=False)
    assert svc.authenticate(store, "ana", "correct-horse") is None


def test_role_order() -> None:
    assert UserRole.ADMIN.at_least(UserRole.LEAD)
    assert not UserRole.REVIEWER.at_least(UserRole.LEAD)
    with pytest.raises(PermissionDeniedError):
        svc.require(None, UserRole.REVIEWER)
