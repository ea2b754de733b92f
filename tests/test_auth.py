"""Sessions: hashed tokens, signed cookies, sign-out that really ends the session."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import make_user
from curator.models import UserRole, utcnow
from curator.services import auth
from curator.services.users import update_user
from curator.store import Store
from curator.store.schema import sessions


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


def test_a_ticket_gives_its_token_once_stores_neither_and_expires(store: Store) -> None:
    from curator.store.schema import sign_in_tickets

    token = auth.create_session(store, make_user(store, "ana"))
    ticket = auth.issue_ticket(store, token)
    with store.read() as conn:
        (row,) = conn.execute(sa.select(sign_in_tickets)).mappings().all()
    assert row["ticket_hash"] == auth.hash_token(ticket)
    assert token not in str(dict(row)) and token.encode().hex() not in row["sealed_token"]
    assert auth.redeem_ticket(store, "not-" + ticket) is None
    assert auth.redeem_ticket(store, ticket) == token
    assert auth.redeem_ticket(store, ticket) is None  # single use
    late = auth.issue_ticket(store, token)
    assert auth.redeem_ticket(store, late, now=utcnow() + auth.TICKET_TTL + timedelta(seconds=1)) is None
    auth.issue_ticket(store, token, now=utcnow() + auth.TICKET_TTL * 3)  # issuing purges expired ones
    with store.read() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(sign_in_tickets)) == 1


def test_processes_racing_for_one_ticket_get_the_token_once(db_url: str) -> None:
    import threading

    stores = [Store(db_url) for _ in range(6)]
    token = auth.create_session(stores[0], make_user(stores[0], "ana"))
    ticket = auth.issue_ticket(stores[0], token)
    barrier = threading.Barrier(len(stores))
    got: list[str | None] = []

    def redeem(s: Store) -> None:
        barrier.wait()
        got.append(auth.redeem_ticket(s, ticket))

    threads = [threading.Thread(target=redeem, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    assert sorted(got, key=lambda x: x or "") == [None] * (len(stores) - 1) + [token]


def test_a_session_cannot_open_on_credentials_revoked_during_sign_in(store: Store) -> None:
    from curator.errors import PermissionDeniedError
    from curator.services.users import check_password

    admin = make_user(store, "root", UserRole.ADMIN)
    make_user(store, "ana", password="correct-horse")
    user, verified = check_password(store, "ana", "correct-horse")
    update_user(store, admin, "ana", password="changed-meanwhile")  # between check and session
    with pytest.raises(PermissionDeniedError):
        auth.create_session(store, user, password_hash=verified)
    user, verified = check_password(store, "ana", "changed-meanwhile")
    update_user(store, admin, "ana", active=False)
    with pytest.raises(PermissionDeniedError):
        auth.create_session(store, user, password_hash=verified)


@pytest.mark.parametrize("blank_db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_upgrading_drops_the_sessions_of_users_deactivated_before(blank_db_url: str) -> None:
    from curator.store import migrate
    from curator.store.schema import users

    engine = Store(blank_db_url, upgrade=False).engine
    migrate.upgrade(engine, "0005")
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(users.insert(), [
            {"id": 1, "name": "ana", "role": "reviewer", "active": True, "created_at": now},
            {"id": 2, "name": "bo", "role": "reviewer", "active": False, "created_at": now},
        ])
        conn.execute(sessions.insert(), [
            {"token_hash": "a" * 64, "user_id": 1, "created_at": now, "expires_at": now + timedelta(days=1)},
            {"token_hash": "b" * 64, "user_id": 2, "created_at": now, "expires_at": now + timedelta(days=1)},
        ])
    upgraded = Store(blank_db_url)
    with upgraded.read() as conn:
        assert list(conn.scalars(sa.select(sessions.c.user_id))) == [1]
    upgraded.close()
    engine.dispose()
