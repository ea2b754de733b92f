"""Sessions: hashed tokens, signed cookies, sign-out that really ends the session."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from curator.models import utcnow
from curator.services import auth
from curator.services.users import update_user
from curator.store import Store
from curator.store.schema import sessions
from conftest import make_user
from curator.models import UserRole


def test_sign_in_stores_only_the_hash_of_the_token(store: Store) -> None:
    make_user(store, "ana", password="correct-horse")
    signed = auth.sign_in(store, "ana", "correct-horse")
    assert signed is not None
    user, token = signed
    assert user.name == "ana"
    with store.read() as conn:
        stored = list(conn.scalars(sa.select(sessions.c.token_hash)))
    assert stored == [auth.hash_token(token)]
    assert token not in stored[0]
    assert auth.resolve_session(store, token) == user


def test_wrong_password_or_unknown_name_opens_no_session(sqlite_store: Store) -> None:
    store = sqlite_store
    make_user(store, "ana", password="correct-horse")
    assert auth.sign_in(store, "ana", "wrong-password") is None
    assert auth.sign_in(store, "nobody", "correct-horse") is None
    with store.read() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(sessions)) == 0


def test_sign_out_deletes_the_row_so_the_token_stops_working(store: Store) -> None:
    token = auth.create_session(store, make_user(store, "ana"))
    assert auth.sign_out(store, token) is True
    assert auth.resolve_session(store, token) is None
    assert auth.sign_out(store, token) is False


def test_expired_session_and_deactivated_user_resolve_to_nobody(store: Store) -> None:
    ana = make_user(store, "ana")
    admin = make_user(store, "root", UserRole.ADMIN)
    token = auth.create_session(store, ana, ttl=timedelta(minutes=5))
    assert auth.resolve_session(store, token, now=utcnow() + timedelta(minutes=6)) is None
    assert auth.resolve_session(store, token) is not None
    update_user(store, admin, "ana", active=False)
    assert auth.resolve_session(store, token) is None


def test_cookie_signature_rejects_tampering(sqlite_store: Store) -> None:
    secret = auth.cookie_secret(sqlite_store)
    assert auth.cookie_secret(sqlite_store) == secret  # created once, then reused
    value = auth.sign_cookie("tok", secret)
    assert auth.unsign_cookie(value, secret) == "tok"
    assert auth.unsign_cookie("tok2" + value[3:], secret) is None
    assert auth.unsign_cookie(value[:-1] + ("0" if value[-1] != "0" else "1"), secret) is None
    assert auth.unsign_cookie("no-dot", secret) is None
    assert auth.unsign_cookie(None, secret) is None
    assert auth.unsign_cookie(value, b"another-key") is None


def test_a_password_reset_ends_every_session_of_the_user(store: Store) -> None:
    admin = make_user(store, "root", UserRole.ADMIN)
    ana = make_user(store, "ana", password="correct-horse")
    tokens = [auth.create_session(store, ana) for _ in range(2)]
    other = auth.create_session(store, admin)
    update_user(store, admin, "ana", password="a-brand-new-one")
    assert [auth.resolve_session(store, t) for t in tokens] == [None, None]
    assert auth.resolve_session(store, other) == admin  # only the reset user's sessions end
    assert auth.sign_in(store, "ana", "correct-horse") is None
    assert auth.sign_in(store, "ana", "a-brand-new-one") is not None


def test_reactivating_a_user_does_not_bring_old_sessions_back(store: Store) -> None:
    admin = make_user(store, "root", UserRole.ADMIN)
    token = auth.create_session(store, make_user(store, "ana"))
    update_user(store, admin, "ana", active=False)
    update_user(store, admin, "ana", active=True)
    assert auth.resolve_session(store, token) is None


def test_changing_only_the_role_keeps_sessions_and_demotion_applies_at_once(store: Store) -> None:
    admin = make_user(store, "root", UserRole.ADMIN)
    token = auth.create_session(store, make_user(store, "lea", UserRole.LEAD))
    update_user(store, admin, "lea", role=UserRole.REVIEWER, active=True)  # active unchanged
    user = auth.resolve_session(store, token)
    assert user is not None and user.role == UserRole.REVIEWER
